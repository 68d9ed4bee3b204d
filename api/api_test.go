package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
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
