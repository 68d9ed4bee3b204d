package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// debugHandler serves Go's profiles for --debug-addr: where a busy edge
// spends its CPU, where the memory goes. It has its own mux: nothing reaches
// http.DefaultServeMux, which net/http/pprof also registers on.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startDebug serves debugHandler on addr until the returned server closes.
// Profiles tell much about the process, so an address beyond loopback is
// served with a warning.
func startDebug(addr string, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	if !loopback(addr) {
		log.Warn("profiles are served beyond loopback: keep --debug-addr on a private network", "addr", addr)
	}
	// Profiles run for as long as asked (?seconds=), so no write timeout.
	srv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiles served", "debug", "http://"+ln.Addr().String()+"/debug/pprof/")
	return srv, nil
}
