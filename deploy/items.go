package deploy

import (
	"fmt"
	"os"

	"github.com/edgefn/edgefn/kvsimport"
	"maps"
	"slices"

	"github.com/edgefn/edgefn"
)

// MaxBatch is the most keys one UpdateKeys call may change.
const MaxBatch = 50

// Batch is one UpdateKeys call.
type Batch struct {
	Puts    []edgefn.Item
	Deletes []string
}

// ItemBatches turns the difference between a store's items (have) and the
// wanted ones into UpdateKeys batches of at most MaxBatch keys, in key order:
// changed and new keys are put, missing ones deleted; equal ones are left
// alone, so syncing a store that already matches makes no call at all.
func ItemBatches(have, want map[string]string) []Batch {
	var batches []Batch
	cur := Batch{}
	flush := func() {
		if len(cur.Puts)+len(cur.Deletes) > 0 {
			batches = append(batches, cur)
			cur = Batch{}
		}
	}
	add := func(put *edgefn.Item, del string) {
		if len(cur.Puts)+len(cur.Deletes) == MaxBatch {
			flush()
		}
		if put != nil {
			cur.Puts = append(cur.Puts, *put)
		} else {
			cur.Deletes = append(cur.Deletes, del)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if v, ok := have[k]; !ok || v != want[k] {
			add(&edgefn.Item{Key: k, Value: want[k]}, "")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			add(nil, k)
		}
	}
	flush()
	return batches
}

// ReadItems reads a store's import file as a map.
func ReadItems(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := kvsimport.Parse(f, edgefn.DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m := make(map[string]string, len(items))
	for _, it := range items {
		m[it.Key] = it.Value
	}
	return m, nil
}
