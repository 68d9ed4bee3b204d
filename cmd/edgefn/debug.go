package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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
	// Profiles run for as long as asked (?seconds=), so no write timeout.
	srv, url, err := startPrivate("debug", addr, debugHandler(), 0, log)
	if err != nil {
		return nil, err
	}
	log.Info("profiles served", "debug", url+"/debug/pprof/")
	return srv, nil
}

// metricsHandler serves the Prometheus registry at /metrics, and nothing else.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// startMetrics serves metricsHandler on addr (--metrics-addr). The metrics
// name every account's functions and distributions and are served to anyone
// who reaches the address, so it is loopback by default, never the API's
// listener, and an address beyond loopback is served with a warning. It
// returns the server's URL.
func startMetrics(addr string, reg *prometheus.Registry, log *slog.Logger) (*http.Server, string, error) {
	return startPrivate("metrics", addr, metricsHandler(reg), 30*time.Second, log)
}

// startPrivate serves an operator's side listener (profiles, metrics) on
// addr, warning when addr is beyond loopback, and returns its URL.
func startPrivate(what, addr string, h http.Handler, writeTimeout time.Duration, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("%s listener: %w", what, err)
	}
	if !loopback(addr) {
		log.Warn(what+" served beyond loopback: keep its address on a private network", "addr", addr)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: writeTimeout}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}
