package edge_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/internal/devcert"
)

// origin is a test origin. One from env.origin answers with what it
// received, as JSON, and with the status a "status" query parameter asks
// for; one from env.rawOrigin with a fixed response.
type origin struct {
	srv  *httptest.Server
	name string
	port int
	tls  bool // HTTPS, with a certificate the edge trusts
	hits atomic.Int64
}

// received is what an origin saw of a request.
type received struct {
	Origin string      `json:"origin"`
	Method string      `json:"method"`
	URI    string      `json:"uri"`
	Host   string      `json:"host"`
	Header http.Header `json:"header"`
	Body   string      `json:"body"`
}

func (e *env) origin(name string) *origin { return e.startOrigin(name, false) }

// tlsOrigin is an origin over HTTPS.
func (e *env) tlsOrigin(name string) *origin { return e.startOrigin(name, true) }

func (e *env) startOrigin(name string, useTLS bool) *origin {
	e.t.Helper()
	o := &origin{name: name, tls: useTLS}
	o.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Server", "test-origin")
		w.Header().Set("Set-Cookie", "session=abc; Path=/; HttpOnly")
		w.Header().Set("X-Origin-Name", name)
		w.Header().Set("X-Accel-Redirect", "/internal") // hidden by CloudFront
		if s := r.URL.Query().Get("status"); s != "" {
			code, _ := strconv.Atoi(s)
			w.WriteHeader(code)
		}
		json.NewEncoder(w).Encode(received{Origin: name, Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header, Body: string(body)})
	}))
	if useTLS {
		o.srv.TLS = &tls.Config{Certificates: []tls.Certificate{originCert(e.t).cert}}
		o.srv.StartTLS()
	} else {
		o.srv.Start()
	}
	e.t.Cleanup(o.srv.Close)
	u, _ := url.Parse(o.srv.URL)
	o.port, _ = strconv.Atoi(u.Port())
	return o
}

// rawOrigin is an origin that answers the first request on each connection
// with response, byte for byte, and then closes the connection (without
// saying so, when response does not). It records the requests' heads.
func (e *env) rawOrigin(name, response string, useTLS bool) (*origin, *requestLog) {
	e.t.Helper()
	heads := &requestLog{}
	o := &origin{name: name, tls: useTLS}
	e.serveOrigin(o, func(c net.Conn) {
		defer c.Close()
		var head strings.Builder
		r := bufio.NewReader(c)
		for range 100 { // a test request has fewer lines
			line, err := r.ReadString('\n')
			head.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		o.hits.Add(1)
		heads.add(head.String())
		_, _ = io.WriteString(c, response)
	})
	return o, heads
}

// serveOrigin serves o (over TLS when o.tls) by the test itself, on the
// port it sets: serve has each connection, on a goroutine of its own,
// until the test ends.
func (e *env) serveOrigin(o *origin, serve func(net.Conn)) {
	e.t.Helper()
	var ln net.Listener
	var err error
	if o.tls {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{originCert(e.t).cert}})
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { ln.Close() })
	o.port = ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
}

// requestLog collects the requests a raw origin received.
type requestLog struct {
	mu    sync.Mutex
	heads []string
}

func (l *requestLog) add(head string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heads = append(l.heads, head)
}

// last returns the last request head received.
func (l *requestLog) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.heads) == 0 {
		return ""
	}
	return l.heads[len(l.heads)-1]
}

// customOrigin is an origin of a distribution pointing at o ("localhost":
// CloudFront wants names, not IP addresses).
func (o *origin) customOrigin(path string, headers ...types.OriginCustomHeader) types.Origin {
	c := &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(o.port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly}
	if o.tls {
		c = &types.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(int32(o.port)), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly}
	}
	return types.Origin{
		Id: aws.String(o.name), DomainName: aws.String("localhost"), OriginPath: aws.String(path),
		CustomHeaders:      &types.CustomHeaders{Quantity: aws.Int32(int32(len(headers))), Items: headers},
		CustomOriginConfig: c,
	}
}

// testCert is a self-signed certificate for localhost, and a pool that trusts it.
type testCert struct {
	cert  tls.Certificate
	roots *x509.CertPool
}

// makeOriginCert makes the certificate of the HTTPS test origins, once.
var makeOriginCert = sync.OnceValues(func() (testCert, error) {
	c, err := devcert.New("localhost", 24*time.Hour, "localhost")
	if err != nil {
		return testCert{}, err
	}
	return testCert{cert: c, roots: devcert.Pool(c)}, nil
})

func originCert(t *testing.T) testCert {
	t.Helper()
	c, err := makeOriginCert()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
