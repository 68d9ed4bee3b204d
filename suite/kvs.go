package suite

import (
	"context"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

// MemoryKVS plays a function's KeyValueStore from the items of an import
// file.
type MemoryKVS struct {
	id    string
	items map[string]string
	at    time.Time
}

var _ runtime.KeyValueStore = (*MemoryKVS)(nil)

// NewMemoryKVS returns a store of items; cf.kvs(id) must name id unless it
// is "".
func NewMemoryKVS(id string, items []edgefn.Item) *MemoryKVS {
	m := &MemoryKVS{id: id, items: make(map[string]string, len(items)), at: time.Now()}
	for _, it := range items {
		m.items[it.Key] = it.Value
	}
	return m
}

func (m *MemoryKVS) ID() string { return m.id }

func (m *MemoryKVS) Get(_ context.Context, key string) (string, bool, error) {
	v, ok := m.items[key]
	return v, ok, nil
}

func (m *MemoryKVS) Meta(context.Context) (runtime.KVSMeta, error) {
	return runtime.KVSMeta{Created: m.at, LastUpdated: m.at, KeyCount: len(m.items)}, nil
}
