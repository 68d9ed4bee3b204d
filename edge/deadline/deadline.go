// Package deadline gives connections coarse deadlines: Set*Deadline records
// the time in an atomic instead of arming a runtime timer (which costs a few
// hundred nanoseconds per call, and the edge's goroutine path sets about five
// per request), and a Sweeper looks at its connections every tick and, for
// each one past a recorded deadline, sets the connection's real deadline in
// the past. The blocked Read or Write then fails as it would have at the
// deadline (os.ErrDeadlineExceeded, a net.Error with Timeout true), at most
// one tick late.
//
// A deadline closer than two ticks to the sweeper's clock (or in the past,
// to interrupt I/O) goes straight to the connection: short deadlines keep
// their precision.
package deadline

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// shards spreads the registry's lock over the connections opened and closed
// at once on every core.
const shards = 32

// Sweeper owns the coarse deadlines of the connections it wraps. Its
// goroutine runs while it holds connections; the zero value is not usable
// (New).
type Sweeper struct {
	tick time.Duration
	// base is the origin of the deadlines' and clock's nanoseconds: a
	// monotonic reading, so the wall clock's jumps move nothing.
	base time.Time
	// clock is the time of the last tick, nanoseconds since base.
	clock   atomic.Int64
	live    atomic.Int64
	running atomic.Bool
	next    atomic.Uint32
	shards  [shards]shard
}

type shard struct {
	mu    sync.Mutex
	conns map[*Conn]struct{}
	_     [64 - 16]byte // a cache line of its own
}

// New returns a Sweeper that looks every tick.
func New(tick time.Duration) *Sweeper {
	s := &Sweeper{tick: tick, base: time.Now()}
	for i := range s.shards {
		s.shards[i].conns = make(map[*Conn]struct{})
	}
	return s
}

// Len is the number of connections wrapped and not yet closed.
func (s *Sweeper) Len() int { return int(s.live.Load()) }

// Wrap registers c; the Conn leaves the registry when closed.
func (s *Sweeper) Wrap(c net.Conn) *Conn {
	sh := &s.shards[s.next.Add(1)%shards]
	w := &Conn{Conn: c, s: s, shard: sh}
	sh.mu.Lock()
	sh.conns[w] = struct{}{}
	sh.mu.Unlock()
	s.live.Add(1)
	if s.running.CompareAndSwap(false, true) {
		s.clock.Store(int64(time.Since(s.base)))
		go s.run()
	}
	return w
}

// Listener wraps the connections ln accepts.
func (s *Sweeper) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, s: s} }

type listener struct {
	net.Listener
	s *Sweeper
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.s.Wrap(c), nil
}

// run sweeps every tick until no connection is left.
func (s *Sweeper) run() {
	t := time.NewTicker(s.tick)
	defer t.Stop()
	for range t.C {
		now := int64(time.Since(s.base))
		s.clock.Store(now)
		s.sweep(now)
		if s.live.Load() > 0 {
			continue
		}
		// Stop, unless a Wrap came in between: it either saw running
		// still true (and the load below sees its connection) or starts
		// a sweeper of its own.
		s.running.Store(false)
		if s.live.Load() == 0 || !s.running.CompareAndSwap(false, true) {
			return
		}
	}
}

func (s *Sweeper) sweep(now int64) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for c := range sh.conns {
			c.read.expire(c, now, read)
			c.write.expire(c, now, write)
		}
		sh.mu.Unlock()
	}
}

// Conn is a connection with coarse deadlines.
type Conn struct {
	net.Conn
	s           *Sweeper
	shard       *shard
	read, write side
	// mu orders the changes of the connection's real deadlines.
	mu     sync.Mutex
	closed atomic.Bool
}

// side is one direction's deadline.
type side struct {
	// at is the coarse deadline, nanoseconds since the sweeper's base; 0
	// is none.
	at atomic.Int64
	// real is set while the connection itself has a deadline on this
	// side: a short one, or a past one the sweeper set when at expired.
	real atomic.Bool
}

type direction bool

const (
	read  direction = false
	write direction = true
)

// past is a deadline that has passed: the connection fails its I/O at once.
var past = time.Unix(1, 0)

func (c *Conn) SetReadDeadline(t time.Time) error { return c.read.set(c, read, t) }

func (c *Conn) SetWriteDeadline(t time.Time) error { return c.write.set(c, write, t) }

func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.read.set(c, read, t); err != nil {
		return err
	}
	return c.write.set(c, write, t)
}

// Close closes the connection and takes it out of the registry.
func (c *Conn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.shard.mu.Lock()
		delete(c.shard.conns, c)
		c.shard.mu.Unlock()
		c.s.live.Add(-1)
	}
	return c.Conn.Close()
}

// ReadFrom keeps the connection's own ReadFrom (sendfile, splice) for
// bodies copied into it.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// Unwrap is the connection under c.
func (c *Conn) Unwrap() net.Conn { return c.Conn }

func (c *Conn) setReal(d direction, t time.Time) error {
	if d == read {
		return c.Conn.SetReadDeadline(t)
	}
	return c.Conn.SetWriteDeadline(t)
}

func (sd *side) set(c *Conn, d direction, t time.Time) error {
	if t.IsZero() {
		sd.at.Store(0)
		return sd.clearReal(c, d)
	}
	at := int64(t.Sub(c.s.base))
	if at < c.s.clock.Load()+2*int64(c.s.tick) {
		c.mu.Lock()
		defer c.mu.Unlock()
		sd.at.Store(0)
		sd.real.Store(true)
		return c.setReal(d, t)
	}
	sd.at.Store(at)
	return sd.clearReal(c, d)
}

// clearReal takes the connection's own deadline away, after at changed.
// at is stored first and real read after it, as expire does the other way
// round: expire either sees the new at, or has set real before this reads
// it, and this then waits for expire's deadline to clear it. A deadline
// extended while the sweeper looked never fails the I/O that follows.
func (sd *side) clearReal(c *Conn, d direction) error {
	if !sd.real.Load() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !sd.real.Load() {
		return nil
	}
	sd.real.Store(false)
	return c.setReal(d, time.Time{})
}

// expire sets the connection's deadline in the past when at has passed by
// now (once: real stays set until the next Set*Deadline).
func (sd *side) expire(c *Conn, now int64, d direction) {
	if at := sd.at.Load(); at == 0 || at > now || sd.real.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sd.real.Load() {
		return
	}
	sd.real.Store(true)
	if at := sd.at.Load(); at == 0 || at > now {
		sd.real.Store(false)
		return
	}
	// An error means the connection is closed: its I/O fails anyway.
	_ = c.setReal(d, past)
}
