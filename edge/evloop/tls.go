//go:build linux

package evloop

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// TLS viewers. crypto/tls's handshake cannot be resumed where it waited, and
// the work in it (client certificate checks, a connection function) may be
// slow: a goroutine per connection runs it, as the goroutine server does.
// Then the loop takes the socket (a descriptor of its own; Go's is closed,
// so its netpoller no longer watches it) and drives the *tls.Conn through a
// shim standing for its TCP connection: the loop reads the socket into a
// scratch buffer, and has the tls.Conn open records from it only when one is
// whole; the shim's Read hands over those bytes and then says "would block"
// (a temporary net.Error, which crypto/tls returns without making it the
// connection's error); its Write appends the sealed records to the
// connection's out, which the loop flushes as any other. The plaintext is
// what the parser reads, so fasthttp's parsing and limits apply unchanged.

// tlsListener is what a Server needs to stop ServeTLS.
type tlsListener struct {
	ln     net.Listener
	ctx    context.Context // ends the handshakes in progress
	cancel context.CancelFunc
}

// stopTLS stops accepting TLS viewers and the handshakes in progress (under
// s.mu).
func (s *Server) stopTLS() {
	if s.tls.ln != nil {
		s.tls.ln.Close()
		s.tls.cancel()
	}
}

// ServeTLS serves TLS viewers accepted on ln until Shutdown (which closes
// ln), then returns nil. newConn makes each one's TLS connection on the
// connection it is given (the TCP one, through the shim); its handshake is
// bounded by the read timeout.
func (s *Server) ServeTLS(ln net.Listener, newConn func(net.Conn) TLSConn) error {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.tls = tlsListener{ln: ln, ctx: ctx, cancel: cancel}
	s.mu.Unlock()
	defer cancel()
	loops, err := s.start(-1, ln.Addr())
	if err != nil || loops == nil {
		close(s.done)
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- s.run(loops) }()
	err = s.acceptTLS(ln, loops, newConn)
	if err != nil {
		s.stopLoops()
	}
	if rerr := <-ran; err == nil {
		err = rerr
	}
	// The handshakes started are counted in detached before Shutdown
	// waits for them.
	close(s.done)
	return err
}

func (s *Server) acceptTLS(ln net.Listener, loops []*loop, newConn func(net.Conn) TLSConn) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				time.Sleep(10 * time.Millisecond) // out of descriptors: let some close
				continue
			}
			return err
		}
		s.detached.Add(1)
		go func() {
			defer s.detached.Done()
			s.handshake(c, loops, newConn)
		}()
	}
}

// handshake runs c's handshake and gives it to a loop.
func (s *Server) handshake(c net.Conn, loops []*loop, newConn func(net.Conn) TLSConn) {
	sh := &tlsShim{nc: c, local: c.LocalAddr(), remote: c.RemoteAddr()}
	tc := newConn(sh)
	tc.SetDeadline(time.Now().Add(s.cfg.ReadTimeout))
	if err := tc.HandshakeContext(s.tls.ctx); err != nil {
		tc.Close()
		return
	}
	fd, err := sh.takeFD()
	if err != nil {
		return
	}
	t := &tlsViewer{shim: sh, conn: tc, more: true}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		unix.Close(fd)
		return
	}
	// Posted before any beginShutdown: the loop adopts it before it may
	// stop.
	l := leastLoaded(loops, nil)
	if !l.post(func() { l.adopt(fd, t) }) {
		unix.Close(fd) // the loop failed and ended
	}
}

// tlsViewer is a viewer's TLS state on a loop.
type tlsViewer struct {
	shim *tlsShim
	conn TLSConn
	// more: conn may hold whole records not opened yet (the handshake
	// read ahead, or opening stopped when the viewer's buffer was full).
	more bool
}

// partial: a record has begun and not all come.
func (t *tlsViewer) partial() bool { return !t.shim.seen.aligned() || len(t.shim.unread()) > 0 }

// adopt serves a TLS viewer whose handshake is done.
func (l *loop) adopt(fd int, t *tlsViewer) {
	v := newViewer(fd, t.shim.remote, t.shim.local, t.conn)
	v.tls = t
	t.shim.c = &v.conn
	if l.take(v) {
		l.advance(v)
	}
}

// tlsScratch is the most the loop reads from a TLS viewer at once: a whole
// record of the largest size (16 KiB of plaintext and its overhead), and
// more.
const tlsScratch = 32 << 10

// tlsFill reads once from v's socket (unless records read wait for room)
// and opens the whole records read. False when the connection failed.
func (l *loop) tlsFill(v *viewer) bool {
	sh := v.tls.shim
	scratch := false
	if !sh.eof && !v.tls.more {
		if l.tlsIn == nil {
			l.tlsIn = make([]byte, tlsScratch)
		}
		n, err := rawRead(v.fd, l.tlsIn)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
		case err != 0:
			return false
		case n == 0:
			sh.eof = true
		case len(sh.unread()) == 0:
			// Most often all is opened at once: no copy.
			sh.in, sh.rpos, scratch = l.tlsIn[:n], 0, true
		default:
			// After the start of a record: at most a record's worth.
			sh.in = append(sh.in, l.tlsIn[:n]...)
		}
	}
	ok := l.open(v)
	switch {
	case len(sh.unread()) == 0:
		sh.in, sh.rpos = nil, 0
	case scratch:
		sh.in, sh.rpos = append([]byte(nil), sh.unread()...), 0
	}
	return ok
}

// open has v's TLS connection open what it can into v.in: the whole
// records the shim holds and the ones it read ahead. False when the
// connection failed (a bad record: crypto/tls queued its alert in out).
func (l *loop) open(v *viewer) bool {
	t := v.tls
	if !t.more && !t.shim.eof && !t.shim.seen.completes(t.shim.unread()) {
		return true
	}
	for {
		if l.room(&v.conn, l.viewerLimit()) != nil {
			t.more = true
			return true
		}
		n, err := t.conn.Read(v.in[len(v.in):cap(v.in)])
		v.in = v.in[:len(v.in)+n]
		switch {
		case err == nil:
		case err == errWouldBlock: //nolint:errorlint // the shim's own value
			t.more = false
			return true
		case err == io.EOF: //nolint:errorlint // crypto/tls's close_notify (or the end at a record's end)
			t.more, v.eof = false, true
			return true
		default:
			return false
		}
	}
}

// openMore opens the records v's TLS connection holds beyond what v.in
// could take before; it reports whether v.in grew. A failure closes v.
func (l *loop) openMore(v *viewer) bool {
	if v.tls == nil || !v.tls.more {
		return false
	}
	before := len(v.unparsed())
	if !l.open(v) {
		l.closeViewer(v)
		return false
	}
	return len(v.unparsed()) > before
}

// seal has v's TLS connection seal the plaintext in l.plain into v.out.
func (l *loop) seal(v *viewer) bool {
	_, err := v.tls.conn.Write(l.plain.out)
	l.plain.out = keep(l.plain.out)
	return err == nil
}

// closeNotify tells v its connection closes (TLS close_notify), as far as
// the socket takes it now.
func (l *loop) closeNotify(v *viewer) {
	if v.tls.conn.CloseWrite() == nil {
		l.flush(&v.conn)
	}
}

// errWouldBlock is the shim's "no whole record now": temporary, so crypto/tls
// does not keep it as the connection's error (conn.go, readRecordOrCCS).
var errWouldBlock net.Error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "evloop: no more TLS records read yet" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

// tlsShim is what a viewer's tls.Conn reads and writes: the TCP connection
// nc during the handshake and after a hand-off; on a loop (c set), the
// bytes the loop read and the connection's out.
type tlsShim struct {
	nc            net.Conn
	local, remote net.Addr
	c             *conn
	// in[rpos:] is read from the socket and not given to tls yet.
	in   []byte
	rpos int
	eof  bool
	// seen follows the records given to tls, to tell where it stands.
	seen records
}

func (sh *tlsShim) unread() []byte { return sh.in[sh.rpos:] }

func (sh *tlsShim) Read(p []byte) (int, error) {
	var n int
	switch {
	case len(sh.unread()) > 0:
		n = copy(p, sh.unread())
		sh.rpos += n
	case sh.nc != nil:
		var err error
		n, err = sh.nc.Read(p)
		sh.seen.feed(p[:n])
		return n, err
	case sh.eof:
		return 0, io.EOF
	default:
		return 0, errWouldBlock
	}
	sh.seen.feed(p[:n])
	return n, nil
}

func (sh *tlsShim) Write(p []byte) (int, error) {
	if sh.nc != nil {
		return sh.nc.Write(p)
	}
	sh.c.out = append(sh.c.out, p...)
	return len(p), nil
}

// Close closes nc; on a loop, the loop closes the socket.
func (sh *tlsShim) Close() error {
	if sh.nc != nil {
		return sh.nc.Close()
	}
	return nil
}

func (sh *tlsShim) LocalAddr() net.Addr  { return sh.local }
func (sh *tlsShim) RemoteAddr() net.Addr { return sh.remote }

// Deadlines are the loop's timer wheel's, except on nc.
func (sh *tlsShim) SetDeadline(t time.Time) error {
	if sh.nc != nil {
		return sh.nc.SetDeadline(t)
	}
	return nil
}

func (sh *tlsShim) SetReadDeadline(t time.Time) error {
	if sh.nc != nil {
		return sh.nc.SetReadDeadline(t)
	}
	return nil
}

func (sh *tlsShim) SetWriteDeadline(t time.Time) error {
	if sh.nc != nil {
		return sh.nc.SetWriteDeadline(t)
	}
	return nil
}

// takeFD takes the socket off nc, for a loop: a duplicate descriptor
// (non-blocking, as Go made it), and nc closed, which takes the socket out
// of Go's netpoller.
func (sh *tlsShim) takeFD() (int, error) {
	defer func() { sh.nc = nil }()
	defer sh.nc.Close()
	sc, ok := sh.nc.(syscall.Conn)
	if !ok {
		return -1, errors.New("evloop: a TLS viewer's connection has no descriptor")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	return fd, derr
}

// toGoroutine puts the shim back on a TCP connection (a hand-off); what it
// holds unread is read first.
func (sh *tlsShim) toGoroutine(nc net.Conn) {
	sh.in = append([]byte(nil), sh.unread()...)
	sh.rpos, sh.nc, sh.c = 0, nc, nil
}

// records follows a stream of TLS records: every record starts with a
// 5-byte header (type, version, length of what follows).
type records struct {
	hdr  [5]byte
	nhdr int // header bytes seen of the record under way
	left int // its bytes after the header not seen yet
}

func (r *records) aligned() bool { return r.nhdr == 0 && r.left == 0 }

func (r *records) feed(b []byte) {
	for len(b) > 0 {
		b = b[r.step(b):]
	}
}

// completes reports whether b, following what was fed, ends a record.
func (r records) completes(b []byte) bool {
	for len(b) > 0 {
		b = b[r.step(b):]
		if r.aligned() {
			return true
		}
	}
	return false
}

// step follows b to the end of the header or the record under way, and
// returns how many bytes it took.
func (r *records) step(b []byte) int {
	if r.left > 0 {
		n := min(r.left, len(b))
		r.left -= n
		return n
	}
	n := copy(r.hdr[r.nhdr:], b)
	r.nhdr += n
	if r.nhdr == len(r.hdr) {
		r.nhdr, r.left = 0, int(r.hdr[3])<<8|int(r.hdr[4])
	}
	return n
}

// handOff is a connection leaving the loops for the goroutine server, with
// the bytes read ahead; over TLS (t not nil), one fasthttp sees as TLS.
func handOff(c net.Conn, ahead []byte, t *tlsViewer) net.Conn {
	ra := &readAhead{Conn: c, pending: ahead}
	if t == nil {
		return ra
	}
	return &tlsReadAhead{readAhead: ra, tc: t.conn}
}

// tlsReadAhead is a handed-off TLS connection.
type tlsReadAhead struct {
	*readAhead
	tc TLSConn
}

func (c *tlsReadAhead) Handshake() error                     { return c.tc.Handshake() }
func (c *tlsReadAhead) ConnectionState() tls.ConnectionState { return c.tc.ConnectionState() }

// NetConn is the TLS connection newConn made.
func (c *tlsReadAhead) NetConn() net.Conn { return c.tc }
