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
// finishes on a goroutine, and its connection, like one whose request body
// must stream (large or chunked bodies, Expect: 100-continue), is handed to
// the goroutine server that HandOffs feeds.
package evloop

import (
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
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
	// in Exchange.Ctx.Response; the connection then goes to HandOffs.
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
}

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

// Server runs the loops.
type Server struct {
	cfg      Config
	handoffs *handoffListener
	mu       sync.Mutex
	loops    []*loop
	closing  atomic.Bool
	// detached counts the goroutines serving an offloaded request.
	detached sync.WaitGroup
	done     chan struct{} // closed when every loop has stopped
	tls      tlsListener
}

// New returns a Server; it serves nothing until Serve.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{cfg: cfg, handoffs: newHandoffListener(), done: make(chan struct{})}
}

// HandOffs yields the connections that leave the loops, with any bytes the
// loop had read and not used still to be read from them: serve it with the
// goroutine server (fasthttp.Server.Serve). It is closed by Shutdown.
func (s *Server) HandOffs() net.Listener { return s.handoffs }

// Serve serves viewers on ln until Shutdown, then returns nil. ln stays
// open: its owner closes it.
func (s *Server) Serve(ln *net.TCPListener) error {
	f, err := ln.File() // a descriptor of the loops' own
	if err != nil {
		return err
	}
	defer f.Close()
	loops, err := s.start(int(f.Fd()), ln.Addr())
	if err != nil {
		return err
	}
	err = s.run(loops)
	close(s.done)
	runtime.KeepAlive(f)
	return err
}

// start makes the loops, on the listening descriptor lfd (-1: none); none
// when the server is shutting down.
func (s *Server) start(lfd int, addr net.Addr) ([]*loop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return nil, nil
	}
	for range s.cfg.Loops {
		l, err := newLoop(s, lfd, addr)
		if err != nil {
			for _, l := range s.loops {
				l.release()
			}
			s.loops = nil
			return nil, err
		}
		s.loops = append(s.loops, l)
	}
	return s.loops, nil
}

// run runs the loops until they have all stopped.
func (s *Server) run(loops []*loop) error {
	errc := make(chan error, len(loops))
	for _, l := range loops {
		go func() { errc <- l.run() }()
	}
	var first error
	for range loops {
		if err := <-errc; err != nil && first == nil {
			first = err
			// One loop failing stops the others.
			s.stopLoops()
		}
	}
	return first
}

func (s *Server) stopLoops() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	s.stopTLS()
	for _, l := range s.loops {
		l.post(l.beginShutdown)
	}
}

// Shutdown stops accepting viewers, closes idle connections, lets the
// requests in progress finish (their responses close their connections),
// and waits until ctx ends for the loops and the offloaded requests. The
// connections handed off are the goroutine server's to shut down.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopLoops()
	s.mu.Lock()
	started := len(s.loops) > 0
	s.mu.Unlock()
	if started {
		select {
		case <-s.done:
		case <-ctx.Done():
			s.mu.Lock()
			for _, l := range s.loops {
				l.post(l.closeAll)
			}
			s.mu.Unlock()
			<-s.done
		}
	}
	waited := make(chan struct{})
	go func() {
		s.detached.Wait()
		close(waited)
	}()
	var err error
	select {
	case <-waited:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.handoffs.Close()
	return err
}
