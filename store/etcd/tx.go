package etcd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/edgefn/edgefn/store"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Range reads in pages, so a large store is never one huge response. etcd
// counts every key left in the range on each request, so pages of a fixed
// small size would cost time quadratic in the keys: after a first page of
// rangePage keys, pages are sized to about rangeBytes.
const (
	rangePage    = 500
	rangeMaxPage = 100000
	rangeBytes   = 4 << 20
)

var errReadOnly = errors.New("etcd: write in a read-only transaction")

// tx is a store.Tx over etcd. Reads go to the cluster at the snapshot
// revision, which the first read fixes; Gets are remembered, as the read set
// that commit guards. Writes are buffered until commit sends them as one
// etcd transaction.
type tx struct {
	ctx      context.Context
	db       *DB
	writable bool
	rev      int64 // snapshot revision; 0 until the first read
	err      error // a failed read Rev could not return; View and Update do
	stale    bool  // a read found rev compacted: Update starts over

	reads    map[string]read // key -> what Get saw at rev
	ops      []op            // writes in the order first written
	index    map[string]int  // key -> its put or delete in ops
	prefixes []int           // the prefix deletes in ops
}

type read struct {
	kv store.KV
	ok bool
}

// op is a buffered put, delete or prefix delete. A prefix delete kills the
// earlier writes it covers: their keys end up deleted either way.
type op struct {
	key    string
	value  string
	del    bool
	prefix bool
	dead   bool
}

func newTx(ctx context.Context, db *DB, writable bool) *tx {
	return &tx{ctx: ctx, db: db, writable: writable, reads: map[string]read{}, index: map[string]int{}}
}

func (t *tx) Rev() int64 {
	if t.rev == 0 && t.err == nil {
		if _, err := t.get(t.db.prefix, clientv3.WithCountOnly()); err != nil {
			t.err = err
		}
	}
	return t.rev
}

// get reads at the snapshot revision, fixing it on the first read.
func (t *tx) get(key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	if t.rev != 0 {
		opts = append(opts, clientv3.WithRev(t.rev))
	}
	resp, err := t.db.client.Get(t.ctx, key, opts...)
	if err != nil {
		if errors.Is(err, rpctypes.ErrCompacted) {
			t.stale = true
		}
		return nil, readError("read", key, t.rev, err)
	}
	if t.rev == 0 {
		t.rev = resp.Header.Revision
	}
	return resp, nil
}

func (t *tx) Get(key string) (store.KV, bool, error) {
	if i, ok := t.index[key]; ok {
		if o := t.ops[i]; !o.del {
			return store.KV{Key: key, Value: []byte(o.value)}, true, nil
		}
		return store.KV{}, false, nil
	}
	if t.covered(key) {
		return store.KV{}, false, nil
	}
	if r, ok := t.reads[key]; ok {
		return r.kv, r.ok, nil
	}
	resp, err := t.get(t.db.prefix + key)
	if err != nil {
		return store.KV{}, false, err
	}
	var r read
	if len(resp.Kvs) == 1 {
		kv := resp.Kvs[0]
		r = read{kv: store.KV{Key: key, Value: kv.Value, ModRev: kv.ModRevision}, ok: true}
	}
	t.reads[key] = r
	return r.kv, r.ok, nil
}

func (t *tx) Range(prefix, after string, limit int, fn func(store.KV) error) error {
	start := prefix
	if after != "" && after >= prefix {
		start = after + "\x00" // the least key greater than after
	}
	end := clientv3.GetPrefixRangeEnd(t.db.prefix + prefix)
	page := rangePage
	for n := 0; ; {
		if limit > 0 {
			page = min(page, limit-n)
		}
		resp, err := t.get(t.db.prefix+start, clientv3.WithRange(end), clientv3.WithLimit(int64(page)))
		if err != nil {
			return err
		}
		size := 0
		for _, kv := range resp.Kvs {
			size += len(kv.Key) + len(kv.Value)
			if err := fn(store.KV{Key: string(kv.Key[len(t.db.prefix):]), Value: kv.Value, ModRev: kv.ModRevision}); err != nil {
				return err
			}
			if n++; limit > 0 && n >= limit {
				return nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		start = string(resp.Kvs[len(resp.Kvs)-1].Key[len(t.db.prefix):]) + "\x00"
		page = max(rangePage, min(rangeMaxPage, rangeBytes*len(resp.Kvs)/max(size, 1)))
	}
}

func (t *tx) Put(key string, value []byte) error {
	if !t.writable {
		return errReadOnly
	}
	t.write(op{key: key, value: string(value)})
	return nil
}

func (t *tx) Delete(key string) error {
	if !t.writable {
		return errReadOnly
	}
	if _, ok := t.index[key]; !ok && t.covered(key) {
		return nil
	}
	t.write(op{key: key, del: true})
	return nil
}

func (t *tx) DeletePrefix(prefix string) error {
	if !t.writable {
		return errReadOnly
	}
	for i := range t.ops {
		o := &t.ops[i]
		if o.dead || !strings.HasPrefix(o.key, prefix) {
			continue
		}
		o.dead = true
		if !o.prefix {
			delete(t.index, o.key)
		}
	}
	t.prefixes = append(t.prefixes, len(t.ops))
	t.ops = append(t.ops, op{key: prefix, del: true, prefix: true})
	return nil
}

// write buffers a put or delete; a key written again keeps its first place.
func (t *tx) write(o op) {
	if i, ok := t.index[o.key]; ok {
		t.ops[i] = o
		return
	}
	t.index[o.key] = len(t.ops)
	t.ops = append(t.ops, o)
}

// covered reports whether a buffered prefix delete deletes key.
func (t *tx) covered(key string) bool {
	for _, i := range t.prefixes {
		if o := t.ops[i]; !o.dead && strings.HasPrefix(key, o.key) {
			return true
		}
	}
	return false
}

// commit sends the buffered writes as one etcd transaction, guarded by the
// read set: each key read with Get must still have the ModRev it had (or
// still be absent). ok is false when a guard failed.
func (t *tx) commit() (rev int64, ok bool, err error) {
	ops := t.etcdOps()
	if len(ops) == 0 {
		return t.Rev(), true, t.err
	}
	cmps := make([]clientv3.Cmp, 0, len(t.reads))
	for key, r := range t.reads {
		k := t.db.prefix + key
		if r.ok {
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", r.kv.ModRev))
		} else {
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
		}
	}
	resp, err := t.db.client.Txn(t.ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return 0, false, commitError(len(ops), err)
	}
	if !resp.Succeeded {
		return 0, false, nil
	}
	if !changed(resp) {
		// Only deletes of missing keys: etcd committed no revision.
		if t.rev == 0 {
			return resp.Header.Revision, true, nil
		}
		return t.rev, true, nil
	}
	return resp.Header.Revision, true, nil
}

// etcdOps turns the buffer into etcd operations, in order. etcd refuses a
// transaction that puts a key inside a range it deletes, so a prefix delete
// followed by puts under the prefix becomes ranges around the put keys.
func (t *tx) etcdOps() []clientv3.Op {
	var puts []string
	if len(t.prefixes) > 0 {
		for _, o := range t.ops {
			if !o.dead && !o.del {
				puts = append(puts, o.key)
			}
		}
		slices.Sort(puts)
	}
	ops := make([]clientv3.Op, 0, len(t.ops))
	for _, o := range t.ops {
		switch {
		case o.dead:
		case o.prefix:
			ops = append(ops, t.deleteRanges(o.key, puts)...)
		case o.del:
			ops = append(ops, clientv3.OpDelete(t.db.prefix+o.key))
		default:
			ops = append(ops, clientv3.OpPut(t.db.prefix+o.key, o.value))
		}
	}
	return ops
}

// deleteRanges deletes every key under prefix except puts (sorted).
func (t *tx) deleteRanges(prefix string, puts []string) []clientv3.Op {
	from := t.db.prefix + prefix
	end := clientv3.GetPrefixRangeEnd(from)
	var ops []clientv3.Op
	i, _ := slices.BinarySearch(puts, prefix)
	for ; i < len(puts) && strings.HasPrefix(puts[i], prefix); i++ {
		k := t.db.prefix + puts[i]
		if k > from {
			ops = append(ops, clientv3.OpDelete(from, clientv3.WithRange(k)))
		}
		from = k + "\x00"
	}
	return append(ops, clientv3.OpDelete(from, clientv3.WithRange(end)))
}

// changed reports whether a transaction wrote anything.
func changed(resp *clientv3.TxnResponse) bool {
	for _, r := range resp.Responses {
		if r.GetResponsePut() != nil {
			return true
		}
		if d := r.GetResponseDeleteRange(); d != nil && d.Deleted > 0 {
			return true
		}
	}
	return false
}

// largeTxnElectionTimeout is the --election-timeout (ms) the package doc
// recommends where the largest imports run past etcd's request bound.
const largeTxnElectionTimeout = "10000"

// commitError labels a failed commit, naming the server flags when etcd
// refused its size or timed it out.
func commitError(n int, err error) error {
	switch {
	case errors.Is(err, rpctypes.ErrTooManyOps) || errors.Is(err, rpctypes.ErrRequestTooLarge):
		return fmt.Errorf("etcd: commit of %d operations: %w (run etcd with --max-txn-ops=262144 --max-request-bytes=33554432, see store/etcd)", n, err)
	case errors.Is(err, rpctypes.ErrTimeout) && n > largeTxnOps:
		return fmt.Errorf("etcd: commit of %d operations: %w (etcd bounds a request at 5 s + 2 x --election-timeout; run it with --election-timeout=%s for imports this large, see store/etcd)", n, err, largeTxnElectionTimeout)
	}
	return fmt.Errorf("etcd: commit of %d operations: %w", n, err)
}

// largeTxnOps is where a commit is large enough that a timeout is more
// likely its size than an outage.
const largeTxnOps = 10000
