package edge_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/edge"
)

// handlerOrigin is an origin served by h.
func (e *env) handlerOrigin(name string, h http.HandlerFunc) *origin {
	e.t.Helper()
	o := &origin{name: name}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		h(w, r)
	}))
	e.t.Cleanup(o.srv.Close)
	u, _ := url.Parse(o.srv.URL)
	o.port, _ = strconv.Atoi(u.Port())
	return o
}

// dialEdge opens a raw connection to the edge's HTTP listener.
func (e *env) dialEdge() net.Conn {
	e.t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.edgeURL, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one response from c, waiting at most wait for it.
func readResponse(t *testing.T, c net.Conn, wait time.Duration) (*http.Response, string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response within %v: %v", wait, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// readAhead is what fasthttp reads of a body before it calls the handler.
const readAhead = 8 << 10

// TestBodiesRefusedUnread: a request the head decides is answered at once,
// while the viewer still holds back its declared 20 MiB body; the edge does
// not wait for (or read) the body first.
func TestBodiesRefusedUnread(t *testing.T) {
	e := newEnv(t)
	o := e.origin("web")
	fn := e.function("answer", `function handler(event) { return {statusCode: 204, statusDescription: 'No Content'}; }`)
	plain := e.distribution("unread-plain", nil, []types.Origin{o.customOrigin("")})
	answering := e.distribution("unread-fn", behaviorFns(fn, ""), []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.AllowedMethods = allMethods()
	})
	tests := []struct {
		name, method, host string
		length             int
		status             int
	}{
		{"unknown Host", "POST", "nobody.example", 20 << 20, 403},
		{"method not allowed", "POST", *plain.DomainName, 20 << 20, 403},
		{"function answers", "PUT", *answering.DomainName, 20 << 20, 204},
		{"declared over the limit", "POST", *answering.DomainName, 20<<20 + 1, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.dialEdge()
			fmt.Fprintf(c, "%s /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", tt.method, tt.host, tt.length)
			if _, err := c.Write(make([]byte, readAhead)); err != nil {
				t.Fatal(err)
			}
			resp, body := readResponse(t, c, 5*time.Second)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 204 && !resp.Close {
				t.Errorf("the connection stays open with %d unread bytes", tt.length-readAhead)
			}
		})
	}
	if n := o.hits.Load(); n != 0 {
		t.Errorf("the origin got %d requests", n)
	}
}

// TestBodiesStreamToOrigin: a body larger than the read-ahead reaches the
// origin while the viewer is still sending it (it is not gathered first),
// whole, with Content-Length or chunked; one over the limit sent chunked is
// refused 413, and an upload the viewer breaks off is its failure (400),
// not the origin's (502).
func TestBodiesStreamToOrigin(t *testing.T) {
	e := newEnv(t, withConfig(func(c *edge.Config) { c.MaxBodyBytes = 1 << 20 }))
	const half = 256 << 10
	started := make(chan struct{}, 1)
	o := e.handlerOrigin("sink", func(w http.ResponseWriter, r *http.Request) {
		first := make([]byte, half)
		if _, err := io.ReadFull(r.Body, first); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		select {
		case started <- struct{}{}:
		default:
		}
		h := sha256.New()
		h.Write(first)
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "%d %x %v", half+n, h.Sum(nil), r.ContentLength)
	})
	d := e.distribution("stream", nil, []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.AllowedMethods = allMethods()
	})
	host := *d.DomainName
	body := strings.Repeat("0123456789abcdef", 2*half/16)
	sum := sha256.Sum256([]byte(body))

	t.Run("Content-Length, held half way", func(t *testing.T) {
		c := e.dialEdge()
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body[:half])
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("the origin got nothing while the viewer held the second half of the body")
		}
		io.WriteString(c, body[half:])
		resp, got := readResponse(t, c, 5*time.Second)
		if want := fmt.Sprintf("%d %s %d", len(body), hex.EncodeToString(sum[:]), len(body)); resp.StatusCode != 200 || got != want {
			t.Errorf("status %d %q, want 200 %q", resp.StatusCode, got, want)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		c := e.dialEdge()
		fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", host)
		for i := 0; i < len(body); i += 100000 {
			part := body[i:min(i+100000, len(body))]
			fmt.Fprintf(c, "%x\r\n%s\r\n", len(part), part)
		}
		io.WriteString(c, "0\r\n\r\n")
		resp, got := readResponse(t, c, 5*time.Second)
		if want := fmt.Sprintf("%d %s -1", len(body), hex.EncodeToString(sum[:])); resp.StatusCode != 200 || got != want {
			t.Errorf("status %d %q, want 200 %q", resp.StatusCode, got, want)
		}
	})
	t.Run("chunked over the limit", func(t *testing.T) {
		c := e.dialEdge()
		fmt.Fprintf(c, "PUT /up HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", host)
		go func() {
			chunk := fmt.Sprintf("%x\r\n%s\r\n", 1<<16, strings.Repeat("x", 1<<16))
			for range 20 { // 1.25 MiB
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
			}
		}()
		resp, got := readResponse(t, c, 5*time.Second)
		if resp.StatusCode != 413 {
			t.Errorf("status %d, want 413: %s", resp.StatusCode, got)
		}
	})
	t.Run("broken off", func(t *testing.T) {
		c := e.dialEdge()
		fmt.Fprintf(c, "POST /up HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\nnot a chunk size\r\n", host, half, body[:half])
		resp, got := readResponse(t, c, 5*time.Second)
		if resp.StatusCode != 400 {
			t.Errorf("status %d, want 400: %s", resp.StatusCode, got)
		}
	})
}

// TestViewerHead: a head fasthttp parses but HTTP refuses is the viewer's
// error. A header name that is not a token is 400 and never reaches the
// function (it would come back as the function's invalid result, 502); an
// HTTP version other than 1.0 and 1.1 is 505.
func TestViewerHead(t *testing.T) {
	e := newEnv(t)
	o := e.origin("web")
	fn := e.function("pass", `function handler(event) { return event.request; }`)
	d := e.distribution("head", behaviorFns(fn, ""), []types.Origin{o.customOrigin("")})
	host := *d.DomainName
	tests := []struct {
		name, line, header string
		status             int
	}{
		{"HTTP/1.1", "GET / HTTP/1.1", "", 200},
		{"HTTP/1.0", "GET / HTTP/1.0", "", 200},
		{"every token character", "GET / HTTP/1.1", "X!#$%&'*+-.^_`|~09az: v", 200},
		{"HTTP/9.9", "GET / HTTP/9.9", "", 505},
		{"HTTP/2.0 in plain text", "GET / HTTP/2.0", "", 505},
		{"HTTP/0.9", "GET / HTTP/0.9", "", 505},
		{"space in a name", "GET / HTTP/1.1", "X A: b", 400},
		{"tab in a name", "GET / HTTP/1.1", "X\tA: b", 400},
		{"parenthesis", "GET / HTTP/1.1", "X(A): b", 400},
		{"at sign", "GET / HTTP/1.1", "X@A: b", 400},
		{"quote", "GET / HTTP/1.1", `X"A: b`, 400},
		{"slash", "GET / HTTP/1.1", "X/A: b", 400},
		{"brace", "GET / HTTP/1.1", "X{A}: b", 400},
		{"non-ASCII", "GET / HTTP/1.1", "X\xe9: b", 400},
		{"control byte", "GET / HTTP/1.1", "X\x01A: b", 400},
		{"DEL", "GET / HTTP/1.1", "X\x7fA: b", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := o.hits.Load()
			c := e.dialEdge()
			head := tt.line + "\r\nHost: " + host + "\r\n"
			if tt.header != "" {
				head += tt.header + "\r\n"
			}
			io.WriteString(c, head+"Connection: close\r\n\r\n")
			resp, body := readResponse(t, c, 5*time.Second)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 && o.hits.Load() != hits {
				t.Error("a refused request reached the origin")
			}
		})
	}
	for l := range strings.SplitSeq(e.metrics(), "\n") {
		if strings.HasPrefix(l, "edgefn_function_validation_errors_total{") && !strings.HasSuffix(l, " 0") {
			t.Errorf("the function was charged with the viewers' errors: %s", l)
		}
	}
}

// TestOriginPoolWait: a burst beyond an origin's connection ceiling waits
// for connections instead of failing with 502; a request still waiting when
// the wait ends gets 504.
func TestOriginPoolWait(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, withConfig(func(c *edge.Config) {
		c.MaxOriginConns = 2
		c.OriginConnWait = 500 * time.Millisecond
	}))
	var inside, most atomic.Int64
	slow := e.handlerOrigin("slow", func(w http.ResponseWriter, r *http.Request) {
		n := inside.Add(1)
		defer inside.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if r.URL.Path == "/hold" {
			<-release
		} else {
			time.Sleep(20 * time.Millisecond)
		}
		io.WriteString(w, "ok")
	})
	d := e.distribution("pool", nil, []types.Origin{slow.customOrigin("")})
	host := *d.DomainName

	const viewers = 40 // 20 rounds of 20 ms through 2 connections: ~400 ms
	var wg sync.WaitGroup
	statuses := make(chan int, viewers)
	for range viewers {
		wg.Go(func() {
			r, err := e.try("GET", host, "/burst", "")
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- r.status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[200] != viewers {
		t.Errorf("statuses %v, want %d × 200", count, viewers)
	}
	if m := most.Load(); m > 2 {
		t.Errorf("%d connections to the origin at once, ceiling 2", m)
	}

	// Both connections held: the next request waits its 500 ms, then 504.
	held := make(chan reply, 2)
	for range 2 {
		go func() {
			r, _ := e.try("GET", host, "/hold", "")
			held <- r
		}()
	}
	for inside.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	r := e.get(host, "/late")
	close(release)
	if r.status != 504 {
		t.Errorf("status %d, want 504 once the wait for a connection expired: %s", r.status, r.body)
	}
	for range 2 {
		if r := <-held; r.status != 200 {
			t.Errorf("held request: status %d", r.status)
		}
	}
}

// TestIdleViewersHoldNoLargeBodies: viewers that keep their connections
// open after large responses (not cached) leave nothing of them on the
// node, on both viewer paths. Held, each idle connection pinned its last
// response (up to the 64 MiB origin limit, several copies on the loops):
// a viewer could take the node's memory without a request in flight.
func TestIdleViewersHoldNoLargeBodies(t *testing.T) {
	const viewers, size = 16, 4 << 20
	big := []byte(strings.Repeat("b", size))
	for _, path := range viewerPaths {
		t.Run(path.name, func(t *testing.T) {
			e := newEnv(t, path.opt)
			o := e.handlerOrigin("big", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "no-store")
				w.Write(big)
			})
			host := *e.distribution("idle-big", nil, []types.Origin{o.customOrigin("")}).DomainName
			e.get(host, "/warm")
			before := heapAfterGC()
			conns := make([]net.Conn, viewers)
			for i := range conns {
				conns[i] = e.dialEdge()
				fmt.Fprintf(conns[i], "GET /big HTTP/1.1\r\nHost: %s\r\n\r\n", host)
			}
			for i, c := range conns {
				c.SetReadDeadline(time.Now().Add(20 * time.Second))
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatalf("viewer %d: %v", i, err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || n != size || err != nil {
					t.Fatalf("viewer %d: %d, %d of %d bytes, %v", i, resp.StatusCode, n, size, err)
				}
			}
			time.Sleep(100 * time.Millisecond) // the edge is done writing
			held := int64(heapAfterGC()) - int64(before)
			t.Logf("%d idle viewers hold %d KiB after %d MiB responses", viewers, held>>10, size>>20)
			if held > 2*size {
				t.Errorf("%d idle viewers hold %d MiB after %d MiB responses", viewers, held>>20, size>>20)
			}
		})
	}
}

// viewerPaths are the two paths viewers are served on, for the tests that
// run on each.
var viewerPaths = []struct {
	name string
	opt  envOption
}{{"loop", onLoop}, {"goroutines", onGoroutines}}

// heapAfterGC is the heap in use once a collection has run (twice, so
// that sync.Pools let go of what they held).
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHeldResponsesBounded: viewers that ask for large responses and do
// not read them hold at most Config.ResponseMemory of the node: past it a
// large response is answered 503 CapacityExceeded, a response read to its
// end gives its bytes back, and so does a viewer that leaves.
func TestHeldResponsesBounded(t *testing.T) {
	// Larger than what the kernel's socket buffers take of a viewer that
	// does not read, so that the edge holds the rest.
	const size = 24 << 20
	big := []byte(strings.Repeat("h", size))
	for _, path := range viewerPaths {
		t.Run(path.name, func(t *testing.T) {
			e := newEnv(t, path.opt, withConfig(func(c *edge.Config) { c.ResponseMemory = 2*size + size/2 }))
			o := e.handlerOrigin("big", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "no-store")
				w.Write(big)
			})
			host := *e.distribution("held-big", nil, []types.Origin{o.customOrigin("")}).DomainName
			// ask sends a request for the large response and reads its
			// status line and headers only.
			ask := func() (net.Conn, *http.Response) {
				c := e.dialEdge()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: %s\r\n\r\n", host)
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatal(err)
				}
				return c, resp
			}
			first, r1 := ask()
			second, r2 := ask()
			if r1.StatusCode != 200 || r2.StatusCode != 200 {
				t.Fatalf("the first two: %d %d, want 200 200", r1.StatusCode, r2.StatusCode)
			}
			// The budget holds two: the third is refused, with CloudFront's
			// page, not held.
			third, r3 := ask()
			page, _ := io.ReadAll(r3.Body)
			third.Close()
			if r3.StatusCode != 503 || !strings.Contains(string(page), "Try again in a moment") {
				t.Fatalf("the third: %d %.200q, want 503 and the capacity page", r3.StatusCode, page)
			}
			if m := e.metrics(); !strings.Contains(m, "edgefn_edge_responses_refused_total 1") {
				t.Errorf("responses refused: want 1 in\n%s", grepLines(m, "responses_refused"))
			}
			// Read to its end, the first gives its bytes back.
			if n, err := io.Copy(io.Discard, r1.Body); n != size || err != nil {
				t.Fatalf("the first: %d of %d bytes: %v", n, size, err)
			}
			fourth, r4 := ask()
			if r4.StatusCode != 200 {
				t.Fatalf("after the first was read: %d, want 200", r4.StatusCode)
			}
			// Viewers that leave give theirs back: two fit again.
			for _, c := range []net.Conn{first, second, fourth} {
				c.Close()
			}
			for deadline := time.Now().Add(10 * time.Second); ; {
				a, ra := ask()
				b, rb := ask()
				a.Close()
				b.Close()
				sa, sb := ra.StatusCode, rb.StatusCode
				if sa == 200 && sb == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after every viewer left: %d %d, want 200 200 (bytes never given back)", sa, sb)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// grepLines is the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
