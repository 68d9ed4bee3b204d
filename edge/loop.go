package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/edge/evloop"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// The event-loop viewer path (Serve, on Linux): evloop reads the viewers'
// requests and the origins' responses on one loop per core, and runs the
// handler's two phases there (requestPhase, then responsePhase once the
// origin answered). Only plain HTTP to one custom HTTP origin stays on the
// loop, and so do the cache's hits (cachedOnLoop); S3 origins, HTTPS
// origins, origin groups, the cache's misses and functions found slow go to
// a goroutine (Offload), as do bodies that stream (evloop hands the
// connection to the fasthttp server). HTTPS viewers (serveTLSLoop) do their
// handshake on a goroutine, then go to the loops.

// loopHandler is the edge's handler for evloop, one per loop (ForLoop).
type loopHandler struct {
	s *Server
	// runCtx is the context of the loop's function runs: its own affinity,
	// so that a run takes the realm the loop's last run used, whose memory
	// is in this core's caches (see runtime.WithAffinity).
	runCtx context.Context
	// states recycles the per-request state kept between the phases.
	states sync.Pool
}

func (h *loopHandler) ForLoop() evloop.Handler {
	return &loopHandler{s: h.s, runCtx: runtime.WithAffinity(context.Background())}
}

// loopState is a forwarded request between its two phases.
type loopState struct {
	x    *exchange
	out  *event.Request
	pool *pool // holds one of its slots until the origin answered
}

func (h *loopHandler) Request(lx *evloop.Exchange) evloop.Step {
	s := h.s
	x := s.newExchange(&lx.Ctx)
	x.lx = lx
	if !s.admit(x) {
		s.endExchange(x)
		return evloop.Done
	}
	if b := x.behavior; ranLong(b.ViewerRequest, x.start) || ranLong(b.ViewerResponse, x.start) {
		// A function found slow runs on a goroutine: on the loop, each run
		// would hold up every other connection of the loop.
		s.metrics.loopOffloads.slowFunction.Inc()
		lx.Slow = func() {
			if rt, orig, out, ok := s.routeRequest(x); ok {
				s.finish(x, s.respond(x, &rt, orig, out), out)
			}
			s.endExchange(x)
		}
		return evloop.Offload
	}
	x.runCtx = h.runCtx
	rt, orig, out, ok := s.routeRequest(x)
	if !ok {
		s.endExchange(x)
		return evloop.Done
	}
	if s.caches(x) {
		return s.cachedOnLoop(lx, x, &rt, orig, out)
	}
	t := &rt.targets[0]
	t.forViewer(x.ctx.IsTLS())
	var p *pool
	if !t.s3 {
		p = s.origins.pool(t)
	}
	// A request beyond the origin's ceiling waits for a slot on a goroutine;
	// a custom error page is fetched from the origin (or cache) on one too.
	if len(rt.targets) > 1 || t.s3 || t.tls || x.dist.HasErrorResponses() || !p.tryAcquire() {
		s.metrics.loopOffloads.origin.Inc()
		// A copy for the closure: rt itself stays on the stack.
		rt := rt
		lx.Slow = func() {
			s.finish(x, s.respond(x, &rt, orig, out), out)
			s.endExchange(x)
		}
		return evloop.Offload
	}
	// The loop has read the whole body (evloop hands larger ones off).
	s.readBody(x)
	uri, query, hasQuery := x.originURI(out)
	req := fasthttp.AcquireRequest()
	s.originRequest(x, req, t, uri, query, hasQuery, orig, out)
	// Sent as the edge wrote it (see verbatim).
	req.SetRequestURIBytes(req.Header.RequestURI())
	st, _ := h.states.Get().(*loopState)
	if st == nil {
		st = new(loopState)
	}
	st.x, st.out, st.pool = x, out, p
	lx.Out, lx.State = req, st
	lx.Origin = evloop.Origin{Host: t.domain, Port: t.port, Attempts: t.attempts,
		ConnectTimeout: t.connect, ReadTimeout: t.read, IdleTimeout: t.idle}
	return evloop.Forward
}

// cachedOnLoop answers a request the cache serves: on the loop when the
// cache holds an object it may serve without asking the origin (a memory
// lookup, the common case of a CDN), else on a goroutine, which waits for
// the origin, or for the fill of the key another request started.
func (s *Server) cachedOnLoop(lx *evloop.Exchange, x *exchange, rt *route, orig, out *event.Request) evloop.Step {
	k := s.keyOf(x, out)
	if !s.answerCached(x, rt, orig, out, &k, s.lookUp(x, &k)) {
		s.metrics.loopOffloads.cache.Inc()
		// Copies for the closure: rt stays on Request's stack.
		rt := *rt
		lx.Slow = func() {
			s.finish(x, s.respondKeyed(x, &rt, orig, out, &k), out)
			s.endExchange(x)
		}
		return evloop.Offload
	}
	if errorPage(x) != nil {
		// A cached error with a custom error page: the page may come from
		// the origin.
		s.metrics.loopOffloads.cache.Inc()
		lx.Slow = func() {
			s.finish(x, true, out)
			s.endExchange(x)
		}
		return evloop.Offload
	}
	s.finish(x, true, out)
	s.endExchange(x)
	return evloop.Done
}

// endExchange logs x's access line and releases it.
func (s *Server) endExchange(x *exchange) {
	s.logAccess(x)
	s.releaseExchange(x)
}

// A function is slow, and the loops hand its requests to goroutines for
// slowMemory, when a run was stopped at its time or memory limit or refused
// as throttled (a throttled answer waits throttlePause, which must not
// happen on a loop), or longRunStreak runs in a row took longRun or more
// (half the time limit, a hundred times a typical run). Wall time is what the loop's other
// connections wait, but on a busy machine any run's wall time grows while
// its thread waits for a core: one long run of a quick function must not
// send it off the loops (it did at 2 ms, under wrk), a hostile one is found
// in a few runs. After slowMemory the function gets the loop back, until it
// is found slow again.
const (
	longRun       = 10 * time.Millisecond
	longRunStreak = 3
	slowMemory    = 30 * time.Second
)

// noteRun records a run of a function's code (runs nil: no code).
func noteRun(runs *replica.Runs, res *runtime.Result) {
	if runs == nil {
		return
	}
	ee, _ := errors.AsType[*runtime.ExecutionError](res.Err)
	switch {
	case ee != nil && (ee.Timeout || ee.Memory || ee.Throttled):
		runs.Slow.Store(time.Now().UnixNano())
	case res.Duration >= longRun:
		if runs.Streak.Add(1) >= longRunStreak {
			runs.Slow.Store(time.Now().UnixNano())
		}
	case runs.Streak.Load() != 0:
		// Read first: a store on every run would bounce the cache line
		// between cores.
		runs.Streak.Store(0)
	}
}

// ranLong reports whether f (nil: none) was found slow within slowMemory
// before now.
func ranLong(f *replica.Function, now time.Time) bool {
	if f == nil || f.Runs == nil {
		return false
	}
	t := f.Runs.Slow.Load()
	return t != 0 && now.UnixNano()-t < int64(slowMemory)
}

func (h *loopHandler) Response(lx *evloop.Exchange, err error) {
	s := h.s
	st := lx.State.(*loopState)
	x := st.x
	fasthttp.ReleaseRequest(lx.Out)
	st.pool.release()
	switch {
	case errors.Is(err, evloop.ErrViewerClosed), errors.Is(err, evloop.ErrShutdown):
		// Nobody to answer: logged as CloudFront logs a viewer that left
		// (status 000), not as the origin's failure.
		x.viewerGone, x.result, x.detail = true, "Error", "ClientCommError"
	case err != nil:
		s.log.Debug("edge: origin request failed", "request_id", x.id, "origin", lx.Origin.Host, "err", err)
		if errors.Is(err, evloop.ErrNoRoom) {
			s.metrics.responsesRefused.Inc()
		}
		s.fail(x, originFailure(err))
		s.finish(x, false, st.out)
	default:
		cleanOriginResponse(&x.ctx.Response)
		s.finish(x, true, st.out)
	}
	s.endExchange(x)
	*st = loopState{}
	h.states.Put(st)
}

func (h *loopHandler) Error(ctx *fasthttp.RequestCtx, err error) { h.s.serveError(ctx, err) }

// serveLoop serves viewers on tl, for Serve, on event loops (one per core);
// what leaves the loops is served by the fasthttp server. It returns nil
// after a Shutdown.
func (s *Server) serveLoop(tl *net.TCPListener) error {
	return s.serveLoops(func(ev *evloop.Server) error { return ev.Serve(tl) })
}

// serveTLSLoop serves HTTPS viewers on ln, for ServeTLS, each handshake
// (with its mTLS checks and connection function) on a goroutine, then the
// connection on event loops. It returns nil after a Shutdown.
func (s *Server) serveTLSLoop(ln net.Listener, config *tls.Config) error {
	return s.serveLoops(func(ev *evloop.Server) error {
		return ev.ServeTLS(ln, func(raw net.Conn) evloop.TLSConn { return newViewerConn(raw, config) })
	})
}

// serveLoops runs serve on event loops of their own, and the fasthttp
// server on the connections they hand off.
func (s *Server) serveLoops(serve func(*evloop.Server) error) error {
	ev := evloop.New(evloop.Config{
		Handler:            &loopHandler{s: s},
		HeadBytes:          maxURLBytes + maxHeaderBytes + 1024,
		MaxBodyBytes:       s.cfg.MaxBodyBytes,
		OriginHeadBytes:    originHeaderBytes,
		MaxOriginBodyBytes: s.cfg.MaxOriginBodyBytes,
		ReadTimeout:        s.cfg.ReadTimeout,
		WriteTimeout:       s.cfg.WriteTimeout,
		IdleTimeout:        s.cfg.IdleTimeout,
		Responses:          s.responses,
	})
	s.loopsMu.Lock()
	s.loops = append(s.loops, ev)
	s.loopsMu.Unlock()
	handed := make(chan error, 1)
	go func() { handed <- s.serveGoroutines(ev.HandOffs()) }()
	err := serve(ev)
	ev.HandOffs().Close()
	if herr := <-handed; err == nil && !errors.Is(herr, net.ErrClosed) {
		err = herr
	}
	return err
}
