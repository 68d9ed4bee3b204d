package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDebugHandler: the profile index and a profile are served; nothing else.
func TestDebugHandler(t *testing.T) {
	srv := httptest.NewServer(debugHandler())
	defer srv.Close()
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/debug/pprof/", 200, "goroutine"},
		{"/debug/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{"/debug/pprof/cmdline", 200, ""},
		{"/metrics", 404, ""},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.path, resp.StatusCode, tt.status, tt.want)
		}
	}
}

// TestMetricsHandler: the metrics listener serves /metrics and nothing else
// (not the API, not the profiles).
func TestMetricsHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "edgefn_test_total"}))
	srv := httptest.NewServer(metricsHandler(reg))
	defer srv.Close()
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/metrics", 200, "edgefn_test_total 0"},
		{"/", 404, ""},
		{"/debug/pprof/", 404, ""},
		{"/2020-05-31/function", 404, ""},
	} {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.path, resp.StatusCode, tt.status, tt.want)
		}
	}
}
