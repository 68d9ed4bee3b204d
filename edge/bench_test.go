package edge_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/edge/evloop"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/internal/devcert"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

// benchFunction is the function of bench/edge.sh: a uri rewrite and an
// added header.
const benchFunction = `function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}`

// BenchmarkProxy measures a viewer request through the edge to an origin in
// the same process, over loopback, with and without a viewer-request
// function; Cached answers from the cache (CachingOptimized), with the
// function or without; TLS is a viewer over HTTPS (kept alive: the
// handshakes are BenchmarkMtlsHandshake's). Plain HTTP is served on the
// event loops (on Linux), or on the goroutine server with -goroutines.
func BenchmarkProxy(b *testing.B) {
	cert, err := devcert.New("edge", time.Hour, "*.cloudfront.net")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name     string
		function bool
		policy   string
		tls      bool
	}{
		{"NoFunction", false, "", false}, {"Function", true, "", false},
		{"Cached", false, edgefn.CachingOptimizedID, false}, {"CachedFunction", true, edgefn.CachingOptimizedID, false},
		{"TLS", false, "", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			serve := (*edge.Server).Serve
			switch {
			case bc.tls:
				serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}}
				serve = func(s *edge.Server, ln net.Listener) error { return s.ServeTLS(ln, serverTLS) }
			case *allOnGoroutines:
				serve = (*edge.Server).ServeGoroutines
			}
			host := benchEdge(b, bc.function, bc.policy, nil, serve)
			c := &fasthttp.HostClient{Addr: host.addr, MaxConns: 512, IsTLS: bc.tls,
				TLSConfig: &tls.Config{ServerName: host.domain, InsecureSkipVerify: true}}
			uri := "/index.html?a=1"
			if bc.tls {
				uri = "https://" + host.domain + uri
			}
			// One request first: the cached cases then measure hits.
			scheme := "http://"
			if bc.tls {
				scheme = "https://"
			}
			if status, _, err := c.Get(nil, scheme+host.domain+"/index.html?a=1"); err != nil || status != 200 {
				b.Fatalf("first request: %d %v", status, err)
			}
			b.ReportAllocs()
			// Many requests in flight, as a load generator keeps them: the
			// figure is throughput, not one request's latency.
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				for pb.Next() {
					req.Reset()
					req.SetRequestURI(uri)
					req.Header.SetHost(host.domain)
					if err := c.Do(req, resp); err != nil {
						b.Fatal(err)
					}
					if resp.StatusCode() != 200 {
						b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
					}
				}
			})
		})
	}
}

// BenchmarkHandler measures the edge's own work on a request, without the
// network: the loop path's request phase (the checks, the function when
// there is one, the origin request), then, with a canned origin response,
// its response phase (cleaning the origin's headers, the edge's headers,
// metrics and the access log); CachedHit is a hit of a behavior with
// CachingOptimized, answered by the request phase. It is what callgrind
// counts best (see CONTRIBUTING.md).
func BenchmarkHandler(b *testing.B) {
	for _, bc := range []struct {
		name     string
		function bool
		policy   string
	}{{"NoFunction", false, ""}, {"Function", true, ""}, {"CachedHit", false, edgefn.CachingOptimizedID}} {
		b.Run(bc.name, func(b *testing.B) {
			srv, host := benchServer(b, bc.function, bc.policy, nil)
			h := srv.LoopHandler()
			var viewer fasthttp.Request
			viewer.SetRequestURI("/index.html?a=1")
			viewer.Header.SetHost(host.domain)
			viewer.Header.SetUserAgent("fasthttp")
			var origin fasthttp.Response
			head := "HTTP/1.1 200 OK\r\nServer: fasthttp\r\nDate: Mon, 07 Dec 2026 12:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\nhello from the origin\n"
			if err := origin.Read(bufio.NewReader(strings.NewReader(head))); err != nil {
				b.Fatal(err)
			}
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
			var lx evloop.Exchange
			want := evloop.Forward
			if bc.policy != "" {
				// The miss, from the benchmark's origin, on a goroutine.
				lx.Ctx.Init(&viewer, addr, nil)
				if step := h.Request(&lx); step != evloop.Offload {
					b.Fatalf("miss: step %d, %s", step, lx.Ctx.Response.Body())
				}
				lx.Slow()
				want = evloop.Done
			}
			b.ReportAllocs()
			for b.Loop() {
				lx.Ctx.Init(&viewer, addr, nil)
				if step := h.Request(&lx); step != want {
					b.Fatalf("request phase: step %d, %s", step, lx.Ctx.Response.Body())
				}
				if want == evloop.Forward {
					origin.CopyTo(&lx.Ctx.Response)
					h.Response(&lx, nil)
				}
				if lx.Ctx.Response.StatusCode() != 200 {
					b.Fatalf("status %d", lx.Ctx.Response.StatusCode())
				}
			}
		})
	}
}

type benchHost struct{ addr, domain string }

// benchEdge starts an origin, a store with one distribution (caching by
// policy, when set; setup, when set, changes it before it is created) and
// the edge, which serve runs on its listener.
func benchEdge(b *testing.B, withFunction bool, policy string, setup func(*store.Store, *edgefn.DistributionConfig), serve func(*edge.Server, net.Listener) error) benchHost {
	b.Helper()
	srv, host := benchServer(b, withFunction, policy, setup)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go serve(srv, ln)
	b.Cleanup(func() { srv.Shutdown(context.Background()) })
	host.addr = ln.Addr().String()
	return host
}

// benchServer starts an origin and a store with one distribution (caching
// by policy, when set; setup, when set, changes it before it is created),
// and returns the edge that serves it, not yet listening.
func benchServer(b *testing.B, withFunction bool, policy string, setup func(*store.Store, *edgefn.DistributionConfig)) (*edge.Server, benchHost) {
	b.Helper()
	originLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte("hello from the origin\n")
	origin := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain")
		ctx.SetBody(body)
	}}
	go origin.Serve(originLn)
	b.Cleanup(func() { origin.Shutdown() })

	db, err := bolt.Open(filepath.Join(b.TempDir(), "edgefn.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st := store.New(db, edgefn.DefaultLimits())
	ctx := context.Background()
	port := originLn.Addr().(*net.TCPAddr).Port
	cfg := edgefn.DistributionConfig{
		CallerReference: "bench",
		Enabled:         true,
		Origins: []edgefn.Origin{{ID: "origin", DomainName: "localhost",
			Custom: &edgefn.CustomOrigin{HTTPPort: port, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}}},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "origin", ViewerProtocolPolicy: "allow-all", CachePolicyID: policy},
	}
	if withFunction {
		fn, err := st.CreateFunction(ctx, account, "bench", edgefn.FunctionConfig{Runtime: edgefn.RuntimeJS1}, []byte(benchFunction))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.PublishFunction(ctx, account, "bench", fn.ETag); err != nil {
			b.Fatal(err)
		}
		cfg.DefaultCacheBehavior.FunctionAssociations = []edgefn.FunctionAssociation{{EventType: "viewer-request", FunctionARN: edgefn.FunctionARN(account, "bench")}}
	}
	if setup != nil {
		setup(st, &cfg)
	}
	d, err := st.CreateDistribution(ctx, account, cfg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}

	rep := replica.New(st, runtime.New(edge.RuntimeOptions()), nil)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rep.Run(rctx)
	}()
	b.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(waitFor)
	for s := rep.State(); s == nil || s.Distribution(d.DomainName) == nil; s = rep.State() {
		if time.Now().After(deadline) {
			b.Fatal("the replica never served the distribution")
		}
		time.Sleep(time.Millisecond)
	}
	srv, err := edge.New(edge.Config{States: rep, CacheBytes: 64 << 20, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		b.Fatal(err)
	}
	return srv, benchHost{domain: d.DomainName}
}
