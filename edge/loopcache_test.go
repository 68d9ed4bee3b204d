//go:build linux

package edge_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/edge/evloop"
)

// TestLoopCacheHit: the event loop answers what the cache may serve
// without asking the origin (a fresh object, with its 304s, ranges and
// 416s; a stale one within stale-while-revalidate) itself, the
// viewer-response function included; a miss, a stale object to revalidate
// and a cached error with a custom error page go to a goroutine.
func TestLoopCacheHit(t *testing.T) {
	e := newEnv(t, onLoop)
	o := e.cacheOrigin()
	d := e.distribution("loopcache", behaviorFns("", e.function("mark", markResponse)), []types.Origin{o.customOrigin("")}, legacyCaching,
		func(c *types.DistributionConfig) {
			c.CustomErrorResponses = &types.CustomErrorResponses{Quantity: aws.Int32(1), Items: []types.CustomErrorResponse{
				{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200")},
			}}
		})
	host := *d.DomainName
	// A connection per request: an offloaded connection stays with the
	// goroutines, and each request is to start on the loop.
	e.viewer = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}

	const fresh, stale, swr = "/fresh?etag=%22v1%22", "/stale?cc=max-age%3D1&etag=%22v1%22", "/swr?cc=max-age%3D1,stale-while-revalidate%3D60"
	for _, target := range []string{fresh, stale, swr, "/missing?status=404"} {
		if r := e.get(host, target); r.xCache() != "Miss" && r.xCache() != "Error" {
			t.Fatalf("priming %s: %d %s", target, r.status, r.xCache())
		}
	}
	// The 404's page, /index.html, was fetched by the 404's goroutine.
	if n := e.offloads("cache"); n != 4 {
		t.Fatalf("%d misses offloaded, want 4", n)
	}
	hits := o.hits.Load()

	for _, tt := range []struct {
		name   string
		header []string
		status int
		body   string
		xCache string
	}{
		{"fresh", nil, 200, "response 1", "Hit"},
		{"conditional", []string{"If-None-Match", `"v1"`}, 304, "", "Hit"},
		{"range", []string{"Range", "bytes=0-3"}, 206, "resp", "Hit"},
		{"range not satisfiable", []string{"Range", "bytes=100-"}, 416, "", "Error"},
	} {
		r := e.get(host, fresh, tt.header...)
		if r.status != tt.status || (tt.body != "" && r.body != tt.body) || r.xCache() != tt.xCache {
			t.Errorf("%s: %d %q %s", tt.name, r.status, r.body, r.xCache())
		}
		if tt.status < 300 && r.header.Get("X-Viewer-Response") != "ran" {
			t.Errorf("%s: the viewer-response function did not run: %v", tt.name, r.header)
		}
	}
	if n := e.offloads("cache"); n != 4 {
		t.Errorf("%d requests offloaded after hits, want the 4 misses", n)
	}

	// A cached 404 with a page: the page is the cache's too, but may not
	// be, so it leaves the loop.
	if r := e.get(host, "/missing?status=404"); r.status != 200 || r.xCache() != "Error" {
		t.Errorf("cached 404 with a page: %d %s", r.status, r.xCache())
	}
	if n := e.offloads("cache"); n != 5 {
		t.Errorf("%d requests offloaded after a cached error with a page, want 5", n)
	}

	time.Sleep(1100 * time.Millisecond)
	if r := e.get(host, swr); r.status != 200 || r.xCache() != "Hit" {
		t.Errorf("stale within stale-while-revalidate: %d %s", r.status, r.xCache())
	}
	if n := e.offloads("cache"); n != 5 {
		t.Errorf("%d requests offloaded after a stale-while-revalidate hit, want 5", n)
	}
	if r := e.get(host, stale); r.status != 200 || r.xCache() != "RefreshHit" {
		t.Errorf("stale, revalidated: %d %s", r.status, r.xCache())
	}
	if n := e.offloads("cache"); n != 6 {
		t.Errorf("%d requests offloaded after a revalidation, want 6", n)
	}
	// The revalidation, and the refresh in the background.
	deadline := time.Now().Add(waitFor)
	for o.hits.Load()-hits < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := o.hits.Load() - hits; n != 2 {
		t.Errorf("origin reached %d times after the misses, want 2", n)
	}
}

// TestLoopCacheHitBesideFill: on one loop, a hit for one key is answered
// while the fill of another is under way, and a request joining that fill
// leaves the loop rather than wait on it. The loop is the test's goroutine,
// calling the handler as evloop does.
func TestLoopCacheHitBesideFill(t *testing.T) {
	e := newEnv(t)
	started, release := make(chan struct{}, 1), make(chan struct{})
	o := &origin{name: "gated"}
	var mu sync.Mutex
	reached := map[string]int{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reached[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/b" {
			started <- struct{}{}
			<-release
		}
		w.Header().Set("Cache-Control", "max-age=60")
		w.Write([]byte("object " + r.URL.Path))
	}))
	t.Cleanup(o.srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	u, _ := url.Parse(o.srv.URL)
	o.port, _ = strconv.Atoi(u.Port())
	d := e.distribution("fill", nil, []types.Origin{o.customOrigin("")}, legacyCaching)
	h := e.srv.LoopHandler()
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}

	// request runs the request phase on a new exchange for path, failing
	// when it does not return.
	request := func(path string) (*evloop.Exchange, evloop.Step) {
		t.Helper()
		var viewer fasthttp.Request
		viewer.SetRequestURI(path)
		viewer.Header.SetHost(*d.DomainName)
		lx := new(evloop.Exchange)
		lx.Ctx.Init(&viewer, addr, nil)
		step := make(chan evloop.Step, 1)
		go func() { step <- h.Request(lx) }()
		select {
		case s := <-step:
			return lx, s
		case <-time.After(waitFor):
			t.Fatalf("%s: the request phase blocked the loop", path)
			return nil, 0
		}
	}
	xCache := func(lx *evloop.Exchange) string { return string(lx.Ctx.Response.Header.Peek("X-Cache")) }

	a, step := request("/a")
	if step != evloop.Offload {
		t.Fatalf("miss of /a: step %d, want Offload", step)
	}
	a.Slow()
	if a.Ctx.Response.StatusCode() != 200 || xCache(a) != "Miss from cloudfront" {
		t.Fatalf("miss of /a: %d %s", a.Ctx.Response.StatusCode(), xCache(a))
	}

	var wg sync.WaitGroup
	b1, step := request("/b")
	if step != evloop.Offload {
		t.Fatalf("miss of /b: step %d, want Offload", step)
	}
	wg.Go(b1.Slow)
	<-started
	b2, step := request("/b")
	if step != evloop.Offload {
		t.Fatalf("/b while its fill is under way: step %d, want Offload", step)
	}
	wg.Go(b2.Slow)

	for range 3 {
		hit, step := request("/a")
		if step != evloop.Done || hit.Ctx.Response.StatusCode() != 200 || xCache(hit) != "Hit from cloudfront" ||
			string(hit.Ctx.Response.Body()) != "object /a" {
			t.Fatalf("hit of /a beside the fill of /b: step %d, %d %s %q", step, hit.Ctx.Response.StatusCode(), xCache(hit), hit.Ctx.Response.Body())
		}
	}

	close(release)
	wg.Wait()
	for i, b := range []*evloop.Exchange{b1, b2} {
		if b.Ctx.Response.StatusCode() != 200 || string(b.Ctx.Response.Body()) != "object /b" {
			t.Errorf("/b #%d: %d %q", i, b.Ctx.Response.StatusCode(), b.Ctx.Response.Body())
		}
	}
	if xCache(b1)+xCache(b2) != "Miss from cloudfrontHit from cloudfront" {
		t.Errorf("/b: X-Cache %q and %q, want a Miss and the Hit that joined it", xCache(b1), xCache(b2))
	}
	mu.Lock()
	defer mu.Unlock()
	if reached["/a"] != 1 || reached["/b"] != 1 {
		t.Errorf("origin reached %v, want each path once", reached)
	}
}
