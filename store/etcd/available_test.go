package etcd

import (
	"errors"
	"testing"
	"time"

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
