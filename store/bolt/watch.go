package bolt

import (
	"context"
	"errors"
	"fmt"

	"github.com/edgefn/edgefn/store"
	bolt "go.etcd.io/bbolt"
)

// watchChunk is how many log entries a watcher reads per transaction, so a
// watcher far behind does not hold one read transaction (and the file's
// growth) for long.
const watchChunk = 256

var errClosed = errors.New("bolt: database closed")

// Watch replays the change log after fromRev, then follows commits as they
// are broadcast. Each watcher reads the log at its own pace: a slow consumer
// never blocks writers; if it falls behind compaction its channel closes.
func (d *DB) Watch(ctx context.Context, fromRev int64) (<-chan store.Commit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := d.readLog(fromRev, 0); err != nil {
		return nil, err
	}
	if !d.life.AddWatcher() {
		return nil, errClosed
	}
	ch := make(chan store.Commit)
	go d.watch(ctx, fromRev, ch)
	return ch, nil
}

func (d *DB) watch(ctx context.Context, last int64, ch chan<- store.Commit) {
	defer d.life.WatcherDone()
	defer close(ch)
	for {
		// Take the wake-up channel before reading, so a commit landing
		// after the read still wakes us.
		d.mu.Lock()
		wake := d.notify
		d.mu.Unlock()

		commits, err := d.readLog(last, watchChunk)
		if err != nil {
			if !errors.Is(err, store.ErrCompacted) {
				d.log.Error("bolt: watch stopped", "rev", last, "err", err)
			}
			return
		}
		for _, c := range commits {
			select {
			case ch <- c:
				last = c.Rev
			case <-ctx.Done():
				return
			case <-d.life.Done():
				return
			}
		}
		if len(commits) == watchChunk {
			continue
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-d.life.Done():
			return
		}
	}
}

// readLog returns up to limit commits after rev, or ErrCompacted when some of
// them are gone.
func (d *DB) readLog(after int64, limit int) ([]store.Commit, error) {
	var commits []store.Commit
	err := d.db.View(func(btx *bolt.Tx) error {
		if compacted := getInt(btx.Bucket(bucketMeta), keyCompacted); after < compacted {
			return fmt.Errorf("bolt: watch from %d, history starts after %d: %w", after, compacted, store.ErrCompacted)
		}
		c := btx.Bucket(bucketLog).Cursor()
		for k, v := c.Seek(revKey(after + 1)); k != nil && len(commits) < limit; k, v = c.Next() {
			changes, err := decodeChanges(v)
			if err != nil {
				return fmt.Errorf("bolt: log entry %d: %w", revOf(k), err)
			}
			commits = append(commits, store.Commit{Rev: revOf(k), Changes: changes})
		}
		return nil
	})
	return commits, err
}
