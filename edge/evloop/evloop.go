// Package evloop serves HTTP/1.1 viewers to HTTP/1.1 origins on event loops,
// as nginx does: one loop per core, each owning an epoll set that holds its
// viewer connections AND the origin connections it opened for them. A socket
// is read only when epoll reports it readable (level-triggered), so no read
// ends in EAGAIN and no goroutine parks or wakes per request; a request that
// goes to an origin is sent from the loop and its response read there when it
// comes.
//
// The bytes are parsed and written by fasthttp (Request.ReadLimitBody,
// Response.ReadLimitBody, Write), so its limits and its request-smuggling
// defences are the ones that apply; the loop only collects the bytes of a
// message until they are all there (partial messages), keeps the order of
// pipelined requests, and waits for room when a viewer reads slowly (EPOLLOUT).
// Timeouts come from one coarse timer wheel per loop.
//
// TLS viewers (ServeTLS) are accepted and do their handshake on a goroutine,
// which then gives the connection to a loop: the loop reads its records,
// has crypto/tls open them into the bytes the parser reads, and seals the
// responses (tls.go).
//
// What the loop does not do itself leaves it: a request the handler Offloads
// runs on a goroutine while its connection waits on the loop, which writes
// the response (unless its body streams from a file) and goes on with the
// connection's next request; a connection whose request body must stream
// (large or chunked bodies, Expect: 100-continue), or whose offloaded
// response streams, is handed to the goroutine server that HandOffs feeds.
//
// The loops are built on Linux's epoll, eventfd and timerfd. Elsewhere
// Supported is false and Server.Serve reports errors.ErrUnsupported: serve
// the viewers with the goroutine server instead.
package evloop

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"runtime"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sync/semaphore"
)

// Step is what the handler's request phase decided.
type Step uint8

const (
	// Done: the response is in Exchange.Ctx.Response.
	Done Step = iota
	// Forward: send Exchange.Out to Exchange.Origin; Handler.Response is
	// called once with the answer, or with the error that ended the wait
	// (ErrViewerClosed, ErrShutdown among them).
	Forward
	// Offload: run Exchange.Slow on a goroutine, which leaves the response
	// in Exchange.Ctx.Response; the loop writes it (a streamed body is
	// written by a goroutine, and the connection goes to HandOffs).
	Offload
)

// Handler serves the requests the loops read. Request and Response run on a
// loop's goroutine: they must not block.
type Handler interface {
	// Request starts the request in x.Ctx.Request.
	Request(x *Exchange) Step
	// Response finishes a forwarded request: the origin's response is in
	// x.Ctx.Response, or err tells why there is none (see the errors of
	// this package's doc).
	Response(x *Exchange, err error)
	// Error answers, in ctx.Response, a request that could not be read:
	// err is fasthttp's parse error, or fasthttp.ErrTimeout. The
	// connection is closed after the answer.
	Error(ctx *fasthttp.RequestCtx, err error)
}

// A Handler that is a LoopHandler gives each loop a handler of its own, for
// state kept per loop (one per core) that the cores then never share.
type LoopHandler interface {
	Handler
	// ForLoop returns the handler of a new loop.
	ForLoop() Handler
}

// Origin is where a forwarded request goes and how.
type Origin struct {
	// Host is a domain name or an IP address, Port its port.
	Host string
	Port int
	// Attempts is how many times a connection is tried (at least 1), each
	// for at most ConnectTimeout.
	Attempts       int
	ConnectTimeout time.Duration
	// ReadTimeout bounds the wait for the whole response, from the request
	// sent; IdleTimeout how long the connection is kept for the next one.
	ReadTimeout, IdleTimeout time.Duration
}

// Exchange is one viewer connection's request in progress.
type Exchange struct {
	// Ctx holds the viewer's request and the response being made. Its
	// RemoteAddr is the viewer's; on ServeTLS's loops its Conn is the
	// viewer's TLSConn (IsTLS, TLSConnectionState), which only the loop
	// reads and writes.
	Ctx fasthttp.RequestCtx
	// Out and Origin are set by a request phase that returns Forward; the
	// handler owns Out (release it in Response).
	Out    *fasthttp.Request
	Origin Origin
	// State is the handler's, kept between its two phases.
	State any
	// Slow is set by a request phase that returns Offload.
	Slow func()
	// Held is what the response took from Config.Responses (the handler
	// takes it for a large body): the loop gives it back once the
	// response is written, or its viewer gone.
	Held int64
}

// LargeBytes is where a buffer or a response body counts as large. A loop
// keeps no larger buffer for the next message, and what is held past it
// takes from Config.Responses: a body over it, by its handler
// (Exchange.Held); an origin's read buffer, by what it grows past it.
const LargeBytes = 64 << 10

// The errors a forwarded request may end with, besides fasthttp's parse
// errors and a *net.OpError with Op "dial" for a refused connection.
var (
	// ErrDialTimeout: no attempt connected within its ConnectTimeout
	// (fasthttp.ErrDialTimeout, which the goroutine path also returns).
	ErrDialTimeout = fasthttp.ErrDialTimeout
	// ErrTimeout: the response did not come within ReadTimeout.
	ErrTimeout = fasthttp.ErrTimeout
	// ErrClosed: the origin closed the connection before a whole response.
	ErrClosed = errors.New("evloop: the origin closed the connection before a whole response")
	// ErrShutdown: the server was shut down before the origin answered.
	ErrShutdown = errors.New("evloop: server shut down")
	// ErrNoRoom: the origin's response grew past what Config.Responses
	// had room for.
	ErrNoRoom = errors.New("evloop: no room for the origin's response")
	// ErrViewerClosed: the viewer's connection closed before the origin
	// answered.
	ErrViewerClosed = errors.New("evloop: the viewer's connection closed before the origin answered")
)

// Config configures a Server. Zero values take the defaults.
type Config struct {
	Handler Handler
	// Loops is the number of event loops (default GOMAXPROCS).
	Loops int
	// HeadBytes bounds a request's line and headers (default 8 KiB).
	HeadBytes int
	// InlineBodyBytes is the largest request body read on the loop
	// (default 64 KiB); a larger or chunked body is read by the goroutine
	// server (HandOffs). MaxBodyBytes bounds bodies on both (default 20 MiB).
	InlineBodyBytes, MaxBodyBytes int
	// OriginHeadBytes and MaxOriginBodyBytes bound an origin's response
	// (defaults 32 KiB and 64 MiB).
	OriginHeadBytes, MaxOriginBodyBytes int
	// ReadTimeout bounds the reading of a request from its first byte,
	// WriteTimeout the writing of responses, IdleTimeout a kept-alive
	// connection between requests (defaults 60 s).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Tick is the timer wheel's resolution (default 100 ms).
	Tick time.Duration
	// Resolver resolves origin domain names (default net.DefaultResolver).
	Resolver *net.Resolver
	// Responses is the budget the handler takes large responses' bytes
	// from (Exchange.Held), shared by every Server of the node; nil when
	// the handler takes none.
	Responses *semaphore.Weighted
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Loops, runtime.GOMAXPROCS(0))
	def(&c.HeadBytes, 8<<10)
	def(&c.InlineBodyBytes, 64<<10)
	def(&c.MaxBodyBytes, 20<<20)
	def(&c.OriginHeadBytes, 32<<10)
	def(&c.MaxOriginBodyBytes, 64<<20)
	defDur(&c.ReadTimeout, 60*time.Second)
	defDur(&c.WriteTimeout, 60*time.Second)
	defDur(&c.IdleTimeout, 60*time.Second)
	defDur(&c.Tick, 100*time.Millisecond)
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	return c
}

// TLSConn is a viewer's TLS connection as ServeTLS's newConn makes it on the
// shim it is given: a *tls.Conn, or a type that embeds one.
type TLSConn interface {
	net.Conn
	HandshakeContext(ctx context.Context) error
	Handshake() error
	ConnectionState() tls.ConnectionState
	CloseWrite() error
}
