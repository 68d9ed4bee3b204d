package deploy

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/edgefn/edgefn"
)

func TestItemBatches(t *testing.T) {
	many := map[string]string{}
	for i := range 120 {
		many[fmt.Sprintf("k%03d", i)] = "v"
	}
	for _, tt := range []struct {
		name       string
		have, want map[string]string
		sizes      []int // keys per batch
		first      Batch // the first batch, when it is small enough to spell out
	}{
		{name: "equal", have: map[string]string{"a": "1"}, want: map[string]string{"a": "1"}},
		{name: "empty", have: nil, want: nil},
		{name: "put, change, delete", have: map[string]string{"a": "1", "b": "2", "c": "3"}, want: map[string]string{"a": "1", "b": "x", "d": "4"},
			sizes: []int{3}, first: Batch{Puts: []edgefn.Item{{Key: "b", Value: "x"}, {Key: "d", Value: "4"}}, Deletes: []string{"c"}}},
		{name: "split at 50", have: nil, want: many, sizes: []int{50, 50, 20}},
		{name: "deletes split too", have: many, want: map[string]string{"new": "1"}, sizes: []int{50, 50, 21}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bs := ItemBatches(tt.have, tt.want)
			var sizes []int
			for _, b := range bs {
				sizes = append(sizes, len(b.Puts)+len(b.Deletes))
			}
			if !reflect.DeepEqual(sizes, tt.sizes) {
				t.Fatalf("batch sizes %v; want %v", sizes, tt.sizes)
			}
			if tt.first.Puts != nil && !reflect.DeepEqual(bs[0], tt.first) {
				t.Errorf("batch %+v; want %+v", bs[0], tt.first)
			}
		})
	}
}
