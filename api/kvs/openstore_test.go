package kvs_test

import (
	"path/filepath"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

// openStore returns the real store over a fresh embedded database.
func openStore(t testing.TB, l edgefn.Limits) backend {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store.New(db, l)
}
