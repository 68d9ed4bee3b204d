package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/edgefn/edgefn/store"
	bolt "go.etcd.io/bbolt"
)

var errReadOnly = errors.New("bolt: write in a read-only transaction")

// tx adapts a bbolt transaction to store.Tx. Values are stored behind an
// 8-byte big-endian ModRev. A writable tx records its changes for the log.
type tx struct {
	btx     *bolt.Tx
	kv      *bolt.Bucket
	rev     int64 // snapshot revision
	newRev  int64 // the revision writes commit as; 0 in a View
	changes []store.Change
	written map[string]int // key -> index in changes
}

func newTx(btx *bolt.Tx, newRev int64) *tx {
	t := &tx{btx: btx, kv: btx.Bucket(bucketKV), rev: getInt(btx.Bucket(bucketMeta), keyRev), newRev: newRev}
	if newRev != 0 {
		t.written = map[string]int{}
	}
	return t
}

func (t *tx) Rev() int64 { return t.rev }

func (t *tx) Get(key string) (store.KV, bool, error) {
	v := t.kv.Get([]byte(key))
	if v == nil {
		return store.KV{}, false, nil
	}
	kv := decodeKV(key, v)
	if _, ok := t.written[key]; ok {
		kv.ModRev = 0
	}
	return kv, true, nil
}

func (t *tx) Range(prefix, after string, limit int, fn func(store.KV) error) error {
	p := []byte(prefix)
	start := p
	if after > prefix {
		start = []byte(after)
	}
	c := t.kv.Cursor()
	n := 0
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if after != "" && string(k) <= after {
			continue
		}
		if err := fn(decodeKV(string(k), v)); err != nil {
			return err
		}
		if n++; limit > 0 && n >= limit {
			return nil
		}
	}
	return nil
}

func (t *tx) Put(key string, value []byte) error {
	if t.newRev == 0 {
		return errReadOnly
	}
	v := make([]byte, 8, 8+len(value))
	binary.BigEndian.PutUint64(v, uint64(t.newRev))
	v = append(v, value...)
	if err := t.kv.Put([]byte(key), v); err != nil {
		return err
	}
	t.record(store.Change{Key: key, Value: v[8:]})
	return nil
}

func (t *tx) Delete(key string) error {
	if t.newRev == 0 {
		return errReadOnly
	}
	k := []byte(key)
	if t.kv.Get(k) == nil {
		return nil
	}
	if err := t.kv.Delete(k); err != nil {
		return err
	}
	t.record(store.Change{Key: key, Deleted: true})
	return nil
}

func (t *tx) DeletePrefix(prefix string) error {
	if t.newRev == 0 {
		return errReadOnly
	}
	// Collect first: deleting under a bbolt cursor skips keys.
	var keys []string
	c := t.kv.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
		keys = append(keys, string(k))
	}
	for _, k := range keys {
		if err := t.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// record notes a change; a later write of the same key replaces it.
func (t *tx) record(c store.Change) {
	if i, ok := t.written[c.Key]; ok {
		t.changes[i] = c
		return
	}
	t.written[c.Key] = len(t.changes)
	t.changes = append(t.changes, c)
}

func decodeKV(key string, v []byte) store.KV {
	return store.KV{Key: key, Value: v[8:], ModRev: int64(binary.BigEndian.Uint64(v))}
}
