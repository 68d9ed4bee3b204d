package edge

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
)

// TestApplyResponseHeaders: the rules of a response headers policy on one
// response: what is removed, what is set over the origin's or not, CORS for
// simple and preflight requests, allowed and refused origins.
func TestApplyResponseHeaders(t *testing.T) {
	managed := func(id string) *edgefn.ResponseHeadersPolicyConfig {
		return &edgefn.ManagedResponseHeadersPolicy(id).Config
	}
	maxAge := int64(600)
	listed := &edgefn.ResponseHeadersPolicyConfig{CORS: &edgefn.ResponseCORS{
		AllowOrigins: []string{"https://app.example.com", "https://*.example.org", "*.example.net"},
		AllowHeaders: []string{"X-Token", "Content-Type"}, AllowMethods: []string{"GET", "PUT"},
		ExposeHeaders: []string{"X-Request-Id"}, AllowCredentials: true, MaxAgeSec: &maxAge,
	}}
	overriding := &edgefn.ResponseHeadersPolicyConfig{CORS: &edgefn.ResponseCORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"ALL"}, OriginOverride: true}}
	custom := &edgefn.ResponseHeadersPolicyConfig{
		CustomHeaders: []edgefn.CustomResponseHeader{
			{Header: "Cache-Control", Value: "no-store", Override: true},
			{Header: "X-Team", Value: "edge", Override: false},
		},
		RemoveHeaders: []string{"X-Powered-By", "Vary", "Server", "X-Team"},
		Security: &edgefn.SecurityHeaders{
			XSSProtection:           &edgefn.XSSProtection{Protection: true, ReportURI: "https://r.example/x", Override: true},
			ContentSecurityPolicy:   &edgefn.ContentSecurityPolicy{ContentSecurityPolicy: "default-src 'self'", Override: true},
			StrictTransportSecurity: &edgefn.StrictTransportSecurity{MaxAgeSec: 100, IncludeSubdomains: true, Preload: true},
			ReferrerPolicy:          &edgefn.ReferrerPolicy{ReferrerPolicy: "no-referrer"},
		},
	}
	for _, tt := range []struct {
		name   string
		policy *edgefn.ResponseHeadersPolicyConfig
		method string
		req    map[string]string
		origin map[string]string // the response before the policy
		want   map[string]string // "" for a header that must be absent
	}{
		{"security headers added", managed(edgefn.SecurityHeadersPolicyID), "GET", nil, nil, map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN", "X-XSS-Protection": "1; mode=block",
			"Referrer-Policy": "strict-origin-when-cross-origin", "Strict-Transport-Security": "max-age=31536000",
			"Access-Control-Allow-Origin": "",
		}},
		{"the origin's security headers kept, but nosniff always", managed(edgefn.SecurityHeadersPolicyID), "GET", nil,
			map[string]string{"X-Frame-Options": "DENY", "Strict-Transport-Security": "max-age=5", "X-Content-Type-Options": "sniff-away"},
			map[string]string{"X-Frame-Options": "DENY", "Strict-Transport-Security": "max-age=5", "X-Content-Type-Options": "nosniff"}},
		{"no CORS headers without an Origin", managed(edgefn.SimpleCORSID), "GET", nil, nil, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"simple CORS", managed(edgefn.SimpleCORSID), "GET", map[string]string{"Origin": "https://a.example"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "*", "Vary": "", "Access-Control-Allow-Methods": ""}},
		{"simple CORS keeps the origin's", managed(edgefn.SimpleCORSID), "GET", map[string]string{"Origin": "https://a.example"},
			map[string]string{"Access-Control-Allow-Origin": "https://a.example"}, map[string]string{"Access-Control-Allow-Origin": "https://a.example"}},
		{"a GET is no preflight", managed(edgefn.CORSWithPreflightID), "GET", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "", "Access-Control-Expose-Headers": "*"}},
		{"an OPTIONS without Access-Control-Request-Method is no preflight", managed(edgefn.CORSWithPreflightID), "OPTIONS", map[string]string{"Origin": "https://a.example"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ""}},
		{"preflight", managed(edgefn.CORSWithPreflightID), "OPTIONS", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT",
				"Access-Control-Expose-Headers": "*", "Access-Control-Allow-Headers": "", "Access-Control-Max-Age": "", "Access-Control-Allow-Credentials": ""}},
		{"preflight keeps the origin's methods", managed(edgefn.CORSWithPreflightID), "OPTIONS", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"},
			map[string]string{"Access-Control-Allow-Methods": "GET"}, map[string]string{"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Origin": "*"}},
		{"override replaces the origin's, ALL is every method", overriding, "OPTIONS", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT"},
			map[string]string{"Access-Control-Allow-Origin": "https://evil.example", "Access-Control-Allow-Methods": "GET"},
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"}},
		{"a listed origin is echoed, with Vary", listed, "OPTIONS", map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"},
			map[string]string{"Vary": "Accept-Encoding"},
			map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Accept-Encoding, Origin", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Allow-Headers": "X-Token, Content-Type", "Access-Control-Max-Age": "600",
				"Access-Control-Expose-Headers": "X-Request-Id"}},
		{"a subdomain of a *. origin", listed, "GET", map[string]string{"Origin": "https://a.b.example.org"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "https://a.b.example.org", "Vary": "Origin", "Access-Control-Max-Age": ""}},
		{"a *. origin without a scheme matches any scheme", listed, "GET", map[string]string{"Origin": "http://x.example.net"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "http://x.example.net"}},
		{"the *. domain itself is not a subdomain", listed, "GET", map[string]string{"Origin": "https://example.org"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": ""}},
		{"a lookalike domain is refused", listed, "GET", map[string]string{"Origin": "https://evilexample.org"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"a suffix attack is refused", listed, "GET", map[string]string{"Origin": "https://app.example.com.evil.test"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"another scheme is refused", listed, "GET", map[string]string{"Origin": "http://app.example.com"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"a port in the Origin is refused for an item without it", listed, "GET", map[string]string{"Origin": "https://x.example.org:8443"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"a path in front of a *. domain is refused", listed, "GET", map[string]string{"Origin": "https://evil.test/.example.org"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"user info in front of a *. domain is refused", listed, "GET", map[string]string{"Origin": "https://evil.test@x.example.org"}, nil,
			map[string]string{"Access-Control-Allow-Origin": ""}},
		{"upper case matches", listed, "GET", map[string]string{"Origin": "HTTPS://App.Example.COM"}, nil,
			map[string]string{"Access-Control-Allow-Origin": "HTTPS://App.Example.COM"}},
		{"Origin: null is refused", listed, "GET", map[string]string{"Origin": "null"}, nil, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"remove first, then add; Server becomes CloudFront", custom, "GET", nil,
			map[string]string{"X-Powered-By": "PHP", "Vary": "Cookie", "Server": "nginx", "X-Team": "origin", "Cache-Control": "max-age=60",
				"Content-Security-Policy": "none", "Referrer-Policy": "origin"},
			map[string]string{"X-Powered-By": "", "Vary": "", "Server": "CloudFront", "X-Team": "edge", "Cache-Control": "no-store",
				"Content-Security-Policy": "default-src 'self'", "Referrer-Policy": "origin",
				"X-XSS-Protection": "1; report=https://r.example/x", "Strict-Transport-Security": "max-age=100; includeSubDomains; preload"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var req fasthttp.RequestHeader
			req.SetMethod(tt.method)
			for k, v := range tt.req {
				req.Set(k, v)
			}
			var resp fasthttp.ResponseHeader
			for k, v := range tt.origin {
				resp.Set(k, v)
			}
			applyResponseHeaders(tt.policy.Rules(), &req, &resp)
			for k, want := range tt.want {
				if got := string(resp.Peek(k)); got != want {
					t.Errorf("%s: %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestServerTimingValue: the metrics of a hit, a refresh, a miss (after
// which the origin's own metrics follow) and a generated response.
func TestServerTimingValue(t *testing.T) {
	for _, tt := range []struct {
		result, origin string
		want           []string
		not            []string
	}{
		{resultHit, "db;dur=53", []string{"cdn-cache-hit,", `cdn-hit-layer;desc="EDGE"`, `cdn-pop;desc="TST1"`, `cdn-rid;desc="rid"`, "cdn-downstream-fbl;dur="}, []string{"db;dur", "cdn-cache-miss"}},
		{resultRefreshHit, "", []string{"cdn-cache-refresh,"}, []string{"cdn-hit-layer"}},
		{resultMiss, "db;dur=53", []string{`cdn-upstream-layer;desc="EDGE",cdn-cache-miss,`, ",db;dur=53"}, []string{"cdn-cache-hit"}},
		{resultGenerated, "", []string{`cdn-pop;desc="TST1"`}, []string{"cdn-cache"}},
	} {
		x := &exchange{id: "rid", result: tt.result}
		got := x.serverTiming("TST1", []byte(tt.origin))
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.result, got, w)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q has %q", tt.result, got, n)
			}
		}
	}
}

// BenchmarkApplyResponseHeaders: the managed CORS-with-preflight and
// security headers on one CORS response, the work a policy adds to a hit.
func BenchmarkApplyResponseHeaders(b *testing.B) {
	rules := edgefn.ManagedResponseHeadersPolicy(edgefn.CORSWithPreflightAndSecurityHeadersID).Config.Rules()
	var req fasthttp.RequestHeader
	req.SetMethod("GET")
	req.Set("Origin", "https://app.example.com")
	var resp fasthttp.ResponseHeader
	b.ReportAllocs()
	for b.Loop() {
		resp.Reset()
		resp.Set("Content-Type", "text/html")
		applyResponseHeaders(rules, &req, &resp)
	}
}
