package edge

import "github.com/edgefn/edgefn/edge/evloop"

// LoopHandler is the handler ServeLoop runs, for benchmarks that drive its
// two phases without the network.
func (s *Server) LoopHandler() evloop.Handler { return &loopHandler{s: s} }
