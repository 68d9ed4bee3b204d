// Package bolt is the embedded store.Backend: one bbolt file, every commit
// synced to disk before it is acknowledged, with a change log that lets
// watchers replay recent revisions and then follow live.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/edgefn/edgefn/store"
	bolt "go.etcd.io/bbolt"
)

// DefaultRetention is how many revisions of change log are kept by default.
const DefaultRetention = 100000

// lockTimeout bounds the wait for the file lock, so a second process opening
// the same file fails instead of hanging.
const lockTimeout = 5 * time.Second

var (
	bucketMeta = []byte("meta") // keyRev, keyCompacted
	bucketKV   = []byte("kv")   // key -> 8-byte ModRev + value
	bucketLog  = []byte("log")  // 8-byte rev -> encoded changes

	keyRev       = []byte("rev")       // last committed revision
	keyCompacted = []byte("compacted") // history <= this is gone
)

// DB is a store.Backend over a bbolt file.
type DB struct {
	db        *bolt.DB
	retention int64
	log       *slog.Logger

	mu     sync.Mutex
	notify chan struct{} // closed and replaced after every commit
	life   store.Lifetime
}

var _ store.Backend = (*DB)(nil)

// Option configures a DB.
type Option func(*DB)

// WithRetention sets how many revisions of change log to keep (at least 1).
// Older history is compacted as new commits arrive.
func WithRetention(revs int64) Option {
	return func(d *DB) { d.retention = max(revs, 1) }
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(d *DB) { d.log = l } }

// Open opens or creates the database at path and resumes its revision.
func Open(path string, opts ...Option) (*DB, error) {
	d := &DB{
		retention: DefaultRetention,
		log:       slog.Default(),
		notify:    make(chan struct{}),
	}
	for _, o := range opts {
		o(d)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketKV, bucketLog} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	d.db = db
	return d, nil
}

// Close stops the watchers and closes the file; closing again does nothing,
// as with the etcd backend.
func (d *DB) Close() error {
	if !d.life.End() {
		return nil
	}
	return d.db.Close()
}

// View runs fn in a read-only bbolt transaction.
func (d *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.db.View(func(btx *bolt.Tx) error {
		return fn(newTx(btx, 0))
	})
}

// errNoWrites rolls back an Update whose fn wrote nothing.
var errNoWrites = errors.New("bolt: no writes")

// Update runs fn in bbolt's single read-write transaction; writers are
// serialised, so fn never conflicts and runs once. The commit is fsynced.
func (d *DB) Update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var rev int64
	err := d.db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		cur := getInt(meta, keyRev)
		t := newTx(btx, cur+1)
		if err := fn(t); err != nil {
			return err
		}
		if len(t.changes) == 0 {
			rev = cur
			return errNoWrites
		}
		// The caller gave up: do not commit what it will not hear about.
		if err := ctx.Err(); err != nil {
			return err
		}
		rev = cur + 1
		if err := btx.Bucket(bucketLog).Put(revKey(rev), encodeChanges(t.changes)); err != nil {
			return err
		}
		if err := putInt(meta, keyRev, rev); err != nil {
			return err
		}
		if old := rev - d.retention; old > getInt(meta, keyCompacted) {
			return compact(btx, old)
		}
		return nil
	})
	if errors.Is(err, errNoWrites) {
		return rev, nil
	}
	if err != nil {
		return 0, err
	}
	d.broadcast()
	return rev, nil
}

// Compact discards the change log up to and including rev.
func (d *DB) Compact(ctx context.Context, rev int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.db.Update(func(btx *bolt.Tx) error {
		meta := btx.Bucket(bucketMeta)
		if cur := getInt(meta, keyRev); rev > cur {
			return fmt.Errorf("bolt: compact %d: beyond the current revision %d", rev, cur)
		}
		if rev <= getInt(meta, keyCompacted) {
			return nil
		}
		return compact(btx, rev)
	})
}

// compact deletes log entries <= rev and records rev as compacted.
func compact(btx *bolt.Tx, rev int64) error {
	log := btx.Bucket(bucketLog)
	var old [][]byte
	c := log.Cursor()
	for k, _ := c.First(); k != nil && revOf(k) <= rev; k, _ = c.Next() {
		old = append(old, k)
	}
	for _, k := range old {
		if err := log.Delete(k); err != nil {
			return err
		}
	}
	return putInt(btx.Bucket(bucketMeta), keyCompacted, rev)
}

// broadcast wakes every watcher after a commit.
func (d *DB) broadcast() {
	d.mu.Lock()
	close(d.notify)
	d.notify = make(chan struct{})
	d.mu.Unlock()
}

func revKey(rev int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(rev)) }
func revOf(k []byte) int64    { return int64(binary.BigEndian.Uint64(k)) }

func getInt(b *bolt.Bucket, key []byte) int64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return revOf(v)
}

func putInt(b *bolt.Bucket, key []byte, v int64) error { return b.Put(key, revKey(v)) }
