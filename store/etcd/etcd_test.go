package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/etcd/etcdtest"
	"github.com/edgefn/edgefn/store/storetest"
)

// endpoint is the etcd server TestMain started for the package's tests.
var endpoint string

// namespaces numbers the key prefixes handed to tests: every test gets its
// own, so tests (and -count runs) never see each other's keys.
var namespaces atomic.Int64

// waitTimeout bounds every wait on a watch or follow channel.
const waitTimeout = 30 * time.Second

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "edgefn-etcd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "store/etcd:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// TestLargeImport commits the largest transaction a store makes; on 2
	// busy cores (and under -race) it runs past etcd's default 7 s request
	// bound, so this server gets the flag the package doc gives operators.
	srv, err := etcdtest.Start(dir, "--election-timeout="+largeTxnElectionTimeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "store/etcd:", err)
		return 1
	}
	defer srv.Stop()
	endpoint = srv.Endpoint
	return m.Run()
}

// testLog gives a client's log to the test, so that the etcd client's retry
// warnings of the refusal tests show only with the test that made them.
func testLog(t testing.TB) Option {
	return WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil)))
}

func newPrefix() string { return fmt.Sprintf("test/%d/", namespaces.Add(1)) }

// open connects to the test server under prefix and closes when t ends.
func open(t testing.TB, prefix string) *DB {
	t.Helper()
	db, err := Open(t.Context(), []string{endpoint}, prefix, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestBackend(t *testing.T) {
	storetest.TestBackend(t, func(t *testing.T) store.Backend {
		db, err := Open(t.Context(), []string{endpoint}, newPrefix(), testLog(t))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// TestBufferedWrites covers the write sequences that etcd cannot take as
// they come (a put inside a range deleted by the same transaction is refused
// by etcd) and what they read back before commit.
func TestBufferedWrites(t *testing.T) {
	const missing = "(missing)"
	initial := []string{"d/1", "d/2", "d/3", "e"}
	tests := []struct {
		name   string
		fn     func(tx store.Tx) error
		reads  map[string]string // Get of written keys after the writes, or missing
		want   []string          // key=value after commit
		change []string          // the commit's changes, sorted: key=value or key deleted
	}{
		{
			name: "put then prefix delete",
			fn: func(tx store.Tx) error {
				return errors.Join(tx.Put("d/4", []byte("x")), tx.Put("d/1", []byte("x")), tx.DeletePrefix("d/"))
			},
			reads:  map[string]string{"d/1": missing, "d/4": missing},
			want:   []string{"e=e"},
			change: []string{"d/1 deleted", "d/2 deleted", "d/3 deleted"},
		},
		{
			name: "prefix delete then put",
			fn: func(tx store.Tx) error {
				return errors.Join(tx.DeletePrefix("d/"), tx.Put("d/2", []byte("new")), tx.Put("d/9", []byte("9")))
			},
			reads:  map[string]string{"d/1": missing, "d/2": "new", "d/9": "9"},
			want:   []string{"d/2=new", "d/9=9", "e=e"},
			change: []string{"d/1 deleted", "d/2=new", "d/3 deleted", "d/9=9"},
		},
		{
			name: "put the prefix key itself after the prefix delete",
			fn: func(tx store.Tx) error {
				return errors.Join(tx.DeletePrefix("d"), tx.Put("d", []byte("p")), tx.Put("d/3", []byte("3")))
			},
			reads:  map[string]string{"d": "p", "d/1": missing},
			want:   []string{"d=p", "d/3=3", "e=e"},
			change: []string{"d/1 deleted", "d/2 deleted", "d/3=3", "d=p"},
		},
		{
			name: "delete of a covered key and nested prefixes",
			fn: func(tx store.Tx) error {
				return errors.Join(tx.DeletePrefix("d/1"), tx.Put("d/5", []byte("5")), tx.DeletePrefix("d/"), tx.Delete("d/2"))
			},
			reads:  map[string]string{"d/5": missing, "d/2": missing},
			want:   []string{"e=e"},
			change: []string{"d/1 deleted", "d/2 deleted", "d/3 deleted"},
		},
		{
			name: "delete, put again, delete again",
			fn: func(tx store.Tx) error {
				return errors.Join(tx.Delete("e"), tx.Put("e", []byte("2")), tx.Delete("e"), tx.Put("f", nil))
			},
			reads:  map[string]string{"e": missing, "f": ""},
			want:   []string{"d/1=d/1", "d/2=d/2", "d/3=d/3", "f="},
			change: []string{"e deleted", "f="},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t, newPrefix())
			from, err := db.Update(t.Context(), func(tx store.Tx) error {
				var errs []error
				for _, k := range initial {
					errs = append(errs, tx.Put(k, []byte(k)))
				}
				return errors.Join(errs...)
			})
			if err != nil {
				t.Fatal(err)
			}
			ch, err := db.Watch(t.Context(), from)
			if err != nil {
				t.Fatal(err)
			}
			rev, err := db.Update(t.Context(), func(tx store.Tx) error {
				if err := tc.fn(tx); err != nil {
					return err
				}
				for k, want := range tc.reads {
					kv, ok, err := tx.Get(k)
					if err != nil {
						return err
					}
					got := string(kv.Value)
					if !ok {
						got = missing
					}
					if got != want || ok && kv.ModRev != 0 {
						return fmt.Errorf("Get(%q) before commit = %q@%d; want %q@0", k, got, kv.ModRev, want)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(t, db); !slices.Equal(got, tc.want) {
				t.Errorf("after commit %q, want %q", got, tc.want)
			}
			c := recv(t, ch)
			var got []string
			for _, ch := range c.Changes {
				if ch.Deleted {
					got = append(got, ch.Key+" deleted")
				} else {
					got = append(got, ch.Key+"="+string(ch.Value))
				}
			}
			slices.Sort(got)
			if c.Rev != rev || !slices.Equal(got, tc.change) {
				t.Errorf("commit %d %q, want %d %q", c.Rev, got, rev, tc.change)
			}
		})
	}
}

// dump lists every key=value of db.
func dump(t testing.TB, db *DB) []string {
	t.Helper()
	var out []string
	err := db.View(t.Context(), func(tx store.Tx) error {
		return tx.Range("", "", 0, func(kv store.KV) error {
			out = append(out, kv.Key+"="+string(kv.Value))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func recv(t testing.TB, ch <-chan store.Commit) store.Commit {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed")
		}
		return c
	case <-time.After(waitTimeout):
		t.Fatal("no commit from watch")
	}
	return store.Commit{}
}

// TestRangePages ranges over more keys than one etcd request returns, with
// and without a limit, on a snapshot that later writes do not change.
func TestRangePages(t *testing.T) {
	const n = 3*rangePage + 7
	db := open(t, newPrefix())
	_, err := db.Update(t.Context(), func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put(fmt.Sprintf("r/%05d", i), []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		after string
		limit int
		first string
		count int
	}{
		{"", 0, "r/00000", n},
		{"", rangePage + 1, "r/00000", rangePage + 1},
		{"r/00499", 0, "r/00500", n - 500},
		{"r/01500", 2 * rangePage, "r/01501", n - 1501},
	}
	for _, tc := range tests {
		var keys []string
		err := db.View(t.Context(), func(tx store.Tx) error {
			if err := tx.Range("r/", tc.after, tc.limit, func(kv store.KV) error {
				keys = append(keys, kv.Key)
				if len(keys) == 1 {
					// A write landing mid-range is not seen.
					_, err := db.Update(t.Context(), func(w store.Tx) error { return w.Put("r/99999", nil) })
					return err
				}
				return nil
			}); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != tc.count || keys[0] != tc.first || !slices.IsSorted(keys) {
			t.Errorf("Range(after %q, limit %d): %d keys from %q, want %d from %q, sorted", tc.after, tc.limit, len(keys), keys[:1], tc.count, tc.first)
		}
		if _, err := db.Update(t.Context(), func(w store.Tx) error { return w.Delete("r/99999") }); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWatchWholeCommits writes multi-key commits from several writers at once
// and checks that every commit arrives whole, once, in revision order.
func TestWatchWholeCommits(t *testing.T) {
	const writers, commits, keys = 4, 25, 40
	db := open(t, newPrefix())
	from := currentRev(t, db)
	ch, err := db.Watch(t.Context(), from)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range commits {
				tag := fmt.Sprintf("%d-%d", w, i)
				_, err := db.Update(t.Context(), func(tx store.Tx) error {
					for k := range keys {
						if err := tx.Put(fmt.Sprintf("w%d/%02d", w, k), []byte(tag)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	last := from
	for range writers * commits {
		c := recv(t, ch)
		if c.Rev <= last {
			t.Fatalf("commit %d after %d", c.Rev, last)
		}
		last = c.Rev
		if len(c.Changes) != keys {
			t.Fatalf("commit %d has %d changes, want %d", c.Rev, len(c.Changes), keys)
		}
		for _, ch := range c.Changes {
			if string(ch.Value) != string(c.Changes[0].Value) {
				t.Fatalf("commit %d mixes %q and %q", c.Rev, ch.Value, c.Changes[0].Value)
			}
		}
	}
	wg.Wait()
}

func currentRev(t testing.TB, db *DB) int64 {
	t.Helper()
	var rev int64
	if err := db.View(t.Context(), func(tx store.Tx) error { rev = tx.Rev(); return nil }); err != nil {
		t.Fatal(err)
	}
	return rev
}

// TestOpenFails checks that Open reports a cluster it cannot reach, within
// the caller's deadline, and refuses an empty prefix.
func TestOpenFails(t *testing.T) {
	tests := []struct {
		name      string
		endpoints []string
		prefix    string
	}{
		{"nobody listening", []string{"127.0.0.1:1"}, "p/"},
		{"no endpoints", nil, "p/"},
		{"empty prefix", []string{endpoint}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			start := time.Now()
			db, err := Open(ctx, tc.endpoints, tc.prefix, testLog(t))
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Open took %v to fail", d)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in        string
		endpoints []string
		prefix    string
		err       bool
	}{
		{in: "etcd://127.0.0.1:2379", endpoints: []string{"127.0.0.1:2379"}, prefix: DefaultPrefix},
		{in: "etcd://a:1,b:2/prod", endpoints: []string{"a:1", "b:2"}, prefix: "prod/"},
		{in: "etcd://a/x/y/", endpoints: []string{"a:2379"}, prefix: "x/y/"},
		{in: "etcd://[::1]:2380,[::1]/", endpoints: []string{"[::1]:2380", "[::1]:2379"}, prefix: DefaultPrefix},
		{in: "http://a:2379", err: true},
		{in: "etcd://", err: true},
		{in: "etcd://a:1,,b:2", err: true},
		{in: "etcd://a:port", err: true},
		{in: "etcd://a:70000", err: true},
	}
	for _, tc := range tests {
		endpoints, prefix, err := ParseURL(tc.in)
		if (err != nil) != tc.err || !slices.Equal(endpoints, tc.endpoints) || prefix != tc.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q, error %v", tc.in, endpoints, prefix, err, tc.endpoints, tc.prefix, tc.err)
		}
	}
}
