package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// hostileRSSBound is the peak resident memory the serve process may reach
// while hostile functions run beside a good one (docs/DESIGN.md, "Runtime":
// each run is stopped at 2 MB of allocations, a failing function runs at
// most 8 runs at once). Without the memory limit, string doubling took the
// process to gigabytes.
const hostileRSSBound = 256 << 20

// TestHostileFunction: LIVE functions that loop forever and double a string
// without end, driven by 8 connections, beside a good distribution driven
// by 4: every good request is answered 200, every hostile one 503, and the
// process's peak memory stays under hostileRSSBound.
func TestHostileFunction(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "good")
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	domain := func(name, code string) string {
		fn, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code),
			FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
		if err != nil {
			t.Fatalf("CreateFunction %s: %v", name, err)
		}
		live, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: fn.ETag})
		if err != nil {
			t.Fatalf("PublishFunction %s: %v", name, err)
		}
		d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin(name, originPort,
			&cftypes.DefaultCacheBehavior{
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
				FunctionAssociations: onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN),
			})})
		if err != nil {
			t.Fatalf("CreateDistribution %s: %v", name, err)
		}
		return aws.ToString(d.Distribution.DomainName)
	}
	good := domain("good", `function handler(event) { event.request.headers['x-good'] = {value: '1'}; return event.request; }`)
	loop := domain("loop", `function handler(event) { while (true) {} }`)
	bomb := domain("bomb", `function handler(event) { var s = 'x'; for (;;) s = s + s; }`)

	viewer := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 30 * time.Second}
	get := func(host string) (int, error) {
		req, err := http.NewRequestWithContext(c, "GET", s.edgeURL+"/", nil)
		if err != nil {
			return 0, err
		}
		req.Host = host
		resp, err := viewer.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, err
	}
	// The edge follows the store: the distributions appear within moments.
	for _, host := range []string{good, loop, bomb} {
		eventually(t, 10*time.Second, host+" served", func() (bool, error) {
			status, err := get(host)
			return status != http.StatusForbidden, err
		})
	}

	const hostileConns, goodConns, requests = 8, 4, 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]map[int]int{"good": {}, "hostile": {}}
	drive := func(kind, host string) {
		for range requests {
			status, err := get(host)
			mu.Lock()
			if err != nil {
				status = -1
				t.Errorf("%s: %v", kind, err)
			}
			statuses[kind][status]++
			mu.Unlock()
		}
	}
	for i := range hostileConns {
		wg.Go(func() { drive("hostile", []string{loop, bomb}[i%2]) })
	}
	for range goodConns {
		wg.Go(func() { drive("good", good) })
	}
	wg.Wait()

	if n := statuses["good"][http.StatusOK]; n != goodConns*requests {
		t.Errorf("good distribution: statuses %v, want %d × 200", statuses["good"], goodConns*requests)
	}
	if n := statuses["hostile"][http.StatusServiceUnavailable]; n != hostileConns*requests {
		t.Errorf("hostile distributions: statuses %v, want %d × 503", statuses["hostile"], hostileConns*requests)
	}
	peak := procStatusBytes(t, s.cmd.Process.Pid, "VmHWM")
	t.Logf("peak RSS %d MB (bound %d MB); good %v, hostile %v", peak>>20, hostileRSSBound>>20, statuses["good"], statuses["hostile"])
	if peak > hostileRSSBound {
		t.Errorf("the server's peak RSS reached %d MB, over the %d MB bound", peak>>20, hostileRSSBound>>20)
	}
}

// procStatusBytes reads a memory field (VmRSS, VmHWM…) of /proc/pid/status.
func procStatusBytes(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}
