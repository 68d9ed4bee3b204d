//go:build linux

package evloop

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"
)

// viewer is a viewer connection on a loop.
type viewer struct {
	conn
	x    Exchange
	addr addrs
	// busy: a forwarded request waits for its origin (or its name), or an
	// offloaded one for its goroutine (offloaded).
	busy      bool
	offloaded bool
	origin    *originConn
	// seq counts the requests, so that a name resolved late finds out
	// whether its request is still the one waiting.
	seq uint64
	// closeAfter: the response written closes the connection.
	closeAfter bool
	isHead     bool
	advancing  bool
	// tls is the TLS state of a ServeTLS viewer, nil over plain HTTP; its
	// in holds what tls opened, not what the socket gave.
	tls *tlsViewer
}

// addrs is the net.Conn of a viewer's RequestCtx: it gives the addresses;
// nothing is read or written through it.
type addrs struct{ remote, local net.Addr }

var errNotAConn = errors.New("evloop: the connection is served by the event loop")

func (a *addrs) Read([]byte) (int, error)         { return 0, errNotAConn }
func (a *addrs) Write([]byte) (int, error)        { return 0, errNotAConn }
func (a *addrs) Close() error                     { return nil }
func (a *addrs) LocalAddr() net.Addr              { return a.local }
func (a *addrs) RemoteAddr() net.Addr             { return a.remote }
func (a *addrs) SetDeadline(time.Time) error      { return nil }
func (a *addrs) SetReadDeadline(time.Time) error  { return nil }
func (a *addrs) SetWriteDeadline(time.Time) error { return nil }

// newViewer makes the viewer of descriptor fd; c is its Ctx's connection
// (nil: one that gives the addresses).
func newViewer(fd int, remote, local net.Addr, c net.Conn) *viewer {
	v := &viewer{}
	v.kind, v.fd, v.v = kViewer, fd, v
	v.addr = addrs{remote: remote, local: local}
	if c == nil {
		c = &v.addr
	}
	v.x.Ctx.Init2(c, nil, false)
	v.x.Ctx.Response.Header.SetNoDefaultContentType(true)
	return v
}

// idle: nothing in progress, nothing to write, nothing read ahead.
func (v *viewer) idle() bool { return !v.busy && v.pending() == 0 && len(v.unparsed()) == 0 }

// outHigh is how much may wait to be written before the loop stops reading
// pipelined requests from the connection.
const outHigh = 64 << 10

func (l *loop) viewerLimit() int { return l.cfg.HeadBytes + l.cfg.InlineBodyBytes + 4096 }

func (l *loop) viewerEvent(v *viewer, ev uint32) {
	if ev&unix.EPOLLERR != 0 {
		l.closeViewer(v)
		return
	}
	if ev&unix.EPOLLOUT != 0 && !l.flush(&v.conn) {
		l.closeViewer(v)
		return
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP) != 0 {
		ok := false
		if v.tls != nil {
			ok = l.tlsFill(v)
		} else {
			ok = l.fill(&v.conn, l.viewerLimit()) == nil
		}
		if !ok {
			l.closeViewer(v)
			return
		}
	}
	l.advance(v)
}

// advance serves the requests read from v, in order, as far as it can
// without waiting, and settles v's events and deadline: at once when there
// is nothing to write, else once its responses are written (writeQueued).
func (l *loop) advance(v *viewer) {
	v.advancing = true
	for {
		full := false
		for !v.closed && !v.busy && !v.closeAfter {
			if full = v.pending() >= outHigh; full {
				break
			}
			// Over TLS, records read and not opened yet may hold more.
			if (len(v.unparsed()) == 0 || !l.readRequest(v)) && !l.openMore(v) {
				break
			}
		}
		if v.closed || v.kind != kViewer {
			return // closed, or handed off
		}
		if !full {
			break
		}
		if !l.flush(&v.conn) {
			v.advancing = false
			l.closeViewer(v)
			return
		}
		// Writing made room: serve the requests that waited for it.
		if v.pending() >= outHigh {
			break
		}
	}
	v.advancing = false
	if v.pending() > 0 {
		l.writeLater(&v.conn)
		return
	}
	l.settleWritten(v)
}

// settleWritten settles v after its responses were written (as far as the
// socket took them): it closes v when they were its last.
func (l *loop) settleWritten(v *viewer) {
	switch {
	case v.pending() > 0:
	case v.closeAfter, v.eof && !v.busy && len(v.unparsed()) == 0:
		l.closeViewer(v)
		return
	}
	l.settle(v)
}

// settle asks epoll for what v needs now and gives v the deadline that fits.
func (l *loop) settle(v *viewer) {
	var ev uint32
	if !v.eof && !v.closeAfter && len(v.unparsed()) < l.viewerLimit() && (v.tls == nil || !v.tls.more) {
		ev = unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if v.pending() > 0 {
		ev |= unix.EPOLLOUT
	}
	l.want(&v.conn, ev)
	switch {
	case v.pending() > 0:
		l.deadline(&v.conn, tWrite, l.cfg.WriteTimeout)
	case v.busy:
		l.noDeadline(&v.conn)
	case len(v.unparsed()) > 0, v.tls != nil && v.tls.partial():
		l.deadline(&v.conn, tRead, l.cfg.ReadTimeout)
	case v.eof:
		l.noDeadline(&v.conn)
	default:
		l.deadline(&v.conn, tIdle, l.cfg.IdleTimeout)
		// An idle connection holds no buffer (freeBuf keeps those of
		// bufSize).
		l.freeBuf(v.in)
		v.in, v.rpos = nil, 0
	}
}

func (l *loop) viewerExpired(v *viewer) {
	switch v.tkind {
	case tRead:
		if len(v.unparsed()) > 0 || v.seq == 0 {
			// As fasthttp's server: a request that did not all come
			// in time is answered 408.
			l.requestFailed(v, fasthttp.ErrTimeout)
			l.advance(v)
			return
		}
	}
	l.closeViewer(v)
}

// readRequest parses the next request from v's bytes and serves it; false
// when it must wait (for bytes, or for the origin).
func (l *loop) readRequest(v *viewer) bool {
	b := v.unparsed()
	if !v.msg.ready(b, v.eof, l.cfg.HeadBytes) {
		return false
	}
	req := &v.x.Ctx.Request
	req.Reset()
	l.src.reset(b, v.eof)
	l.reqBR.Reset(&l.src)
	err := req.Header.Read(l.reqBR)
	if err == nil {
		headLen := l.src.pos - l.reqBR.Buffered()
		cl := req.Header.ContentLength()
		if req.MayContinue() || cl == -1 || cl > l.cfg.InlineBodyBytes {
			// A body that streams: the goroutine server reads it (and
			// refuses one declared over the limit without reading it).
			l.detach(v, false)
			return false
		}
		if cl > 0 && len(b) < headLen+cl && !v.eof {
			v.msg.need = headLen + cl
			return false
		}
		if err = l.uri.Parse(req.Header.Host(), req.Header.RequestURI()); err == nil {
			err = req.ContinueReadBody(l.reqBR, l.cfg.MaxBodyBytes, false)
		}
	}
	if err != nil {
		switch {
		case incomplete(err, &l.src):
		case err == io.EOF: //nolint:errorlint // fasthttp's own end, not one it wrapped
			// Nothing but the end (or stray CRLFs): close quietly.
			v.rpos, v.closeAfter = len(v.in), true
		default:
			l.requestFailed(v, err)
		}
		return false
	}
	v.rpos += l.src.pos - l.reqBR.Buffered()
	v.msg.reset()
	v.seq++
	v.isHead = req.Header.IsHead()
	x := &v.x
	x.Out, x.State, x.Slow = nil, nil, nil
	switch l.h.Request(x) {
	case Forward:
		l.forward(v)
	case Offload:
		l.offload(v, x.Slow)
	default:
		l.respond(v)
	}
	return true
}

// requestFailed answers a request that could not be read, and closes.
func (l *loop) requestFailed(v *viewer, err error) {
	ctx := &v.x.Ctx
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
	l.h.Error(ctx, err)
	ctx.Response.SetConnectionClose()
	l.respond(v)
	v.rpos = len(v.in)
}

// finish settles the response's connection headers as fasthttp's server
// does, and reports whether the connection closes after it.
func finish(ctx *fasthttp.RequestCtx, closing bool) bool {
	resp := &ctx.Response
	closeConn := closing || ctx.Request.Header.ConnectionClose() || resp.Header.ConnectionClose()
	if closeConn {
		resp.SetConnectionClose()
	} else if !ctx.Request.Header.IsHTTP11() {
		resp.Header.Set(fasthttp.HeaderConnection, "keep-alive")
	}
	if ctx.Request.Header.IsHead() {
		resp.SkipBody = true
	}
	return closeConn
}

// respond writes v's response after the ones before it.
func (l *loop) respond(v *viewer) {
	ctx := &v.x.Ctx
	// The budget the response took is the connection's until written.
	v.held += v.x.Held
	v.x.Held = 0
	v.closeAfter = finish(ctx, l.closing)
	l.sink.c = &v.conn
	if v.tls != nil {
		l.sink.c = &l.plain
	}
	if err := ctx.Response.Write(l.bw); err != nil {
		v.closeAfter = true
	}
	l.bw.Flush()
	l.sink.c = nil
	if v.tls != nil && !l.seal(v) {
		v.closeAfter = true
	}
	ctx.Request.Reset()
	// The exchange keeps its body buffer for the next response, but not a
	// large one (see LargeBytes).
	ctx.Response.ReleaseBody(LargeBytes)
	ctx.Response.Reset()
	ctx.Response.Header.SetNoDefaultContentType(true)
}

func (l *loop) closeViewer(v *viewer) {
	if v.closed {
		return
	}
	if v.origin != nil {
		l.closeConn(&v.origin.conn)
		v.origin = nil
	}
	l.forget(v)
	if v.tls != nil {
		l.closeNotify(v)
	}
	l.closeConn(&v.conn)
	if v.busy && !v.offloaded {
		// The handler holds the forwarded request's state (the edge, a
		// slot of the origin's ceiling): end it, nobody to answer.
		err := ErrViewerClosed
		if l.closing {
			err = ErrShutdown
		}
		l.end(v, err)
	}
}

// offload runs slow, which leaves the response in v's exchange, on a
// goroutine; v waits on the loop as for an origin, and the loop writes the
// response when slow is done. A viewer that closes meanwhile is answered by
// nobody (its goroutine still finishes).
func (l *loop) offload(v *viewer, slow func()) {
	v.busy, v.offloaded = true, true
	s := l.s
	s.detached.Add(1)
	go func() {
		defer s.detached.Done()
		slow()
		l.post(func() { l.offloadDone(v) })
	}()
}

func (l *loop) offloadDone(v *viewer) {
	v.busy, v.offloaded = false, false
	if v.closed {
		l.giveBack(&v.x.Held)
		return
	}
	if v.x.Ctx.Response.IsBodyStream() {
		// A streamed body (a file) is written by a goroutine: on the loop
		// it would be read whole into the connection's buffer.
		l.detach(v, true)
		return
	}
	l.respond(v)
	if !v.advancing {
		l.advance(v)
	}
}

// detach hands v's connection off the loop to the goroutine server, with
// the bytes read ahead, after writing what waits to be written and, when
// answered, the response in v's exchange.
func (l *loop) detach(v *viewer, answered bool) {
	l.forget(v)
	out := append([]byte(nil), v.out[v.wpos:]...)
	ahead := append([]byte(nil), v.unparsed()...)
	fd := v.fd
	l.drop(&v.conn)
	// What the budget held for v's responses goes back (drop gave back
	// v.held): the goroutine writes them within the write timeout.
	l.giveBack(&v.x.Held)
	v.kind = 0 // no longer the loop's
	f := os.NewFile(uintptr(fd), "viewer")
	nc, err := net.FileConn(f) // a descriptor of its own, in Go's netpoller
	f.Close()
	if err != nil {
		return
	}
	// What the goroutines read and write: over TLS, the TLS connection,
	// its shim now on nc.
	var conn net.Conn = nc
	if v.tls != nil {
		v.tls.shim.toGoroutine(nc)
		conn = v.tls.conn
	}
	s, closing := l.s, l.closing
	s.detached.Add(1)
	go func() {
		defer s.detached.Done()
		nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if len(out) > 0 {
			if _, err := nc.Write(out); err != nil {
				nc.Close()
				return
			}
		}
		if answered {
			ctx := &v.x.Ctx
			closeConn := finish(ctx, closing || s.closing.Load())
			bw := bufio.NewWriter(conn)
			if ctx.Response.Write(bw) != nil || bw.Flush() != nil || closeConn {
				conn.Close()
				return
			}
		}
		nc.SetWriteDeadline(time.Time{})
		s.handoffs.deliver(handOff(conn, ahead, v.tls))
	}()
}
