package store

import (
	"context"
	"errors"
)

// ErrCompacted is returned by Watch and Follow when the requested revision is
// older than the history the backend still holds. The caller takes a new
// Snapshot and follows from its revision.
var ErrCompacted = errors.New("store: revision compacted")

// Backend is the seam between the domain rules and the storage engine. It is
// shaped after etcd v3 so that store/bolt (embedded) and store/etcd
// (distributed) implement it directly:
//
//   - every write commits as one revision; revisions are strictly increasing
//     but need not be contiguous (etcd shares its counter across prefixes);
//   - a key's ModRev is the revision that last wrote it (etcd's ModRevision),
//     which is where ETags come from: an Update cannot know the revision it
//     will commit as before it commits, so nothing stores its own revision;
//   - Watch replays history from a revision and then follows live;
//   - Compact drops history, after which Watch from before it fails.
//
// View, Update, Watch and Compact fail with ctx's error when ctx is done
// before they start.
type Backend interface {
	// View runs fn on a consistent snapshot.
	View(ctx context.Context, fn func(Tx) error) error

	// Update runs fn in a serialisable read-write transaction and commits its
	// writes atomically and durably (synced to disk, or to a quorum) before
	// returning the revision they were committed at. A transaction conflicts
	// with a concurrent commit that wrote a key it read with Get; the backend
	// then runs fn again, so fn must have no effects outside the Tx. An error
	// from fn aborts the transaction and is returned unchanged. An fn that
	// writes nothing commits no revision; rev is then the snapshot revision.
	Update(ctx context.Context, fn func(Tx) error) (rev int64, err error)

	// Watch sends every commit after fromRev, oldest first, each whole and
	// exactly once, then commits as they happen (fromRev may be the current
	// revision, or 0 for all retained history). The consumer must drain the
	// channel or cancel ctx. The channel closes when ctx
	// ends or when the watch cannot go on (it fell behind compaction, the
	// backend closed); calling Watch again from the last revision received
	// resumes, or reports ErrCompacted.
	Watch(ctx context.Context, fromRev int64) (<-chan Commit, error)

	// Compact discards the history of revisions <= rev: Watch from a revision
	// below rev then fails with ErrCompacted. Current values are untouched.
	Compact(ctx context.Context, rev int64) error

	Close() error
}

// Tx is a transaction of a Backend. Values handed out are valid only until
// the transaction ends; copy what must outlive it.
type Tx interface {
	// Rev is the revision of the snapshot the transaction reads.
	Rev() int64

	// Get returns the key's value and ModRev. A key written earlier in the
	// same transaction reads back its new value with ModRev 0.
	Get(key string) (kv KV, ok bool, err error)

	// Range calls fn for the keys starting with prefix and greater than after
	// ("" for no lower bound), in byte order, at most limit of them (0: all).
	// Range does not guard a transaction against conflicts (etcd cannot compare
	// a range for deletions): an Update that acts on a range also Gets a key
	// that every writer of that range writes. Ranging over keys already
	// written in the same transaction is undefined.
	Range(prefix, after string, limit int, fn func(KV) error) error

	// Put and Delete write; in a View they fail. Deleting a missing key is a
	// no-op. The last write of a key in a transaction wins.
	Put(key string, value []byte) error
	Delete(key string) error
	// DeletePrefix deletes every key starting with prefix (etcd: one
	// DeleteRange instead of one operation per key).
	DeletePrefix(prefix string) error
}

// KV is one stored key.
type KV struct {
	Key    string
	Value  []byte
	ModRev int64
}

// Commit is everything one Update wrote, in the order first written. Watch
// delivers commits whole so that a follower applies a batch atomically: an
// UpdateKeys is never half visible at the edge.
type Commit struct {
	Rev     int64
	Changes []Change
}

// Change is the new state of one key. Value is nil when Deleted.
type Change struct {
	Key     string
	Value   []byte
	Deleted bool
}
