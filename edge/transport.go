package edge

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// originKey identifies a pool of kept-alive connections: the origin's
// address and what the connections are made with.
type originKey struct {
	addr     string
	tls      bool
	attempts int
	connect  time.Duration
	idle     time.Duration
}

// origins holds one fasthttp.HostClient, and so one connection pool, per
// originKey; they outlive distribution updates, so a new configuration of
// the same origin keeps its connections.
type origins struct {
	maxBody int
	clients sync.Map // originKey -> *fasthttp.HostClient
}

// Unused pools are dropped after poolTTL; sweep looks every sweepEvery.
const (
	poolTTL    = 5 * time.Minute
	sweepEvery = time.Minute
)

// originHeaderBytes bounds an origin's response headers.
const originHeaderBytes = 32 << 10

func newOrigins(maxBody int) *origins { return &origins{maxBody: maxBody} }

func (o *origins) client(t *target) *fasthttp.HostClient {
	k := originKey{addr: t.addr(), tls: t.tls, attempts: t.attempts, connect: t.connect, idle: t.idle}
	if c, ok := o.clients.Load(k); ok {
		return c.(*fasthttp.HostClient)
	}
	connect := k.connect
	c, _ := o.clients.LoadOrStore(k, &fasthttp.HostClient{
		Addr:  k.addr,
		IsTLS: k.tls,
		Dial: func(addr string) (net.Conn, error) {
			return fasthttp.DialTimeout(addr, connect)
		},
		MaxIdleConnDuration: k.idle,
		// fasthttp retries idempotent requests on connection failures,
		// which is what CloudFront's connection attempts are.
		MaxIdemponentCallAttempts: k.attempts,
		ReadBufferSize:            originHeaderBytes,
		MaxResponseBodySize:       o.maxBody,
		NoDefaultUserAgentHeader:  true,
		// The path goes to the origin as the viewer (or the function) wrote it.
		DisablePathNormalizing: true,
	})
	return c.(*fasthttp.HostClient)
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
		o.clients.Range(func(k, v any) bool {
			c := v.(*fasthttp.HostClient)
			if c.PendingRequests() == 0 && time.Since(c.LastUseTime()) > poolTTL {
				o.clients.Delete(k)
				c.CloseIdleConnections()
			}
			return true
		})
	}
}

func (o *origins) closeIdle() {
	o.clients.Range(func(_, v any) bool {
		v.(*fasthttp.HostClient).CloseIdleConnections()
		return true
	})
}

// originFailure classifies an error of a request to an origin.
func originFailure(err error) failure {
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout):
		return failOriginTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return failOriginTimeout
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return failOriginResponse
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return failOriginConnect
	}
	return failOriginResponse
}
