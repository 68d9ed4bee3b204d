package edgefn

import (
	"reflect"
	"testing"
)

// TestLegacyPolicy: ForwardedValues as the equivalent cache policy.
func TestLegacyPolicy(t *testing.T) {
	tests := []struct {
		name string
		l    LegacyCache
		want CachePolicyConfig
	}{
		{"nothing forwarded", LegacyCache{DefaultTTL: 86400, MaxTTL: 31536000, Cookies: "none"}, CachePolicyConfig{
			DefaultTTL: 86400, MaxTTL: 31536000,
			QueryStrings: CacheKeyItems{Behavior: "none"}, Headers: CacheKeyItems{Behavior: "none"}, Cookies: CacheKeyItems{Behavior: "none"},
		}},
		{"query string keys, cookies", LegacyCache{QueryString: true, QueryStringCacheKeys: []string{"v"}, Cookies: "whitelist", CookieNames: []string{"s"}, Headers: []string{"Origin"}, MaxTTL: 10}, CachePolicyConfig{
			MaxTTL:       10,
			QueryStrings: CacheKeyItems{Behavior: "whitelist", Items: []string{"v"}}, Headers: CacheKeyItems{Behavior: "whitelist", Items: []string{"Origin"}}, Cookies: CacheKeyItems{Behavior: "whitelist", Items: []string{"s"}},
		}},
		{"all headers: no caching", LegacyCache{QueryString: true, Headers: []string{"*"}, Cookies: "all", MinTTL: 5, DefaultTTL: 10, MaxTTL: 20}, CachePolicyConfig{
			QueryStrings: CacheKeyItems{Behavior: "all"}, Headers: CacheKeyItems{Behavior: "none"}, Cookies: CacheKeyItems{Behavior: "none"},
		}},
	}
	for _, tt := range tests {
		got := tt.l.Policy()
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
