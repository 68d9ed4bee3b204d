package replica

import (
	"slices"
	"testing"

	"github.com/edgefn/edgefn"
)

// TestBehaviorCache: how a behavior's cache settings resolve, and which
// invalidations cover what.
func TestBehaviorCache(t *testing.T) {
	own := &edgefn.CachePolicyConfig{Name: "own", MaxTTL: 60, Headers: edgefn.CacheKeyItems{Behavior: "whitelist", Items: []string{"X-Variant"}}}
	invs := []*edgefn.Invalidation{{Rev: 5, Paths: []string{"/a"}}, {Rev: 9, Paths: []string{"/img/*"}}}
	d := newDistribution(&edgefn.Distribution{Account: "1", ID: "E1", Config: edgefn.DistributionConfig{
		Origins:              []edgefn.Origin{{ID: "o"}},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "o"},
		CacheBehaviors: []edgefn.CacheBehavior{
			{PathPattern: "/legacy/*", TargetOriginID: "o", Legacy: &edgefn.LegacyCache{Headers: []string{"Accept-Language"}, MaxTTL: 10, DefaultTTL: 10}},
			{PathPattern: "/own/*", TargetOriginID: "o", CachePolicyID: "own-id", CachedMethods: edgefn.MethodsGetHeadOptions},
			{PathPattern: "/gone/*", TargetOriginID: "o", CachePolicyID: "gone-id"},
			{PathPattern: "/managed/*", TargetOriginID: "o", CachePolicyID: edgefn.CachingOptimizedID},
		},
	}}, resolver{
		function: func(string) *Function { return nil },
		cachePolicy: func(account, id string) *edgefn.CachePolicyConfig {
			if account == "1" && id == "own-id" {
				return own
			}
			return nil
		},
		invalidations: func(string, string) []*edgefn.Invalidation { return invs },
	})
	if b := d.Behavior("/"); b.Cache != nil || b.Caches("GET") {
		t.Errorf("a behavior without settings caches: %+v", b.Cache)
	}
	if b := d.Behavior("/legacy/x"); b.Cache == nil || !slices.Equal(b.Cache.Headers.Items, []string{"accept-language"}) || b.Cache.MaxTTL != 10 {
		t.Errorf("legacy behavior: %+v", b.Cache)
	}
	b := d.Behavior("/own/x")
	if b.Cache == nil || b.Cache.Name != "own" || b.Cache.Headers.Items[0] != "x-variant" || own.Headers.Items[0] != "X-Variant" {
		t.Errorf("own policy %+v (the account's copy %+v)", b.Cache, own)
	}
	if !b.Caches("GET") || !b.Caches("HEAD") || !b.Caches("OPTIONS") || b.Caches("POST") || d.Behavior("/legacy/x").Caches("OPTIONS") {
		t.Error("cached methods")
	}
	if b := d.Behavior("/gone/x"); b.Cache != nil {
		t.Errorf("a missing policy caches: %+v", b.Cache)
	}
	if b := d.Behavior("/managed/x"); b.Cache == nil || b.Cache.DefaultTTL != 86400 {
		t.Errorf("managed policy: %+v", b.Cache)
	}
	for _, tt := range []struct {
		rev  int64
		path string
		want bool
	}{
		{4, "/a", true}, {5, "/a", false}, {4, "/a/b", false}, {8, "/img/x.png", true}, {9, "/img/x.png", false}, {1, "/im", false}, {1, "/img/", true},
	} {
		if got := d.Invalidated(tt.rev, tt.path); got != tt.want {
			t.Errorf("Invalidated(%d, %q) = %v, want %v", tt.rev, tt.path, got, tt.want)
		}
	}
}
