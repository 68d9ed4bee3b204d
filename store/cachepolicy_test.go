package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
)

func policyConfig(name string) edgefn.CachePolicyConfig {
	return edgefn.CachePolicyConfig{
		Name: name, MinTTL: 0, DefaultTTL: 60, MaxTTL: 600,
		Headers:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyNone},
		Cookies:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyWhitelist, Items: []string{"session"}},
		QueryStrings: edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAll},
	}
}

// TestCachePolicyLifecycle: create, get, list, update, in use, delete; the
// managed policies are there for every account and cannot change.
func TestCachePolicyLifecycle(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	p, err := s.CreateCachePolicy(ctx, acct, policyConfig("mine"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetCachePolicy(ctx, acct, p.ID); err != nil || got.ETag != p.ETag || !reflect.DeepEqual(got.Config, p.Config) {
		t.Fatalf("GetCachePolicy = %+v, %v", got, err)
	}
	_, err = s.GetCachePolicy(ctx, other, p.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceCachePolicy)
	_, err = s.CreateCachePolicy(ctx, acct, policyConfig("mine"))
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceCachePolicy)
	_, err = s.CreateCachePolicy(ctx, acct, policyConfig("Managed-CachingOptimized"))
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceCachePolicy)

	opt, err := s.GetCachePolicy(ctx, other, edgefn.CachingOptimizedID)
	if err != nil || opt.Config.Name != "Managed-CachingOptimized" || opt.Config.DefaultTTL != 86400 {
		t.Fatalf("managed policy %+v, %v", opt, err)
	}
	wantErr(t, s.DeleteCachePolicy(ctx, acct, edgefn.CachingOptimizedID, opt.ETag), edgefn.ErrUnsupported, edgefn.ResourceCachePolicy)
	_, err = s.UpdateCachePolicy(ctx, acct, edgefn.CachingOptimizedID, opt.ETag, policyConfig("x"))
	wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceCachePolicy)

	all, _, err := s.ListCachePolicies(ctx, acct, "", "", 0)
	if err != nil || len(all) != 6 || all[5].ID != p.ID {
		t.Fatalf("ListCachePolicies = %d policies, %v", len(all), err)
	}
	custom, _, err := s.ListCachePolicies(ctx, acct, store.PolicyCustom, "", 0)
	if err != nil || len(custom) != 1 {
		t.Fatalf("custom policies %d, %v", len(custom), err)
	}
	first, next, err := s.ListCachePolicies(ctx, acct, "", "", 4)
	rest, last, err2 := s.ListCachePolicies(ctx, acct, "", next, 4)
	if err != nil || err2 != nil || len(first) != 4 || len(rest) != 2 || last != "" || rest[1].ID != p.ID {
		t.Fatalf("pages %d then %d (%q), %v %v", len(first), len(rest), last, err, err2)
	}

	bad := policyConfig("bad")
	bad.MinTTL = 700
	_, err = s.CreateCachePolicy(ctx, acct, bad)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceCachePolicy)
	bad = policyConfig("bad")
	bad.Headers = edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAll}
	_, err = s.CreateCachePolicy(ctx, acct, bad)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceCachePolicy)

	// A distribution that uses it keeps it; one naming a missing policy is refused.
	c := distConfig("uses-policy")
	c.DefaultCacheBehavior.CachePolicyID = p.ID
	d := createDist(t, s, acct, c)
	wantErr(t, s.DeleteCachePolicy(ctx, acct, p.ID, p.ETag), edgefn.ErrInUse, edgefn.ResourceCachePolicy)
	missing := distConfig("missing-policy")
	missing.DefaultCacheBehavior.CachePolicyID = "00000000-0000-4000-8000-000000000000"
	_, err = s.CreateDistribution(ctx, acct, missing, nil, nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceCachePolicy)

	renamed := policyConfig("renamed")
	up, err := s.UpdateCachePolicy(ctx, acct, p.ID, p.ETag, renamed)
	if err != nil || up.ETag == p.ETag || up.Config.Name != "renamed" {
		t.Fatalf("UpdateCachePolicy = %+v, %v", up, err)
	}
	_, err = s.UpdateCachePolicy(ctx, acct, p.ID, p.ETag, renamed)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceCachePolicy)
	if _, err := s.CreateCachePolicy(ctx, acct, policyConfig("mine")); err != nil {
		t.Errorf("the old name is not free again: %v", err)
	}

	c.DefaultCacheBehavior.CachePolicyID = edgefn.CachingDisabledID
	if _, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCachePolicy(ctx, acct, p.ID, up.ETag); err != nil {
		t.Fatalf("DeleteCachePolicy once unused: %v", err)
	}
	_, err = s.GetCachePolicy(ctx, acct, p.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceCachePolicy)
}

// TestInvalidations: create (idempotent by CallerReference), get, list, and
// the feed that brings them and cache policies to the edges, in revision
// order.
func TestInvalidations(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d := createDist(t, s, acct, distConfig("inv"))
	base := snapshot(t, s)
	feed, err := s.Follow(ctx, base.Rev)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.CreateInvalidation(ctx, acct, d.ID, "ref-a", []string{"/images/*", "/index.html"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.CreateInvalidation(ctx, acct, d.ID, "ref-a", []string{"/images/*", "/index.html"})
	if err != nil || again.ID != a.ID {
		t.Errorf("same CallerReference again: %+v, %v", again, err)
	}
	_, err = s.CreateInvalidation(ctx, acct, d.ID, "ref-a", []string{"/other"})
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceInvalidation)
	b, err := s.CreateInvalidation(ctx, acct, d.ID, "ref-b", []string{"/*"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.CreateCachePolicy(ctx, acct, policyConfig("gone"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCachePolicy(ctx, acct, gone.ID, gone.ETag); err != nil {
		t.Fatal(err)
	}
	kept, err := s.CreateCachePolicy(ctx, acct, policyConfig("kept"))
	if err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{nil, {"no-slash"}, {"/a*b"}} {
		_, err = s.CreateInvalidation(ctx, acct, d.ID, "ref-bad", paths)
		wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceInvalidation)
	}
	_, err = s.CreateInvalidation(ctx, acct, "E0000000000000", "ref", []string{"/"})
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceDistribution)

	if got, err := s.GetInvalidation(ctx, acct, d.ID, a.ID); err != nil || !reflect.DeepEqual(got, a) {
		t.Errorf("GetInvalidation = %+v, %v; want %+v", got, err, a)
	}
	_, err = s.GetInvalidation(ctx, acct, d.ID, "I0000000000000")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceInvalidation)
	list, _, err := s.ListInvalidations(ctx, acct, d.ID, "", 0)
	if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Errorf("ListInvalidations = %v, %v; want newest first", list, err)
	}

	want := snapshot(t, s)
	for base.Rev < want.Rev {
		base.Apply(next(t, feed))
	}
	if !reflect.DeepEqual(base, want) {
		t.Errorf("snapshot + batches differs from a new snapshot:\n got %s\nwant %s", dump(base), dump(want))
	}
	if p := want.CachePolicies[store.CachePolicyKey(acct, kept.ID)]; len(want.CachePolicies) != 1 || p == nil || p.ETag != kept.ETag {
		t.Errorf("replicated cache policies %v", want.CachePolicies)
	}
	invs := want.Invalidations[edgefn.DistributionARN(acct, d.ID)]
	if len(invs) != 2 || invs[0].ID != a.ID || invs[1].ID != b.ID || invs[0].Rev >= invs[1].Rev {
		t.Errorf("replicated invalidations %v", invs)
	}
}
