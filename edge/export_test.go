package edge

import (
	"crypto/tls"
	"net"

	"github.com/edgefn/edgefn/edge/evloop"
)

// LoopHandler is the handler serveLoop runs, for benchmarks that drive its
// two phases without the network.
func (s *Server) LoopHandler() evloop.Handler { return &loopHandler{s: s} }

// ServeGoroutines serves plain-HTTP viewers on ln with the goroutine server,
// as Serve does off Linux: the tests run the package on it with -goroutines.
func (s *Server) ServeGoroutines(ln net.Listener) error { return s.serveGoroutines(ln) }

// ServeTLSGoroutines serves HTTPS viewers on ln with the goroutine server,
// as ServeTLS does off Linux.
func (s *Server) ServeTLSGoroutines(ln net.Listener, config *tls.Config) error {
	return s.serveTLSGoroutines(ln, config)
}
