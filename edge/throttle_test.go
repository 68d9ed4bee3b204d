package edge_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestHostileFunctionThrottled: a function whose runs keep hitting the time
// or memory limit is throttled, answered 503 FunctionThrottledError without
// running, while a good distribution beside it keeps answering 200.
func TestHostileFunctionThrottled(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	good := e.distribution("good", behaviorFns(e.function("good", `function handler(event) { return event.request; }`), ""), []types.Origin{web.customOrigin("")})
	tests := []struct{ name, body string }{
		{"loop", `while (true) {}`},
		{"string bomb", `var s = 'x'; for (;;) s += s;`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.ReplaceAll(tt.name, " ", "")
			fn := e.function(name, "function handler(event) { "+tt.body+" }")
			d := e.distribution(name, behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})
			const conns, each = 4, 10
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan string, 2*conns*each)
			for range conns {
				wg.Go(func() {
					for range each {
						if r, err := e.try("GET", *d.DomainName, "/", ""); err != nil || r.status != 503 {
							errs <- fmt.Sprintf("hostile: %d %v", r.status, err)
						}
						if r, err := e.try("GET", *good.DomainName, "/", ""); err != nil || r.status != 200 {
							errs <- fmt.Sprintf("good: %d %v", r.status, err)
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			m := e.metrics()
			invocations := metric(t, m, "edgefn_function_invocations_total", *d.Id, name)
			throttled := metric(t, m, "edgefn_function_throttles_total", *d.Id, name)
			// 8 at once, then one a second (edge/runtime.go), and the runs in
			// flight when the debt was reached.
			if most := 8 + int(elapsed/time.Second) + 1 + conns; invocations > most {
				t.Errorf("%d runs of the hostile function in %v, want at most %d", invocations, elapsed, most)
			}
			if invocations >= conns*each || throttled == 0 {
				t.Errorf("%d runs, %d throttled: want it throttled", invocations, throttled)
			}
		})
	}
}

func metric(t *testing.T, text, name, dist, fn string) int {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(fmt.Sprintf(`%s{distribution_id="%s",function_name="%s"} `, name, dist, fn)) + `(\d+)`).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
