package edgefn

import (
	"slices"
	"testing"
)

// TestForwarding: what a behavior forwards, by its cache policy and origin
// request policy or by its legacy settings.
func TestForwarding(t *testing.T) {
	keyed := &CachePolicyConfig{
		Headers:      CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"X-Variant", "CloudFront-Viewer-Country"}},
		Cookies:      CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"lang"}},
		QueryStrings: CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"v"}},
	}
	none := &ManagedCachePolicy(CachingOptimizedID).Config
	orp := &OriginRequestPolicyConfig{
		Headers:      CacheKeyItems{Behavior: CacheKeyAllExcept, Items: []string{"Host"}},
		Cookies:      CacheKeyItems{Behavior: CacheKeyAllExcept, Items: []string{"sid"}},
		QueryStrings: CacheKeyItems{Behavior: CacheKeyAll},
	}
	legacy := &LegacyCache{QueryString: false, Cookies: CacheKeyWhitelist, CookieNames: []string{"lang"}, Headers: []string{"Accept-Language"}}
	all := &LegacyCache{QueryString: true, Cookies: CacheKeyAll, Headers: []string{"*"}}
	tests := []struct {
		name                  string
		f                     *OriginForwarding
		query, cookie, header string
		want                  [3]bool // query, cookie, header selected
		legacy                bool
		cloudFront            []string
	}{
		{"key only: its names", PolicyForwarding(keyed, nil), "v", "lang", "x-variant", [3]bool{true, true, true}, false, []string{"cloudfront-viewer-country"}},
		{"key only: nothing else", PolicyForwarding(keyed, nil), "other", "sid", "x-evil", [3]bool{}, false, []string{"cloudfront-viewer-country"}},
		{"CachingOptimized", PolicyForwarding(none, nil), "v", "lang", "accept", [3]bool{}, false, nil},
		{"policy adds", PolicyForwarding(none, orp), "any", "lang", "x-evil", [3]bool{true, true, true}, false, nil},
		{"policy leaves out", PolicyForwarding(none, orp), "any", "sid", "host", [3]bool{true, false, false}, false, nil},
		{"AllViewer", PolicyForwarding(none, &ManagedOriginRequestPolicy(AllViewerID).Config), "q", "c", "host", [3]bool{true, true, true}, false, nil},
		{"legacy lists", legacy.Forwarding(), "v", "lang", "accept-language", [3]bool{false, true, true}, true, nil},
		{"legacy leaves out", legacy.Forwarding(), "v", "sid", "x-evil", [3]bool{}, true, nil},
		{"legacy *", all.Forwarding(), "v", "sid", "host", [3]bool{true, true, true}, true, nil},
	}
	for _, tt := range tests {
		got := [3]bool{tt.f.QueryString(tt.query), tt.f.Cookie(tt.cookie), tt.f.Header(tt.header)}
		if got != tt.want || tt.f.Legacy != tt.legacy || !slices.Equal(tt.f.CloudFront, tt.cloudFront) {
			t.Errorf("%s: selects %v (legacy %v, CloudFront %v), want %v (%v, %v)", tt.name, got, tt.f.Legacy, tt.f.CloudFront, tt.want, tt.legacy, tt.cloudFront)
		}
	}
	if f := PolicyForwarding(none, nil); !f.Gzip || !f.Brotli || f.AllQueryStrings() || f.AllCookies() {
		t.Errorf("CachingOptimized forwarding %+v", f)
	}
	cf := PolicyForwarding(none, &ManagedOriginRequestPolicy(AllViewerAndCloudFrontHeadersID).Config)
	if len(cf.CloudFront) != len(CloudFrontHeaders2022) || !cf.Header("x-anything") {
		t.Errorf("AllViewerAndCloudFrontHeaders-2022-06 forwarding %+v", cf)
	}
}
