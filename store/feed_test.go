package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/internal/devcert"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

// next receives one batch or fails.
func next(t *testing.T, ch <-chan store.Batch) store.Batch {
	t.Helper()
	select {
	case b, ok := <-ch:
		if !ok {
			t.Fatal("follow channel closed")
		}
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no batch from Follow")
		return store.Batch{}
	}
}

func snapshot(t *testing.T, s *store.Store) *store.Snapshot {
	t.Helper()
	snap, err := s.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// workload changes everything the edge replicates, in two accounts.
func workload(t *testing.T, s *store.Store) {
	ctx := t.Context()
	for _, account := range []string{acct, other} {
		k := createStore(t, s, account, "kvs")
		k = updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c/d", Value: "3"}})
		k = updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "one"}}, "b")
		if _, err := s.UpdateKeyValueStore(ctx, account, "kvs", k.ETag, "commented"); err != nil {
			t.Fatal(err)
		}
		imp, err := s.CreateKeyValueStore(ctx, account, "imported", "", true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteImport(ctx, account, imp.ID, []edgefn.Item{{Key: "x", Value: "y"}}, ""); err != nil {
			t.Fatal(err)
		}
		failed, err := s.CreateKeyValueStore(ctx, account, "failed", "", true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CompleteImport(ctx, account, failed.ID, nil, "no such object"); err != nil {
			t.Fatal(err)
		}
		doomed := createStore(t, s, account, "doomed")
		doomed = updateKeys(t, s, doomed, []edgefn.Item{{Key: "gone", Value: "soon"}})
		if err := s.DeleteKeyValueStore(ctx, account, "doomed", doomed.ETag); err != nil {
			t.Fatal(err)
		}

		fn := createFunction(t, s, account, "fn", withARN(k))
		publish(t, s, account, "fn")
		if _, err := s.UpdateFunction(ctx, account, "fn", fn.ETag, cfg, []byte("function handler(e) { return e.request; } // v2")); err != nil {
			t.Fatal(err)
		}
		publish(t, s, account, "fn")
		workloadTrustStores(t, s, account)
		createFunction(t, s, account, "dev-only", cfg)
		createFunction(t, s, account, "deleted", cfg)
		publish(t, s, account, "deleted")
		dev, _ := s.GetFunction(ctx, account, "deleted", "")
		if err := s.DeleteFunction(ctx, account, "deleted", dev.ETag); err != nil {
			t.Fatal(err)
		}
	}
}

// workloadTrustStores creates, updates and deletes trust stores of account.
func workloadTrustStores(t *testing.T, s *store.Store, account string) {
	ctx := t.Context()
	ca1, ca2 := newCA(t), newCA(t)
	loc := edgefn.CABundleLocation{Bucket: "ca-bundles", Key: "ca.pem", Region: "us-east-1"}
	kept, err := s.CreateTrustStore(ctx, account, edgefn.TrustStoreConfig{Name: "kept", Source: loc, Bundle: ca1.PEM()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateTrustStore(ctx, account, kept.ID, kept.ETag, edgefn.TrustStoreConfig{Name: "kept", Source: loc, Bundle: append(ca1.PEM(), ca2.PEM()...)}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"conn", "conn-gone"} {
		fn, err := s.CreateConnectionFunction(ctx, account, name, cfg, []byte("function connectionHandler(c) { c.allow(); }"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PublishConnectionFunction(ctx, account, fn.ID, fn.ETag); err != nil {
			t.Fatal(err)
		}
		if name == "conn-gone" {
			if err := s.DeleteConnectionFunction(ctx, account, fn.ID, fn.ETag); err != nil {
				t.Fatal(err)
			}
		}
	}
	gone, err := s.CreateTrustStore(ctx, account, edgefn.TrustStoreConfig{Name: "gone", Source: loc, Bundle: ca1.PEM()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTrustStore(ctx, account, gone.ID, gone.ETag); err != nil {
		t.Fatal(err)
	}
}

func newCA(t testing.TB) *devcert.CA {
	t.Helper()
	ca, err := devcert.NewCA("Test CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestSnapshotFollowConsistency(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	base := snapshot(t, s)
	if base.Rev != 0 || len(base.Functions) != 0 || len(base.Stores) != 0 {
		t.Fatalf("empty store snapshot %+v", base)
	}
	feed, err := s.Follow(ctx, base.Rev)
	if err != nil {
		t.Fatal(err)
	}
	workload(t, s)
	want := snapshot(t, s)

	for base.Rev < want.Rev {
		b := next(t, feed)
		if b.Rev <= base.Rev {
			t.Fatalf("batch %d after %d", b.Rev, base.Rev)
		}
		base.Apply(b)
	}
	if !reflect.DeepEqual(base, want) {
		t.Errorf("snapshot + batches differs from a new snapshot:\n got %s\nwant %s", dump(base), dump(want))
	}

	// The replica holds what the workload left, and only that.
	if len(want.Functions) != 2 || len(want.Stores) != 6 || len(want.TrustStores) != 2 {
		t.Errorf("replica has %d functions, %d stores, %d trust stores; want 2, 6 and 2", len(want.Functions), len(want.Stores), len(want.TrustStores))
	}
	if len(want.ConnectionFunctions) != 2 || want.ConnectionFunctions[store.CachePolicyKey(acct, "conn")] == nil {
		t.Errorf("replicated connection functions %v", want.ConnectionFunctions)
	}
	for _, ts := range want.TrustStores {
		if ts.Config.Name != "kept" || ts.Config.Certificates != 2 {
			t.Errorf("replicated trust store %+v", ts)
		}
	}
	fn := want.Functions[edgefn.FunctionARN(acct, "fn")]
	if fn == nil || fn.Stage != edgefn.StageLive || string(fn.Code) != "function handler(e) { return e.request; } // v2" || len(fn.Config.KeyValueStoreARNs) != 0 {
		t.Errorf("replicated LIVE fn = %+v", fn)
	}
	if got, err := s.GetFunction(t.Context(), acct, "fn", edgefn.StageLive); err != nil || got.ETag != fn.ETag {
		t.Errorf("replica ETag %s, store says %v %v", fn.ETag, got, err)
	}
	kvs, err := s.GetKeyValueStore(t.Context(), acct, "kvs")
	if err != nil {
		t.Fatal(err)
	}
	sc := want.Stores[kvs.ARN()]
	if sc == nil || fmt.Sprint(sc.Items) != "map[a:one c/d:3]" || *sc.Store != *kvs {
		t.Errorf("replicated store %+v, store says %+v", sc, kvs)
	}
}

func TestFollowFromMidway(t *testing.T) {
	s, _ := newStore(t, nil)
	k := createStore(t, s, acct, "kvs")
	updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "1"}})
	mid := snapshot(t, s)
	updateKeys(t, s, k, []edgefn.Item{{Key: "b", Value: "2"}}, "a")
	createFunction(t, s, acct, "fn", cfg)
	publish(t, s, acct, "fn")
	want := snapshot(t, s)

	feed, err := s.Follow(t.Context(), mid.Rev)
	if err != nil {
		t.Fatal(err)
	}
	for mid.Rev < want.Rev {
		mid.Apply(next(t, feed))
	}
	if !reflect.DeepEqual(mid, want) {
		t.Errorf("got %s\nwant %s", dump(mid), dump(want))
	}
}

func TestFollowEvents(t *testing.T) {
	s, _ := newStore(t, nil)
	k := createStore(t, s, acct, "kvs")
	k = updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
	feed, err := s.Follow(t.Context(), snapshot(t, s).Rev)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(b store.Batch) []store.EventKind {
		var ks []store.EventKind
		for _, e := range b.Events {
			ks = append(ks, e.Kind)
		}
		return ks
	}

	// One batch, one revision, the items and the totals together.
	k = updateKeys(t, s, k, []edgefn.Item{{Key: "c", Value: "3"}}, "a")
	b := next(t, feed)
	if got := kinds(b); !reflect.DeepEqual(got, []store.EventKind{store.EventStoreDataPut, store.EventItemDeleted, store.EventItemPut}) {
		t.Errorf("UpdateKeys events %v", got)
	}
	if e := b.Events[0]; e.Store.DataETag != k.DataETag || e.Store.ItemCount != 2 || e.StoreID != k.ID || e.Account != acct {
		t.Errorf("data event %+v, store %+v", e, k)
	}

	// A DEVELOPMENT change is not replicated, but its revision still comes.
	fn := createFunction(t, s, acct, "fn", cfg)
	if b := next(t, feed); len(b.Events) != 0 {
		t.Errorf("CreateFunction events %v, want none", kinds(b))
	}
	publish(t, s, acct, "fn")
	b = next(t, feed)
	if got := kinds(b); !reflect.DeepEqual(got, []store.EventKind{store.EventFunctionPut}) || b.Events[0].Function.ETag != fn.ETag {
		t.Errorf("PublishFunction events %v", got)
	}
	if err := s.DeleteFunction(t.Context(), acct, "fn", fn.ETag); err != nil {
		t.Fatal(err)
	}
	if got := kinds(next(t, feed)); !reflect.DeepEqual(got, []store.EventKind{store.EventFunctionDeleted}) {
		t.Errorf("DeleteFunction events %v", got)
	}

	// Deleting a store is one event, not one per item.
	cur, _ := s.GetKeyValueStore(t.Context(), acct, "kvs")
	if err := s.DeleteKeyValueStore(t.Context(), acct, "kvs", cur.ETag); err != nil {
		t.Fatal(err)
	}
	if got := kinds(next(t, feed)); !reflect.DeepEqual(got, []store.EventKind{store.EventStoreDeleted}) {
		t.Errorf("DeleteKeyValueStore events %v", got)
	}
}

func TestFollowCompacted(t *testing.T) {
	s, _ := newStore(t, nil, bolt.WithRetention(2))
	k := createStore(t, s, acct, "kvs")
	for i := range 5 {
		k = updateKeys(t, s, k, []edgefn.Item{{Key: "k", Value: fmt.Sprint(i)}})
	}
	if _, err := s.Follow(t.Context(), 1); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("Follow from a compacted revision = %v, want ErrCompacted", err)
	}
	// The documented recovery: a new snapshot, then follow from it.
	snap := snapshot(t, s)
	feed, err := s.Follow(t.Context(), snap.Rev)
	if err != nil {
		t.Fatal(err)
	}
	updateKeys(t, s, k, []edgefn.Item{{Key: "k", Value: "new"}})
	snap.Apply(next(t, feed))
	if got := snap.Stores[k.ARN()].Items["k"]; got != "new" {
		t.Errorf("after re-snapshot and follow k = %q", got)
	}
}

func TestFollowEndsWithContext(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	feed, err := s.Follow(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	createStore(t, s, acct, "a")
	next(t, feed)
	cancel()
	createStore(t, s, acct, "b")
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-feed:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("Follow channel open after cancel")
		}
	}
}

func dump(s *store.Snapshot) string {
	out := fmt.Sprintf("rev %d\n", s.Rev)
	for arn, fn := range s.Functions {
		out += fmt.Sprintf("  %s %+v\n", arn, *fn)
	}
	for arn, sc := range s.Stores {
		out += fmt.Sprintf("  %s %+v %v\n", arn, *sc.Store, sc.Items)
	}
	return out
}
