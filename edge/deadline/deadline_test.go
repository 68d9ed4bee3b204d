package deadline

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/edgefn/edgefn/internal/devcert"
)

// fakeConn records the real deadlines set on it.
type fakeConn struct {
	net.Conn
	mu          sync.Mutex
	read, write time.Time
	calls       int
	closed      bool
}

func (f *fakeConn) SetReadDeadline(t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.read = t
	f.calls++
	return nil
}

func (f *fakeConn) SetWriteDeadline(t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.write = t
	f.calls++
	return nil
}

func (f *fakeConn) SetDeadline(t time.Time) error {
	panic("a side at a time")
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeConn) state() (read, write time.Time, calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.read, f.write, f.calls
}

// stopped is a Sweeper whose goroutine never starts: the tests sweep at
// the times they choose. Its clock stays at 0, so deadlines from 2 s after
// its base are coarse.
func stopped() *Sweeper {
	s := New(time.Second)
	s.running.Store(true)
	return s
}

func TestCoarseDeadlines(t *testing.T) {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	type step struct {
		set   func(c *Conn, at func(time.Duration) time.Time) // nil: sweep
		sweep time.Duration
	}
	setRead := func(d time.Duration) step {
		return step{set: func(c *Conn, at func(time.Duration) time.Time) { c.SetReadDeadline(at(d)) }}
	}
	setWrite := func(d time.Duration) step {
		return step{set: func(c *Conn, at func(time.Duration) time.Time) { c.SetWriteDeadline(at(d)) }}
	}
	setBoth := func(d time.Duration) step {
		return step{set: func(c *Conn, at func(time.Duration) time.Time) { c.SetDeadline(at(d)) }}
	}
	clear := step{set: func(c *Conn, _ func(time.Duration) time.Time) { c.SetDeadline(time.Time{}) }}
	sweep := func(d time.Duration) step { return step{sweep: d} }
	for _, tc := range []struct {
		name  string
		steps []step
		// the connection's real deadlines after the steps, as offsets from
		// the base (-1: in the past, 0: none), and how many were set
		read, write time.Duration
		calls       int
	}{
		{"a coarse deadline sets nothing on the connection", []step{setRead(sec(10))}, 0, 0, 0},
		{"not yet expired", []step{setRead(sec(10)), sweep(sec(9))}, 0, 0, 0},
		{"expired: fired in the past", []step{setRead(sec(10)), sweep(sec(10))}, -1, 0, 1},
		{"fired once", []step{setRead(sec(10)), sweep(sec(11)), sweep(sec(12)), sweep(sec(13))}, -1, 0, 1},
		{"write side", []step{setWrite(sec(10)), sweep(sec(11))}, 0, -1, 1},
		{"both sides", []step{setBoth(sec(10)), sweep(sec(11))}, -1, -1, 2},
		{"extended before the sweep", []step{setRead(sec(10)), setRead(sec(20)), sweep(sec(11))}, 0, 0, 0},
		{"extended after firing: cleared", []step{setRead(sec(10)), sweep(sec(11)), setRead(sec(20))}, 0, 0, 2},
		{"extended after firing, then expired again", []step{setRead(sec(10)), sweep(sec(11)), setRead(sec(20)), sweep(sec(21))}, -1, 0, 3},
		{"zero is none", []step{setBoth(sec(10)), clear, sweep(sec(11))}, 0, 0, 0},
		{"zero after firing: cleared", []step{setBoth(sec(10)), sweep(sec(11)), clear, sweep(sec(12))}, 0, 0, 4},
		{"short: on the connection", []step{setRead(time.Second)}, time.Second, 0, 1},
		{"short, then coarse: cleared", []step{setRead(time.Second), setRead(sec(10))}, 0, 0, 2},
		{"short is not swept", []step{setRead(time.Second), sweep(sec(5))}, time.Second, 0, 1},
		{"past: on the connection", []step{setWrite(-time.Second)}, 0, -time.Second, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := stopped()
			f := &fakeConn{}
			c := s.Wrap(f)
			at := func(d time.Duration) time.Time { return s.base.Add(d) }
			for _, st := range tc.steps {
				if st.set != nil {
					st.set(c, at)
				} else {
					s.sweep(int64(st.sweep))
				}
			}
			want := func(d time.Duration) time.Time {
				switch d {
				case 0:
					return time.Time{}
				case -1:
					return past
				}
				return at(d)
			}
			read, write, calls := f.state()
			if !read.Equal(want(tc.read)) || !write.Equal(want(tc.write)) || calls != tc.calls {
				t.Errorf("real deadlines read %v write %v (%d set), want %v, %v (%d)", read, write, calls, want(tc.read), want(tc.write), tc.calls)
			}
		})
	}
}

// TestExtendedWhileSweeping races the sweeper against a deadline extended
// just as it expires: once SetReadDeadline returns with a deadline in the
// future, the connection must hold no deadline of its own (a spurious
// timeout otherwise).
func TestExtendedWhileSweeping(t *testing.T) {
	s := stopped()
	f := &fakeConn{}
	c := s.Wrap(f)
	expired, extended := s.base.Add(10*time.Second), s.base.Add(time.Hour)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200000 {
			s.sweep(int64(11 * time.Second))
		}
	}()
	for i := 0; ; i++ {
		select {
		case <-done:
			return
		default:
		}
		c.SetReadDeadline(expired)
		c.SetReadDeadline(extended)
		if read, _, _ := f.state(); !read.IsZero() {
			t.Fatalf("round %d: a deadline %v is left on the connection after the extension", i, read)
		}
	}
}

func TestRegistry(t *testing.T) {
	for _, n := range []int{1, 100, 5000} {
		s := New(time.Millisecond)
		conns := make([]*Conn, n)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Go(func() { conns[i] = s.Wrap(&fakeConn{}) })
		}
		wg.Wait()
		if s.Len() != n {
			t.Fatalf("%d wrapped: Len %d", n, s.Len())
		}
		for _, c := range conns {
			wg.Go(func() {
				c.Close()
				c.Close() // twice: counted once
			})
		}
		wg.Wait()
		held := 0
		for i := range s.shards {
			held += len(s.shards[i].conns)
		}
		if s.Len() != 0 || held != 0 {
			t.Fatalf("%d closed: Len %d, %d still in the registry", n, s.Len(), held)
		}
		for s.running.Load() { // the sweeper stops with no connection left
			time.Sleep(time.Millisecond)
		}
	}
}

// pair is a TCP connection over loopback, its client end wrapped by s.
func pair(t *testing.T, s *Sweeper) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := s.Wrap(client)
	t.Cleanup(func() { c.Close(); server.Close() })
	return c, server
}

const tick = 20 * time.Millisecond

// timedOut checks that err is the timeout a deadline gives, after at least
// after.
func timedOut(t *testing.T, err error, start time.Time, after time.Duration) {
	t.Helper()
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err %v, want a timeout", err)
	}
	if took := time.Since(start); took < after {
		t.Fatalf("timed out after %v, before the deadline (%v)", took, after)
	}
}

func TestDeadlineOverTCP(t *testing.T) {
	const wait = 10 * tick
	for _, tc := range []struct {
		name string
		set  func(c net.Conn, t time.Time) error
		io   func(c net.Conn) error
	}{
		{"read", net.Conn.SetReadDeadline, func(c net.Conn) error { _, err := c.Read(make([]byte, 1)); return err }},
		{"deadline, read", net.Conn.SetDeadline, func(c net.Conn) error { _, err := c.Read(make([]byte, 1)); return err }},
		{"write", net.Conn.SetWriteDeadline, func(c net.Conn) error {
			// The peer reads nothing: the buffers fill and Write blocks.
			buf := make([]byte, 1<<20)
			for {
				if _, err := c.Write(buf); err != nil {
					return err
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tick)
			c, _ := pair(t, s)
			start := time.Now()
			if err := tc.set(c, start.Add(wait)); err != nil {
				t.Fatal(err)
			}
			timedOut(t, tc.io(c), start, wait)
			// A new deadline lets I/O go on after the sweeper fired.
			if err := tc.set(c, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := c.Conn.SetDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestExtendedDeadlineOverTCP extends a deadline before it expires: the
// read waits for the data.
func TestExtendedDeadlineOverTCP(t *testing.T) {
	s := New(tick)
	c, peer := pair(t, s)
	c.SetReadDeadline(time.Now().Add(5 * tick))
	c.SetReadDeadline(time.Now().Add(time.Hour))
	go func() {
		time.Sleep(15 * tick)
		peer.Write([]byte("x"))
	}()
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatalf("read after an extended deadline: %v", err)
	}
	// And after firing: the next read under a new deadline succeeds.
	c.SetReadDeadline(time.Now().Add(5 * tick))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err %v, want a timeout", err)
	}
	c.SetReadDeadline(time.Now().Add(time.Hour))
	peer.Write([]byte("y"))
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatalf("read after the deadline was extended: %v", err)
	}
}

// TestSlowlorisOverTLS: a TLS server over a swept connection cuts off a
// client that sends its handshake a byte at a time, never finishing.
func TestSlowlorisOverTLS(t *testing.T) {
	cert, err := devcert.New("edge", time.Hour, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	s := New(tick)
	raw, peer := pair(t, s)
	server := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}})
	go func() {
		// A handshake record of 512 bytes, a byte a tick.
		hello := append([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}, make([]byte, 511)...)
		for _, b := range hello {
			if _, err := peer.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(tick)
		}
	}()
	start := time.Now()
	server.SetDeadline(start.Add(10 * tick))
	_, err = io.ReadAll(server)
	timedOut(t, err, start, 10*tick)
}

// BenchmarkSetReadDeadline compares a deadline set on a TCP connection (a
// runtime timer modified) with a coarse one, as fasthttp sets them: now
// plus a timeout.
func BenchmarkSetReadDeadline(b *testing.B) {
	for _, bc := range []struct {
		name string
		wrap func(*Sweeper, net.Conn) net.Conn
	}{
		{"Conn", func(_ *Sweeper, c net.Conn) net.Conn { return c }},
		{"Coarse", func(s *Sweeper, c net.Conn) net.Conn { return s.Wrap(c) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := New(100 * time.Millisecond)
			raw, _ := benchPair(b)
			c := bc.wrap(s, raw)
			for b.Loop() {
				c.SetReadDeadline(time.Now().Add(time.Minute))
			}
		})
	}
}

func benchPair(b *testing.B) (net.Conn, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}
