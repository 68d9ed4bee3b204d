package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/edgefn/edgefn"
	"github.com/google/uuid"
)

const defaultListStores = 100

func errNoStore(nameOrID string) error {
	return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceKeyValueStore, "The key value store %s does not exist.", nameOrID)
}

// CreateKeyValueStore creates an empty store: READY, or PROVISIONING when
// importing (CompleteImport then fills it or marks it IMPORT_FAILURE).
func (s *Store) CreateKeyValueStore(ctx context.Context, account, name, comment string, importing bool, tags ...edgefn.Tag) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := checkTags(edgefn.ResourceKeyValueStore, tags); err != nil {
		return nil, err
	}
	if err := checkName(edgefn.ResourceKeyValueStore, name); err != nil {
		return nil, err
	}
	if err := checkComment(edgefn.ResourceKeyValueStore, comment); err != nil {
		return nil, err
	}
	now := s.clock()
	id := uuid.NewString()
	meta := &storeRecord{Name: name, Comment: comment, Status: edgefn.KVSReady, Created: now}
	if importing {
		meta.Status = edgefn.KVSProvisioning
	}
	stats := &statsRecord{Modified: now}
	rev, err := s.update(ctx, "create key value store", func(tx Tx) error {
		if _, ok, err := tx.Get(storeNameKey(account, name)); err != nil {
			return err
		} else if ok {
			return edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceKeyValueStore, "A key value store with the name %s already exists.", name)
		}
		n, err := getCount(tx, account, countStores)
		if err != nil {
			return err
		}
		if n >= s.limits.KVSPerAccount {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceKeyValueStore,
				"You have reached the maximum number of key value stores (%d) for this account.", s.limits.KVSPerAccount)
		}
		if err := putJSON(tx, storeKey(account, id), meta); err != nil {
			return err
		}
		if err := putJSON(tx, statsKey(account, id), stats); err != nil {
			return err
		}
		if err := tx.Put(storeNameKey(account, name), []byte(id)); err != nil {
			return err
		}
		if err := putTags(tx, storeTagsKey(account, id), tags); err != nil {
			return err
		}
		return putCount(tx, account, countStores, n+1)
	})
	if err != nil {
		return nil, err
	}
	k := &edgefn.KeyValueStore{Account: account, ID: id}
	meta.setResource(k, rev)
	stats.setData(k, rev)
	return k, nil
}

// CompleteImport ends the PROVISIONING of a store. With a failure, or items
// that break a limit, the store becomes IMPORT_FAILURE with no items;
// otherwise READY with all the items. It is all or nothing.
func (s *Store) CompleteImport(ctx context.Context, account, id string, items []edgefn.Item, failure string) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	var size int64
	if failure == "" {
		size, failure = s.checkImport(items)
	}
	var (
		k      *edgefn.KeyValueStore
		filled bool
	)
	rev, err := s.update(ctx, "complete import", func(tx Tx) error {
		var err error
		if k, err = loadStore(tx, account, id); err != nil {
			return err
		}
		if k.Status != edgefn.KVSProvisioning {
			return edgefn.Errorf(edgefn.ErrConflict, edgefn.ResourceKeyValueStore,
				"The key value store %s is %s, not %s.", k.Name, k.Status, edgefn.KVSProvisioning)
		}
		k.Status, k.FailureReason, filled = edgefn.KVSImportFailure, failure, false
		if failure == "" {
			k.Status, filled = edgefn.KVSReady, true
		}
		meta := storeRecord{Name: k.Name, Comment: k.Comment, Status: k.Status, FailureReason: k.FailureReason, Created: k.Created}
		if err := putJSON(tx, storeKey(account, id), &meta); err != nil || !filled {
			return err
		}
		stats := statsRecord{Items: int64(len(items)), Size: size, Modified: s.clock()}
		if err := putJSON(tx, statsKey(account, id), &stats); err != nil {
			return err
		}
		k.ItemCount, k.TotalSize, k.LastModified = stats.Items, stats.Size, stats.Modified
		for _, it := range items {
			if err := tx.Put(itemKey(account, id, it.Key), []byte(it.Value)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	k.ETag = etag(spaceStore, rev)
	if filled {
		k.DataETag = etag(spaceData, rev)
	}
	return k, nil
}

// checkImport validates imported items: the total size, or why they fail.
func (s *Store) checkImport(items []edgefn.Item) (size int64, failure string) {
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		switch {
		case it.Key == "":
			return 0, "The import source contains an empty key."
		case len(it.Key) > s.limits.KVSKeyBytes:
			return 0, fmt.Sprintf("The key %.32q exceeds %d bytes.", it.Key, s.limits.KVSKeyBytes)
		case len(it.Value) > s.limits.KVSValueBytes:
			return 0, fmt.Sprintf("The value of key %.32q exceeds %d bytes.", it.Key, s.limits.KVSValueBytes)
		case seen[it.Key]:
			return 0, fmt.Sprintf("The import source contains the key %.32q more than once.", it.Key)
		}
		seen[it.Key] = true
		size += int64(len(it.Key) + len(it.Value))
	}
	if size > s.limits.KVSStoreBytes {
		return 0, "Datasource size exceeds the allowed limit."
	}
	return size, ""
}

// GetKeyValueStore returns a store by name.
func (s *Store) GetKeyValueStore(ctx context.Context, account, name string) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	var k *edgefn.KeyValueStore
	err := s.view(ctx, "get key value store", func(tx Tx) error {
		id, err := storeID(tx, account, name)
		if err != nil {
			return err
		}
		k, err = loadStore(tx, account, id)
		return err
	})
	return k, err
}

// ListKeyValueStores lists the account's stores by name, optionally only
// those with a status. The marker is the last name of the previous page;
// max <= 0 means 100.
func (s *Store) ListKeyValueStores(ctx context.Context, account, status, marker string, max int) ([]*edgefn.KeyValueStore, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	switch status {
	case "", edgefn.KVSProvisioning, edgefn.KVSReady, edgefn.KVSImportFailure:
	default:
		return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore, "The status %q is not valid.", status)
	}
	if max <= 0 {
		max = defaultListStores
	}
	prefix := storeNameKey(account, "")
	after := ""
	if marker != "" {
		after = prefix + marker
	}
	var list []*edgefn.KeyValueStore
	err := s.view(ctx, "list key value stores", func(tx Tx) error {
		// Stores per account are few: filter as we go, stop past one page.
		return tx.Range(prefix, after, 0, func(kv KV) error {
			if len(list) > max {
				return errStop
			}
			k, err := loadStore(tx, account, string(kv.Value))
			if err != nil {
				return err
			}
			if status == "" || k.Status == status {
				list = append(list, k)
			}
			return nil
		})
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, "", err
	}
	if len(list) <= max {
		return list, "", nil
	}
	list = list[:max]
	return list, list[max-1].Name, nil
}

// UpdateKeyValueStore changes the comment of a store; ifMatch is its ETag.
func (s *Store) UpdateKeyValueStore(ctx context.Context, account, name, ifMatch, comment string) (*edgefn.KeyValueStore, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := checkComment(edgefn.ResourceKeyValueStore, comment); err != nil {
		return nil, err
	}
	if err := requireIfMatch(edgefn.ResourceKeyValueStore, ifMatch); err != nil {
		return nil, err
	}
	var k *edgefn.KeyValueStore
	rev, err := s.update(ctx, "update key value store", func(tx Tx) error {
		id, err := storeID(tx, account, name)
		if err != nil {
			return err
		}
		if k, err = loadStore(tx, account, id); err != nil {
			return err
		}
		if err := checkIfMatch(edgefn.ResourceKeyValueStore, ifMatch, k.ETag); err != nil {
			return err
		}
		k.Comment = comment
		return putJSON(tx, storeKey(account, id), &storeRecord{
			Name: k.Name, Comment: comment, Status: k.Status, FailureReason: k.FailureReason, Created: k.Created,
		})
	})
	if err != nil {
		return nil, err
	}
	k.ETag = etag(spaceStore, rev)
	return k, nil
}

// DeleteKeyValueStore deletes a store and its items; ifMatch is its ETag.
// It fails with ErrInUse while a copy of a function is associated with it.
func (s *Store) DeleteKeyValueStore(ctx context.Context, account, name, ifMatch string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if err := requireIfMatch(edgefn.ResourceKeyValueStore, ifMatch); err != nil {
		return err
	}
	_, err := s.update(ctx, "delete key value store", func(tx Tx) error {
		id, err := storeID(tx, account, name)
		if err != nil {
			return err
		}
		k, err := loadStore(tx, account, id)
		if err != nil {
			return err
		}
		if err := checkIfMatch(edgefn.ResourceKeyValueStore, ifMatch, k.ETag); err != nil {
			return err
		}
		u, err := getUsers(tx, storeUsersKey(account, id))
		if err != nil {
			return err
		}
		if len(u) > 0 {
			return edgefn.Errorf(edgefn.ErrInUse, edgefn.ResourceKeyValueStore,
				"The key value store %s is associated with %d function(s).", name, len(u.functions()))
		}
		n, err := getCount(tx, account, countStores)
		if err != nil {
			return err
		}
		if err := putCount(tx, account, countStores, n-1); err != nil {
			return err
		}
		if err := tx.Delete(storeNameKey(account, name)); err != nil {
			return err
		}
		if err := tx.Delete(storeTagsKey(account, id)); err != nil {
			return err
		}
		return tx.DeletePrefix(storePrefix(account, id))
	})
	return err
}

// storeID resolves a store name.
func storeID(tx Tx, account, name string) (string, error) {
	kv, ok, err := tx.Get(storeNameKey(account, name))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errNoStore(name)
	}
	return string(kv.Value), nil
}

// loadStore reads a store's resource and totals. Reading both makes an
// Update that calls it conflict with any change to the store or its items.
func loadStore(tx Tx, account, id string) (*edgefn.KeyValueStore, error) {
	var (
		meta  storeRecord
		stats statsRecord
	)
	metaRev, ok, err := getJSON(tx, storeKey(account, id), &meta)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoStore(id)
	}
	statsRev, _, err := getJSON(tx, statsKey(account, id), &stats)
	if err != nil {
		return nil, err
	}
	k := &edgefn.KeyValueStore{Account: account, ID: id}
	meta.setResource(k, metaRev)
	stats.setData(k, statsRev)
	return k, nil
}
