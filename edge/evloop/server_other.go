//go:build !linux

package evloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
)

// Supported reports whether this platform has the event loops.
const Supported = false

// Server stands in for the loops where there are none: Serve reports
// errors.ErrUnsupported.
type Server struct{ handoffs *handoffListener }

// New returns a Server that serves nothing.
func New(Config) *Server { return &Server{handoffs: newHandoffListener()} }

// HandOffs yields nothing; it is closed by Shutdown.
func (s *Server) HandOffs() net.Listener { return s.handoffs }

// Serve reports that there are no event loops on this platform.
func (s *Server) Serve(*net.TCPListener) error {
	return fmt.Errorf("evloop: no event loops on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

// Shutdown closes HandOffs.
func (s *Server) Shutdown(context.Context) error { return s.handoffs.Close() }

// ServeTLS reports that there are no event loops on this platform.
func (s *Server) ServeTLS(net.Listener, func(net.Conn) TLSConn) error {
	return fmt.Errorf("evloop: no event loops on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
