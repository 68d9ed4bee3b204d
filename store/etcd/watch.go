package etcd

import (
	"context"
	"errors"
	"fmt"

	"github.com/edgefn/edgefn/store"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Watch follows the prefix from the revision after fromRev with an etcd
// watch. etcd never splits one revision's events across two watch responses
// (unless fragmenting, which is not asked for), so each response is cut into
// whole commits by revision.
//
// The etcd watch starts at fromRev itself and that revision's events are
// dropped: etcd accepts a watch from exactly its compaction revision but may
// have dropped deletions made at it, so starting one revision early makes
// "history after fromRev is complete" the same test as "fromRev is not
// compacted", which a read at fromRev answers now rather than later on the
// channel.
func (d *DB) Watch(ctx context.Context, fromRev int64) (<-chan store.Commit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !d.life.AddWatcher() {
		return nil, errClosed
	}
	start := max(fromRev, 1)
	if _, err := d.client.Get(ctx, d.prefix, clientv3.WithRev(start), clientv3.WithCountOnly()); err != nil {
		d.life.WatcherDone()
		if errors.Is(err, rpctypes.ErrCompacted) {
			return nil, fmt.Errorf("etcd: watch from %d: %w", fromRev, store.ErrCompacted)
		}
		return nil, fmt.Errorf("etcd: watch from %d: %w", fromRev, err)
	}

	// Without a leader the member cannot tell whether it is current: end the
	// watch, so the follower resumes elsewhere instead of waiting silently.
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	events := d.client.Watch(wctx, d.prefix, clientv3.WithPrefix(), clientv3.WithRev(start))
	ch := make(chan store.Commit)
	go func() {
		defer d.life.WatcherDone()
		defer close(ch)
		defer cancel()
		d.watch(wctx, fromRev, events, ch)
	}()
	return ch, nil
}

func (d *DB) watch(ctx context.Context, last int64, events clientv3.WatchChan, ch chan<- store.Commit) {
	for {
		var resp clientv3.WatchResponse
		select {
		case r, ok := <-events:
			if !ok {
				return
			}
			resp = r
		case <-ctx.Done():
			return
		case <-d.life.Done():
			return
		}
		if err := resp.Err(); err != nil {
			if !errors.Is(err, rpctypes.ErrCompacted) {
				d.log.Warn("etcd: watch stopped", "rev", last, "err", err)
			}
			return
		}
		for _, c := range d.commits(resp.Events) {
			if c.Rev <= last {
				continue
			}
			select {
			case ch <- c:
				last = c.Rev
			case <-ctx.Done():
				return
			case <-d.life.Done():
				return
			}
		}
	}
}

// commits groups one response's events by revision, keeping etcd's order
// (the order of the transaction's operations).
func (d *DB) commits(events []*clientv3.Event) []store.Commit {
	var out []store.Commit
	for _, ev := range events {
		rev := ev.Kv.ModRevision
		if len(out) == 0 || out[len(out)-1].Rev != rev {
			out = append(out, store.Commit{Rev: rev})
		}
		c := store.Change{Key: string(ev.Kv.Key[len(d.prefix):])}
		if ev.Type == clientv3.EventTypeDelete {
			c.Deleted = true
		} else {
			c.Value = ev.Kv.Value
			if c.Value == nil {
				c.Value = []byte{} // an empty value is not a deletion
			}
		}
		last := &out[len(out)-1]
		last.Changes = append(last.Changes, c)
	}
	return out
}
