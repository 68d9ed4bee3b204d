package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
)

func orpConfig(name string) edgefn.OriginRequestPolicyConfig {
	return edgefn.OriginRequestPolicyConfig{
		Name:         name,
		Headers:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyWhitelist, Items: []string{"Accept-Language"}},
		Cookies:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyNone},
		QueryStrings: edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAllExcept, Items: []string{"utm_source"}},
	}
}

// TestOriginRequestPolicyLifecycle: the cache policy lifecycle for origin
// request policies, their own rules, the distributions that use them and
// the feed that replicates them.
func TestOriginRequestPolicyLifecycle(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	base := snapshot(t, s)
	feed, err := s.Follow(ctx, base.Rev)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateOriginRequestPolicy(ctx, acct, orpConfig("mine"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetOriginRequestPolicy(ctx, acct, p.ID); err != nil || got.ETag != p.ETag || !reflect.DeepEqual(got.Config, p.Config) {
		t.Fatalf("GetOriginRequestPolicy = %+v, %v", got, err)
	}
	_, err = s.GetOriginRequestPolicy(ctx, other, p.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceOriginRequestPolicy)
	for _, name := range []string{"mine", "Managed-AllViewer"} {
		_, err = s.CreateOriginRequestPolicy(ctx, acct, orpConfig(name))
		wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceOriginRequestPolicy)
	}
	// A cache policy's name is not an origin request policy's.
	if _, err := s.CreateOriginRequestPolicy(ctx, acct, orpConfig("Managed-CachingOptimized")); err != nil {
		t.Errorf("a cache policy's name: %v", err)
	}

	all, err := s.GetOriginRequestPolicy(ctx, other, edgefn.AllViewerID)
	if err != nil || all.Config.Name != "Managed-AllViewer" || all.Config.Headers.Behavior != edgefn.OriginHeadersAllViewer {
		t.Fatalf("managed policy %+v, %v", all, err)
	}
	wantErr(t, s.DeleteOriginRequestPolicy(ctx, acct, edgefn.AllViewerID, all.ETag), edgefn.ErrUnsupported, edgefn.ResourceOriginRequestPolicy)
	_, err = s.UpdateOriginRequestPolicy(ctx, acct, edgefn.AllViewerID, all.ETag, orpConfig("x"))
	wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceOriginRequestPolicy)
	list, _, err := s.ListOriginRequestPolicies(ctx, acct, "", "", 0)
	if err != nil || len(list) != len(edgefn.ManagedOriginRequestPolicies())+2 {
		t.Fatalf("ListOriginRequestPolicies = %d policies, %v", len(list), err)
	}

	for _, tt := range []struct {
		name string
		edit func(*edgefn.OriginRequestPolicyConfig)
		res  edgefn.Resource
		kind edgefn.ErrorKind
	}{
		{"no name", func(c *edgefn.OriginRequestPolicyConfig) { c.Name = "" }, edgefn.ResourceOriginRequestPolicy, edgefn.ErrInvalidArgument},
		{"unknown header behavior", func(c *edgefn.OriginRequestPolicyConfig) { c.Headers.Behavior = "all" }, edgefn.ResourceOriginRequestPolicy, edgefn.ErrInvalidArgument},
		{"allViewer with names", func(c *edgefn.OriginRequestPolicyConfig) { c.Headers.Behavior = edgefn.OriginHeadersAllViewer }, edgefn.ResourceOriginRequestPolicy, edgefn.ErrInvalidArgument},
		{"viewer header as a CloudFront one", func(c *edgefn.OriginRequestPolicyConfig) {
			c.Headers.Behavior = edgefn.OriginHeadersAllViewerAndCloudFront
		}, edgefn.ResourceOriginRequestPolicy, edgefn.ErrInvalidArgument},
		{"whitelist without names", func(c *edgefn.OriginRequestPolicyConfig) { c.Cookies.Behavior = edgefn.CacheKeyWhitelist }, edgefn.ResourceOriginRequestPolicy, edgefn.ErrInvalidArgument},
		{"eleven headers", func(c *edgefn.OriginRequestPolicyConfig) {
			c.Headers.Items = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
		}, edgefn.ResourceORPHeaders, edgefn.ErrTooLarge},
		{"eleven cookies", func(c *edgefn.OriginRequestPolicyConfig) {
			c.Cookies = edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAllExcept, Items: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}}
		}, edgefn.ResourceORPCookies, edgefn.ErrTooLarge},
		{"eleven query strings", func(c *edgefn.OriginRequestPolicyConfig) {
			c.QueryStrings.Items = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
		}, edgefn.ResourceORPQueryStrings, edgefn.ErrTooLarge},
	} {
		c := orpConfig("bad")
		tt.edit(&c)
		_, err := s.CreateOriginRequestPolicy(ctx, acct, c)
		if e, ok := err.(*edgefn.Error); !ok || e.Kind != tt.kind || e.Resource != tt.res {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	cf := orpConfig("cloudfront-headers")
	cf.Headers = edgefn.CacheKeyItems{Behavior: edgefn.OriginHeadersAllViewerAndCloudFront, Items: []string{"CloudFront-Viewer-Address"}}
	if _, err := s.CreateOriginRequestPolicy(ctx, acct, cf); err != nil {
		t.Errorf("allViewerAndWhitelistCloudFront: %v", err)
	}

	// A distribution that uses it keeps it; one naming a missing policy is refused.
	c := distConfig("uses-orp")
	c.DefaultCacheBehavior.CachePolicyID = edgefn.CachingOptimizedID
	c.DefaultCacheBehavior.OriginRequestPolicyID = p.ID
	d := createDist(t, s, acct, c)
	wantErr(t, s.DeleteOriginRequestPolicy(ctx, acct, p.ID, p.ETag), edgefn.ErrInUse, edgefn.ResourceOriginRequestPolicy)
	missing := distConfig("missing-orp")
	missing.DefaultCacheBehavior.CachePolicyID = edgefn.CachingOptimizedID
	missing.DefaultCacheBehavior.OriginRequestPolicyID = "00000000-0000-4000-8000-000000000000"
	_, err = s.CreateDistribution(ctx, acct, missing, nil, nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceOriginRequestPolicy)
	foreign := distConfig("other-account-orp")
	foreign.DefaultCacheBehavior.CachePolicyID = edgefn.CachingOptimizedID
	foreign.DefaultCacheBehavior.OriginRequestPolicyID = p.ID
	_, err = s.CreateDistribution(ctx, other, foreign, nil, nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceOriginRequestPolicy)

	up, err := s.UpdateOriginRequestPolicy(ctx, acct, p.ID, p.ETag, orpConfig("renamed"))
	if err != nil || up.ETag == p.ETag {
		t.Fatalf("UpdateOriginRequestPolicy = %+v, %v", up, err)
	}
	want := snapshot(t, s)
	for base.Rev < want.Rev {
		base.Apply(next(t, feed))
	}
	if !reflect.DeepEqual(base, want) {
		t.Errorf("snapshot + batches differs from a new snapshot:\n got %s\nwant %s", dump(base), dump(want))
	}
	if got := want.OriginRequestPolicies[store.CachePolicyKey(acct, p.ID)]; got == nil || got.ETag != up.ETag || got.Config.Name != "renamed" {
		t.Errorf("replicated origin request policy %+v", got)
	}

	c.DefaultCacheBehavior.OriginRequestPolicyID = edgefn.CORSCustomOriginID
	if _, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, c, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOriginRequestPolicy(ctx, acct, p.ID, up.ETag); err != nil {
		t.Fatalf("DeleteOriginRequestPolicy once unused: %v", err)
	}
	_, err = s.GetOriginRequestPolicy(ctx, acct, p.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceOriginRequestPolicy)
}
