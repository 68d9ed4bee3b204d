package store_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

// TestTags tags each taggable resource kind: tags at creation, Tag replaces
// values and adds keys, Untag removes, the resource's ETag stays, and
// deleting the resource deletes its tags (a new one of the same name starts
// untagged).
func TestTags(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	initial := []edgefn.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}

	d, err := s.CreateDistribution(ctx, acct, distConfig("ref"), nil, initial)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := s.CreateFunction(ctx, acct, "fn", cfg, code, initial...)
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateKeyValueStore(ctx, acct, "kvs", "", false, initial...)
	if err != nil {
		t.Fatal(err)
	}
	resources := []struct {
		kind, arn string
		etag      func() string
		remove    func() error
		recreate  func() error
	}{
		{"distribution", edgefn.DistributionARN(acct, d.ID),
			func() string { got, _ := s.GetDistribution(ctx, acct, d.ID); return got.ETag },
			func() error {
				off := distConfig("ref")
				off.Enabled = false
				upd, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, off, nil)
				if err != nil {
					return err
				}
				return s.DeleteDistribution(ctx, acct, d.ID, upd.ETag)
			}, nil},
		{"function", edgefn.FunctionARN(acct, "fn"),
			func() string { got, _ := s.GetFunction(ctx, acct, "fn", ""); return got.ETag },
			func() error { return s.DeleteFunction(ctx, acct, "fn", fn.ETag) },
			func() error { _, err := s.CreateFunction(ctx, acct, "fn", cfg, code); return err }},
		{"key value store", k.ARN(),
			func() string { got, _ := s.GetKeyValueStore(ctx, acct, "kvs"); return got.ETag },
			func() error { return s.DeleteKeyValueStore(ctx, acct, "kvs", k.ETag) }, nil},
	}
	for _, r := range resources {
		t.Run(r.kind, func(t *testing.T) {
			before := r.etag()
			if got, err := s.ListTags(ctx, acct, r.arn); err != nil || !reflect.DeepEqual(got, initial) {
				t.Fatalf("tags at creation %+v (%v); want %+v", got, err, initial)
			}
			if err := s.TagResource(ctx, acct, r.arn, []edgefn.Tag{{Key: "b", Value: "two"}, {Key: "c", Value: "3"}}); err != nil {
				t.Fatal(err)
			}
			if err := s.UntagResource(ctx, acct, r.arn, []string{"a", "missing"}); err != nil {
				t.Fatal(err)
			}
			want := []edgefn.Tag{{Key: "b", Value: "two"}, {Key: "c", Value: "3"}}
			if got, err := s.ListTags(ctx, acct, r.arn); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("tags %+v (%v); want %+v", got, err, want)
			}
			if after := r.etag(); after != before {
				t.Errorf("tagging changed the ETag from %s to %s", before, after)
			}
			_, err := s.ListTags(ctx, other, strings.Replace(r.arn, acct, other, 1))
			wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceTag)
			if err := r.remove(); err != nil {
				t.Fatal(err)
			}
			_, err = s.ListTags(ctx, acct, r.arn)
			wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceTag)
			if r.recreate != nil {
				if err := r.recreate(); err != nil {
					t.Fatal(err)
				}
				if got, err := s.ListTags(ctx, acct, r.arn); err != nil || len(got) != 0 {
					t.Errorf("a new resource of the same name has tags %+v (%v)", got, err)
				}
			}
		})
	}
}

func TestTagErrors(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	if _, err := s.CreateFunction(ctx, acct, "fn", cfg, code); err != nil {
		t.Fatal(err)
	}
	arn := edgefn.FunctionARN(acct, "fn")
	tooMany := make([]edgefn.Tag, 51)
	for i := range tooMany {
		tooMany[i] = edgefn.Tag{Key: strings.Repeat("k", i+1)}
	}
	tests := []struct {
		name string
		err  error
		kind edgefn.ErrorKind
		res  edgefn.Resource
	}{
		{"empty key", s.TagResource(ctx, acct, arn, []edgefn.Tag{{Key: ""}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"long key", s.TagResource(ctx, acct, arn, []edgefn.Tag{{Key: strings.Repeat("k", 129)}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"long value", s.TagResource(ctx, acct, arn, []edgefn.Tag{{Key: "k", Value: strings.Repeat("v", 257)}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"51 tags", s.TagResource(ctx, acct, arn, tooMany), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"key twice at create", func() error {
			_, err := s.CreateKeyValueStore(ctx, acct, "kvs", "", false, edgefn.Tag{Key: "k"}, edgefn.Tag{Key: "k"})
			return err
		}(), edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore},
		{"unknown distribution", s.UntagResource(ctx, acct, edgefn.DistributionARN(acct, "E0000000000000"), []string{"a"}), edgefn.ErrNotFound, edgefn.ResourceTag},
		{"unknown store", s.TagResource(ctx, acct, edgefn.KeyValueStoreARN(acct, "00000000-0000-4000-8000-000000000000"), []edgefn.Tag{{Key: "k"}}), edgefn.ErrNotFound, edgefn.ResourceTag},
		{"another account's ARN", s.TagResource(ctx, other, arn, []edgefn.Tag{{Key: "k"}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"a cache policy", func() error {
			_, err := s.ListTags(ctx, acct, "arn:aws:cloudfront::"+acct+":cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6")
			return err
		}(), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"a path in the name", s.TagResource(ctx, acct, arn+"/../other", []edgefn.Tag{{Key: "k"}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
		{"not an ARN", s.TagResource(ctx, acct, "fn", []edgefn.Tag{{Key: "k"}}), edgefn.ErrInvalidArgument, edgefn.ResourceTag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.err, tt.kind, tt.res) })
	}
	if _, err := s.GetKeyValueStore(ctx, acct, "kvs"); err == nil {
		t.Error("a store whose tags were refused was created")
	}
}
