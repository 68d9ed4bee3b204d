package runtime

import (
	"context"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// typicalRequest is the benchmark's "typical viewer-request function": header
// reads, a uri rewrite and an added header.
const typicalRequest = `function handler(event) {
	var request = event.request;
	var headers = request.headers;
	var ua = headers['user-agent'] ? headers['user-agent'].value : '';
	if (ua.indexOf('bot') >= 0) request.uri = '/bot' + request.uri;
	if (request.uri.endsWith('/')) request.uri += 'index.html';
	else if (request.uri.indexOf('.') < 0) request.uri += '/index.html';
	headers['x-edge'] = {value: 'edgefn'};
	return request;
}`

const redirect = `function handler(event) {
	var host = event.request.headers.host.value;
	return {
		statusCode: 301,
		statusDescription: 'Moved Permanently',
		headers: {location: {value: 'https://' + host + event.request.uri}, 'cache-control': {value: 'max-age=3600'}},
	};
}`

const kvsLookup = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
	const request = event.request;
	try {
		request.uri = await kvs.get(request.uri);
	} catch (err) {}
	return request;
}`

// benchEvent is a realistic viewer request: a dozen headers as browsers send.
func benchEvent() *event.Event {
	ev := viewerRequest()
	ev.Request.URI = "/products/shoes"
	ev.Request.Headers = event.Fields{
		{Name: "host", Value: "www.example.com"},
		{Name: "user-agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
		{Name: "accept", Value: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{Name: "accept-language", Value: "en-US,en;q=0.5"},
		{Name: "accept-encoding", Value: "gzip, deflate, br"},
		{Name: "referer", Value: "https://www.example.com/"},
		{Name: "upgrade-insecure-requests", Value: "1"},
		{Name: "sec-fetch-dest", Value: "document"},
		{Name: "sec-fetch-mode", Value: "navigate"},
		{Name: "sec-fetch-site", Value: "same-origin"},
		{Name: "cloudfront-viewer-country", Value: "DE"},
		{Name: "cache-control", Value: "max-age=0"},
	}
	return ev
}

// edgeFunction is the function of the edge's benchmark (edge/bench_test.go):
// small enough that the runtime's own cost per run dominates.
const edgeFunction = `function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}`

// edgeEvent is the event the edge builds for a load generator's request.
func edgeEvent() *event.Event {
	return &event.Event{
		Version: "1.0",
		Context: event.Context{DistributionDomainName: "d111111abcdef8.cloudfront.net", DistributionID: "EDFDVBD6EXAMPLE", EventType: event.ViewerRequest, RequestID: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
		Viewer:  event.Viewer{IP: "127.0.0.1"},
		Request: event.Request{
			Method:      "GET",
			URI:         "/index.html",
			Querystring: event.Fields{{Name: "a", Value: "1"}},
			RawQuery:    "a=1", HasQuery: true,
			Headers: event.Fields{
				{Name: "host", Value: "d111111abcdef8.cloudfront.net"},
				{Name: "user-agent", Value: "fasthttp"},
			},
		},
	}
}

func benchProgram(b *testing.B, code string) *Program {
	return benchProgramFor(b, code, edgefn.RuntimeJS2)
}

func benchProgramFor(b *testing.B, code string, rt edgefn.Runtime) *Program {
	b.Helper()
	// Under valgrind (instruction counts) a run takes far longer than the
	// default 20ms timeout allows.
	p, err := New(Options{Timeout: time.Minute}).Compile([]byte(code), rt)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// benchRun includes the whole round trip: event in, FunctionOutput-ready
// Output back.
func benchRun(b *testing.B, code string, kvs KeyValueStore) {
	p := benchProgram(b, code)
	ev := benchEvent()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := p.Run(ctx, ev, kvs); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

func BenchmarkViewerRequest(b *testing.B) { benchRun(b, typicalRequest, nil) }
func BenchmarkRedirect(b *testing.B)      { benchRun(b, redirect, nil) }
func BenchmarkKVSLookup(b *testing.B) {
	benchRun(b, kvsLookup, fakeKVS{items: map[string]string{"/products/shoes": "/p/shoes.html"}})
}

// BenchmarkEdgeFunction is the edge benchmark's function and event.
func BenchmarkEdgeFunction(b *testing.B)    { benchEdge(b, edgefn.RuntimeJS2) }
func BenchmarkEdgeFunctionJS1(b *testing.B) { benchEdge(b, edgefn.RuntimeJS1) }

func benchEdge(b *testing.B, rt edgefn.Runtime) {
	p := benchProgramFor(b, edgeFunction, rt)
	ev := edgeEvent()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if res := p.Run(ctx, ev, nil); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

// BenchmarkViewerRequestParallel is the same on every core, as the edge runs it.
func BenchmarkViewerRequestParallel(b *testing.B) {
	p := benchProgram(b, typicalRequest)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ev := benchEvent()
		for pb.Next() {
			if res := p.Run(context.Background(), ev, nil); res.Err != nil {
				b.Error(res.Err)
				return
			}
		}
	})
}

// BenchmarkCompile is the cold path: gate, compile, first VM, first run.
func BenchmarkCompile(b *testing.B) {
	eng := New(Options{})
	ev := benchEvent()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := eng.Compile([]byte(typicalRequest), edgefn.RuntimeJS2)
		if err != nil {
			b.Fatal(err)
		}
		if res := p.Run(context.Background(), ev, nil); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

// TestNoGrowth runs many invocations (including failing ones) and checks that
// neither goroutines nor the live heap grow.
func TestNoGrowth(t *testing.T) {
	eng := New(Options{Timeout: 5 * time.Millisecond})
	ok, err := eng.Compile([]byte(typicalRequest), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := eng.Compile([]byte(`function handler(e) { if (e.request.uri === '/loop') while (true) {} return e.request.headers.nope.value; }`), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	ev, loop := benchEvent(), benchEvent()
	loop.Request.URI = "/loop"
	measure := func() (int, uint64) {
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		return goruntime.NumGoroutine(), ms.HeapAlloc
	}
	round := func(n int) {
		for i := 0; i < n; i++ {
			ok.Run(context.Background(), ev, nil)
			if i%100 == 0 {
				bad.Run(context.Background(), ev, nil)
			}
			if i%20000 == 0 {
				bad.Run(context.Background(), loop, nil)
			}
		}
	}
	round(20000) // warm the pools
	g0, h0 := measure()
	round(200000)
	g1, h1 := measure()
	if g1 > g0 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	if h1 > h0+8<<20 {
		t.Errorf("live heap grew from %d to %d bytes", h0, h1)
	}
}

// BenchmarkSteadyState reports goroutine and live-heap growth across b.N
// invocations; run it with -benchtime=1000000x for the 1e6 figure.
func BenchmarkSteadyState(b *testing.B) {
	p := benchProgram(b, typicalRequest)
	ev := benchEvent()
	measure := func() (int, uint64) {
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		return goruntime.NumGoroutine(), ms.HeapAlloc
	}
	p.Run(context.Background(), ev, nil)
	g0, h0 := measure()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Run(context.Background(), ev, nil)
	}
	b.StopTimer()
	g1, h1 := measure()
	b.ReportMetric(float64(g1-g0), "goroutines-grown")
	b.ReportMetric(float64(int64(h1)-int64(h0))/1024, "heap-KiB-grown")
}
