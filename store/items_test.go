package store_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

func TestUpdateKeysRefused(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) {
		l.KVSKeyBytes, l.KVSValueBytes, l.KVSBatchKeys, l.KVSBatchBytes, l.KVSStoreBytes = 8, 8, 4, 40, 30
	})
	k := createStore(t, s, acct, "store")
	k = updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "12345678"}, {Key: "b", Value: "1"}}) // 11 bytes

	tests := []struct {
		desc    string
		id      string
		ifMatch string // "-" for the control-plane ETag, "" for the current data ETag
		puts    []edgefn.Item
		deletes []string
		kind    edgefn.ErrorKind
		res     edgefn.Resource
	}{
		{desc: "no If-Match", ifMatch: "none", puts: []edgefn.Item{{Key: "c", Value: "1"}}, kind: edgefn.ErrInvalidIfMatch, res: edgefn.ResourceKeyValueStore},
		{desc: "stale If-Match", ifMatch: "EAAAAAAAAAAAAA", puts: []edgefn.Item{{Key: "c", Value: "1"}}, kind: edgefn.ErrPreconditionFailed, res: edgefn.ResourceKeyValueStore},
		{desc: "control ETag", ifMatch: "-", puts: []edgefn.Item{{Key: "c", Value: "1"}}, kind: edgefn.ErrPreconditionFailed, res: edgefn.ResourceKeyValueStore},
		{desc: "missing store", id: "00000000-0000-0000-0000-000000000000", puts: []edgefn.Item{{Key: "c", Value: "1"}}, kind: edgefn.ErrNotFound, res: edgefn.ResourceKeyValueStore},
		{desc: "too many keys", puts: []edgefn.Item{{Key: "1"}, {Key: "2"}, {Key: "3"}}, deletes: []string{"4", "5"}, kind: edgefn.ErrLimitExceeded, res: edgefn.ResourceKeyValueStore},
		{desc: "batch too big", puts: []edgefn.Item{{Key: "c1234567", Value: "12345678"}, {Key: "d1234567", Value: "12345678"}, {Key: "e1234567", Value: "12345678"}}, kind: edgefn.ErrLimitExceeded, res: edgefn.ResourceKeyValueStore},
		{desc: "empty key", puts: []edgefn.Item{{Key: "", Value: "1"}}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "long key", puts: []edgefn.Item{{Key: "123456789", Value: "1"}}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "long delete key", deletes: []string{"123456789"}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "long value", puts: []edgefn.Item{{Key: "c", Value: "123456789"}}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "key put twice", puts: []edgefn.Item{{Key: "c", Value: "1"}, {Key: "c", Value: "2"}}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "key put and deleted", puts: []edgefn.Item{{Key: "c", Value: "1"}}, deletes: []string{"c"}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "key deleted twice", deletes: []string{"a", "a"}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{desc: "store full", puts: []edgefn.Item{{Key: "c", Value: "12345678"}, {Key: "d", Value: "12345678"}, {Key: "e", Value: "12345678"}}, kind: edgefn.ErrLimitExceeded, res: edgefn.ResourceKeyValueStore},
		{desc: "store full despite a delete", puts: []edgefn.Item{{Key: "c", Value: "12345678"}, {Key: "d", Value: "12345678"}, {Key: "b", Value: "12345"}}, deletes: []string{"zz"}, kind: edgefn.ErrLimitExceeded, res: edgefn.ResourceKeyValueStore},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			id, ifMatch := k.ID, k.DataETag
			if tc.id != "" {
				id = tc.id
			}
			switch tc.ifMatch {
			case "":
			case "none":
				ifMatch = ""
			case "-":
				ifMatch = k.ETag
			default:
				ifMatch = tc.ifMatch
			}
			_, err := s.UpdateKeys(t.Context(), acct, id, ifMatch, tc.puts, tc.deletes)
			wantErr(t, err, tc.kind, tc.res)
			after, err := s.KeyValueStoreByID(t.Context(), acct, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *after != *k {
				t.Errorf("a refused batch changed the store: %+v, was %+v", after, k)
			}
			items, _, _ := s.ListKeys(t.Context(), acct, k.ID, "", 10)
			if len(items) != 2 {
				t.Errorf("a refused batch left %d items", len(items))
			}
		})
	}
}

func TestUpdateKeys(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	k := createStore(t, s, acct, "store")

	steps := []struct {
		puts    []edgefn.Item
		deletes []string
		want    map[string]string
	}{
		{puts: []edgefn.Item{{Key: "a", Value: "1"}, {Key: "b", Value: "22"}, {Key: "c/d é", Value: ""}}, want: map[string]string{"a": "1", "b": "22", "c/d é": ""}},
		{puts: []edgefn.Item{{Key: "a", Value: "one"}}, deletes: []string{"b", "missing"}, want: map[string]string{"a": "one", "c/d é": ""}},
		{deletes: []string{"a", "c/d é"}, want: map[string]string{}},
		{puts: []edgefn.Item{{Key: "z", Value: strings.Repeat("v", 1024)}}, want: map[string]string{"z": strings.Repeat("v", 1024)}},
	}
	for i, st := range steps {
		before, err := s.KeyValueStoreByID(ctx, acct, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.UpdateKeys(ctx, acct, k.ID, before.DataETag, st.puts, st.deletes)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var size int64
		for key, v := range st.want {
			size += int64(len(key) + len(v))
		}
		if got.ItemCount != int64(len(st.want)) || got.TotalSize != size {
			t.Errorf("step %d: %d items of %d bytes, want %d of %d", i, got.ItemCount, got.TotalSize, len(st.want), size)
		}
		if got.DataETag == before.DataETag || got.ETag != before.ETag || !got.LastModified.After(before.LastModified) {
			t.Errorf("step %d: ETags/time %s %s %v, before %s %s %v", i, got.DataETag, got.ETag, got.LastModified, before.DataETag, before.ETag, before.LastModified)
		}
		if back, _ := s.KeyValueStoreByID(ctx, acct, k.ID); *back != *got {
			t.Errorf("step %d: returned %+v, reads back %+v", i, got, back)
		}
		items, _, err := s.ListKeys(ctx, acct, k.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]string{}
		for _, it := range items {
			have[it.Key] = it.Value
		}
		if fmt.Sprint(have) != fmt.Sprint(st.want) {
			t.Errorf("step %d: items %v, want %v", i, have, st.want)
		}
	}

	// An empty batch checks the ETag and changes nothing.
	cur, _ := s.KeyValueStoreByID(ctx, acct, k.ID)
	same, err := s.UpdateKeys(ctx, acct, k.ID, cur.DataETag, nil, nil)
	if err != nil || *same != *cur {
		t.Errorf("empty batch: %+v, %v; want %+v", same, err, cur)
	}
	_, err = s.UpdateKeys(ctx, acct, k.ID, k.DataETag, nil, nil)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceKeyValueStore)
}

func TestGetKey(t *testing.T) {
	s, _ := newStore(t, nil)
	k := createStore(t, s, acct, "store")
	k = updateKeys(t, s, k, []edgefn.Item{{Key: "k", Value: "v"}, {Key: "k2", Value: "v2"}})

	tests := []struct {
		id, key string
		want    string
		kind    edgefn.ErrorKind
		res     edgefn.Resource
	}{
		{id: k.ID, key: "k", want: "v"},
		{id: k.ID, key: "k2", want: "v2"},
		{id: k.ID, key: "K", kind: edgefn.ErrNotFound, res: edgefn.ResourceKey},
		{id: k.ID, key: "", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceKey},
		{id: "00000000-0000-0000-0000-000000000000", key: "k", kind: edgefn.ErrNotFound, res: edgefn.ResourceKeyValueStore},
	}
	for _, tc := range tests {
		it, got, err := s.GetKey(t.Context(), acct, tc.id, tc.key)
		if tc.kind != edgefn.ErrInternal {
			wantErr(t, err, tc.kind, tc.res)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Key != tc.key || it.Value != tc.want || *got != *k {
			t.Errorf("GetKey(%q) = %+v, %+v", tc.key, it, got)
		}
	}
}

func TestListKeys(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	k := createStore(t, s, acct, "store")
	keys := []string{"a", "a/b", "a0", "B", "b", "é", "z\x00", "~"}
	var puts []edgefn.Item
	for _, key := range keys {
		puts = append(puts, edgefn.Item{Key: key, Value: "v" + key})
	}
	updateKeys(t, s, k, puts)
	other := createStore(t, s, acct, "other")
	updateKeys(t, s, other, []edgefn.Item{{Key: "a1", Value: "x"}})
	want := slices.Clone(keys)
	slices.Sort(want) // byte order

	for _, max := range []int{0, 1, 3, 7, 8, 50} {
		var got []string
		token := ""
		for range 20 {
			items, next, err := s.ListKeys(ctx, acct, k.ID, token, max)
			if err != nil {
				t.Fatal(err)
			}
			limit := max
			if max == 0 {
				limit = 10
			}
			if len(items) > limit {
				t.Fatalf("max %d: page of %d", max, len(items))
			}
			for _, it := range items {
				if it.Value != "v"+it.Key {
					t.Errorf("item %q has value %q", it.Key, it.Value)
				}
				got = append(got, it.Key)
			}
			if token = next; next == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("max %d: listed %q, want %q", max, got, want)
		}
	}

	for _, max := range []int{-1, 51} {
		_, _, err := s.ListKeys(ctx, acct, k.ID, "", max)
		wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceKey)
	}
	for _, tok := range []string{"!!!", base64.RawURLEncoding.EncodeToString([]byte("xa")), base64.RawURLEncoding.EncodeToString([]byte("k")), "a"} {
		_, _, err := s.ListKeys(ctx, acct, k.ID, tok, 0)
		wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceKey)
	}
	_, _, err := s.ListKeys(ctx, acct, "00000000-0000-0000-0000-000000000000", "", 0)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	empty := createStore(t, s, acct, "empty")
	if items, next, err := s.ListKeys(ctx, acct, empty.ID, "", 0); err != nil || len(items) != 0 || next != "" {
		t.Errorf("empty store lists %v %q %v", items, next, err)
	}
}
