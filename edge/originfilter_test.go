package edge

import (
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// TestOriginFilter: CloudFront's rules for particular headers on top of
// what the policies select, and the query strings and cookies that go.
func TestOriginFilter(t *testing.T) {
	none := &edgefn.ManagedCachePolicy(edgefn.CachingDisabledID).Config
	optimized := &edgefn.ManagedCachePolicy(edgefn.CachingOptimizedID).Config
	listed := &edgefn.OriginRequestPolicyConfig{
		Headers:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyWhitelist, Items: []string{"User-Agent", "Accept-Encoding", "CloudFront-Viewer-Country"}},
		Cookies:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyNone},
		QueryStrings: edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyNone},
	}
	legacy := (&edgefn.LegacyCache{Headers: []string{"Referer"}}).Forwarding()
	tests := []struct {
		name   string
		o      originFilter
		header string
		want   bool
	}{
		{"no settings: everything", originFilter{}, "x-evil", true},
		{"policy: unnamed header", originFilter{f: edgefn.PolicyForwarding(none, nil)}, "x-evil", false},
		{"policy: body header", originFilter{f: edgefn.PolicyForwarding(none, nil)}, "content-type", true},
		{"policy: appended by the edge", originFilter{f: edgefn.PolicyForwarding(none, nil)}, "x-forwarded-for", true},
		{"policy: conditional header not named", originFilter{f: edgefn.PolicyForwarding(none, nil)}, "if-none-match", false},
		{"Authorization of a GET", originFilter{f: edgefn.PolicyForwarding(none, nil)}, "authorization", false},
		{"Authorization of a POST", originFilter{f: edgefn.PolicyForwarding(none, nil), unsafe: true}, "authorization", true},
		{"named User-Agent", originFilter{f: edgefn.PolicyForwarding(none, listed)}, "user-agent", true},
		{"named Accept-Encoding without compression", originFilter{f: edgefn.PolicyForwarding(none, listed)}, "accept-encoding", true},
		{"Accept-Encoding with compression is the edge's", originFilter{f: edgefn.PolicyForwarding(optimized, listed)}, "accept-encoding", false},
		{"a viewer's CloudFront header, even named", originFilter{f: edgefn.PolicyForwarding(none, listed)}, "cloudfront-viewer-country", false},
		{"legacy: other-defined header", originFilter{f: legacy}, "x-custom", true},
		{"legacy: removed header", originFilter{f: legacy}, "accept-language", false},
		{"legacy: removed header it lists", originFilter{f: legacy}, "referer", true},
		{"legacy: User-Agent replaced", originFilter{f: legacy}, "user-agent", false},
	}
	for _, tt := range tests {
		if got := tt.o.header(tt.header); got != tt.want {
			t.Errorf("%s: header(%q) = %v, want %v", tt.name, tt.header, got, tt.want)
		}
	}

	keyed := originFilter{f: edgefn.PolicyForwarding(&edgefn.CachePolicyConfig{
		QueryStrings: edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyWhitelist, Items: []string{"v", "a%20b"}},
		Cookies:      edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAllExcept, Items: []string{"sid"}},
	}, nil)}
	for _, tt := range []struct {
		raw, want string
		has       bool
	}{
		{"other=evil&v=1", "v=1", true},
		{"v=1&other=x&v=2", "v=1&v=2", true},
		{"a%20b=1&a+b=2", "a%20b=1", true},
		{"v", "v", true},
		{"evil=1", "", false},
		{"&&v=1&", "v=1", true},
	} {
		if got, has := keyed.query(tt.raw, true); got != tt.want || has != tt.has {
			t.Errorf("query(%q) = %q %v, want %q %v", tt.raw, got, has, tt.want, tt.has)
		}
	}
	if got, has := (originFilter{}).query("a=1", true); got != "a=1" || !has {
		t.Errorf("no settings: query %q %v", got, has)
	}
	if got := keyed.cookieHeader(event.ParseCookieHeader([]string{"sid=attacker; lang=en", "theme=dark"})); got != "lang=en; theme=dark" {
		t.Errorf("cookies %q", got)
	}
}
