//go:build linux

package evloop

import (
	"context"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
)

// Supported reports whether this platform has the event loops.
const Supported = true

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
	var group []*loop
	for range s.cfg.Loops {
		l, err := newLoop(s, lfd, addr)
		if err != nil {
			// Only this group's: the other listener's loops may run.
			for _, l := range group {
				l.release()
			}
			return nil, err
		}
		group = append(group, l)
	}
	for _, l := range group {
		l.group = group
	}
	s.loops = append(s.loops, group...)
	return group, nil
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
