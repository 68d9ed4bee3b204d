package edge_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/edge"
)

// The viewer timeouts of TestViewerTimeouts: longer than two sweeps of the
// goroutine path's coarse deadlines, so that they are swept.
const viewerTimeout = 500 * time.Millisecond

// late bounds how long after its timeout a test connection may be cut off:
// a sweep, and a loaded machine.
const late = 3 * time.Second

// dialViewer opens a raw viewer connection to the edge, over TLS when tls.
func (e *env) dialViewer(overTLS bool) net.Conn {
	e.t.Helper()
	u := strings.TrimPrefix(e.edgeURL, "http://")
	if overTLS {
		u = strings.TrimPrefix(e.tlsURL, "https://")
	}
	var c net.Conn
	var err error
	if overTLS {
		c, err = tls.Dial("tcp", u, &tls.Config{RootCAs: originCert(e.t).roots})
	} else {
		c, err = net.Dial("tcp", u)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// cutOff reads c until the edge closes it and returns what it sent; it
// fails the test when that happens before after or later than after+late.
func cutOff(t *testing.T, c net.Conn, start time.Time, after time.Duration) string {
	t.Helper()
	c.SetReadDeadline(start.Add(after + late))
	got, err := io.ReadAll(c)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("after %v the edge had not closed the connection (%v); it sent %q", took, err, got)
	}
	if took < after {
		t.Fatalf("closed after %v, before the timeout %v", took, after)
	}
	return string(got)
}

// TestViewerTimeouts: a viewer that sends its request head too slowly gets
// 408 and loses its connection at the read timeout; a kept-alive viewer
// that sends nothing more loses it at the idle timeout; over HTTP and
// HTTPS (the goroutine path's deadlines are the sweeper's, see
// edge/deadline).
func TestViewerTimeouts(t *testing.T) {
	e := newEnv(t, withConfig(func(c *edge.Config) {
		c.ReadTimeout, c.IdleTimeout = viewerTimeout, viewerTimeout
	}))
	d := e.distribution("timeouts", nil, []types.Origin{e.origin("o").customOrigin("")})
	host := *d.DomainName
	for _, overTLS := range []bool{false, true} {
		name := map[bool]string{false: "HTTP", true: "HTTPS"}[overTLS]
		t.Run(name+"/slow head", func(t *testing.T) {
			c := e.dialViewer(overTLS)
			start := time.Now()
			// A slowloris: a byte of the head every tenth of the timeout,
			// never the end of it.
			go func() {
				head := "GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Slow: " + strings.Repeat("a", 1000)
				for i := range len(head) {
					if _, err := c.Write([]byte{head[i]}); err != nil {
						return
					}
					time.Sleep(viewerTimeout / 10)
				}
			}()
			got := cutOff(t, c, start, viewerTimeout)
			if !strings.HasPrefix(got, "HTTP/1.1 408 ") {
				t.Errorf("the edge sent %q, want a 408", got)
			}
		})
		t.Run(name+"/idle", func(t *testing.T) {
			c := e.dialViewer(overTLS)
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := cutOff(t, c, time.Now(), viewerTimeout); got != "" {
				t.Errorf("the edge sent %q to an idle connection", got)
			}
		})
	}
}

// silentOrigin accepts connections, over TLS when useTLS, reads what comes
// and never answers, until the test ends.
func (e *env) silentOrigin(name string, useTLS bool) *origin {
	e.t.Helper()
	done := e.t.Context().Done()
	o := &origin{name: name, tls: useTLS}
	e.serveOrigin(o, func(c net.Conn) {
		go io.Copy(io.Discard, c)
		<-done
		c.Close()
	})
	return o
}

// TestOriginReadTimeout: an origin that does not answer within its read
// timeout gets the viewer a 504, over HTTP and HTTPS to the origin and from
// the viewer.
func TestOriginReadTimeout(t *testing.T) {
	e := newEnv(t)
	for _, originTLS := range []bool{false, true} {
		origin := e.silentOrigin("silent", originTLS).customOrigin("")
		origin.CustomOriginConfig.OriginReadTimeout = aws.Int32(1)
		d := e.distribution("silent-"+map[bool]string{false: "http", true: "https"}[originTLS], nil, []types.Origin{origin})
		for _, viewer := range []*env{e, e.overTLS()} {
			start := time.Now()
			r := viewer.get(*d.DomainName, "/")
			took := time.Since(start)
			if r.status != 504 || took < time.Second {
				t.Errorf("origin over TLS %v, viewer at %s: status %d after %v, want 504 after the 1 s read timeout", originTLS, viewer.edgeURL, r.status, took)
			}
		}
	}
}
