//go:build linux

package evloop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sync/semaphore"
)

// proxy is the test's handler: requests for /local/... are answered on the
// loop, /slow/... offloaded, anything else forwarded to the origin with
// X-Via added; the response gets X-Edge.
type proxy struct {
	origin  Origin
	offload atomic.Int32
	errs    chan error
}

func (p *proxy) Request(x *Exchange) Step {
	path := string(x.Ctx.Request.Header.RequestURI())
	switch {
	case strings.HasPrefix(string(x.Ctx.Path()), "/local/"):
		x.Ctx.Response.SetBodyString("local " + string(x.Ctx.Method()) + " " + path + " " + string(x.Ctx.Request.Body()))
		return Done
	case strings.HasPrefix(path, "/repeat/"):
		n, _ := strconv.Atoi(path[len("/repeat/"):])
		x.Ctx.Response.SetBodyString(strings.Repeat("r", n))
		return Done
	case strings.HasPrefix(path, "/slow/"):
		x.Slow = func() {
			p.offload.Add(1)
			time.Sleep(20 * time.Millisecond)
			x.Ctx.Response.SetBodyString("slow " + path)
		}
		return Offload
	}
	out := fasthttp.AcquireRequest()
	x.Ctx.Request.Header.CopyTo(&out.Header)
	out.Header.Set("X-Via", "loop")
	out.SetBodyRaw(x.Ctx.Request.Body())
	x.Out, x.Origin = out, p.origin
	return Forward
}

func (p *proxy) Response(x *Exchange, err error) {
	fasthttp.ReleaseRequest(x.Out)
	if err != nil {
		if p.errs != nil {
			p.errs <- err
		}
		x.Ctx.Response.SetStatusCode(502)
		x.Ctx.Response.SetBodyString(err.Error())
	}
	// As the edge: the origin's connection is not the viewer's.
	x.Ctx.Response.Header.ResetConnectionClose()
	x.Ctx.Response.Header.Set("X-Edge", "1")
}

func (p *proxy) Error(ctx *fasthttp.RequestCtx, err error) {
	status := 400
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.As(err, &small), errors.Is(err, fasthttp.ErrBodyTooLarge):
		status = 413
	case errors.Is(err, fasthttp.ErrTimeout):
		status = 408
	}
	ctx.Response.SetStatusCode(status)
	ctx.Response.SetBodyString("bad request")
}

// rawServer accepts connections and answers each request read with reply.
type rawServer struct {
	ln    net.Listener
	mu    sync.Mutex
	heads []string
	conns atomic.Int32
}

// serveRaw answers every request with what reply returns for it (written
// as given, in pieces of chunk bytes when chunk > 0).
func serveRaw(t *testing.T, reply func(req *fasthttp.Request) string, chunk int) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					var req fasthttp.Request
					if err := req.Read(br); err != nil {
						return
					}
					s.mu.Lock()
					s.heads = append(s.heads, string(req.Header.Header()))
					s.mu.Unlock()
					out := reply(&req)
					if out == "" {
						continue // no answer: a hung origin
					}
					closeAfter := strings.Contains(out, "Connection: close")
					for chunk > 0 && len(out) > chunk {
						if _, err := c.Write([]byte(out[:chunk])); err != nil {
							return
						}
						out = out[chunk:]
						time.Sleep(time.Millisecond)
					}
					if _, err := c.Write([]byte(out)); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return s
}

func (s *rawServer) origin() Origin {
	a := s.ln.Addr().(*net.TCPAddr)
	return Origin{Host: "localhost", Port: a.Port, Attempts: 1, ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: 5 * time.Second}
}

func ok(body string) func(*fasthttp.Request) string {
	return func(*fasthttp.Request) string {
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}
}

// handedOff is the goroutine server's handler in most tests.
func handedOff(ctx *fasthttp.RequestCtx) {
	ctx.Response.SetBodyString("handed off " + string(ctx.Request.Body()))
}

// startLoop serves h on n loops; the goroutine server takes the hand-offs
// with the handler fallback (handedOff when nil).
func startLoop(t *testing.T, h Handler, cfg Config, fallback ...fasthttp.RequestHandler) (*Server, string) {
	t.Helper()
	return startWith(t, h, cfg, func(s *Server, ln net.Listener) error { return s.Serve(ln.(*net.TCPListener)) }, fallback...)
}

// startWith is startLoop, the loops serving with serve.
func startWith(t *testing.T, h Handler, cfg Config, serve func(*Server, net.Listener) error, fallback ...fasthttp.RequestHandler) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Handler = h
	if cfg.Loops == 0 {
		cfg.Loops = 2
	}
	s := New(cfg)
	fh := &fasthttp.Server{Handler: handedOff, NoDefaultServerHeader: true, NoDefaultContentType: true, DisablePreParseMultipartForm: true}
	if len(fallback) > 0 {
		fh.Handler = fallback[0]
		fh.ErrorHandler = h.Error
		fh.ReadBufferSize, fh.MaxRequestBodySize = cfg.HeadBytes, cfg.MaxBodyBytes
	}
	served, fhDone := make(chan error, 1), make(chan error, 1)
	go func() { served <- serve(s, ln) }()
	go func() { fhDone <- fh.Serve(s.HandOffs()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		fh.Shutdown()
		<-fhDone
		ln.Close()
	})
	return s, ln.Addr().String()
}

// exchange writes raw to addr, in pieces of chunk bytes (all at once for
// 0), half-closes, and returns everything read back.
func exchange(t *testing.T, addr, raw string, chunk int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		b := []byte(raw)
		for len(b) > 0 {
			n := len(b)
			if chunk > 0 {
				n = min(chunk, n)
			}
			if _, err := c.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
			if chunk > 0 {
				time.Sleep(100 * time.Microsecond)
			}
		}
		c.(*net.TCPConn).CloseWrite()
	}()
	out, _ := io.ReadAll(c)
	return string(out)
}

var dateLine = regexp.MustCompile(`(?m)^Date: [^\r]*\r\n`)

// responses splits raw responses (without Date) into status lines and bodies.
func responses(t *testing.T, raw string) []string {
	t.Helper()
	br := bufio.NewReader(strings.NewReader(dateLine.ReplaceAllString(raw, "")))
	var out []string
	for {
		var r fasthttp.Response
		if err := r.Read(br); err != nil {
			return out
		}
		out = append(out, fmt.Sprintf("%d %s", r.StatusCode(), r.Body()))
	}
}

func TestForwardAndPipelining(t *testing.T) {
	var n atomic.Int32
	origin := serveRaw(t, func(req *fasthttp.Request) string {
		i := n.Add(1)
		// Later requests answer sooner: the order must still hold.
		time.Sleep(time.Duration(5-min(i, 4)) * 5 * time.Millisecond)
		body := string(req.Header.RequestURI()) + " via " + string(req.Header.Peek("X-Via")) + " " + string(req.Body())
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}, 0)
	h := &proxy{origin: origin.origin()}
	_, addr := startLoop(t, h, Config{})
	raw := "GET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody" +
		"GET /local/c HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /d HTTP/1.1\r\nHost: x\r\n\r\n"
	want := []string{"200 /a via loop ", "200 /b via loop body", "200 local GET /local/c ", "200 /d via loop "}
	for _, chunk := range []int{0, 1, 7} {
		got := responses(t, exchange(t, addr, raw, chunk))
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("pieces of %d: got %q, want %q", chunk, got, want)
		}
	}
	// One loop's keep-alive pool: far fewer origin connections than requests.
	if c := origin.conns.Load(); c > 6 {
		t.Errorf("%d origin connections for 12 requests", c)
	}
}

// TestPipelinedPastOutHigh: pipelined requests whose responses pass what
// the loop holds unwritten (outHigh) are all served, in order, forwarded
// ones among them, while the viewer keeps its connection open: the loop
// must go on with the requests it has read once it has made room, with no
// event from the viewer to wake it.
func TestPipelinedPastOutHigh(t *testing.T) {
	origin := serveRaw(t, func(req *fasthttp.Request) string {
		body := "origin " + string(req.Header.RequestURI())
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}, 0)
	h := &proxy{origin: origin.origin()}
	_, addr := startLoop(t, h, Config{Loops: 1})
	const n, size = 100, 4096
	var raw strings.Builder
	for i := range n {
		if i%25 == 20 {
			fmt.Fprintf(&raw, "GET /o/%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		} else {
			fmt.Fprintf(&raw, "GET /repeat/%d HTTP/1.1\r\nHost: x\r\n\r\n", size)
		}
	}
	if n*size < 4*outHigh {
		t.Fatalf("the responses (%d bytes) do not pass outHigh (%d) often enough", n*size, outHigh)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(raw.String())); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i := range n {
		var r fasthttp.Response
		if err := r.Read(br); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		want := strings.Repeat("r", size)
		if i%25 == 20 {
			want = fmt.Sprintf("origin /o/%d", i)
		}
		if r.StatusCode() != 200 || string(r.Body()) != want {
			t.Fatalf("response %d: %d %.40q, want %.40q", i, r.StatusCode(), r.Body(), want)
		}
	}
}

// TestIdleHoldsNoLargeBuffers: connections idle after large responses
// hold none of their bytes: not the viewer's written response or its
// exchange's body, nor the pooled origin connection's read one, nor the
// loop's scratch. Kept, they let a viewer pin a response's size per
// connection it leaves open (64 MiB each at the default limit) without any
// request in flight. (The edge's TestIdleViewersHoldNoLargeBodies measures
// the heap.)
func TestIdleHoldsNoLargeBuffers(t *testing.T) {
	const viewers, size = 16, 4 << 20
	big := strings.Repeat("b", size)
	origin := serveRaw(t, ok(big), 0)
	o := origin.origin()
	o.ReadTimeout = 30 * time.Second // 16 at once, under the race detector
	plain := func() (*Server, func() (net.Conn, error)) {
		s, addr := startLoop(t, &proxy{origin: o}, Config{})
		return s, func() (net.Conn, error) { return net.Dial("tcp", addr) }
	}
	overTLS := func() (*Server, func() (net.Conn, error)) {
		s, addr, client := startTLS(t, &tlsProxy{proxy{origin: o}}, Config{})
		return s, func() (net.Conn, error) { return tls.Dial("tcp", addr, client) }
	}
	for name, start := range map[string]func() (*Server, func() (net.Conn, error)){"HTTP": plain, "HTTPS": overTLS} {
		t.Run(name, func(t *testing.T) {
			s, dial := start()
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for range viewers {
				c, err := dial()
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(20 * time.Second))
				conns = append(conns, c)
				if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			for i, c := range conns {
				var r fasthttp.Response
				r.SkipBody = true
				br := bufio.NewReader(c)
				if err := r.Header.Read(br); err != nil || r.StatusCode() != 200 || r.Header.ContentLength() != size {
					t.Fatalf("viewer %d: %v %d %d", i, err, r.StatusCode(), r.Header.ContentLength())
				}
				if n, err := io.CopyN(io.Discard, br, size); err != nil {
					t.Fatalf("viewer %d: %d of %d bytes: %v", i, n, size, err)
				}
			}
			waitViewers(t, s, viewers)
			if held := heldBytes(s); held > viewers*LargeBytes {
				t.Errorf("%d idle connections hold %d KiB of buffers after %d MiB responses", viewers, held>>10, size>>20)
			}
		})
	}
}

// heldBytes is the capacity of the buffers s's loops hold: their viewers',
// their pooled origin connections' and their own scratch.
func heldBytes(s *Server) int {
	total := 0
	for _, l := range loopsOf(s) {
		held := make(chan int, 1)
		l.post(func() {
			n := cap(l.src.b) + cap(l.plain.out)
			for v := range l.viewers {
				n += cap(v.in) + cap(v.out) + cap(v.x.Ctx.Response.Body())
			}
			for _, list := range l.pools {
				for _, o := range list {
					n += cap(o.in) + cap(o.out)
				}
			}
			held <- n
		})
		total += <-held
	}
	return total
}

// TestOriginResponseRoom: an origin's response read on a loop takes what
// its buffer grows by past LargeBytes from Config.Responses; a response
// that finds no room ends the exchange with ErrNoRoom, and what it took
// goes back, as does what a response that fits took.
func TestOriginResponseRoom(t *testing.T) {
	const room = 1 << 20
	bodies := map[string]string{"/small": strings.Repeat("s", room/2), "/large": strings.Repeat("l", 4*room)}
	origin := serveRaw(t, func(req *fasthttp.Request) string {
		body := bodies[string(req.Header.RequestURI())]
		return "HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	}, 0)
	budget := semaphore.NewWeighted(room)
	errs := make(chan error, 10)
	_, addr := startLoop(t, &proxy{origin: origin.origin(), errs: errs}, Config{Loops: 1, Responses: budget})
	for _, tt := range []struct {
		path string
		want string
		err  error
	}{
		{"/small", "200 " + bodies["/small"], nil},
		{"/large", "502 " + ErrNoRoom.Error(), ErrNoRoom},
		{"/small", "200 " + bodies["/small"], nil},
	} {
		got := responses(t, exchange(t, addr, "GET "+tt.path+" HTTP/1.1\r\nHost: x\r\n\r\n", 0))
		if len(got) != 1 || got[0] != tt.want {
			t.Fatalf("%s: got %.60q, want %.60q", tt.path, got, tt.want)
		}
		if tt.err != nil {
			if err := <-errs; err != tt.err {
				t.Errorf("%s: the handler got %v, want %v", tt.path, err, tt.err)
			}
		}
		// Everything taken went back.
		if !budget.TryAcquire(room) {
			t.Fatalf("after %s: the budget is not whole again", tt.path)
		}
		budget.Release(room)
	}
}

// TestOriginPieces: responses that arrive in pieces, framed by length,
// chunks, or the connection's end; 1xx before, no body for HEAD/204/304.
func TestOriginPieces(t *testing.T) {
	tests := []struct {
		name, method, reply, want string
	}{
		{"length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", "200 hello world"},
		{"chunked", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=abc\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", "200 hello world"},
		{"until close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world", "200 hello world"},
		{"interim", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "200 ok"},
		{"HEAD", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", "200 "},
		{"204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", "204 "},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", "304 "},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1, 3} {
			origin := serveRaw(t, func(*fasthttp.Request) string { return tt.reply }, chunk)
			h := &proxy{origin: origin.origin()}
			_, addr := startLoop(t, h, Config{Loops: 1})
			raw := tt.method + " /x HTTP/1.1\r\nHost: x\r\n\r\n" + tt.method + " /x HTTP/1.1\r\nHost: x\r\n\r\n"
			out := exchange(t, addr, raw, 0)
			got := responses(t, out)
			if tt.method == "HEAD" {
				// A HEAD response's body is not there to read.
				got = []string{}
				for range strings.Count(out, "HTTP/1.1 200") {
					got = append(got, "200 ")
				}
			}
			if len(got) != 2 || got[0] != tt.want || got[1] != tt.want {
				t.Errorf("%s in pieces of %d: got %q, want %q twice\n%s", tt.name, chunk, got, tt.want, out)
			}
		}
	}
}

// TestBackpressure: a viewer that does not read holds its own response, not
// the loop: another viewer is served meanwhile, and the first gets all its
// bytes once it reads.
func TestBackpressure(t *testing.T) {
	big := strings.Repeat("x", 8<<20)
	origin := serveRaw(t, ok(big), 0)
	h := &proxy{origin: origin.origin()}
	h.origin.ReadTimeout = 30 * time.Second
	_, addr := startLoop(t, h, Config{Loops: 1})
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	req := "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := slow.Write([]byte(req + req)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := responses(t, exchange(t, addr, "GET /local/x HTTP/1.1\r\nHost: x\r\n\r\n", 0)); len(got) != 1 || got[0] != "200 local GET /local/x " {
		t.Fatalf("other viewer: %q", got)
	}
	slow.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(slow)
	for i := range 2 {
		var r fasthttp.Response
		if err := r.Read(br); err != nil || len(r.Body()) != len(big) {
			t.Fatalf("response %d: %v, %d bytes", i, err, len(r.Body()))
		}
	}
}

func TestTimeouts(t *testing.T) {
	hung := serveRaw(t, func(*fasthttp.Request) string { return "" }, 0)
	h := &proxy{origin: hung.origin(), errs: make(chan error, 4)}
	h.origin.ReadTimeout = 300 * time.Millisecond
	_, addr := startLoop(t, h, Config{ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, Tick: 10 * time.Millisecond})

	start := time.Now()
	got := responses(t, exchange(t, addr, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", 0))
	if len(got) != 1 || !strings.HasPrefix(got[0], "502 ") {
		t.Errorf("hung origin: %q", got)
	}
	if err := <-h.errs; !errors.Is(err, ErrTimeout) {
		t.Errorf("hung origin: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("hung origin answered after %s", d)
	}

	// A request that stops halfway is answered 408; an idle connection closed.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("GET /local/x HTTP/1.1\r\nHost: x\r\n\r\nGET /loc"))
	out, _ := io.ReadAll(c)
	if got := responses(t, string(out)); len(got) != 2 || got[0] != "200 local GET /local/x " || got[1] != "408 bad request" {
		t.Errorf("half a request: %q", got)
	}
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetDeadline(time.Now().Add(5 * time.Second))
	idle.Write([]byte("GET /local/x HTTP/1.1\r\nHost: x\r\n\r\n"))
	out, err = io.ReadAll(idle)
	if err != nil || len(responses(t, string(out))) != 1 {
		t.Errorf("idle connection: %v %q", err, out)
	}
}

// TestViewerGoneWhileForwarded: a viewer whose connection breaks (a reset)
// while the origin has not answered still ends its exchange: the handler
// gets Response with ErrViewerClosed, so what it holds for the request is
// freed. (A viewer that only half-closes keeps waiting for its answer.)
func TestViewerGoneWhileForwarded(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := silent.Accept(); err == nil {
			accepted <- c // held open, never answered
		}
	}()
	port := silent.Addr().(*net.TCPAddr).Port
	h := &proxy{origin: Origin{Host: "127.0.0.1", Port: port, Attempts: 1, ConnectTimeout: time.Second, ReadTimeout: time.Minute}, errs: make(chan error, 1)}
	_, addr := startLoop(t, h, Config{})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case o := <-accepted:
		defer o.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the origin")
	}
	c.(*net.TCPConn).SetLinger(0) // close with a reset
	c.Close()
	select {
	case err := <-h.errs:
		if !errors.Is(err, ErrViewerClosed) {
			t.Errorf("Response with %v, want ErrViewerClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Response never called for the viewer that left")
	}
}

func TestConnectFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // refused from now on
	h := &proxy{origin: Origin{Host: "127.0.0.1", Port: port, Attempts: 3, ConnectTimeout: time.Second, ReadTimeout: time.Second}, errs: make(chan error, 4)}
	_, addr := startLoop(t, h, Config{})
	got := responses(t, exchange(t, addr, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", 0))
	var op *net.OpError
	if err := <-h.errs; !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("refused: %v, want a dial OpError", err)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "502 ") {
		t.Errorf("refused: %q", got)
	}
	// A loop of its own: the first one reads h.origin on its goroutine.
	h = &proxy{origin: Origin{Host: "no-such-host.invalid", Port: port, Attempts: 3, ConnectTimeout: time.Second, ReadTimeout: time.Second}, errs: make(chan error, 4)}
	_, addr = startLoop(t, h, Config{})
	exchange(t, addr, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", 0)
	if err := <-h.errs; !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("unknown name: %v, want a dial OpError", err)
	}
}

// TestHandOff: bodies that stream and offloaded requests leave the loop, in
// order with the pipelined requests around them.
func TestHandOff(t *testing.T) {
	h := &proxy{}
	_, addr := startLoop(t, h, Config{InlineBodyBytes: 16})
	tests := []struct{ name, raw, want string }{
		{"chunked body", "GET /local/a HTTP/1.1\r\nHost: x\r\n\r\nPOST /local/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /z HTTP/1.1\r\nHost: x\r\n\r\n",
			"200 local GET /local/a |200 handed off abc|200 handed off "},
		{"large body", "POST /local/b HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n01234567890123456789", "200 handed off 01234567890123456789"},
		{"expect", "POST /local/b HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab", "200 handed off ab"},
		// An offloaded request leaves the connection on the loop: the next
		// one is answered there, after it, in order.
		{"offload", "GET /local/a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/b HTTP/1.1\r\nHost: x\r\n\r\nGET /local/c HTTP/1.1\r\nHost: x\r\n\r\n",
			"200 local GET /local/a |200 slow /slow/b|200 local GET /local/c "},
	}
	for _, tt := range tests {
		for _, chunk := range []int{0, 1} {
			if got := strings.Join(responses(t, exchange(t, addr, tt.raw, chunk)), "|"); got != tt.want {
				t.Errorf("%s in pieces of %d: got %q, want %q", tt.name, chunk, got, tt.want)
			}
		}
	}
	if h.offload.Load() != 2 {
		t.Errorf("%d offloaded runs, want 2", h.offload.Load())
	}
}

// TestLikeFasthttp: what a viewer sends is read as fasthttp's server reads it,
// byte for byte: the same responses for well-formed, malformed and smuggling
// requests, whole or one byte at a time.
func TestLikeFasthttp(t *testing.T) {
	h := &proxy{}
	serve := func(ctx *fasthttp.RequestCtx) {
		x := &Exchange{}
		ctx.Request.CopyTo(&x.Ctx.Request)
		h.Request(x)
		x.Ctx.Response.CopyTo(&ctx.Response)
		ctx.Response.Header.SetNoDefaultContentType(true)
	}
	_, loopAddr := startLoop(t, h, Config{HeadBytes: 1024, InlineBodyBytes: 1 << 20, MaxBodyBytes: 1 << 20}, serve)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ref := &fasthttp.Server{
		Handler:      serve,
		ErrorHandler: h.Error, ReadBufferSize: 1024, MaxRequestBodySize: 1 << 20,
		NoDefaultServerHeader: true, NoDefaultContentType: true, DisablePreParseMultipartForm: true,
	}
	go ref.Serve(ln)
	defer ref.Shutdown()
	get := "GET /local/x HTTP/1.1\r\nHost: x\r\n\r\n"
	cases := map[string]string{
		"plain":                   get,
		"HTTP/1.0":                "GET /local/x HTTP/1.0\r\nHost: x\r\n\r\n" + get,
		"HTTP/1.0 keep-alive":     "GET /local/x HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n" + get,
		"connection close":        "GET /local/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + get,
		"HEAD":                    "HEAD /local/x HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"body":                    "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + get,
		"CL and TE":               "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get,
		"two CL":                  "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde" + get,
		"CL list":                 "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc" + get,
		"signed CL":               "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc" + get,
		"TE not chunked":          "POST /local/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + get,
		"space before colon":      "GET /local/x HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc" + get,
		"obs-fold":                "GET /local/x HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n" + get,
		"bare LF":                 "GET /local/x HTTP/1.1\nHost: x\n\n" + get,
		"bare CR":                 "GET /local/x HTTP/1.1\rHost: x\r\n\r\n" + get,
		"NUL in header":           "GET /local/x HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n" + get,
		"two hosts":               "GET /local/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n" + get,
		"no host":                 "GET /local/x HTTP/1.1\r\n\r\n" + get,
		"bad version":             "GET /local/x HTTP/9.9\r\nHost: x\r\n\r\n" + get,
		"garbage":                 "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
		"leading CRLF":            "\r\n" + get,
		"head too large":          "GET /local/x HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 2000) + "\r\n\r\n" + get,
		"body too large":          "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc",
		"absolute form":           "GET http://y/local/x HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"bad absolute":            "GET ht!tp://y/local/x HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"truncated":               "GET /local/x HTTP/1.1\r\nHost: x\r\n",
		"truncated body":          "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
		"space in target":         "GET /local/x y HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"lower-case method":       "get /local/x HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"CL with leading zeros":   "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 003\r\n\r\nabc" + get,
		"empty CL":                "POST /local/x HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n" + get,
		"GET with CL":             "GET /local/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + get,
		"header without colon":    "GET /local/x HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n" + get,
		"control char in target":  "GET /local/\x7fx HTTP/1.1\r\nHost: x\r\n\r\n" + get,
		"request line whitespace": "GET  /local/x HTTP/1.1\r\nHost: x\r\n\r\n" + get,
	}
	for name, raw := range cases {
		want := dateLine.ReplaceAllString(exchange(t, ln.Addr().String(), raw, 0), "")
		for _, chunk := range []int{0, 1} {
			got := dateLine.ReplaceAllString(exchange(t, loopAddr, raw, chunk), "")
			if got != want {
				t.Errorf("%s in pieces of %d:\n got %q\nwant %q", name, chunk, got, want)
			}
		}
	}
}

func TestShutdown(t *testing.T) {
	origin := serveRaw(t, func(*fasthttp.Request) string {
		time.Sleep(200 * time.Millisecond)
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	}, 0)
	h := &proxy{origin: origin.origin()}
	s, addr := startLoop(t, h, Config{})
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"))
	offloaded, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer offloaded.Close()
	offloaded.Write([]byte("GET /slow/x HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	busy.SetDeadline(time.Now().Add(time.Second))
	out, _ := io.ReadAll(busy)
	if !bytes.Contains(out, []byte("Connection: close")) || !bytes.HasSuffix(out, []byte("ok")) {
		t.Errorf("request in progress: %q", out)
	}
	offloaded.SetDeadline(time.Now().Add(time.Second))
	out, _ = io.ReadAll(offloaded)
	if !bytes.Contains(out, []byte("Connection: close")) || !bytes.HasSuffix(out, []byte("slow /slow/x")) {
		t.Errorf("offloaded request in progress: %q", out)
	}
	idle.SetDeadline(time.Now().Add(time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("idle connection not closed: %d %v", n, err)
	}
}

// TestOffloadViewerGone: a viewer that leaves while its request runs on a
// goroutine is answered by nobody; the loop keeps serving the others, and a
// shutdown after it waits for nothing.
func TestOffloadViewerGone(t *testing.T) {
	h := &proxy{}
	s, addr := startLoop(t, h, Config{Loops: 1})
	for range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET /slow/gone HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.(*net.TCPConn).SetLinger(0) // a reset, not a polite close
		c.Close()
	}
	got := responses(t, exchange(t, addr, "GET /local/a HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/b HTTP/1.1\r\nHost: x\r\n\r\n", 0))
	if want := []string{"200 local GET /local/a ", "200 slow /slow/b"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after the viewers left: %q, want %q", got, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.offload.Load(); n < 1 || n > 21 {
		t.Errorf("%d offloaded runs", n)
	}
}

// TestAcceptSpread: viewers connecting at once are spread evenly over the
// loops, whichever loop the kernel woke for them, and each loop's count
// goes back to zero when they leave.
func TestAcceptSpread(t *testing.T) {
	const loops, perLoop = 4, 10
	s, addr := startLoop(t, &proxy{}, Config{Loops: loops})
	var conns []net.Conn
	for range loops * perLoop {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	waitViewers(t, s, loops*perLoop)
	for i, l := range loopsOf(s) {
		count := make(chan int)
		l.post(func() { count <- len(l.viewers) })
		if n := <-count; n != perLoop {
			t.Errorf("loop %d serves %d viewers, want %d", i, n, perLoop)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	waitViewers(t, s, 0)
	for i, l := range loopsOf(s) {
		if n := l.load.Load(); n != 0 {
			t.Errorf("loop %d counts %d viewers after they left", i, n)
		}
	}
}

// perLoop is a LoopHandler answering with the number of the loop's handler.
type perLoop struct {
	proxy
	n   *atomic.Int32 // handlers made
	own int32
}

func (h *perLoop) ForLoop() Handler {
	return &perLoop{n: h.n, own: h.n.Add(1)}
}

func (h *perLoop) Request(x *Exchange) Step {
	x.Ctx.Response.SetBodyString(strconv.Itoa(int(h.own)))
	return Done
}

// TestLoopHandler checks that a LoopHandler gives each loop a handler of
// its own, which serves that loop's viewers.
func TestLoopHandler(t *testing.T) {
	const loops = 3
	s, addr := startLoop(t, &perLoop{n: new(atomic.Int32)}, Config{Loops: loops})
	var conns []net.Conn
	for range loops * 4 { // held open: spread evenly over the loops (TestAcceptSpread)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		conns = append(conns, c)
	}
	waitViewers(t, s, loops*4)
	seen := map[string]int{}
	for _, c := range conns {
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		var resp fasthttp.Response
		if err := resp.Read(bufio.NewReader(c)); err != nil {
			t.Fatal(err)
		}
		seen[string(resp.Body())]++
	}
	if len(seen) != loops {
		t.Fatalf("answers by handler: %v, want %d handlers", seen, loops)
	}
	for i, l := range loopsOf(s) {
		if h, ok := l.h.(*perLoop); !ok || h.own == 0 {
			t.Errorf("loop %d serves with %T, not a handler ForLoop made", i, l.h)
		}
	}
}
