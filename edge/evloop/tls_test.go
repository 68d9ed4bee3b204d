//go:build linux

package evloop

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/internal/devcert"
)

// tlsPair is a server configuration and a client one that trusts it.
func tlsPair(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	cert, err := devcert.New("localhost", time.Hour, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}},
		&tls.Config{RootCAs: devcert.Pool(cert), ServerName: "localhost"}
}

// tlsProxy is proxy, answering /tls/ on the loop with what the request's
// connection state says.
type tlsProxy struct{ proxy }

func (p *tlsProxy) Request(x *Exchange) Step {
	if strings.HasPrefix(string(x.Ctx.Path()), "/tls/") {
		cs := x.Ctx.TLSConnectionState()
		if cs == nil {
			x.Ctx.Response.SetBodyString("not TLS")
			return Done
		}
		x.Ctx.Response.SetBodyString("TLS " + cs.ServerName + " " + tls.VersionName(cs.Version))
		return Done
	}
	return p.proxy.Request(x)
}

// startTLS serves h over TLS on loops, with cfg's timeouts; the goroutine
// server answers hand-offs with whether they came over TLS.
func startTLS(t *testing.T, h Handler, cfg Config) (*Server, string, *tls.Config) {
	t.Helper()
	server, client := tlsPair(t)
	s, addr := startWith(t, h, cfg, func(s *Server, ln net.Listener) error {
		return s.ServeTLS(ln, func(c net.Conn) TLSConn { return tls.Server(c, server) })
	}, func(ctx *fasthttp.RequestCtx) {
		ctx.Response.SetBodyString("handed off tls=" + strconv.FormatBool(ctx.IsTLS()) + " " + string(ctx.Request.Body()))
	})
	return s, addr, client
}

// splitConn writes what it is given one byte per write.
type splitConn struct{ net.Conn }

func (c splitConn) Write(p []byte) (int, error) {
	for i := range p {
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// tlsExchange sends the requests over a TLS connection to addr, a record
// or more each (one byte per TCP write when split), and returns all read
// back until the server closes.
func tlsExchange(t *testing.T, addr string, client *tls.Config, reqs []string, split bool) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	var under net.Conn = nc
	if split {
		under = splitConn{nc}
	}
	c := tls.Client(under, client)
	for _, r := range reqs {
		if _, err := c.Write([]byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v (after %q)", err, out)
	}
	return string(out)
}

func TestTLSRequests(t *testing.T) {
	origin := serveRaw(t, ok("from origin"), 0)
	_, addr, client := startTLS(t, &tlsProxy{proxy{origin: origin.origin()}}, Config{})
	pipelined := []string{"GET /tls/a HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /local/b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhel", "lo", // a request over two records
		"GET /fwd HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/c HTTP/1.1\r\nHost: x\r\n\r\n", // two in one
		"POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n", "0\r\n\r\n"}
	want := []string{"TLS localhost TLS 1.3", "local POST /local/b hello", "from origin", "slow /slow/c", "handed off tls=true abc"}
	for _, split := range []bool{false, true} {
		t.Run("split="+strconv.FormatBool(split), func(t *testing.T) {
			got := responses(t, tlsExchange(t, addr, client, pipelined, split))
			if len(got) != len(want) {
				t.Fatalf("got %d responses %q, want %d", len(got), got, len(want))
			}
			for i := range want {
				if !strings.HasSuffix(got[i], want[i]) {
					t.Errorf("response %d = %q, want the body %q", i, got[i], want[i])
				}
			}
		})
	}
}

func TestTLSLargeResponseSlowReader(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: many records, backpressure
	origin := serveRaw(t, ok(big), 0)
	_, addr, client := startTLS(t, &tlsProxy{proxy{origin: origin.origin()}}, Config{})
	c, _ := handshaken(t, addr, client)
	if _, err := c.Write([]byte("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /tls/after HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// Nothing read until the edge's buffer and the socket's have filled.
	time.Sleep(100 * time.Millisecond)
	br := bufio.NewReaderSize(c, 512)
	var resp fasthttp.Response
	if err := resp.Read(br); err != nil {
		t.Fatal(err)
	}
	if string(resp.Body()) != big {
		t.Fatalf("body of %d bytes, want the origin's %d", len(resp.Body()), len(big))
	}
	if err := resp.Read(br); err != nil || string(resp.Body()) != "TLS localhost TLS 1.3" {
		t.Fatalf("then %q, %v", resp.Body(), err)
	}
}

func TestTLSCloseNotify(t *testing.T) {
	s, addr, client := startTLS(t, &tlsProxy{}, Config{})
	c, _ := handshaken(t, addr, client)
	// One request answered, then the next on the kept-alive connection.
	if _, err := c.Write([]byte("GET /tls/x HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	var first fasthttp.Response
	if err := first.Read(bufio.NewReader(c)); err != nil || string(first.Body()) != "TLS localhost TLS 1.3" {
		t.Fatalf("first response %q, %v", first.Body(), err)
	}
	if _, err := c.Write([]byte("GET /tls/x HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil { // close_notify
		t.Fatal(err)
	}
	// The response, then the edge's own close_notify: a clean EOF.
	out, err := io.ReadAll(c)
	if err != nil || !strings.HasSuffix(string(out), "TLS localhost TLS 1.3") {
		t.Fatalf("read %q, %v", out, err)
	}
	waitViewers(t, s, 0)
}

// loopsOf is s's loops (Serve may still be starting them).
func loopsOf(s *Server) []*loop {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.loops)
}

// waitViewers waits until s's loops hold n viewers.
func waitViewers(t *testing.T, s *Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		loops := loopsOf(s)
		count := make(chan int, len(loops))
		for _, l := range loops {
			l.post(func() { count <- len(l.viewers) })
		}
		total := 0
		for range loops {
			total += <-count
		}
		if total == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d viewers on the loops, want %d", total, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// handshaken is a TLS connection to addr with its handshake done, and the
// TCP connection under it.
func handshaken(t *testing.T, addr string, client *tls.Config) (*tls.Conn, net.Conn) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := tls.Client(nc, client)
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	return c, nc
}

func TestTLSHostileRecords(t *testing.T) {
	s, addr, client := startTLS(t, &tlsProxy{}, Config{ReadTimeout: 300 * time.Millisecond, Tick: 10 * time.Millisecond})
	t.Run("garbage record", func(t *testing.T) {
		_, nc := handshaken(t, addr, client)
		// Application data that does not open.
		rec := append([]byte{23, 3, 3, 0, 40}, make([]byte, 40)...)
		if _, err := nc.Write(rec); err != nil {
			t.Fatal(err)
		}
		// An alert (bad_record_mac), then the end; nothing else.
		out, _ := io.ReadAll(nc)
		if len(out) > 64 {
			t.Errorf("read %d bytes after a bad record", len(out))
		}
	})
	t.Run("record never whole", func(t *testing.T) {
		_, nc := handshaken(t, addr, client)
		if _, err := nc.Write([]byte{23, 3, 3, 1, 0, 'x'}); err != nil { // 256 bytes announced
			t.Fatal(err)
		}
		// Cut off at the read timeout (after a 408 it cannot read).
		if _, err := io.ReadAll(nc); err != nil {
			t.Fatal(err)
		}
	})
	// The loops served the others all along.
	if got := responses(t, tlsExchange(t, addr, client, []string{"GET /tls/ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}, false)); len(got) != 1 {
		t.Fatalf("got %q", got)
	}
	waitViewers(t, s, 0)
}
