package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/edge/deadline"
	"github.com/edgefn/edgefn/edge/evloop"
)

// originKey identifies a pool of kept-alive connections: the origin's
// address and what the connections are made with. The address is kept as
// domain and port: joining them would allocate on every request.
type originKey struct {
	domain   string
	port     int
	tls      bool
	sni      string
	names    string // allowedCertificateNames, one per line
	attempts int
	connect  time.Duration
	idle     time.Duration
}

// origins holds one pool per originKey; they outlive distribution updates,
// so a new configuration of the same origin keeps its connections.
type origins struct {
	maxBody  int
	maxConns int
	connWait time.Duration
	tls      *tls.Config
	// deadlines makes the deadlines of the connections to origins coarse
	// (under TLS for HTTPS origins).
	deadlines *deadline.Sweeper
	pools     sync.Map // originKey -> *pool
}

// pool is one origin's fasthttp.HostClient (its kept-alive connections for
// the goroutine path) and the slots that bound the requests in flight to the
// origin on both viewer paths: the event loop keeps connections of its own,
// so the client's MaxConns alone would let the two paths together exceed
// the ceiling.
type pool struct {
	client *fasthttp.HostClient
	slots  chan struct{}
}

// tryAcquire takes a slot if one is free at once.
func (p *pool) tryAcquire() bool {
	select {
	case p.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// acquire takes a slot, waiting at most wait for one.
func (p *pool) acquire(wait time.Duration) bool {
	if p.tryAcquire() {
		return true
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (p *pool) release() { <-p.slots }

// Unused pools are dropped after poolTTL; sweep looks every sweepEvery.
const (
	poolTTL    = 5 * time.Minute
	sweepEvery = time.Minute
)

// originHeaderBytes bounds an origin's response headers.
const originHeaderBytes = 32 << 10

func newOrigins(cfg Config, deadlines *deadline.Sweeper) *origins {
	return &origins{maxBody: cfg.MaxOriginBodyBytes, maxConns: cfg.MaxOriginConns, connWait: cfg.OriginConnWait, tls: cfg.OriginTLS,
		deadlines: deadlines}
}

func (o *origins) pool(t *target) *pool {
	k := originKey{domain: t.domain, port: t.port, tls: t.tls, sni: t.sni, names: strings.Join(t.certNames, "\n"),
		attempts: t.attempts, connect: t.connect, idle: t.idle}
	if p, ok := o.pools.Load(k); ok {
		return p.(*pool)
	}
	connect := k.connect
	p, _ := o.pools.LoadOrStore(k, &pool{slots: make(chan struct{}, o.maxConns), client: &fasthttp.HostClient{
		Addr:      t.addr(),
		IsTLS:     k.tls,
		TLSConfig: o.tlsConfig(t.sni, t.certNames),
		Transport: verbatim{},
		Dial: func(addr string) (net.Conn, error) {
			c, err := fasthttp.DialTimeout(addr, connect)
			if err != nil {
				return nil, err
			}
			return o.deadlines.Wrap(c), nil
		},
		MaxIdleConnDuration: k.idle,
		// The pool's slots bound the requests in flight first (see pool);
		// these are the client's own bounds, never the tighter.
		MaxConns:           o.maxConns,
		MaxConnWaitTimeout: o.connWait,
		// fasthttp retries idempotent requests on connection failures,
		// which is what CloudFront's connection attempts are.
		MaxIdemponentCallAttempts: k.attempts,
		ReadBufferSize:            originHeaderBytes,
		MaxResponseBodySize:       o.maxBody,
		NoDefaultUserAgentHeader:  true,
		// The path goes to the origin as the viewer (or the function) wrote it.
		DisablePathNormalizing: true,
	}})
	return p.(*pool)
}

// tlsConfig is the TLS configuration for an origin: the edge's, with the
// server name sni when set (fasthttp sends the domain otherwise), and, with
// certNames, a certificate accepted when it is valid for one of those names
// rather than for the server name.
func (o *origins) tlsConfig(sni string, certNames []string) *tls.Config {
	if sni == "" && certNames == nil {
		return o.tls
	}
	c := &tls.Config{}
	if o.tls != nil {
		c = o.tls.Clone()
	}
	c.ServerName = sni
	if certNames != nil {
		roots := c.RootCAs
		// The chain is still verified, below, against the same roots.
		c.InsecureSkipVerify = true
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyNames(cs.PeerCertificates, roots, certNames)
		}
	}
	return c
}

// verifyNames checks that certs is a chain to roots (the system's when nil)
// whose leaf is valid for one of names. A name may be a wildcard
// ("*.example.com"), matching one label.
func verifyNames(certs []*x509.Certificate, roots *x509.CertPool, names []string) error {
	if len(certs) == 0 {
		return errors.New("the origin sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter}); err != nil {
		return err
	}
	for _, n := range names {
		if leaf.VerifyHostname(n) == nil {
			return nil
		}
		if suffix, ok := strings.CutPrefix(n, "*."); ok {
			for _, dns := range leaf.DNSNames {
				if label, rest, found := strings.Cut(dns, "."); found && label != "" && strings.EqualFold(rest, suffix) {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("the origin's certificate (%v) is valid for none of allowedCertificateNames %v", leaf.DNSNames, names)
}

// verbatim sends the request target as the edge wrote it. HostClient parses
// the target to compare its scheme with the client's, and Request.Write then
// rebuilds the target from that parse, which loses an empty query ("/p?"):
// what a function left alone must reach the origin byte for byte.
type verbatim struct{}

func (verbatim) RoundTrip(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	req.SetRequestURIBytes(req.Header.RequestURI()) // drops the parse
	retry, err := fasthttp.DefaultTransport.RoundTrip(hc, req, resp)
	setScheme(req, hc.IsTLS) // a retry compares the scheme again
	return retry, err
}

// setScheme gives req's origin-form target the scheme of the connection it
// goes over: without one it parses as http, and a TLS HostClient refuses it.
func setScheme(req *fasthttp.Request, tls bool) {
	if tls {
		req.URI().SetScheme("https")
	}
}

// sweep drops pools that have not been used for poolTTL, until ctx ends.
func (o *origins) sweep(ctx context.Context) {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		o.pools.Range(func(k, v any) bool {
			p := v.(*pool)
			c := p.client
			if c.PendingRequests() == 0 && len(p.slots) == 0 && time.Since(c.LastUseTime()) > poolTTL {
				o.pools.Delete(k)
				c.CloseIdleConnections()
			}
			return true
		})
	}
}

func (o *origins) closeIdle() {
	o.pools.Range(func(_, v any) bool {
		v.(*pool).client.CloseIdleConnections()
		return true
	})
}

// originFailure classifies an error of a request to an origin.
func originFailure(err error) failure {
	switch {
	case isTimeout(err), errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns):
		// ErrNoFreeConns comes only once the wait for a connection expired.
		return failOriginTimeout
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return failOriginResponse
	case errors.Is(err, evloop.ErrNoRoom):
		return failCapacity
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return failOriginConnect
	}
	return failOriginResponse
}
