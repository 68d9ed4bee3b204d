// Package storetest is the conformance suite of store.Backend: every backend
// runs TestBackend from its own tests. Most cases are the Backend contract;
// a few run the Store's domain operations over it.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edgefn/edgefn/store"
)

// timeout bounds every wait on a watch channel.
const timeout = 10 * time.Second

// TestBackend runs the suite. open returns a new, empty backend for each
// subtest; the suite closes it.
func TestBackend(t *testing.T, open func(t *testing.T) store.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b store.Backend)
	}{
		{"PutGet", testPutGet},
		{"ReadYourWrites", testReadYourWrites},
		{"Atomicity", testAtomicity},
		{"NoWritesNoRevision", testNoWrites},
		{"RevisionsIncrease", testRevisionsIncrease},
		{"ViewIsReadOnly", testViewReadOnly},
		{"Range", testRange},
		{"DeletePrefix", testDeletePrefix},
		{"CancelledContext", testCancelled},
		{"WatchReplayAndLive", testWatchReplayAndLive},
		{"WatchCancel", testWatchCancel},
		{"CloseEndsWatchers", testCloseEndsWatchers},
		{"WatchCompacted", testWatchCompacted},
		{"WatchFallsBehindCompaction", testWatchFallsBehind},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"ConcurrentTransfers", testConcurrentTransfers},
		{"Tags", testTags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := open(t)
			t.Cleanup(func() {
				if err := b.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, b)
		})
	}
}

func put(t *testing.T, b store.Backend, kvs ...string) int64 {
	t.Helper()
	rev, err := b.Update(context.Background(), func(tx store.Tx) error {
		for i := 0; i+1 < len(kvs); i += 2 {
			if err := tx.Put(kvs[i], []byte(kvs[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	return rev
}

func get(t *testing.T, b store.Backend, key string) (store.KV, bool) {
	t.Helper()
	var (
		kv store.KV
		ok bool
	)
	err := b.View(context.Background(), func(tx store.Tx) error {
		var err error
		kv, ok, err = tx.Get(key)
		kv.Value = slices.Clone(kv.Value)
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return kv, ok
}

func currentRev(t *testing.T, b store.Backend) int64 {
	t.Helper()
	var rev int64
	if err := b.View(context.Background(), func(tx store.Tx) error { rev = tx.Rev(); return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
	return rev
}

func testPutGet(t *testing.T, b store.Backend) {
	rev := put(t, b, "a", "1", "b", "")
	for _, tc := range []struct {
		key, want string
		ok        bool
	}{{"a", "1", true}, {"b", "", true}, {"c", "", false}} {
		kv, ok := get(t, b, tc.key)
		if ok != tc.ok || string(kv.Value) != tc.want {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.key, kv.Value, ok, tc.want, tc.ok)
		}
		if ok && kv.ModRev != rev {
			t.Errorf("Get(%q).ModRev = %d, want %d", tc.key, kv.ModRev, rev)
		}
	}
	if got := currentRev(t, b); got != rev {
		t.Errorf("View Rev = %d, want %d", got, rev)
	}
	rev2 := put(t, b, "a", "2")
	if kv, _ := get(t, b, "a"); kv.ModRev != rev2 || string(kv.Value) != "2" {
		t.Errorf("after overwrite Get(a) = %q@%d, want 2@%d", kv.Value, kv.ModRev, rev2)
	}
	if kv, _ := get(t, b, "b"); kv.ModRev != rev {
		t.Errorf("untouched key b ModRev = %d, want %d", kv.ModRev, rev)
	}
}

func testReadYourWrites(t *testing.T, b store.Backend) {
	put(t, b, "gone", "x")
	_, err := b.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("k", []byte("v")); err != nil {
			return err
		}
		if kv, ok, err := tx.Get("k"); err != nil || !ok || string(kv.Value) != "v" || kv.ModRev != 0 {
			return fmt.Errorf("Get after Put = %q@%d, %v, %v; want v@0", kv.Value, kv.ModRev, ok, err)
		}
		if err := tx.Delete("gone"); err != nil {
			return err
		}
		if _, ok, err := tx.Get("gone"); err != nil || ok {
			return fmt.Errorf("Get after Delete = %v, %v; want missing", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testAtomicity(t *testing.T, b store.Backend) {
	before := put(t, b, "a", "old")
	boom := errors.New("boom")
	_, err := b.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Put("a", []byte("new")); err != nil {
			return err
		}
		if err := tx.Put("b", []byte("new")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v, want fn's error", err)
	}
	if kv, _ := get(t, b, "a"); string(kv.Value) != "old" {
		t.Errorf("a = %q after aborted update, want old", kv.Value)
	}
	if _, ok := get(t, b, "b"); ok {
		t.Error("b exists after aborted update")
	}
	if rev := currentRev(t, b); rev != before {
		t.Errorf("revision moved to %d by an aborted update, want %d", rev, before)
	}
}

func testNoWrites(t *testing.T, b store.Backend) {
	rev := put(t, b, "a", "1")
	got, err := b.Update(context.Background(), func(tx store.Tx) error {
		_, _, err := tx.Get("a")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != rev {
		t.Errorf("read-only Update returned rev %d, want %d", got, rev)
	}
	ch, err := b.Watch(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	next := put(t, b, "b", "2")
	if c := recv(t, ch); c.Rev != next {
		t.Errorf("first commit after a read-only Update is rev %d, want %d", c.Rev, next)
	}
}

func testRevisionsIncrease(t *testing.T, b store.Backend) {
	last := currentRev(t, b)
	for i := range 20 {
		rev := put(t, b, "k"+strconv.Itoa(i%3), strconv.Itoa(i))
		if rev <= last {
			t.Fatalf("update %d committed rev %d after %d", i, rev, last)
		}
		last = rev
	}
}

func testViewReadOnly(t *testing.T, b store.Backend) {
	err := b.View(context.Background(), func(tx store.Tx) error { return tx.Put("a", []byte("1")) })
	if err == nil {
		t.Error("Put in a View succeeded")
	}
	err = b.View(context.Background(), func(tx store.Tx) error { return tx.Delete("a") })
	if err == nil {
		t.Error("Delete in a View succeeded")
	}
	if _, ok := get(t, b, "a"); ok {
		t.Error("a View wrote a key")
	}
}

func testRange(t *testing.T, b store.Backend) {
	put(t, b, "p/a", "1", "p/b", "2", "p/b/c", "3", "p/c", "4", "p/d\xff", "5", "q/a", "x", "p", "x", "o", "x")
	tests := []struct {
		prefix, after string
		limit         int
		want          []string
	}{
		{"p/", "", 0, []string{"p/a", "p/b", "p/b/c", "p/c", "p/d\xff"}},
		{"p/", "p/b", 0, []string{"p/b/c", "p/c", "p/d\xff"}},
		{"p/", "p/bb", 0, []string{"p/c", "p/d\xff"}},
		{"p/", "", 2, []string{"p/a", "p/b"}},
		{"p/", "p/a", 2, []string{"p/b", "p/b/c"}},
		{"p/", "a", 1, []string{"p/a"}},
		{"p/", "z", 0, nil},
		{"p/b", "", 0, []string{"p/b", "p/b/c"}},
		{"r/", "", 0, nil},
		{"", "p/d", 0, []string{"p/d\xff", "q/a"}},
	}
	for _, tc := range tests {
		var got []string
		err := b.View(context.Background(), func(tx store.Tx) error {
			return tx.Range(tc.prefix, tc.after, tc.limit, func(kv store.KV) error {
				got = append(got, kv.Key)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Range(%q, %q, %d) = %q, want %q", tc.prefix, tc.after, tc.limit, got, tc.want)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := b.View(context.Background(), func(tx store.Tx) error {
		return tx.Range("p/", "", 0, func(store.KV) error { n++; return stop })
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Range with fn error: err %v after %d calls, want stop after 1", err, n)
	}
}

func testDeletePrefix(t *testing.T, b store.Backend) {
	from := put(t, b, "d/1", "a", "d/2", "b", "d", "keep", "e/1", "keep")
	ch, err := b.Watch(context.Background(), from)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := b.Update(context.Background(), func(tx store.Tx) error { return tx.DeletePrefix("d/") })
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"d/1", "d/2"} {
		if _, ok := get(t, b, k); ok {
			t.Errorf("%s survived DeletePrefix", k)
		}
	}
	for _, k := range []string{"d", "e/1"} {
		if _, ok := get(t, b, k); !ok {
			t.Errorf("%s deleted by DeletePrefix(d/)", k)
		}
	}
	c := recv(t, ch)
	want := []store.Change{{Key: "d/1", Deleted: true}, {Key: "d/2", Deleted: true}}
	if c.Rev != rev || !equalChanges(c.Changes, want) {
		t.Errorf("watch got %+v, want rev %d %+v", c, rev, want)
	}
}

func testCancelled(t *testing.T, b store.Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Update(ctx, func(tx store.Tx) error { return tx.Put("a", []byte("1")) }); err == nil {
		t.Error("Update with a cancelled context succeeded")
	}
	if _, ok := get(t, b, "a"); ok {
		t.Error("Update with a cancelled context wrote")
	}
	if err := b.View(ctx, func(store.Tx) error { return nil }); err == nil {
		t.Error("View with a cancelled context succeeded")
	}
	if _, err := b.Watch(ctx, 0); err == nil {
		t.Error("Watch with a cancelled context succeeded")
	}
	if err := b.Compact(ctx, 0); err == nil {
		t.Error("Compact with a cancelled context succeeded")
	}
}

func testWatchReplayAndLive(t *testing.T, b store.Backend) {
	var revs []int64
	for i := range 5 {
		revs = append(revs, put(t, b, "w/"+strconv.Itoa(i), "v"+strconv.Itoa(i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := b.Watch(ctx, revs[1])
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 5; i++ {
		c := recv(t, ch)
		want := []store.Change{{Key: "w/" + strconv.Itoa(i), Value: []byte("v" + strconv.Itoa(i))}}
		if c.Rev != revs[i] || !equalChanges(c.Changes, want) {
			t.Fatalf("replay got %+v, want rev %d %+v", c, revs[i], want)
		}
	}
	// Live: a multi-key commit arrives whole, and a delete as a deletion.
	rev := put(t, b, "w/x", "1", "w/y", "2", "w/x", "3")
	c := recv(t, ch)
	want := []store.Change{{Key: "w/x", Value: []byte("3")}, {Key: "w/y", Value: []byte("2")}}
	if c.Rev != rev || !equalChanges(c.Changes, want) {
		t.Fatalf("live got %+v, want rev %d %+v", c, rev, want)
	}
	rev, err = b.Update(context.Background(), func(tx store.Tx) error {
		if err := tx.Delete("w/x"); err != nil {
			return err
		}
		return tx.Delete("w/missing")
	})
	if err != nil {
		t.Fatal(err)
	}
	c = recv(t, ch)
	if want := []store.Change{{Key: "w/x", Deleted: true}}; c.Rev != rev || !equalChanges(c.Changes, want) {
		t.Fatalf("delete got %+v, want rev %d %+v", c, rev, want)
	}
	// A second watcher from the start sees the same history.
	ch2, err := b.Watch(ctx, revs[3])
	if err != nil {
		t.Fatal(err)
	}
	if c := recv(t, ch2); c.Rev != revs[4] {
		t.Errorf("second watcher starts at %d, want %d", c.Rev, revs[4])
	}
}

func testWatchCancel(t *testing.T, b store.Backend) {
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := b.Watch(ctx, currentRev(t, b))
	if err != nil {
		t.Fatal(err)
	}
	put(t, b, "a", "1")
	recv(t, ch)
	cancel()
	// Commits made after cancelling must not keep the channel open.
	put(t, b, "a", "2")
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch channel still open after its context was cancelled")
		}
	}
}

// testCloseEndsWatchers: Close returns with a watcher open, closes its
// channel, refuses new watches, and a second Close is harmless.
func testCloseEndsWatchers(t *testing.T, b store.Backend) {
	ch, err := b.Watch(context.Background(), currentRev(t, b))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- b.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(timeout):
		t.Fatal("Close blocked on a watcher")
	}
	if _, ok := <-ch; ok {
		t.Error("watch channel open after Close")
	}
	if _, err := b.Watch(context.Background(), 0); err == nil {
		t.Error("Watch after Close succeeded")
	}
}

func testWatchCompacted(t *testing.T, b store.Backend) {
	r1 := put(t, b, "c", "1")
	r2 := put(t, b, "c", "2")
	r3 := put(t, b, "c", "3")
	if err := b.Compact(context.Background(), r2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Watch(context.Background(), r1); !errors.Is(err, store.ErrCompacted) {
		t.Errorf("Watch(%d) after Compact(%d) = %v, want ErrCompacted", r1, r2, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := b.Watch(ctx, r2)
	if err != nil {
		t.Fatalf("Watch(%d) after Compact(%d): %v", r2, r2, err)
	}
	if c := recv(t, ch); c.Rev != r3 {
		t.Errorf("Watch(%d) first commit %d, want %d", r2, c.Rev, r3)
	}
	if kv, _ := get(t, b, "c"); string(kv.Value) != "3" {
		t.Errorf("Compact changed the current value to %q", kv.Value)
	}
}

// testWatchFallsBehind checks that a watcher that does not keep up with
// compaction either still receives every commit or sees its channel close,
// after which Watch from its last revision reports ErrCompacted: never a gap.
func testWatchFallsBehind(t *testing.T, b store.Backend) {
	from := put(t, b, "f", "0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := b.Watch(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	var revs []int64
	for i := range 10 {
		revs = append(revs, put(t, b, "f", strconv.Itoa(i+1)))
	}
	if err := b.Compact(context.Background(), revs[8]); err != nil {
		t.Fatal(err)
	}
	last := from
	for _, want := range revs {
		c, ok := recvOrClose(t, ch)
		if !ok {
			if _, err := b.Watch(ctx, last); !errors.Is(err, store.ErrCompacted) {
				t.Fatalf("watch closed at %d; Watch(%d) = %v, want ErrCompacted", last, last, err)
			}
			return
		}
		if c.Rev != want {
			t.Fatalf("got commit %d after %d, want %d", c.Rev, last, want)
		}
		last = c.Rev
	}
}

func testConcurrentIncrements(t *testing.T, b store.Backend) {
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := b.Update(context.Background(), func(tx store.Tx) error {
					kv, _, err := tx.Get("counter")
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(string(kv.Value))
					return tx.Put("counter", []byte(strconv.Itoa(n+1)))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if kv, _ := get(t, b, "counter"); string(kv.Value) != strconv.Itoa(workers*each) {
		t.Errorf("counter = %q after %d increments", kv.Value, workers*each)
	}
}

// testConcurrentTransfers moves units between two keys from many goroutines;
// a lost or torn update would change the sum.
func testConcurrentTransfers(t *testing.T, b store.Backend) {
	put(t, b, "x", "500", "y", "500")
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			from, to := "x", "y"
			if w%2 == 1 {
				from, to = to, from
			}
			for range 20 {
				_, err := b.Update(context.Background(), func(tx store.Tx) error {
					a, _, err := tx.Get(from)
					if err != nil {
						return err
					}
					c, _, err := tx.Get(to)
					if err != nil {
						return err
					}
					na, _ := strconv.Atoi(string(a.Value))
					nc, _ := strconv.Atoi(string(c.Value))
					if err := tx.Put(from, []byte(strconv.Itoa(na-1))); err != nil {
						return err
					}
					return tx.Put(to, []byte(strconv.Itoa(nc+1)))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	x, _ := get(t, b, "x")
	y, _ := get(t, b, "y")
	nx, _ := strconv.Atoi(string(x.Value))
	ny, _ := strconv.Atoi(string(y.Value))
	if nx+ny != 1000 || nx != 500 {
		t.Errorf("after balanced transfers x=%d y=%d, want 500 and 500", nx, ny)
	}
}

func recv(t *testing.T, ch <-chan store.Commit) store.Commit {
	t.Helper()
	c, ok := recvOrClose(t, ch)
	if !ok {
		t.Fatal("watch channel closed")
	}
	return c
}

func recvOrClose(t *testing.T, ch <-chan store.Commit) (store.Commit, bool) {
	t.Helper()
	select {
	case c, ok := <-ch:
		return c, ok
	case <-time.After(timeout):
		t.Fatal("no commit from watch")
		return store.Commit{}, false
	}
}

func equalChanges(got, want []store.Change) bool {
	return slices.EqualFunc(got, want, func(a, b store.Change) bool {
		return a.Key == b.Key && a.Deleted == b.Deleted && string(a.Value) == string(b.Value)
	})
}
