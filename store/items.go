package store

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/edgefn/edgefn"
)

const defaultListKeys = 10

// tokenVersion starts every ListKeys token so that a token of another form
// is refused rather than misread.
const tokenVersion = 'k'

// KeyValueStoreByID returns a store by id, as the data plane addresses it.
func (s *Store) KeyValueStoreByID(ctx context.Context, account, id string) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	var k *edgefn.KeyValueStore
	err := s.view(ctx, "get key value store", func(tx Tx) error {
		var err error
		k, err = loadStore(tx, account, id)
		return err
	})
	return k, err
}

// GetKey returns one item and the store's totals.
func (s *Store) GetKey(ctx context.Context, account, id, key string) (edgefn.Item, *edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return edgefn.Item{}, nil, err
	}
	if err := s.checkKey(key); err != nil {
		return edgefn.Item{}, nil, err
	}
	var (
		it edgefn.Item
		k  *edgefn.KeyValueStore
	)
	err := s.view(ctx, "get key", func(tx Tx) error {
		var err error
		if k, err = loadStore(tx, account, id); err != nil {
			return err
		}
		kv, ok, err := tx.Get(itemKey(account, id, key))
		if err != nil {
			return err
		}
		if !ok {
			return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceKey, "The key %q does not exist.", key)
		}
		it = edgefn.Item{Key: key, Value: string(kv.Value)}
		return nil
	})
	if err != nil {
		return edgefn.Item{}, nil, err
	}
	return it, k, nil
}

// ListKeys lists items in key (byte) order. nextToken is "" or the token of
// the previous page; the returned token is "" on the last page. max is
// 1..ListKeysMaxResults, 0 meaning 10.
func (s *Store) ListKeys(ctx context.Context, account, id, nextToken string, max int) ([]edgefn.Item, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if max == 0 {
		max = defaultListKeys
	}
	if max < 1 || max > s.limits.ListKeysMaxResults {
		return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey,
			"MaxResults must be between 1 and %d.", s.limits.ListKeysMaxResults)
	}
	after, err := parseToken(nextToken)
	if err != nil {
		return nil, "", err
	}
	prefix := itemPrefix(account, id)
	if after != "" {
		after = prefix + after
	}
	var items []edgefn.Item
	err = s.view(ctx, "list keys", func(tx Tx) error {
		if _, err := loadStore(tx, account, id); err != nil {
			return err
		}
		return tx.Range(prefix, after, max+1, func(kv KV) error {
			items = append(items, edgefn.Item{Key: strings.TrimPrefix(kv.Key, prefix), Value: string(kv.Value)})
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	if len(items) <= max {
		return items, "", nil
	}
	items = items[:max]
	return items, makeToken(items[max-1].Key), nil
}

func makeToken(lastKey string) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{tokenVersion}, lastKey...))
}

func parseToken(tok string) (lastKey string, err error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 2 || b[0] != tokenVersion {
		return "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey, "The NextToken is not valid.")
	}
	return string(b[1:]), nil
}

// UpdateKeys puts and deletes items all or nothing. ifMatch must be the
// store's current data ETag; the store must be READY. Deleting a missing key
// is not an error. A batch with nothing in it changes nothing, not even the
// ETag. TotalSize counts the bytes of keys plus values.
func (s *Store) UpdateKeys(ctx context.Context, account, id, ifMatch string, puts []edgefn.Item, deletes []string) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := requireIfMatch(edgefn.ResourceKeyValueStore, ifMatch); err != nil {
		return nil, err
	}
	if err := s.checkBatch(puts, deletes); err != nil {
		return nil, err
	}
	var k *edgefn.KeyValueStore
	rev, err := s.update(ctx, "update keys", func(tx Tx) error {
		var err error
		if k, err = loadStore(tx, account, id); err != nil {
			return err
		}
		if k.Status != edgefn.KVSReady {
			return edgefn.Errorf(edgefn.ErrConflict, edgefn.ResourceKeyValueStore,
				"The key value store %s is %s, not %s.", k.Name, k.Status, edgefn.KVSReady)
		}
		if err := checkIfMatch(edgefn.ResourceKeyValueStore, ifMatch, k.DataETag); err != nil {
			return err
		}
		if len(puts)+len(deletes) == 0 {
			return nil
		}
		count, size := k.ItemCount, k.TotalSize
		for _, key := range deletes {
			kv, ok, err := tx.Get(itemKey(account, id, key))
			if err != nil {
				return err
			}
			if ok {
				count--
				size -= int64(len(key) + len(kv.Value))
			}
		}
		for _, it := range puts {
			kv, ok, err := tx.Get(itemKey(account, id, it.Key))
			if err != nil {
				return err
			}
			if ok {
				count--
				size -= int64(len(it.Key) + len(kv.Value))
			}
			count++
			size += int64(len(it.Key) + len(it.Value))
		}
		if size > s.limits.KVSStoreBytes {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceKeyValueStore,
				"The key value store would hold %d bytes; the maximum is %d.", size, s.limits.KVSStoreBytes)
		}
		stats := statsRecord{Items: count, Size: size, Modified: s.clock()}
		if err := putJSON(tx, statsKey(account, id), &stats); err != nil {
			return err
		}
		stats.setData(k, 0)
		for _, key := range deletes {
			if err := tx.Delete(itemKey(account, id, key)); err != nil {
				return err
			}
		}
		for _, it := range puts {
			if err := tx.Put(itemKey(account, id, it.Key), []byte(it.Value)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(puts)+len(deletes) > 0 {
		k.DataETag = etag(spaceData, rev)
	}
	return k, nil
}

// checkBatch validates an UpdateKeys batch before anything is read.
func (s *Store) checkBatch(puts []edgefn.Item, deletes []string) error {
	if n := len(puts) + len(deletes); n > s.limits.KVSBatchKeys {
		return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceKeyValueStore,
			"A batch can change at most %d keys; this one changes %d.", s.limits.KVSBatchKeys, n)
	}
	seen := make(map[string]bool, len(puts)+len(deletes))
	bytes := 0
	check := func(key string) error {
		if err := s.checkKey(key); err != nil {
			return err
		}
		if seen[key] {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey, "The key %.64q appears more than once in the batch.", key)
		}
		seen[key] = true
		bytes += len(key)
		return nil
	}
	for _, it := range puts {
		if err := check(it.Key); err != nil {
			return err
		}
		if len(it.Value) > s.limits.KVSValueBytes {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey,
				"The value of key %.64q is %d bytes; the maximum is %d.", it.Key, len(it.Value), s.limits.KVSValueBytes)
		}
		bytes += len(it.Value)
	}
	for _, key := range deletes {
		if err := check(key); err != nil {
			return err
		}
	}
	if bytes > s.limits.KVSBatchBytes {
		return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceKeyValueStore,
			"The batch is %d bytes; the maximum is %d.", bytes, s.limits.KVSBatchBytes)
	}
	return nil
}

func (s *Store) checkKey(key string) error {
	if key == "" || len(key) > s.limits.KVSKeyBytes {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey,
			"A key must be 1 to %d bytes; %.64q is %d.", s.limits.KVSKeyBytes, key, len(key))
	}
	return nil
}
