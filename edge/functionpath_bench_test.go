package edge

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// BenchmarkFunctionPath measures, without the network, what the edge does to
// build a viewer's request for its origin:
//
//   - NoFunction: the origin request alone (no viewer-request function);
//   - Function: the event, the run of bench_test.go's function, its checks
//     and the origin request written from its result;
//   - Run: that function's run alone, on the same event.
//
// What a function costs the edge besides its JavaScript is Function minus
// NoFunction minus Run.
func BenchmarkFunctionPath(b *testing.B) {
	for _, rc := range []struct{ name, head string }{
		// What BenchmarkProxy's client sends.
		{"Proxy", "GET /index.html?a=1 HTTP/1.1\r\nHost: d111111abcdef8.cloudfront.net\r\nUser-Agent: fasthttp\r\n\r\n"},
		{"Browser", "GET /products/shoes?color=red&size=42 HTTP/1.1\r\n" +
			"Host: d111111abcdef8.cloudfront.net\r\n" +
			"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
			"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
			"Accept-Language: en-US,en;q=0.5\r\n" +
			"Accept-Encoding: gzip, deflate, br\r\n" +
			"Referer: https://www.example.com/\r\n" +
			"Upgrade-Insecure-Requests: 1\r\n" +
			"Sec-Fetch-Dest: document\r\n" +
			"Sec-Fetch-Mode: navigate\r\n" +
			"Sec-Fetch-Site: same-origin\r\n" +
			"Cookie: session=abc123; theme=dark\r\n" +
			"Connection: keep-alive\r\n\r\n"},
	} {
		b.Run(rc.name, func(b *testing.B) {
			p := newPathBench(b, rc.head)
			b.Run("NoFunction", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					x := p.exchange()
					p.req.Reset()
					p.s.originRequest(x, p.req, &p.target, x.uri, x.query, x.hasQuery, nil, nil)
				}
			})
			b.Run("Function", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.function(b, p.exchange())
				}
			})
			b.Run("Run", func(b *testing.B) {
				ev := p.exchange().event(event.ViewerRequest, p.exchange().viewerRequest(), nil)
				b.ReportAllocs()
				for b.Loop() {
					if res := p.fn.Program.Run(context.Background(), ev, nil); res.Err != nil {
						b.Fatal(res.Err)
					}
				}
			})
		})
	}
}

// BenchmarkFunctionBody is Function of BenchmarkFunctionPath (the Proxy
// request) for functions that change more and more of the request: what
// a function's changes cost the edge beside its run.
func BenchmarkFunctionBody(b *testing.B) {
	for _, fc := range []struct{ name, body string }{
		{"Unchanged", ``},
		{"URI", `request.uri = '/rewritten' + request.uri;`},
		{"Header", `request.headers['x-edge'] = {value: 'edgefn'};`},
		{"Both", `request.uri = '/rewritten' + request.uri; request.headers['x-edge'] = {value: 'edgefn'};`},
	} {
		b.Run(fc.name, func(b *testing.B) {
			p := newPathBench(b, "GET /index.html?a=1 HTTP/1.1\r\nHost: d111111abcdef8.cloudfront.net\r\nUser-Agent: fasthttp\r\n\r\n")
			prog, err := runtime.New(RuntimeOptions()).Compile([]byte(`function handler(event) { var request = event.request; `+fc.body+` return request; }`), edgefn.RuntimeJS1)
			if err != nil {
				b.Fatal(err)
			}
			p.fn.Program = prog
			x := p.exchange()
			b.ReportAllocs()
			for b.Loop() {
				p.function(b, x)
			}
		})
	}
}

// pathBench is a Server with no listener, a viewer's request and a
// distribution whose behavior runs bench_test.go's function.
type pathBench struct {
	s        *Server
	ctx      *fasthttp.RequestCtx
	dist     *replica.Distribution
	behavior *replica.Behavior
	fn       *replica.Function
	target   target
	req      *fasthttp.Request
}

func newPathBench(b *testing.B, head string) *pathBench {
	b.Helper()
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	var viewer fasthttp.Request
	if err := viewer.Read(bufio.NewReader(strings.NewReader(head))); err != nil {
		b.Fatal(err)
	}
	prog, err := runtime.New(RuntimeOptions()).Compile([]byte(`function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}`), edgefn.RuntimeJS1)
	if err != nil {
		b.Fatal(err)
	}
	origin := &edgefn.Origin{ID: "origin", DomainName: "origin.example.com",
		Custom: &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}}
	fn := &replica.Function{Name: "bench", Program: prog}
	p := &pathBench{
		s:        s,
		ctx:      new(fasthttp.RequestCtx),
		dist:     &replica.Distribution{ID: "EDFDVBD6EXAMPLE", DomainName: "d111111abcdef8.cloudfront.net", Enabled: true},
		behavior: &replica.Behavior{Origin: origin, ViewerRequest: fn},
		fn:       fn,
		target:   originTarget(origin),
		req:      new(fasthttp.Request),
	}
	p.ctx.Init(&viewer, &net.TCPAddr{IP: net.IPv4(198, 51, 100, 11), Port: 50000}, nil)
	return p
}

// function runs the viewer-request function for x and writes the origin's
// request from its result.
func (p *pathBench) function(b *testing.B, x *exchange) {
	rt := route{targets: []target{p.target}}
	orig, out, ok := p.s.runViewerRequest(x, &rt)
	if !ok {
		b.Fatalf("the function failed: %s", x.ctx.Response.Body())
	}
	p.req.Reset()
	p.s.originRequest(x, p.req, &rt.targets[0], out.URI, out.RawQuery, out.HasQuery, orig, out)
}

// exchange is the viewer's request as serve has it when the function runs.
func (p *pathBench) exchange() *exchange {
	x := &exchange{ctx: p.ctx, id: "bench-request-id", dist: p.dist, behavior: p.behavior, result: resultMiss, detail: resultMiss}
	x.splitURI(p.ctx.Request.Header.RequestURI())
	return x
}
