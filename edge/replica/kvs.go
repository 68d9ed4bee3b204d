package replica

import (
	"context"
	"maps"
	"time"

	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
)

// kvs is one KeyValueStore as functions read it: an immutable copy of its
// items, so a request sees one version of the store from start to end.
type kvs struct {
	id      string
	created time.Time
	updated time.Time
	items   map[string]string
}

var _ runtime.KeyValueStore = (*kvs)(nil)

// newKVS copies sc: the follower keeps changing its own maps.
func newKVS(sc *store.StoreContents) *kvs {
	return &kvs{
		id:      sc.Store.ID,
		created: sc.Store.Created,
		updated: sc.Store.LastModified,
		items:   maps.Clone(sc.Items),
	}
}

func (k *kvs) ID() string { return k.id }

func (k *kvs) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := k.items[key]
	return v, ok, nil
}

func (k *kvs) Meta(context.Context) (runtime.KVSMeta, error) {
	return runtime.KVSMeta{Created: k.created, LastUpdated: k.updated, KeyCount: len(k.items)}, nil
}
