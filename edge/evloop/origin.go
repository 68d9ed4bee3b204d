//go:build linux

package evloop

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// poolKey names a loop's pool of kept-alive connections to one origin.
type poolKey struct {
	host string
	port int
}

// maxPooled bounds the idle connections a loop keeps per origin.
const maxPooled = 256

// originConn is a connection to an origin, in use by v or in its pool.
type originConn struct {
	conn
	key  poolKey
	v    *viewer
	idle time.Duration
	// connecting: the connect is in progress (attempt of addrs).
	connecting bool
	attempt    int
	addrs      []netip.Addr
	// reused: it served a request before; got: the current response has
	// begun to arrive.
	reused, got bool
}

// forward sends v's request to its origin: over a pooled connection, or a
// new one once the origin's name is known.
func (l *loop) forward(v *viewer) {
	v.busy = true
	x := &v.x
	x.Ctx.Response.SkipBody = v.isHead
	key := poolKey{host: x.Origin.Host, port: x.Origin.Port}
	if list := l.pools[key]; len(list) > 0 {
		o := list[len(list)-1]
		l.pools[key] = list[:len(list)-1]
		o.reused = true
		l.send(o, v)
		return
	}
	l.resolve(v, key)
}

// send writes v's request on o.
func (l *loop) send(o *originConn, v *viewer) {
	o.v, v.origin, o.got = v, o, false
	o.in, o.rpos, o.eof = o.in[:0], 0, false
	o.msg.reset()
	o.idle = v.x.Origin.IdleTimeout
	l.sink.c = &o.conn
	err := v.x.Out.Write(l.bw)
	l.bw.Flush()
	l.sink.c = nil
	if err != nil {
		l.originDone(o, err, false)
		return
	}
	l.writeLater(&o.conn)
}

// pushOrigin writes what o has to send and waits for the response.
func (l *loop) pushOrigin(o *originConn) {
	if !l.flush(&o.conn) {
		l.originFailed(o, io.ErrClosedPipe)
		return
	}
	ev := uint32(unix.EPOLLIN | unix.EPOLLRDHUP)
	if o.pending() > 0 {
		ev |= unix.EPOLLOUT
	}
	l.want(&o.conn, ev)
	l.deadline(&o.conn, tResponse, o.v.x.Origin.ReadTimeout)
}

func (l *loop) originEvent(o *originConn, ev uint32) {
	if o.v == nil {
		// A pooled connection: the origin closed it (or talks out of
		// turn, which is as bad).
		l.unpool(o)
		return
	}
	if o.connecting {
		l.connected(o)
		return
	}
	if ev&unix.EPOLLOUT != 0 && o.pending() > 0 {
		l.pushOrigin(o)
		if o.closed || o.v == nil {
			return
		}
	}
	if ev&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
		return
	}
	if err := l.fill(&o.conn, l.cfg.OriginHeadBytes+l.cfg.MaxOriginBodyBytes); err == ErrNoRoom {
		l.originDone(o, err, true)
		return
	} else if err != nil {
		l.originFailed(o, unix.ECONNRESET)
		return
	}
	l.readResponse(o)
}

// readResponse parses the response from o's bytes once they may be whole.
func (l *loop) readResponse(o *originConn) {
	b := o.unparsed()
	if len(b) > 0 {
		o.got = true
	} else if o.eof {
		l.originFailed(o, ErrClosed)
		return
	}
	if !o.msg.ready(b, o.eof, l.cfg.OriginHeadBytes) {
		return
	}
	v := o.v
	resp := &v.x.Ctx.Response
	resp.Reset()
	resp.SkipBody = v.isHead
	l.src.reset(b, o.eof)
	// The source lets go of o's bytes after the parse: o's buffer may be a
	// large response's, which the pool does not keep.
	defer l.src.reset(nil, false)
	l.respBR.Reset(&l.src)
	err := resp.ReadLimitBody(l.respBR, l.cfg.MaxOriginBodyBytes)
	if err != nil && incomplete(err, &l.src) {
		// The head is there; the body is not.
		if status := resp.StatusCode(); o.msg.headEnd > 0 && status >= 200 && !v.isHead && status != 204 && status != 304 {
			switch cl := resp.Header.ContentLength(); {
			case cl >= 0:
				o.msg.need = o.msg.headEnd + cl
			case cl == -1:
				o.msg.chunked = true
			default:
				o.msg.identity = true
			}
		}
		return
	}
	if err != nil {
		l.originDone(o, err, true)
		return
	}
	o.rpos += l.src.pos - l.respBR.Buffered()
	// Bytes after the response, or an origin that closes: not reused.
	reuse := o.rpos == len(o.in) && !o.eof && !resp.Header.ConnectionClose() && !l.closing
	l.originDone(o, nil, !reuse)
}

// originFailed ends o's exchange with err; a kept-alive connection that
// failed before any response came is retried on a new one when the request
// may be sent again (the origin may have closed it as it was taken).
func (l *loop) originFailed(o *originConn, err error) {
	v := o.v
	if v != nil && o.reused && !o.got && (v.x.Out.Header.IsGet() || v.x.Out.Header.IsHead()) {
		l.closeConn(&o.conn)
		o.v, v.origin = nil, nil
		l.resolve(v, o.key)
		return
	}
	l.originDone(o, err, true)
}

// originDone ends o's exchange: o goes back to the pool unless closed, and
// the viewer's response is finished.
func (l *loop) originDone(o *originConn, err error, closeIt bool) {
	v := o.v
	o.v = nil
	if closeIt || err != nil {
		l.closeConn(&o.conn)
	} else {
		l.pool(o)
	}
	if v != nil {
		v.origin = nil
		l.answer(v, err)
	}
}

// answer finishes v's forwarded request with the origin's response (or err).
func (l *loop) answer(v *viewer, err error) {
	l.end(v, err)
	l.respond(v)
	if !v.advancing {
		l.advance(v)
	}
}

// end gives v's forwarded request back to the handler, with the origin's
// response or err: Handler.Response is called once for every Forward.
func (l *loop) end(v *viewer, err error) {
	v.busy = false
	if err != nil {
		v.x.Ctx.Response.Reset()
		v.x.Ctx.Response.Header.SetNoDefaultContentType(true)
	}
	l.h.Response(&v.x, err)
	if v.closed {
		l.giveBack(&v.x.Held) // nobody to write it to
	}
}

func (l *loop) pool(o *originConn) {
	list := l.pools[o.key]
	if len(list) >= maxPooled {
		l.closeConn(&o.conn)
		return
	}
	l.pools[o.key] = append(list, o)
	// A pooled connection holds no buffer (freeBuf keeps those of bufSize).
	l.freeBuf(o.in)
	o.in, o.rpos = nil, 0
	l.giveBack(&o.inHeld)
	l.want(&o.conn, unix.EPOLLIN|unix.EPOLLRDHUP)
	l.deadline(&o.conn, tPooled, o.idle)
}

func (l *loop) unpool(o *originConn) {
	list := l.pools[o.key]
	for i, c := range list {
		if c == o {
			l.pools[o.key] = append(list[:i], list[i+1:]...)
			break
		}
	}
	l.closeConn(&o.conn)
}

func (l *loop) originExpired(o *originConn) {
	switch o.tkind {
	case tPooled:
		l.unpool(o)
	case tConnect:
		l.closeConn(&o.conn)
		l.nextAttempt(o, ErrDialTimeout)
	case tResponse:
		l.originDone(o, ErrTimeout, true)
	}
}

// dnsEntry is a loop's knowledge of an origin's name.
type dnsEntry struct {
	addrs   []netip.Addr
	err     error
	expires time.Time
	pending bool
	waiting []waiter
}

type waiter struct {
	v   *viewer
	seq uint64
}

// Names are looked up again after dnsTTL (Go's resolver does not tell the
// records' own TTL), failures after dnsFailTTL.
const (
	dnsTTL     = 30 * time.Second
	dnsFailTTL = 2 * time.Second
)

// resolve connects v to the origin key once its addresses are known; the
// lookup itself runs on a goroutine, the request waiting.
func (l *loop) resolve(v *viewer, key poolKey) {
	e := l.dns[key.host]
	if e == nil {
		e = &dnsEntry{}
		if ip, err := netip.ParseAddr(key.host); err == nil {
			e.addrs, e.expires = []netip.Addr{ip}, time.Now().Add(100*365*24*time.Hour)
		}
		l.dns[key.host] = e
	}
	fresh := e.addrs != nil || e.err != nil
	if (!fresh || time.Now().After(e.expires)) && !e.pending {
		e.pending = true
		l.lookup(key.host, v.x.Origin.ConnectTimeout)
	}
	switch {
	case e.addrs != nil:
		// A stale answer serves while the new one comes.
		l.dial(v, key, e.addrs, 0)
	case e.err != nil && !e.pending:
		l.answer(v, &net.OpError{Op: "dial", Net: "tcp", Err: e.err})
	default:
		e.waiting = append(e.waiting, waiter{v, v.seq})
	}
}

func (l *loop) lookup(host string, timeout time.Duration) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		addrs, err := l.cfg.Resolver.LookupNetIP(ctx, "ip", host)
		l.post(func() { l.resolved(host, addrs, err) })
	}()
}

func (l *loop) resolved(host string, addrs []netip.Addr, err error) {
	e := l.dns[host]
	if e == nil {
		return
	}
	e.pending = false
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	if err == nil && len(addrs) > 0 {
		e.addrs, e.err, e.expires = addrs, nil, time.Now().Add(dnsTTL)
	} else if e.addrs == nil || time.Now().After(e.expires.Add(dnsTTL)) {
		if err == nil {
			err = errors.New("no addresses")
		}
		e.addrs, e.err, e.expires = nil, err, time.Now().Add(dnsFailTTL)
	}
	waiting := e.waiting
	e.waiting = nil
	for _, w := range waiting {
		if w.v.closed || w.v.seq != w.seq || !w.v.busy {
			continue
		}
		key := poolKey{host: host, port: w.v.x.Origin.Port}
		if e.addrs != nil {
			l.dial(w.v, key, e.addrs, 0)
		} else {
			l.answer(w.v, &net.OpError{Op: "dial", Net: "tcp", Err: e.err})
		}
	}
}

// dial starts connection attempt n to the origin, for v.
func (l *loop) dial(v *viewer, key poolKey, addrs []netip.Addr, n int) {
	ip := addrs[n%len(addrs)]
	ap := netip.AddrPortFrom(ip, uint16(key.port))
	family, sa := unix.AF_INET6, unix.Sockaddr(&unix.SockaddrInet6{Port: key.port, Addr: ip.As16()})
	if ip.Is4() {
		family, sa = unix.AF_INET, &unix.SockaddrInet4{Port: key.port, Addr: ip.As4()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		l.answer(v, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", err)})
		return
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	o := &originConn{key: key, attempt: n, addrs: addrs, v: v}
	o.kind, o.fd, o.o = kOrigin, fd, o
	v.origin = o
	err = unix.Connect(fd, sa)
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		l.nextAttempt(o, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("connect", err)})
		return
	}
	if aerr := l.add(&o.conn, unix.EPOLLOUT); aerr != nil {
		unix.Close(fd)
		l.nextAttempt(o, aerr)
		return
	}
	if err == nil {
		l.send(o, v)
		return
	}
	o.connecting = true
	l.deadline(&o.conn, tConnect, v.x.Origin.ConnectTimeout)
}

// connected ends a connect in progress: the request goes, or the next
// attempt starts.
func (l *loop) connected(o *originConn) {
	o.connecting = false
	errno, err := unix.GetsockoptInt(o.fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && errno != 0 {
		err = unix.Errno(errno)
	}
	if err != nil {
		l.closeConn(&o.conn)
		ap := netip.AddrPortFrom(o.addrs[o.attempt%len(o.addrs)], uint16(o.key.port))
		l.nextAttempt(o, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError("connect", err)})
		return
	}
	l.noDeadline(&o.conn)
	l.send(o, o.v)
}

// nextAttempt follows a failed connection attempt (o is closed).
func (l *loop) nextAttempt(o *originConn, err error) {
	v := o.v
	o.v = nil
	if v == nil || v.closed {
		return
	}
	v.origin = nil
	if o.attempt+1 < max(v.x.Origin.Attempts, 1) {
		l.dial(v, o.key, o.addrs, o.attempt+1)
		return
	}
	l.answer(v, err)
}
