//go:build linux

package edge_test

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// offloads reads edgefn_edge_loop_offloads_total for a reason.
func (e *env) offloads(reason string) int {
	e.t.Helper()
	m := regexp.MustCompile(`(?m)^edgefn_edge_loop_offloads_total\{reason="` + reason + `"\} (\d+)$`).FindStringSubmatch(e.metrics())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestLoopSlowFunctionOffloaded (tenant safety on the event loop): a
// function that ran long runs on goroutines afterwards, so that a hostile
// function does not hold up the other connections of its loop; a quick
// function of the same edge stays on the loop. Its first long run is the
// only one on the loop.
func TestLoopSlowFunctionOffloaded(t *testing.T) {
	e := newEnv(t, onLoop)
	o := e.origin("web")
	hostile := e.distribution("hostile", behaviorFns(e.function("spin", `function handler(event) { while (true) {} }`), ""),
		[]types.Origin{o.customOrigin("")})
	quick := e.distribution("quick", behaviorFns(e.function("quick", `function handler(event) { return event.request; }`), ""),
		[]types.Origin{o.customOrigin("")})
	// A connection per request: an offloaded connection stays with the
	// goroutines, and the counts are the loop's.
	viewer := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	e.viewer = viewer

	if got := e.get(*hostile.DomainName, "/"); got.status != 503 {
		t.Fatalf("the spinning function: %d, want 503", got.status)
	}
	if n := e.offloads("slow_function"); n != 0 {
		t.Fatalf("%d requests offloaded before any function ran long", n)
	}
	for range 3 {
		if got := e.get(*quick.DomainName, "/"); got.status != 200 {
			t.Fatalf("quick function: %d", got.status)
		}
	}
	if n := e.offloads("slow_function"); n != 0 {
		t.Errorf("%d requests of a quick function offloaded", n)
	}

	// Hostile requests in flight while quick ones are served: the hostile
	// ones are all offloaded, every quick one answered.
	var wg sync.WaitGroup
	const inFlight = 4
	for range inFlight {
		wg.Go(func() {
			if got, err := e.try("GET", *hostile.DomainName, "/", ""); err != nil || got.status != 503 {
				t.Errorf("hostile request: %v %v", got.status, err)
			}
		})
	}
	for range 5 {
		if got := e.get(*quick.DomainName, "/"); got.status != 200 {
			t.Errorf("quick function beside the hostile one: %d", got.status)
		}
	}
	wg.Wait()
	if n := e.offloads("slow_function"); n != inFlight {
		t.Errorf("%d requests offloaded as slow functions, want the %d hostile ones after the first", n, inFlight)
	}
}
