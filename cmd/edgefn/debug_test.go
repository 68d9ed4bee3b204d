package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// pathCase is a path of a listener and what it answers: status and a part
// of the body.
type pathCase struct {
	path   string
	status int
	want   string
}

// checkPaths serves h and asks it for every path.
func checkPaths(t *testing.T, h http.Handler, cases []pathCase) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tt := range cases {
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

// TestDebugHandler: the profile index and a profile are served; nothing else.
func TestDebugHandler(t *testing.T) {
	checkPaths(t, debugHandler(), []pathCase{
		{"/debug/pprof/", 200, "goroutine"},
		{"/debug/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{"/debug/pprof/cmdline", 200, ""},
		{"/metrics", 404, ""},
	})
}

// TestMetricsHandler: the metrics listener serves /metrics and nothing else
// (not the API, not the profiles).
func TestMetricsHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "edgefn_test_total"}))
	checkPaths(t, metricsHandler(reg), []pathCase{
		{"/metrics", 200, "edgefn_test_total 0"},
		{"/", 404, ""},
		{"/debug/pprof/", 404, ""},
		{"/2020-05-31/function", 404, ""},
	})
}
