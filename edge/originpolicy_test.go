package edge_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// keyedPolicy creates a cache policy whose key is query string v, header
// X-Variant and cookie lang, and returns its id.
func (e *env) keyedPolicy() string {
	e.t.Helper()
	out, err := e.cf.CreateCachePolicy(e.t.Context(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &types.CachePolicyConfig{
		Name: aws.String("keyed"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(300), MaxTTL: aws.Int64(3600),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig: &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorWhitelist,
				Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"X-Variant"}}},
			CookiesConfig: &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorWhitelist,
				Cookies: &types.CookieNames{Quantity: aws.Int32(1), Items: []string{"lang"}}},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings: &types.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}}},
		},
	}})
	if err != nil {
		e.t.Fatalf("CreateCachePolicy: %v", err)
	}
	return *out.CachePolicy.Id
}

// hostile are the headers of a viewer trying to get its own values into
// objects other viewers are served.
var hostile = []string{
	"Cookie", "sid=attacker; lang=en",
	"X-Variant", "a",
	"X-Evil", "1",
	"Accept-Language", "xx",
	"User-Agent", "evil-agent",
	"Authorization", "Bearer stolen",
	"Referer", "https://evil.example/",
	"CloudFront-Viewer-Country", "XX",
	"Accept-Encoding", "gzip, deflate",
}

// TestOriginRequestPolicies: only the cache key, plus what an origin
// request policy adds, reaches the origin; what a viewer sends besides can
// neither reach it nor end up in an object served to others.
func TestOriginRequestPolicies(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := e.origin("web")
	keyed := e.keyedPolicy()
	orp, err := e.cf.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: &types.OriginRequestPolicyConfig{
		Name: aws.String("extra"),
		HeadersConfig: &types.OriginRequestPolicyHeadersConfig{HeaderBehavior: types.OriginRequestPolicyHeaderBehaviorWhitelist,
			Headers: &types.Headers{Quantity: aws.Int32(3), Items: []string{"X-Extra", "CloudFront-Forwarded-Proto", "CloudFront-Viewer-Address"}}},
		CookiesConfig: &types.OriginRequestPolicyCookiesConfig{CookieBehavior: types.OriginRequestPolicyCookieBehaviorWhitelist,
			Cookies: &types.CookieNames{Quantity: aws.Int32(1), Items: []string{"sid"}}},
		QueryStringsConfig: &types.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: types.OriginRequestPolicyQueryStringBehaviorAll},
	}})
	if err != nil {
		t.Fatalf("CreateOriginRequestPolicy: %v", err)
	}
	behavior := func(pattern, cachePolicy, orp string) types.CacheBehavior {
		b := types.CacheBehavior{PathPattern: aws.String(pattern), TargetOriginId: aws.String("web"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachePolicy), AllowedMethods: allMethods()}
		if orp != "" {
			b.OriginRequestPolicyId = aws.String(orp)
		}
		return b
	}
	const cachingOptimized, cachingDisabled = "658327ea-f89d-4fab-a63d-7e88639e58f6", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	d := e.distribution("orp", nil, []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		items := []types.CacheBehavior{
			behavior("/keyed/*", keyed, ""),
			behavior("/opt/*", cachingOptimized, ""),
			behavior("/orp/*", cachingOptimized, *orp.OriginRequestPolicy.Id),
			behavior("/all/*", cachingDisabled, "216adef6-5c7f-47e4-b989-5492eafa07d3"),
			behavior("/nohost/*", cachingDisabled, "b689b0a8-53d0-40ab-baf2-68738e2966ac"),
		}
		c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(int32(len(items))), Items: items}
		legacyCaching(c)
		c.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{
			QueryString: aws.Bool(false),
			Cookies:     &types.CookiePreference{Forward: types.ItemSelectionWhitelist, WhitelistedNames: &types.CookieNames{Quantity: aws.Int32(1), Items: []string{"lang"}}},
			Headers:     &types.Headers{Quantity: aws.Int32(1), Items: []string{"Accept-Language"}},
		}
	})
	host := *d.DomainName

	t.Run("the poisoning attempt", func(t *testing.T) {
		r := e.get(host, "/keyed/q2?other=evil&v=1", hostile...)
		got := r.received(t)
		if got.URI != "/keyed/q2?v=1" {
			t.Errorf("origin URI %q, want only the key's query string", got.URI)
		}
		wantHeaders(t, got.Header, map[string]string{
			"Cookie": "lang=en", "X-Variant": "a", "User-Agent": "Amazon CloudFront",
			"X-Evil": "", "Accept-Language": "", "Authorization": "", "Referer": "", "Cloudfront-Viewer-Country": "", "Accept-Encoding": "",
		})
		if got.Host != "localhost" {
			t.Errorf("origin Host %q, want the origin's", got.Host)
		}
		// Another viewer of ?v=1 is served the object the clean request made.
		hit := e.get(host, "/keyed/q2?v=1", "Cookie", "lang=en", "X-Variant", "a")
		if hit.header.Get("X-Cache") != "Hit from cloudfront" || hit.body != r.body {
			t.Fatalf("second viewer: %s, body %s", hit.header.Get("X-Cache"), hit.body)
		}
		if served := hit.received(t); served.URI != "/keyed/q2?v=1" || served.Header.Get("Cookie") != "lang=en" || served.Header.Get("X-Evil") != "" {
			t.Errorf("the object served to others was made from %s %v", served.URI, served.Header)
		}
	})

	tests := []struct {
		name, target string
		uri          string
		want         map[string]string // header -> value at the origin ("": absent)
		host         string
	}{
		{"CachingOptimized forwards no query, cookie or viewer header", "/opt/x?evil=1", "/opt/x",
			map[string]string{"Cookie": "", "X-Evil": "", "X-Variant": "", "User-Agent": "Amazon CloudFront", "Accept-Encoding": "gzip"}, "localhost"},
		{"an origin request policy adds its own", "/orp/x?evil=1&v=2", "/orp/x?evil=1&v=2",
			map[string]string{"Cookie": "sid=attacker", "X-Extra": "yes", "X-Evil": "", "X-Variant": "",
				"Cloudfront-Forwarded-Proto": "http", "Cloudfront-Viewer-Country": ""}, "localhost"},
		{"AllViewer forwards every viewer header, Host included", "/all/x?evil=1", "/all/x?evil=1",
			map[string]string{"Cookie": "sid=attacker; lang=en", "X-Evil": "1", "User-Agent": "evil-agent", "Authorization": "Bearer stolen",
				"Cloudfront-Viewer-Country": ""}, ""},
		{"AllViewerExceptHostHeader keeps the origin's Host", "/nohost/x", "/nohost/x",
			map[string]string{"X-Evil": "1", "Accept-Language": "xx"}, "localhost"},
		{"ForwardedValues forward other headers and what they list", "/legacy?evil=1", "/legacy",
			map[string]string{"Cookie": "lang=en", "X-Evil": "1", "Accept-Language": "xx", "Referer": "", "Authorization": "", "User-Agent": "Amazon CloudFront"}, "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.get(host, tt.target, append(hostile, "X-Extra", "yes")...).received(t)
			if got.URI != tt.uri {
				t.Errorf("origin URI %q, want %q", got.URI, tt.uri)
			}
			wantHeaders(t, got.Header, tt.want)
			wantHost := tt.host
			if wantHost == "" {
				wantHost = host
			}
			if got.Host != wantHost {
				t.Errorf("origin Host %q, want %q", got.Host, wantHost)
			}
		})
	}
	t.Run("CloudFront-Viewer-Address", func(t *testing.T) {
		got := e.get(host, "/orp/y").received(t)
		if a := got.Header.Get("Cloudfront-Viewer-Address"); !strings.HasPrefix(a, "127.0.0.1:") || a == "127.0.0.1:0" {
			t.Errorf("CloudFront-Viewer-Address %q", a)
		}
	})
	t.Run("a POST keeps its body and Authorization", func(t *testing.T) {
		got := e.do("POST", host, "/opt/form", "a=1", "Content-Type", "text/plain", "Authorization", "Bearer t").received(t)
		if got.Body != "a=1" || got.Header.Get("Content-Type") != "text/plain" || got.Header.Get("Authorization") != "Bearer t" {
			t.Errorf("POST reached the origin as %+v", got)
		}
	})
}

// TestOriginRequestAfterFunction: the policy filters the request the
// viewer-request function returned, not the viewer's.
func TestOriginRequestAfterFunction(t *testing.T) {
	e := newEnv(t)
	o := e.origin("web")
	keyed := e.keyedPolicy()
	fn := e.function("rewrite", `function handler(event) {
	var r = event.request;
	r.headers['x-variant'] = {value: 'from-function'};
	r.headers['x-added'] = {value: 'dropped'};
	r.querystring.v = {value: '9'};
	r.querystring.added = {value: 'dropped'};
	r.cookies.lang = {value: 'fr'};
	return r;
}`)
	d := e.distribution("orp-fn", behaviorFns(fn, ""), []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.CachePolicyId = aws.String(keyed)
	})
	got := e.get(*d.DomainName, "/p?v=1&evil=1", hostile...).received(t)
	if got.URI != "/p?v=9" {
		t.Errorf("origin URI %q, want the function's v only", got.URI)
	}
	wantHeaders(t, got.Header, map[string]string{"X-Variant": "from-function", "Cookie": "lang=fr", "X-Added": "", "X-Evil": ""})
}

func wantHeaders(t *testing.T, h http.Header, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got := strings.Join(h.Values(name), ", "); got != v {
			t.Errorf("origin header %s = %q, want %q", name, got, v)
		}
	}
}
