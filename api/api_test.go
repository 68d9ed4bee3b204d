package api

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edgefn/edgefn/api/sigv4"
)

func TestProbes(t *testing.T) {
	down := func(context.Context) error { return errors.New("etcd: not ready") }
	up := func(context.Context) error { return nil }
	tests := []struct {
		path   string
		ready  func(context.Context) error
		status int
	}{
		{"/healthz", down, http.StatusOK}, // the process serves, store or not
		{"/readyz", nil, http.StatusOK},   // a store that cannot go down
		{"/readyz", up, http.StatusOK},
		{"/readyz", down, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		h := New(Config{Ready: tt.ready})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("GET %s (ready %v) = %d, want %d", tt.path, tt.ready != nil, rec.Code, tt.status)
		}
	}
}

// TestCallLog: every API call leaves one info line with its outcome, refused
// ones included.
func TestCallLog(t *testing.T) {
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: "AKIAEDGEFNTEST000001", SecretAccessKey: "secret", AccountID: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := New(Config{Verifier: sigv4.NewVerifier(keys), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/2020-05-31/function", nil)) // unsigned
	line := logs.String()
	for _, want := range []string{"level=INFO", `msg="api call"`, "method=GET", "path=/2020-05-31/function", "status=" + strconv.Itoa(rec.Code), "latency=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
	if rec.Code != http.StatusForbidden || strings.Count(line, "api call") != 1 {
		t.Errorf("status %d, %d call lines", rec.Code, strings.Count(line, "api call"))
	}
}

// TestConsoleRoute: /console and everything under /console/ go to the console
// unsigned (it has sessions of its own); a look-alike path does not.
func TestConsoleRoute(t *testing.T) {
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: "AKID", SecretAccessKey: "s", AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	console := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := New(Config{Verifier: sigv4.NewVerifier(keys), Console: console})
	for path, want := range map[string]int{"/console": http.StatusTeapot, "/console/": http.StatusTeapot, "/console/api/session": http.StatusTeapot, "/consoles": http.StatusNotFound} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}
