package etcd

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// The domain rules of package store, run on etcd: the flows whose
// correctness rests on the backend's conflict detection and change feed.

const account = "111111111111"

var (
	code = []byte("function handler(event) { return event.request; }")
	cfg  = edgefn.FunctionConfig{Comment: "etcd", Runtime: edgefn.RuntimeJS2}
)

// node is one edgefn node's Store over its own etcd connection.
func node(t testing.TB, prefix string) *store.Store {
	return store.New(open(t, prefix), edgefn.DefaultLimits())
}

func wantKind(t testing.TB, err error, kind edgefn.ErrorKind) {
	t.Helper()
	var de *edgefn.Error
	if !errors.As(err, &de) || de.Kind != kind {
		t.Fatalf("error %v, want an *edgefn.Error of kind %d", err, kind)
	}
}

func TestStoreFlows(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *store.Store)
	}{
		{"CreateAndPublishFunction", func(t *testing.T, s *store.Store) {
			dev, err := s.CreateFunction(t.Context(), account, "fn", cfg, code)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.PublishFunction(t.Context(), account, "fn", "E"+dev.ETag[1:]+"X")
			wantKind(t, err, edgefn.ErrPreconditionFailed)
			if _, err := s.PublishFunction(t.Context(), account, "fn", dev.ETag); err != nil {
				t.Fatal(err)
			}
			live, err := s.GetFunction(t.Context(), account, "fn", edgefn.StageLive)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(live.Code, code) || live.ETag != dev.ETag {
				t.Errorf("LIVE copy %q with ETag %q (DEVELOPMENT %q)", live.Code, live.ETag, dev.ETag)
			}
			_, err = s.CreateFunction(t.Context(), account, "fn", cfg, code)
			wantKind(t, err, edgefn.ErrAlreadyExists)
		}},
		{"UpdateKeysStaleETag", func(t *testing.T, s *store.Store) {
			k, err := s.CreateKeyValueStore(t.Context(), account, "kvs", "", false)
			if err != nil {
				t.Fatal(err)
			}
			k2, err := s.UpdateKeys(t.Context(), account, k.ID, k.DataETag, []edgefn.Item{{Key: "a", Value: "1"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.UpdateKeys(t.Context(), account, k.ID, k.DataETag, []edgefn.Item{{Key: "a", Value: "2"}}, nil)
			wantKind(t, err, edgefn.ErrPreconditionFailed)
			it, _, err := s.GetKey(t.Context(), account, k.ID, "a")
			if err != nil || it.Value != "1" {
				t.Errorf("a = %q, %v after a refused batch; want 1", it.Value, err)
			}
			if _, err := s.UpdateKeys(t.Context(), account, k.ID, k2.DataETag, nil, []string{"a"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"ConcurrentUpdateKeysOneETag", func(t *testing.T, s *store.Store) {
			const racers = 20
			k, err := s.CreateKeyValueStore(t.Context(), account, "kvs", "", false)
			if err != nil {
				t.Fatal(err)
			}
			errs := make([]error, racers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range racers {
				wg.Go(func() {
					<-start
					_, errs[i] = s.UpdateKeys(t.Context(), account, k.ID, k.DataETag,
						[]edgefn.Item{{Key: "winner", Value: fmt.Sprint(i)}, {Key: fmt.Sprint("k", i), Value: "v"}}, nil)
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				if err == nil {
					won++
					continue
				}
				wantKind(t, err, edgefn.ErrPreconditionFailed)
			}
			got, err := s.KeyValueStoreByID(t.Context(), account, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if won != 1 || got.ItemCount != 2 {
				t.Errorf("%d batches won with one ETag, store holds %d items; want 1 and 2", won, got.ItemCount)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, node(t, newPrefix())) })
	}
}

// follower is a replica kept by Snapshot and Follow, as the edge keeps one.
type follower struct {
	snap    *store.Snapshot
	batches <-chan store.Batch
}

func follow(t testing.TB, s *store.Store) *follower {
	t.Helper()
	snap, err := s.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	batches, err := s.Follow(t.Context(), snap.Rev)
	if err != nil {
		t.Fatal(err)
	}
	return &follower{snap: snap, batches: batches}
}

// until applies batches until rev, returning them.
func (f *follower) until(t testing.TB, rev int64) []store.Batch {
	t.Helper()
	var got []store.Batch
	timeout := time.After(waitTimeout)
	for f.snap.Rev < rev {
		select {
		case b, ok := <-f.batches:
			if !ok {
				t.Fatalf("follow ended at %d, want %d", f.snap.Rev, rev)
			}
			f.snap.Apply(b)
			got = append(got, b)
		case <-timeout:
			t.Fatalf("follower at %d, want %d", f.snap.Rev, rev)
		}
	}
	return got
}

// TestFollowAcrossNodes writes through one node and follows through another:
// the second node's replica ends up equal to a fresh snapshot.
func TestFollowAcrossNodes(t *testing.T) {
	prefix := newPrefix()
	a, b := node(t, prefix), node(t, prefix)
	f := follow(t, b)

	k, err := a.CreateKeyValueStore(t.Context(), account, "kvs", "", false)
	if err != nil {
		t.Fatal(err)
	}
	k, err = a.UpdateKeys(t.Context(), account, k.ID, k.DataETag, []edgefn.Item{{Key: "greeting", Value: "hello"}, {Key: "x", Value: "y"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg
	c.KeyValueStoreARNs = []string{k.ARN()}
	dev, err := a.CreateFunction(t.Context(), account, "fn", c, code)
	if err != nil {
		t.Fatal(err)
	}
	live, err := a.PublishFunction(t.Context(), account, "fn", dev.ETag)
	if err != nil {
		t.Fatal(err)
	}
	k, err = a.UpdateKeys(t.Context(), account, k.ID, k.DataETag, nil, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	head, err := a.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.until(t, head.Rev)

	got := f.snap.Functions[edgefn.FunctionARN(account, "fn")]
	if got == nil || !bytes.Equal(got.Code, code) || got.ETag != live.ETag {
		t.Errorf("follower's LIVE fn = %+v, want code %q ETag %s", got, code, live.ETag)
	}
	sc := f.snap.Stores[k.ARN()]
	if sc == nil || len(sc.Items) != 1 || sc.Items["greeting"] != "hello" || sc.Store.DataETag != k.DataETag {
		t.Errorf("follower's store = %+v, want greeting=hello only at data ETag %s", sc, k.DataETag)
	}
	fresh, err := b.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh, f.snap) {
		t.Errorf("followed replica %+v differs from a snapshot %+v", f.snap, fresh)
	}
}

// TestLargeImport imports the largest stores a 5 MB import file can make
// through one node and deletes them again: each is one etcd transaction
// (which needs the server flags of the package doc), and a follower on
// another node gets each as one batch.
func TestLargeImport(t *testing.T) {
	const fileLimit = 5 << 20
	tests := []struct {
		name  string
		items int
		key   func(i int) string
		value string
	}{
		// Distinct 3-byte keys, empty values: the most items a file holds.
		{"most items", (fileLimit - len(`{"data":[]}`)) / len(`{"key":"abc","value":""},`), func(i int) string {
			return string([]byte{byte('!' + i%90), byte('!' + i/90%90), byte('!' + i/8100)})
		}, ""},
		// The most store data, in the largest values.
		{"most data", 4900, func(i int) string { return fmt.Sprintf("%016d", i) }, strings.Repeat("v", 1024)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := newPrefix()
			a, b := node(t, prefix), node(t, prefix)
			items := make([]edgefn.Item, tc.items)
			file := len(`{"data":[]}`)
			for i := range items {
				items[i] = edgefn.Item{Key: tc.key(i), Value: tc.value}
				file += len(`{"key":"","value":""},`) + len(items[i].Key) + len(items[i].Value)
			}
			if file > fileLimit {
				t.Fatalf("the items make a %d-byte import file, over %d", file, fileLimit)
			}
			k, err := a.CreateKeyValueStore(t.Context(), account, "big", "", true)
			if err != nil {
				t.Fatal(err)
			}
			f := follow(t, b)

			start := time.Now()
			k, err = a.CompleteImport(t.Context(), account, k.ID, items, "")
			if err != nil {
				t.Fatal(err)
			}
			if k.Status != edgefn.KVSReady || k.ItemCount != int64(tc.items) {
				t.Fatalf("import: %s (%s) with %d items, want READY with %d", k.Status, k.FailureReason, k.ItemCount, tc.items)
			}
			imported := time.Since(start)
			head, err := a.Snapshot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			batches := f.until(t, head.Rev)
			if len(batches) != 1 || countKind(batches[0], store.EventItemPut) != tc.items {
				t.Fatalf("import followed as %d batches, the first with %d item puts; want 1 with %d", len(batches), countKind(batches[0], store.EventItemPut), tc.items)
			}
			if got := len(f.snap.Stores[k.ARN()].Items); got != tc.items {
				t.Errorf("follower holds %d items, want %d", got, tc.items)
			}
			followed := time.Since(start)

			if err := a.DeleteKeyValueStore(t.Context(), account, "big", k.ETag); err != nil {
				t.Fatal(err)
			}
			head, err = a.Snapshot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			batches = f.until(t, head.Rev)
			if len(batches) != 1 || countKind(batches[0], store.EventStoreDeleted) != 1 || f.snap.Stores[k.ARN()] != nil {
				t.Errorf("delete followed as %d batches; want 1 deleting the store", len(batches))
			}
			t.Logf("%d items: imported in %v, followed in %v, deleted and followed in %v", tc.items, imported, followed, time.Since(start)-followed)
		})
	}
}

func countKind(b store.Batch, kind store.EventKind) int {
	n := 0
	for _, e := range b.Events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestServerDefaultsRefuseLargeImport runs an etcd with its default limits:
// an import past them fails with an error that names the flags to raise.
func TestServerDefaultsRefuseLargeImport(t *testing.T) {
	srv, err := etcdtest.Start(t.TempDir(), "--max-txn-ops=128", "--max-request-bytes=1572864")
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
	// An import writes the store's two records and its items.
	for _, tc := range []struct {
		items int
		ok    bool
	}{{126, true}, {127, false}} {
		k, err := s.CreateKeyValueStore(t.Context(), account, fmt.Sprint("s", tc.items), "", true)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]edgefn.Item, tc.items)
		for i := range items {
			items[i] = edgefn.Item{Key: fmt.Sprint(i), Value: "v"}
		}
		_, err = s.CompleteImport(t.Context(), account, k.ID, items, "")
		if tc.ok != (err == nil) || err != nil && !strings.Contains(err.Error(), "--max-txn-ops") {
			t.Errorf("import of %d items: %v; want success %v, or an error naming --max-txn-ops", tc.items, err, tc.ok)
		}
	}
}

// TestOverlappingAliasRace: two nodes claim, for two accounts at the same
// moment, a wildcard and a name it covers. A new wildcard finds the names it
// covers by a Range, which etcd cannot guard; the registrable domain's guard
// key makes the two transactions conflict, so exactly one claim wins.
func TestOverlappingAliasRace(t *testing.T) {
	prefix := newPrefix()
	a, b := node(t, prefix), node(t, prefix)
	const other = "222222222222"
	dist := func(ref string, aliases ...string) edgefn.DistributionConfig {
		return edgefn.DistributionConfig{
			CallerReference: ref, Enabled: true, Aliases: aliases,
			Origins:              []edgefn.Origin{{ID: "o", DomainName: "origin.example.com", Custom: &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}}},
			DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "o", ViewerProtocolPolicy: edgefn.ViewerAllowAll},
		}
	}
	for round := range 20 {
		domain := fmt.Sprintf("race%d.example.com", round)
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		wg.Go(func() {
			<-start
			_, errs[0] = a.CreateDistribution(t.Context(), account, dist(fmt.Sprintf("wild-%d", round), "*."+domain), nil, nil)
		})
		wg.Go(func() {
			<-start
			_, errs[1] = b.CreateDistribution(t.Context(), other, dist(fmt.Sprintf("name-%d", round), "www."+domain), nil, nil)
		})
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: wildcard %v, name %v: want exactly one refused", round, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil {
				wantKind(t, err, edgefn.ErrAlreadyExists)
			}
		}
	}
}
