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
	invs := []*edgefn.Invalidation{{Rev: 5, Paths: []string{"/a"}}, {Rev: 9, Paths: []string{"/img/*"}},
		{Rev: 12, Paths: []string{"/allq/v.css?v=2", "/q?a=*", "/alls*"}}}
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
		rev         int64
		path, query string
		want        bool
	}{
		{4, "/a", "", true}, {5, "/a", "", false}, {4, "/a/b", "", false}, {8, "/img/x.png", "", true}, {9, "/img/x.png", "", false},
		{1, "/im", "", false}, {1, "/img/", "", true},
		// A path without a query is the object without one.
		{4, "/a", "v=1", false},
		// A wildcard in the path covers every query.
		{8, "/img/x.png", "v=1", true},
		// A query names one version.
		{11, "/allq/v.css", "v=2", true}, {11, "/allq/v.css", "v=3", false}, {11, "/allq/v.css", "v=2&x=1", false},
		{11, "/allq/v.css", "", false}, {11, "/allsorts", "x=1", true},
		{12, "/allq/v.css", "v=2", false},
		// A wildcard in the query.
		{11, "/q", "a=1&b=2", true}, {11, "/q", "b=2&a=1", false}, {11, "/q2", "a=1", false}, {11, "/q", "", false},
	} {
		if got := d.Invalidated(tt.rev, tt.path, tt.query); got != tt.want {
			t.Errorf("Invalidated(%d, %q, %q) = %v, want %v", tt.rev, tt.path, tt.query, got, tt.want)
		}
	}
}
