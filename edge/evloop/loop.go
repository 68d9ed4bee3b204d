//go:build linux

package evloop

import (
	"bufio"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"
)

type kind uint8

const (
	kListener kind = iota + 1
	kWake
	kTimer
	kViewer
	kOrigin
)

// What a connection's deadline is for.
const (
	tNone uint8 = iota
	tRead
	tIdle
	tWrite
	tConnect
	tResponse
	tPooled
)

// conn is a descriptor of a loop's epoll set.
type conn struct {
	kind   kind
	fd     int
	closed bool
	mask   uint32 // the events asked of epoll
	// in holds what was read; in[rpos:] is not parsed yet.
	in   []byte
	rpos int
	eof  bool
	// out holds what is to be written; out[wpos:] is not written yet.
	out  []byte
	wpos int
	msg  framing
	// The timer wheel's links; tslot < 0 when there is no deadline.
	tnext, tprev *conn
	tat          int64
	tslot        int32
	tkind        uint8
	// queued: c is in its loop's later, to be written after the batch.
	queued bool
	// held is what the responses in a viewer's out took from
	// Config.Responses (Exchange.Held), given back once written; inHeld
	// what an origin's read buffer took (see room).
	held, inHeld int64
	// The connection's owner.
	v *viewer
	o *originConn
}

func (c *conn) unparsed() []byte { return c.in[c.rpos:] }
func (c *conn) pending() int     { return len(c.out) - c.wpos }

// loop is one event loop: it runs on one goroutine and owns everything here.
type loop struct {
	s        *Server
	cfg      *Config
	h        Handler
	epfd     int
	epoll    *os.File // epfd, as Go's netpoller waits on it
	lfd      int
	wakefd   int
	timerfd  int
	laddr    net.Addr
	conns    []*conn // by descriptor
	events   []unix.EpollEvent
	wheel    *wheel
	ticks    int64 // wheel ticks per second, for deadlines
	closing  bool
	paused   bool // accepting stopped for a tick (out of descriptors)
	viewers  map[*viewer]struct{}
	pools    map[poolKey][]*originConn
	dns      map[string]*dnsEntry
	reqBR    *bufio.Reader
	respBR   *bufio.Reader
	src      source
	sink     sink
	bw       *bufio.Writer
	uri      fasthttp.URI
	freeBufs [][]byte
	// tlsIn is the scratch TLS viewers' bytes are read into, plain the
	// plaintext of a response to a TLS viewer before it is sealed.
	tlsIn   []byte
	plain   conn
	mu      sync.Mutex
	posted  []func()
	ended   bool // released: post drops what it is given
	running []func()
	wakeBuf [8]byte
	// later holds the connections with bytes to write once the batch of
	// events in hand is served (see writeLater).
	later []*conn

	// group is the loops sharing this one's listener (this one among
	// them); load counts this loop's viewers and those on their way to it.
	group []*loop
	load  atomic.Int32
}

// sink appends what the loop's bufio.Writer flushes to a connection's out.
type sink struct{ c *conn }

func (s *sink) Write(p []byte) (int, error) {
	s.c.out = append(s.c.out, p...)
	return len(p), nil
}

func newLoop(s *Server, lfd int, laddr net.Addr) (*loop, error) {
	l := &loop{s: s, cfg: &s.cfg, h: s.cfg.Handler, lfd: lfd, laddr: laddr, epfd: -1, wakefd: -1, timerfd: -1,
		events: make([]unix.EpollEvent, 128), wheel: newWheel(), ticks: int64(time.Second / s.cfg.Tick),
		viewers: map[*viewer]struct{}{}, pools: map[poolKey][]*originConn{}, dns: map[string]*dnsEntry{},
		reqBR: bufio.NewReaderSize(nil, s.cfg.HeadBytes), respBR: bufio.NewReaderSize(nil, s.cfg.OriginHeadBytes)}
	l.bw = bufio.NewWriterSize(&l.sink, 4096)
	if lh, ok := l.h.(LoopHandler); ok {
		l.h = lh.ForLoop()
	}
	fail := func(err error) (*loop, error) {
		l.release()
		return nil, err
	}
	var err error
	if l.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return fail(err)
	}
	if l.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return fail(err)
	}
	if l.timerfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		return fail(err)
	}
	tick := unix.NsecToTimespec(int64(s.cfg.Tick))
	if err = unix.TimerfdSettime(l.timerfd, 0, &unix.ItimerSpec{Interval: tick, Value: tick}, nil); err != nil {
		return fail(err)
	}
	own := []*conn{{kind: kWake, fd: l.wakefd}, {kind: kTimer, fd: l.timerfd}}
	if lfd >= 0 { // TLS loops have no listener: their viewers are adopted
		if err := unix.SetNonblock(lfd, true); err != nil {
			return fail(err)
		}
		own = append(own, &conn{kind: kListener, fd: lfd})
	}
	for _, c := range own {
		ev := uint32(unix.EPOLLIN)
		if c.kind == kListener {
			// One loop woken per connection, not all.
			ev |= unix.EPOLLEXCLUSIVE
		}
		if err := l.add(c, ev); err != nil {
			return fail(err)
		}
	}
	if err := unix.SetNonblock(l.epfd, true); err != nil {
		return fail(err)
	}
	l.epoll = os.NewFile(uintptr(l.epfd), "epoll")
	return l, nil
}

// release closes the loop's own descriptors (not the listener's).
func (l *loop) release() {
	l.mu.Lock()
	l.ended = true // no post writes to wakefd once it is closed
	l.mu.Unlock()
	if l.epoll != nil {
		l.epoll.Close()
	} else if l.epfd >= 0 {
		unix.Close(l.epfd)
	}
	for _, fd := range []int{l.wakefd, l.timerfd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

func (l *loop) add(c *conn, events uint32) error {
	for c.fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*conn, len(l.conns)+64)...)
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(c.fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return err
	}
	c.mask = events
	c.tslot = -1
	l.conns[c.fd] = c
	return nil
}

// want asks epoll for events on c, when they changed.
func (l *loop) want(c *conn, events uint32) {
	if c.closed || c.mask == events {
		return
	}
	ev := unix.EpollEvent{Events: events, Fd: int32(c.fd)}
	if unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev) == nil {
		c.mask = events
	}
}

// drop takes c out of the loop; its descriptor stays open.
func (l *loop) drop(c *conn) {
	c.closed = true
	l.wheel.cancel(c)
	unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	l.conns[c.fd] = nil
	l.freeBuf(c.in)
	c.in, c.out = nil, nil
	l.giveBack(&c.held)
	l.giveBack(&c.inHeld)
}

// giveBack returns *held to Config.Responses.
func (l *loop) giveBack(held *int64) {
	if *held > 0 {
		l.cfg.Responses.Release(*held)
		*held = 0
	}
}

func (l *loop) closeConn(c *conn) {
	if c.closed {
		return
	}
	l.drop(c)
	unix.Close(c.fd)
}

// deadline gives c a deadline d from now, for kind k (unless it has one
// for k already).
func (l *loop) deadline(c *conn, k uint8, d time.Duration) {
	if c.tkind == k && c.tslot >= 0 {
		return
	}
	c.tkind = k
	l.wheel.set(c, l.wheel.now+1+int64(d)*l.ticks/int64(time.Second))
}

func (l *loop) noDeadline(c *conn) {
	c.tkind = tNone
	l.wheel.cancel(c)
}

// Buffers of bufSize are recycled by the loop; larger ones (long messages)
// are left to the collector.
const bufSize = 8 << 10

func (l *loop) buf() []byte {
	if n := len(l.freeBufs); n > 0 {
		b := l.freeBufs[n-1]
		l.freeBufs = l.freeBufs[:n-1]
		return b
	}
	return make([]byte, 0, bufSize)
}

func (l *loop) freeBuf(b []byte) {
	if cap(b) == bufSize && len(l.freeBufs) < 1024 {
		l.freeBufs = append(l.freeBufs, b[:0])
	}
}

// fill reads once from c, as much as fits under limit bytes unparsed. It
// returns the read's error when the connection failed, ErrNoRoom when an
// origin's response found no room in Config.Responses.
func (l *loop) fill(c *conn, limit int) error {
	if c.eof {
		return nil
	}
	if err := l.room(c, limit); err != nil {
		if err == errFull {
			return nil
		}
		return err
	}
	n, err := rawRead(c.fd, c.in[len(c.in):cap(c.in)])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
	case err != 0:
		return err
	case n == 0:
		c.eof = true
	default:
		c.in = c.in[:len(c.in)+n]
	}
	return nil
}

// errFull: a connection's buffer holds its limit; the caller stops reading.
var errFull = errors.New("evloop: buffer full")

// room makes room in c.in for more bytes, keeping under limit bytes
// unparsed; errFull when it is full. An origin's buffer grown past
// LargeBytes takes what it grows by from Config.Responses (inHeld), as the
// response it reads will when it is written: ErrNoRoom when there is none.
func (l *loop) room(c *conn, limit int) error {
	if c.in == nil {
		c.in = l.buf()
	}
	if c.rpos > 0 && c.rpos == len(c.in) {
		c.in, c.rpos = c.in[:0], 0
	}
	if cap(c.in)-len(c.in) < 512 {
		if c.rpos > 0 {
			n := copy(c.in, c.in[c.rpos:])
			c.in, c.rpos = c.in[:n], 0
		}
		if cap(c.in)-len(c.in) < 512 {
			if len(c.in) >= limit {
				return errFull
			}
			size := min(max(2*cap(c.in), bufSize), limit+512)
			if c.kind == kOrigin && !l.holdIn(c, size) {
				return ErrNoRoom
			}
			grown := make([]byte, len(c.in), size)
			copy(grown, c.in)
			l.freeBuf(c.in)
			c.in = grown
		}
	}
	return nil
}

// holdIn takes from Config.Responses what c's read buffer at size holds
// past LargeBytes, beyond what it took already.
func (l *loop) holdIn(c *conn, size int) bool {
	more := int64(size-LargeBytes) - c.inHeld
	if more <= 0 || l.cfg.Responses == nil {
		return true
	}
	if !l.cfg.Responses.TryAcquire(more) {
		return false
	}
	c.inHeld += more
	return true
}

// flush writes c's out until done or the socket is full; false when the
// connection failed.
func (l *loop) flush(c *conn) bool {
	for c.wpos < len(c.out) {
		n, err := rawWrite(c.fd, c.out[c.wpos:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return true
		}
		if err != 0 {
			return false
		}
		c.wpos += n
	}
	c.out, c.wpos = keep(c.out), 0
	l.giveBack(&c.held)
	return true
}

// keep returns b emptied for the next message, or nil when it is over
// LargeBytes: a large response's buffer is left to the collector, so that a
// connection left open does not keep a response's size.
func keep(b []byte) []byte {
	if cap(b) > LargeBytes {
		return nil
	}
	return b[:0]
}

// writeLater queues c's bytes to be written after the batch of events in
// hand. Written at once, each message woke its reader (wrk, an origin)
// while the loop went on with the next event for microseconds, long enough
// for the reader to finish and sleep again: a wake-up per message, which
// the kernel charges to the writer. Written together, the messages reach a
// reader that is still awake for the first (docs/DESIGN.md). With
// bench/edge.sh's function, queued writes cut the CPU per request by 10%,
// 12% and 18% and raised requests/s by 15%, 15% and 24% at wrk -c32, -c64
// and -c256 (without a function: 5% and 4% at -c32; interleaved rounds).
// A message waits at most for the rest of its batch.
func (l *loop) writeLater(c *conn) {
	if !c.queued {
		c.queued = true
		l.later = append(l.later, c)
	}
}

// writeQueued writes what writeLater queued, then settles each connection
// as its side does after a write.
func (l *loop) writeQueued() {
	for i, c := range l.later {
		l.later[i] = nil
		c.queued = false
		switch {
		case c.closed:
		case c.kind == kViewer:
			if !l.flush(c) {
				l.closeViewer(c.v)
				continue
			}
			l.settleWritten(c.v)
		case c.kind == kOrigin:
			if c.o.v != nil {
				l.pushOrigin(c.o)
			}
		}
	}
	l.later = l.later[:0]
}

// epollWait is an epoll_wait of at most msec milliseconds made without
// entering a system call the runtime would account for (so no P hand-off,
// no sysmon retake): a short wait holds the loop's P meanwhile (see run).
func epollWait(epfd uintptr, events []unix.EpollEvent, msec int) (int, unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, epfd, uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(msec), 0, 0)
	return int(r), e
}

// run serves until the loop has shut down. When nothing is ready, the loop
// first waits up to a millisecond in epoll_wait itself, its P held, as
// nginx's workers wait: under load the next event comes within it. Only a
// loop idle that long parks in Go's netpoller, where its epoll descriptor
// sits, and frees its thread and P. Parking at once (the prototype's way,
// which it measured cheaper than a blocking epoll_wait that lets the
// scheduler take the P away) left a parked loop with ready events unwoken
// for 10–100 ms under load, seen as wrk -c32 p99s of 15–80 ms that ended at
// the loop's 100 ms timer ticks; with the short wait p99 stays at 4–6 ms
// and requests/s rose by a tenth (bench/edge.sh's function, interleaved
// rounds). The cost: a goroutine waiting for this P, or a stop-the-world,
// waits up to a millisecond. The wait is the loop's only epoll_wait: a
// zero-timeout probe before it cost a system call whenever nothing was
// ready (1.5–4% of the CPU per request, interleaved A/B rounds).
func (l *loop) run() error {
	defer l.release()
	rc, err := l.epoll.SyscallConn()
	if err != nil {
		return err
	}
	for {
		var n int
		var errno unix.Errno
		err := rc.Read(func(fd uintptr) bool {
			n, errno = epollWait(fd, l.events, 1)
			return n != 0 || (errno != 0 && errno != unix.EINTR)
		})
		if err != nil {
			return err
		}
		if errno != 0 && errno != unix.EINTR {
			return errno
		}
		for i := range n {
			ev := &l.events[i]
			c := l.conns[ev.Fd]
			if c == nil {
				continue
			}
			switch c.kind {
			case kListener:
				l.accept()
			case kWake:
				l.runPosted()
			case kTimer:
				l.tick()
			case kViewer:
				l.viewerEvent(c.v, ev.Events)
			case kOrigin:
				l.originEvent(c.o, ev.Events)
			}
		}
		l.writeQueued()
		if l.closing && len(l.viewers) == 0 {
			l.closePools()
			return nil
		}
	}
}

// post runs f on the loop (from any goroutine); after the loop ended, f
// is dropped (an offloaded request whose viewer a forced shutdown closed)
// and post returns false.
func (l *loop) post(f func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended {
		return false
	}
	l.posted = append(l.posted, f)
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	unix.Write(l.wakefd, one[:])
	return true
}

func (l *loop) runPosted() {
	unix.Read(l.wakefd, l.wakeBuf[:])
	l.mu.Lock()
	l.running, l.posted = l.posted, l.running[:0]
	l.mu.Unlock()
	for i, f := range l.running {
		f()
		l.running[i] = nil
	}
}

func (l *loop) tick() {
	var b [8]byte
	if n, _ := unix.Read(l.timerfd, b[:]); n != 8 {
		return
	}
	if l.paused && !l.closing {
		l.paused = false
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLEXCLUSIVE, Fd: int32(l.lfd)}
		unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, l.lfd, &ev)
	}
	l.wheel.advance(int64(binary.NativeEndian.Uint64(b[:])), l.expired)
}

func (l *loop) expired(c *conn) {
	if c.closed {
		return
	}
	if c.v != nil && c.kind == kViewer {
		l.viewerExpired(c.v)
	} else if c.o != nil {
		l.originExpired(c.o)
	}
}

func (l *loop) accept() {
	if l.closing {
		return
	}
	for range 16 {
		fd, sa, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			// Level-triggered, the listener would wake the loop
			// again at once: stop listening until the next tick.
			l.paused = true
			unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, l.lfd, nil)
			return
		default:
			return // EAGAIN: none left, or another loop took it
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		remote := sockaddrTCP(sa)
		if to := leastLoaded(l.group, l); to == l {
			l.serveNew(fd, remote)
		} else if !to.post(func() { to.serveNew(fd, remote) }) {
			unix.Close(fd)
		}
	}
}

// leastLoaded picks the loop of group with the fewest viewers (prefer on a
// tie) and counts one more on it. The kernel wakes whichever loop waits for
// the listener (EPOLLEXCLUSIVE), and a loop that accepted a burst of
// connections would otherwise serve them all while the others idle (40
// opened at once went 40/0/0/0 over four loops: TestAcceptSpread).
func leastLoaded(group []*loop, prefer *loop) *loop {
	best := prefer
	n := int32(math.MaxInt32)
	if prefer != nil {
		n = prefer.load.Load()
	}
	for _, o := range group {
		if m := o.load.Load(); m < n {
			best, n = o, m
		}
	}
	best.load.Add(1)
	return best
}

// serveNew serves a plain viewer accepted on fd (by this loop or another
// of its group, which counted it in the load).
func (l *loop) serveNew(fd int, remote net.Addr) {
	if v := newViewer(fd, remote, l.laddr, nil); l.take(v) {
		l.deadline(&v.conn, tRead, l.cfg.ReadTimeout)
	}
}

// take makes v, counted in the loop's load when it was given to the loop,
// one of the loop's viewers; when the loop is closing or epoll refuses v,
// v's descriptor is closed, the count given back, and take returns false.
func (l *loop) take(v *viewer) bool {
	if l.closing || l.add(&v.conn, unix.EPOLLIN|unix.EPOLLRDHUP) != nil {
		l.load.Add(-1)
		unix.Close(v.fd)
		return false
	}
	l.viewers[v] = struct{}{}
	return true
}

// forget takes v out of the loop's viewers.
func (l *loop) forget(v *viewer) {
	delete(l.viewers, v)
	l.load.Add(-1)
}

func sockaddrTCP(sa unix.Sockaddr) *net.TCPAddr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return &net.TCPAddr{}
}

// beginShutdown stops accepting and closes the idle connections; the others
// close after their response.
func (l *loop) beginShutdown() {
	if l.closing {
		return
	}
	l.closing = true
	if !l.paused && l.lfd >= 0 {
		unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, l.lfd, nil)
	}
	for v := range l.viewers {
		if v.idle() {
			l.closeViewer(v)
		}
	}
	l.closePools()
}

// closeAll closes every connection (a shutdown out of time).
func (l *loop) closeAll() {
	l.beginShutdown()
	for v := range l.viewers {
		l.closeViewer(v)
	}
}

func (l *loop) closePools() {
	for k, list := range l.pools {
		for _, o := range list {
			l.closeConn(&o.conn)
		}
		delete(l.pools, k)
	}
}
