package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/google/uuid"
)

func TestCreateKeyValueStoreValidation(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.KVSPerAccount = 3 })
	createStore(t, s, acct, "taken")

	tests := []struct {
		desc, name, comment string
		kind                edgefn.ErrorKind
	}{
		{desc: "ok", name: "ok-Name_9", comment: strings.Repeat("ü", 128)},
		{desc: "64 chars", name: strings.Repeat("s", 64)},
		{desc: "empty name", name: "", kind: edgefn.ErrInvalidArgument},
		{desc: "65 chars", name: strings.Repeat("s", 65), kind: edgefn.ErrInvalidArgument},
		{desc: "dot", name: "a.b", kind: edgefn.ErrInvalidArgument},
		{desc: "long comment", name: "c", comment: strings.Repeat("c", 129), kind: edgefn.ErrInvalidArgument},
		{desc: "duplicate", name: "taken", kind: edgefn.ErrAlreadyExists},
		{desc: "over quota", name: "fourth", kind: edgefn.ErrLimitExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			k, err := s.CreateKeyValueStore(t.Context(), acct, tc.name, tc.comment, false)
			if tc.kind != edgefn.ErrInternal {
				wantErr(t, err, tc.kind, edgefn.ResourceKeyValueStore)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Name != tc.name || k.Comment != tc.comment || k.Status != edgefn.KVSReady {
				t.Errorf("created %+v", k)
			}
		})
	}
}

func TestKeyValueStoreLifecycle(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	k, err := s.CreateKeyValueStore(ctx, acct, "store", "first", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := uuid.Parse(k.ID); err != nil || len(k.ID) != 36 {
		t.Errorf("id %q is not a UUID", k.ID)
	}
	if k.ARN() != "arn:aws:cloudfront::"+acct+":key-value-store/"+k.ID {
		t.Errorf("ARN %s", k.ARN())
	}
	if !etagPattern.MatchString(k.ETag) || !etagPattern.MatchString(k.DataETag) || k.ETag == k.DataETag {
		t.Errorf("ETags %s and %s: want two distinct AWS-like ETags", k.ETag, k.DataETag)
	}
	if k.Status != edgefn.KVSReady || k.ItemCount != 0 || k.TotalSize != 0 || k.Created.IsZero() || !k.LastModified.Equal(k.Created) {
		t.Errorf("created %+v", k)
	}
	byName, err := s.GetKeyValueStore(ctx, acct, "store")
	if err != nil {
		t.Fatal(err)
	}
	byID, err := s.KeyValueStoreByID(ctx, acct, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *byName != *k || *byID != *k {
		t.Errorf("read back %+v and %+v, created %+v", byName, byID, k)
	}

	// The comment is versioned by the resource ETag, not the data ETag.
	_, err = s.UpdateKeyValueStore(ctx, acct, "store", "", "second")
	wantErr(t, err, edgefn.ErrInvalidIfMatch, edgefn.ResourceKeyValueStore)
	_, err = s.UpdateKeyValueStore(ctx, acct, "store", k.DataETag, "second")
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceKeyValueStore)
	_, err = s.UpdateKeyValueStore(ctx, acct, "nope", k.ETag, "second")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.UpdateKeyValueStore(ctx, acct, "store", k.ETag, strings.Repeat("x", 129))
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore)
	up, err := s.UpdateKeyValueStore(ctx, acct, "store", k.ETag, "second")
	if err != nil {
		t.Fatal(err)
	}
	if up.Comment != "second" || up.ETag == k.ETag || up.DataETag != k.DataETag {
		t.Errorf("updated %+v", up)
	}
	if got, _ := s.GetKeyValueStore(ctx, acct, "store"); *got != *up {
		t.Errorf("read back %+v, want %+v", got, up)
	}
	// Data changes move the data ETag only.
	data := updateKeys(t, s, k, []edgefn.Item{{Key: "a", Value: "1"}})
	if data.ETag != up.ETag || data.DataETag == up.DataETag || data.Comment != "second" {
		t.Errorf("after UpdateKeys %+v", data)
	}

	wantErr(t, s.DeleteKeyValueStore(ctx, acct, "store", ""), edgefn.ErrInvalidIfMatch, edgefn.ResourceKeyValueStore)
	wantErr(t, s.DeleteKeyValueStore(ctx, acct, "store", k.ETag), edgefn.ErrPreconditionFailed, edgefn.ResourceKeyValueStore)
	wantErr(t, s.DeleteKeyValueStore(ctx, acct, "store", data.DataETag), edgefn.ErrPreconditionFailed, edgefn.ResourceKeyValueStore)
	if err := s.DeleteKeyValueStore(ctx, acct, "store", up.ETag); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetKeyValueStore(ctx, acct, "store")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.KeyValueStoreByID(ctx, acct, k.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, _, err = s.GetKey(ctx, acct, k.ID, "a")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)

	// The name is free again, for a new empty store.
	again := createStore(t, s, acct, "store")
	if again.ID == k.ID || again.ItemCount != 0 {
		t.Errorf("recreated %+v", again)
	}
	if items, _, err := s.ListKeys(ctx, acct, again.ID, "", 0); err != nil || len(items) != 0 {
		t.Errorf("recreated store lists %v, %v", items, err)
	}
}

func TestImport(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.KVSKeyBytes = 8; l.KVSValueBytes = 8; l.KVSStoreBytes = 40 })
	valid := []edgefn.Item{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: "k/long", Value: ""}}

	tests := []struct {
		desc    string
		items   []edgefn.Item
		failure string
		ok      bool
	}{
		{desc: "valid", items: valid, ok: true},
		{desc: "empty", items: nil, ok: true},
		{desc: "exactly full", items: []edgefn.Item{{Key: "12345678", Value: "12345678"}, {Key: "abcdefgh", Value: "abcdefgh"}, {Key: "x", Value: "1234567"}}, ok: true},
		{desc: "reported failure", items: valid, failure: "Access denied to the S3 object."},
		{desc: "empty key", items: []edgefn.Item{{Key: "a", Value: "1"}, {Key: "", Value: "1"}}},
		{desc: "long key", items: []edgefn.Item{{Key: "123456789", Value: "1"}}},
		{desc: "long value", items: []edgefn.Item{{Key: "a", Value: "123456789"}}},
		{desc: "duplicate", items: []edgefn.Item{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}},
		{desc: "too big", items: []edgefn.Item{{Key: "12345678", Value: "12345678"}, {Key: "abcdefgh", Value: "abcdefgh"}, {Key: "x", Value: "12345678"}}},
	}
	for i, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			ctx := t.Context()
			k, err := s.CreateKeyValueStore(ctx, acct, fmt.Sprint("import", i), "", true)
			if err != nil {
				t.Fatal(err)
			}
			if k.Status != edgefn.KVSProvisioning {
				t.Fatalf("importing store status %s", k.Status)
			}
			_, err = s.UpdateKeys(ctx, acct, k.ID, k.DataETag, []edgefn.Item{{Key: "a", Value: "1"}}, nil)
			wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceKeyValueStore)

			done, err := s.CompleteImport(ctx, acct, k.ID, tc.items, tc.failure)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.KeyValueStoreByID(ctx, acct, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got != *done {
				t.Errorf("CompleteImport returned %+v, reads back %+v", done, got)
			}
			items, _, err := s.ListKeys(ctx, acct, k.ID, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				if done.Status != edgefn.KVSImportFailure || done.FailureReason == "" || done.ItemCount != 0 || len(items) != 0 {
					t.Errorf("failed import left %+v with %d items", done, len(items))
				}
				if tc.failure != "" && done.FailureReason != tc.failure {
					t.Errorf("FailureReason %q, want %q", done.FailureReason, tc.failure)
				}
				if done.DataETag != k.DataETag {
					t.Error("a failed import changed the data ETag")
				}
				return
			}
			var size int64
			for _, it := range tc.items {
				size += int64(len(it.Key) + len(it.Value))
			}
			if done.Status != edgefn.KVSReady || done.FailureReason != "" || done.ItemCount != int64(len(tc.items)) ||
				done.TotalSize != size || len(items) != len(tc.items) || done.ETag == k.ETag || done.DataETag == k.DataETag {
				t.Errorf("import gave %+v with %d items, want %d items of %d bytes", done, len(items), len(tc.items), size)
			}
			for _, it := range tc.items {
				if got, _, err := s.GetKey(ctx, acct, k.ID, it.Key); err != nil || got != it {
					t.Errorf("GetKey(%q) = %+v, %v", it.Key, got, err)
				}
			}
			_, err = s.CompleteImport(ctx, acct, k.ID, tc.items, "")
			wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceKeyValueStore)
		})
	}
	_, err := s.CompleteImport(t.Context(), acct, "00000000-0000-0000-0000-000000000000", nil, "")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	ready := createStore(t, s, acct, "ready")
	_, err = s.CompleteImport(t.Context(), acct, ready.ID, valid, "")
	wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceKeyValueStore)
}

func TestListKeyValueStores(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	for _, name := range []string{"d", "b", "a", "c-1", "c"} {
		createStore(t, s, acct, name)
	}
	for _, name := range []string{"p2", "p1"} {
		if _, err := s.CreateKeyValueStore(ctx, acct, name, "", true); err != nil {
			t.Fatal(err)
		}
	}
	createStore(t, s, other, "x")

	tests := []struct {
		status string
		want   string
	}{
		{"", "a b c c-1 d p1 p2"},
		{edgefn.KVSReady, "a b c c-1 d"},
		{edgefn.KVSProvisioning, "p1 p2"},
		{edgefn.KVSImportFailure, ""},
	}
	for _, tc := range tests {
		for _, max := range []int{0, 1, 2, 5, 7, 8} {
			var got []string
			marker := ""
			for range 10 {
				list, next, err := s.ListKeyValueStores(ctx, acct, tc.status, marker, max)
				if err != nil {
					t.Fatal(err)
				}
				if max > 0 && len(list) > max {
					t.Fatalf("page of %d over max %d", len(list), max)
				}
				for _, k := range list {
					got = append(got, k.Name)
				}
				if marker = next; next == "" {
					break
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("status %q max %d: listed %q, want %q", tc.status, max, got, tc.want)
			}
		}
	}
	_, _, err := s.ListKeyValueStores(ctx, acct, "DELETED", "", 0)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore)
}
