package store_test

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

const (
	acct  = "111111111111"
	other = "222222222222"
)

var (
	code = []byte("function handler(event) { return event.request; }")
	cfg  = edgefn.FunctionConfig{Comment: "test", Runtime: edgefn.RuntimeJS2}
)

// fakeClock ticks one second per reading, so every write has a distinct time.
type fakeClock struct{ n atomic.Int64 }

var epoch = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func (c *fakeClock) now() time.Time { return epoch.Add(time.Duration(c.n.Add(1)) * time.Second) }

// newStore opens a Store over a fresh bolt file with the given limits
// changes applied to the defaults.
func newStore(t testing.TB, tweak func(*edgefn.Limits), opts ...bolt.Option) (*store.Store, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	limits := edgefn.DefaultLimits()
	if tweak != nil {
		tweak(&limits)
	}
	clock := &fakeClock{}
	return store.New(db, limits, store.WithClock(clock.now)), db
}

// wantErr fails unless err is an *edgefn.Error of kind about res.
func wantErr(t testing.TB, err error, kind edgefn.ErrorKind, res edgefn.Resource) {
	t.Helper()
	var de *edgefn.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want *edgefn.Error kind %d resource %s", err, err, kind, res)
	}
	if de.Kind != kind || de.Resource != res {
		t.Fatalf("error %q is kind %d resource %s, want kind %d resource %s", de.Message, de.Kind, de.Resource, kind, res)
	}
	if de.Message == "" {
		t.Fatal("error without a message")
	}
}

func createFunction(t testing.TB, s *store.Store, account, name string, c edgefn.FunctionConfig) *edgefn.Function {
	t.Helper()
	fn, err := s.CreateFunction(t.Context(), account, name, c, code)
	if err != nil {
		t.Fatalf("CreateFunction(%s): %v", name, err)
	}
	return fn
}

func publish(t testing.TB, s *store.Store, account, name string) *edgefn.Function {
	t.Helper()
	dev, err := s.GetFunction(t.Context(), account, name, edgefn.StageDevelopment)
	if err != nil {
		t.Fatal(err)
	}
	live, err := s.PublishFunction(t.Context(), account, name, dev.ETag)
	if err != nil {
		t.Fatalf("PublishFunction(%s): %v", name, err)
	}
	return live
}

func createStore(t testing.TB, s *store.Store, account, name string) *edgefn.KeyValueStore {
	t.Helper()
	k, err := s.CreateKeyValueStore(t.Context(), account, name, "", false)
	if err != nil {
		t.Fatalf("CreateKeyValueStore(%s): %v", name, err)
	}
	return k
}

func updateKeys(t testing.TB, s *store.Store, k *edgefn.KeyValueStore, puts []edgefn.Item, deletes ...string) *edgefn.KeyValueStore {
	t.Helper()
	cur, err := s.KeyValueStoreByID(t.Context(), k.Account, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	k, err = s.UpdateKeys(t.Context(), k.Account, k.ID, cur.DataETag, puts, deletes)
	if err != nil {
		t.Fatalf("UpdateKeys: %v", err)
	}
	return k
}

func withARN(k *edgefn.KeyValueStore) edgefn.FunctionConfig {
	c := cfg
	c.KeyValueStoreARNs = []string{k.ARN()}
	return c
}
