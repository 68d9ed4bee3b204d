package replica

import (
	"math/rand/v2"
	"slices"
	"strings"
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

// TestHostTable: the host table gives the same answer whatever order the
// distributions come in (they come from a map): a generated DomainName is
// never taken by an alias, an exact alias wins over wildcards, the most
// specific wildcard wins, and a name claimed twice (data stored before the
// store refused that) goes to the first distribution by ARN.
func TestHostTable(t *testing.T) {
	dist := func(account, id string, aliases ...string) *Distribution {
		return &Distribution{Account: account, ID: id, DomainName: strings.ToLower(id) + ".cloudfront.net", Aliases: aliases}
	}
	victim := dist("111111111111", "EVICTIM")
	ds := []*Distribution{
		victim,
		dist("222222222222", "ETHIEF", "evictim.cloudfront.net", "*.cloudfront.net", "shop.example.com"),
		dist("111111111111", "EWIDE", "*.example.com"),
		dist("111111111111", "ENARROW", "*.img.example.com"),
		dist("111111111111", "EEXACT", "a.img.example.com"),
		dist("333333333333", "ELATER", "shop.example.com", "*.example.com"),
	}
	want := map[string]string{
		"evictim.cloudfront.net":   "EVICTIM",
		"EVICTIM.cloudfront.net:8": "EVICTIM",
		"other.cloudfront.net":     "ETHIEF",
		"a.img.example.com":        "EEXACT",
		"b.img.example.com":        "ENARROW",
		"x.y.img.example.com":      "ENARROW",
		"img.example.com":          "EWIDE",
		"www.example.com":          "EWIDE",
		"example.com":              "",
		// An exact alias beats any wildcard, and of two exact claims the
		// first by ARN wins.
		"shop.example.com": "ETHIEF",
	}
	for round := range 20 {
		shuffled := slices.Clone(ds)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s := &State{hosts: map[string]*Distribution{}, wildcards: map[string]*Distribution{}}
		conflicts := s.hostTable(shuffled)
		slices.Sort(conflicts)
		if want := []string{"*.example.com", "evictim.cloudfront.net", "shop.example.com"}; !slices.Equal(conflicts, want) {
			t.Errorf("round %d: conflicts %v, want %v", round, conflicts, want)
		}
		for host, id := range want {
			got := ""
			if d := s.Distribution(host); d != nil {
				got = d.ID
			}
			if got != id {
				t.Errorf("round %d: %s -> %q, want %q", round, host, got, id)
			}
		}
	}
}
