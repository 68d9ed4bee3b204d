package bolt

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/storetest"
)

func TestBackend(t *testing.T) {
	storetest.TestBackend(t, func(t *testing.T) store.Backend {
		db, err := Open(filepath.Join(t.TempDir(), "edgefn.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func put(t *testing.T, db *DB, key, value string) int64 {
	t.Helper()
	rev, err := db.Update(context.Background(), func(tx store.Tx) error { return tx.Put(key, []byte(value)) })
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestReopenResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edgefn.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, "a", "1")
	last := put(t, db, "b", "2")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rev := put(t, db, "c", "3"); rev != last+1 {
		t.Errorf("first commit after reopen is rev %d, want %d", rev, last+1)
	}
	err = db.View(context.Background(), func(tx store.Tx) error {
		kv, ok, err := tx.Get("b")
		if err != nil || !ok || string(kv.Value) != "2" || kv.ModRev != last {
			t.Errorf("b after reopen = %q@%d, %v, %v", kv.Value, kv.ModRev, ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// History from before the reopen is still there to replay.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := db.Watch(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for want := int64(1); want <= last+1; want++ {
		select {
		case c := <-ch:
			if c.Rev != want {
				t.Fatalf("replay after reopen: rev %d, want %d", c.Rev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("replay after reopen stalled")
		}
	}
}

func TestRetention(t *testing.T) {
	tests := []struct {
		retention, commits, from int64
		compacted                bool
	}{
		{retention: 3, commits: 10, from: 6, compacted: true},
		{retention: 3, commits: 10, from: 7, compacted: false},
		{retention: 3, commits: 2, from: 0, compacted: false},
		{retention: 1, commits: 5, from: 4, compacted: false},
		{retention: 1, commits: 5, from: 3, compacted: true},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatInt(tc.retention, 10)+"/"+strconv.FormatInt(tc.from, 10), func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "edgefn.db"), WithRetention(tc.retention))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for i := range tc.commits {
				put(t, db, "k", strconv.FormatInt(i, 10))
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err = db.Watch(ctx, tc.from)
			if got := errors.Is(err, store.ErrCompacted); got != tc.compacted {
				t.Errorf("Watch(%d) = %v; compacted %v, want %v", tc.from, err, got, tc.compacted)
			}
		})
	}
}

func TestChangeLogEncoding(t *testing.T) {
	tests := [][]store.Change{
		nil,
		{{Key: "a", Value: []byte("1")}},
		{{Key: "a", Value: []byte{}}, {Key: "b/\x00\xff", Deleted: true}, {Key: "c", Value: make([]byte, 300)}},
	}
	for _, changes := range tests {
		got, err := decodeChanges(encodeChanges(changes))
		if err != nil {
			t.Fatalf("decode(encode(%v)): %v", changes, err)
		}
		if len(got) != len(changes) {
			t.Fatalf("round trip of %d changes gave %d", len(changes), len(got))
		}
		for i := range got {
			if got[i].Key != changes[i].Key || got[i].Deleted != changes[i].Deleted || string(got[i].Value) != string(changes[i].Value) {
				t.Errorf("change %d: got %+v, want %+v", i, got[i], changes[i])
			}
		}
	}
	for _, bad := range [][]byte{{opPut}, {opPut, 5, 'a'}, {9, 1, 'a'}, {opPut, 1, 'a', 3, 'x'}} {
		if _, err := decodeChanges(bad); !errors.Is(err, errCorruptLog) {
			t.Errorf("decode(%v) = %v, want errCorruptLog", bad, err)
		}
	}
}
