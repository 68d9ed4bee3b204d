package etcd

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// TestOutage stops a real etcd under a connected store: reads and writes fail
// as unavailable within a bound instead of waiting for it, Ready says so,
// and everything works again once etcd is back on the same address.
func TestOutage(t *testing.T) {
	srv, err := etcdtest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	db, err := Open(t.Context(), []string{srv.Endpoint}, DefaultPrefix, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := store.New(db, edgefn.DefaultLimits())
	if _, err := s.CreateFunction(t.Context(), account, "before", cfg, code); err != nil {
		t.Fatal(err)
	}
	if err := db.Ready(t.Context()); err != nil {
		t.Fatalf("Ready with etcd up: %v", err)
	}

	srv.Stop()
	calls := []struct {
		name string
		call func() error
	}{
		{"read", func() error {
			_, err := s.GetFunction(t.Context(), account, "before", edgefn.StageDevelopment)
			return err
		}},
		{"write", func() error { _, err := s.CreateFunction(t.Context(), account, "during", cfg, code); return err }},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call()
		var de *edgefn.Error
		if !errors.As(err, &de) || de.Kind != edgefn.ErrUnavailable {
			t.Errorf("%s with etcd down: %v, want an ErrUnavailable", c.name, err)
		}
		// Generous: only a hang (the bug: no bound at all) fails this.
		if took := time.Since(start); took > 6*unavailableAfter {
			t.Errorf("%s with etcd down failed after %v", c.name, took)
		}
	}
	if err := db.Ready(t.Context()); err == nil {
		t.Error("Ready with etcd down: nil")
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for db.Ready(t.Context()) != nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := s.CreateFunction(t.Context(), account, "after", cfg, code); err != nil {
		t.Fatalf("write after etcd came back: %v", err)
	}
	if _, err := s.GetFunction(t.Context(), account, "before", edgefn.StageDevelopment); err != nil {
		t.Errorf("read after etcd came back: %v", err)
	}
}

// TestLeaderlessIsUnavailable: what etcd answers while it has no leader or
// elects one is the store's outage (503 at the API), not an internal error;
// other failures stay what they are.
func TestLeaderlessIsUnavailable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{rpctypes.ErrNoLeader, true},
		{rpctypes.ErrGRPCNoLeader, true}, // as gRPC carries it
		{rpctypes.ErrLeaderChanged, true},
		{rpctypes.ErrTimeout, true},
		{rpctypes.ErrTimeoutDueToLeaderFail, true},
		{rpctypes.ErrTimeoutDueToConnectionLost, true},
		{rpctypes.ErrTimeoutWaitAppliedIndex, true},
		{rpctypes.ErrNotCapable, true},
		{rpctypes.ErrStopped, true},
		{rpctypes.ErrUnhealthy, true},
		{fmt.Errorf("etcd: commit of 3 operations: %w", rpctypes.ErrLeaderChanged), true},
		{status.Error(codes.Unavailable, "connection refused"), true},
		{rpctypes.ErrCompacted, false},
		{rpctypes.ErrTooManyOps, false},
		{rpctypes.ErrPermissionDenied, false},
		{errors.New("broken"), false},
	}
	for _, tt := range tests {
		err := unavailable(t.Context(), tt.err)
		var de *edgefn.Error
		if got := errors.As(err, &de) && de.Kind == edgefn.ErrUnavailable; got != tt.want {
			t.Errorf("unavailable(%v) = %v; unavailable: %v, want %v", tt.err, err, got, tt.want)
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("unavailable(%v) lost the cause: %v", tt.err, err)
		}
	}
}
