package edge

import (
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

func request(uri, query string, headers, cookies event.Fields) *event.Request {
	return &event.Request{URI: uri, RawQuery: query, HasQuery: query != "", Querystring: event.ParseQuery(query), Headers: headers, Cookies: cookies}
}

// TestCacheKey: two requests share an object exactly when the policy's
// parts of them are equal.
func TestCacheKey(t *testing.T) {
	none := edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyNone}
	policy := func(q, h, c edgefn.CacheKeyItems) *edgefn.CachePolicyConfig {
		return &edgefn.CachePolicyConfig{QueryStrings: q, Headers: h, Cookies: c}
	}
	all := edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAll}
	only := func(names ...string) edgefn.CacheKeyItems {
		return edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyWhitelist, Items: names}
	}
	except := func(names ...string) edgefn.CacheKeyItems {
		return edgefn.CacheKeyItems{Behavior: edgefn.CacheKeyAllExcept, Items: names}
	}
	h := func(kv ...string) event.Fields {
		var fs event.Fields
		for i := 0; i < len(kv); i += 2 {
			fs = append(fs, event.Field{Name: kv[i], Value: kv[i+1]})
		}
		return fs
	}
	gzipBr := &edgefn.CachePolicyConfig{QueryStrings: none, Headers: none, Cookies: none, EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true}
	tests := []struct {
		name     string
		p        *edgefn.CachePolicyConfig
		m1, m2   string
		a, b     *event.Request
		sameWant bool
	}{
		{"no query strings: ignored", policy(none, none, none), "GET", "GET", request("/a", "x=1", nil, nil), request("/a", "x=2", nil, nil), true},
		{"paths differ", policy(none, none, none), "GET", "GET", request("/a", "", nil, nil), request("/b", "", nil, nil), false},
		{"HEAD shares GET", policy(none, none, none), "GET", "HEAD", request("/a", "", nil, nil), request("/a", "", nil, nil), true},
		{"OPTIONS apart", policy(none, none, none), "GET", "OPTIONS", request("/a", "", nil, nil), request("/a", "", nil, nil), false},
		{"all query strings: order counts", policy(all, none, none), "GET", "GET", request("/a", "x=1&y=2", nil, nil), request("/a", "y=2&x=1", nil, nil), false},
		{"all query strings: equal", policy(all, none, none), "GET", "GET", request("/a", "x=1&y=2", nil, nil), request("/a", "x=1&y=2", nil, nil), true},
		{"whitelist: other ignored", policy(only("x"), none, none), "GET", "GET", request("/a", "x=1&utm=a", nil, nil), request("/a", "utm=b&x=1", nil, nil), true},
		{"whitelist: listed differs", policy(only("x"), none, none), "GET", "GET", request("/a", "x=1", nil, nil), request("/a", "x=2", nil, nil), false},
		{"allExcept: excluded ignored", policy(except("utm"), none, none), "GET", "GET", request("/a", "x=1&utm=a", nil, nil), request("/a", "x=1&utm=b", nil, nil), true},
		{"allExcept: other differs", policy(except("utm"), none, none), "GET", "GET", request("/a", "x=1", nil, nil), request("/a", "x=2", nil, nil), false},
		{"headers none", policy(none, none, none), "GET", "GET", request("/a", "", h("accept-language", "fr"), nil), request("/a", "", h("accept-language", "de"), nil), true},
		{"header whitelist", policy(none, only("accept-language"), none), "GET", "GET", request("/a", "", h("accept-language", "fr"), nil), request("/a", "", h("accept-language", "de"), nil), false},
		{"cookies all: order ignored", policy(none, none, all), "GET", "GET", request("/a", "", nil, h("a", "1", "b", "2")), request("/a", "", nil, h("b", "2", "a", "1")), true},
		{"cookie whitelist: other ignored", policy(none, none, only("session")), "GET", "GET", request("/a", "", nil, h("session", "1", "t", "x")), request("/a", "", nil, h("session", "1")), true},
		{"cookie whitelist: listed differs", policy(none, none, only("session")), "GET", "GET", request("/a", "", nil, h("session", "1")), request("/a", "", nil, h("session", "2")), false},
		{"cookies none", policy(none, none, none), "GET", "GET", request("/a", "", nil, h("session", "1")), request("/a", "", nil, h("session", "2")), true},
		{"encodings normalised", gzipBr, "GET", "GET", request("/a", "", h("accept-encoding", "gzip, deflate, br"), nil), request("/a", "", h("accept-encoding", "br;q=1, gzip"), nil), true},
		{"gzip apart from identity", gzipBr, "GET", "GET", request("/a", "", h("accept-encoding", "gzip"), nil), request("/a", "", nil, nil), false},
		{"encodings not in key", policy(none, none, none), "GET", "GET", request("/a", "", h("accept-encoding", "gzip"), nil), request("/a", "", nil, nil), true},
	}
	for _, tt := range tests {
		key := func(method string, r *event.Request) string {
			return cacheKey(tt.p, "E1", method, r, keyQuery(tt.p, r), normalisedEncoding(tt.p, r.Headers))
		}
		same := key(tt.m1, tt.a) == key(tt.m2, tt.b)
		if same != tt.sameWant {
			t.Errorf("%s: same key %v, want %v", tt.name, same, tt.sameWant)
		}
	}
	if cacheKey(policy(none, none, none), "E1", "GET", request("/a", "", nil, nil), "", "") == cacheKey(policy(none, none, none), "E2", "GET", request("/a", "", nil, nil), "", "") {
		t.Error("two distributions share a key")
	}
}

// TestNormalisedEncoding: the Accept-Encoding CloudFront keys on and sends
// to the origin holds only the encodings the policy enables.
func TestNormalisedEncoding(t *testing.T) {
	both := &edgefn.CachePolicyConfig{EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true}
	gzipOnly := &edgefn.CachePolicyConfig{EnableAcceptEncodingGzip: true}
	off := &edgefn.CachePolicyConfig{}
	ae := func(v ...string) event.Fields {
		f := event.Field{Name: "accept-encoding", Value: v[0]}
		if len(v) > 1 {
			for _, x := range v {
				f.MultiValue = append(f.MultiValue, event.Value{Value: x})
			}
		}
		return event.Fields{f}
	}
	for _, tt := range []struct {
		name    string
		p       *edgefn.CachePolicyConfig
		headers event.Fields
		want    string
	}{
		{"browser", both, ae("gzip, deflate, br, zstd"), "br,gzip"},
		{"case and weights", both, ae("GZip;q=0.5, BR;q=1"), "br,gzip"},
		{"gzip only policy", gzipOnly, ae("gzip, br"), "gzip"},
		{"brotli not enabled, only br sent", gzipOnly, ae("br"), ""},
		{"identity", both, ae("identity"), ""},
		{"deflate only", both, ae("deflate"), ""},
		{"none sent", both, event.Fields{}, ""},
		{"lines repeated", both, ae("br", "gzip"), "br,gzip"},
		{"compression not in the policy", off, ae("gzip, br"), ""},
		{"token inside another", both, ae("x-gzip-ish, notbr"), ""},
	} {
		if got := normalisedEncoding(tt.p, tt.headers); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCacheTTL: CloudFront's TTL rules within MinTTL, DefaultTTL and MaxTTL.
func TestCacheTTL(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := func(minTTL, def, maxTTL int64) *edgefn.CachePolicyConfig {
		return &edgefn.CachePolicyConfig{MinTTL: minTTL, DefaultTTL: def, MaxTTL: maxTTL}
	}
	in := now.Add(90 * time.Second).Format(time.RFC1123)
	tests := []struct {
		name   string
		p      *edgefn.CachePolicyConfig
		status int
		cc     string
		exp    string
		want   time.Duration
	}{
		{"no header: DefaultTTL", p(0, 86400, 31536000), 200, "", "", 86400 * time.Second},
		{"max-age", p(0, 86400, 31536000), 200, "max-age=60", "", time.Minute},
		{"s-maxage wins", p(0, 86400, 31536000), 200, "max-age=60, s-maxage=120", "", 2 * time.Minute},
		{"max-age under MinTTL", p(300, 86400, 31536000), 200, "max-age=60", "", 5 * time.Minute},
		{"max-age over MaxTTL", p(0, 60, 600), 200, "max-age=3600", "", 10 * time.Minute},
		{"Expires", p(0, 86400, 31536000), 200, "", in, 90 * time.Second},
		{"Expires past", p(0, 86400, 31536000), 200, "", now.Add(-time.Hour).Format(time.RFC1123), 0},
		{"Expires bad", p(0, 86400, 31536000), 200, "", "soon", 0},
		{"max-age beats Expires", p(0, 86400, 31536000), 200, "max-age=5", in, 5 * time.Second},
		{"no-store", p(0, 86400, 31536000), 200, "no-store", "", 0},
		{"private", p(0, 86400, 31536000), 200, "private, max-age=60", "", 0},
		{"no-cache", p(0, 86400, 31536000), 200, "no-cache", "", 0},
		{"no-store under MinTTL", p(30, 86400, 31536000), 200, "no-store", "", 30 * time.Second},
		{"caching disabled", p(0, 0, 0), 200, "max-age=60", "", 0},
		{"404: error caching", p(0, 86400, 31536000), 404, "", "", 10 * time.Second},
		{"404 with a longer max-age", p(0, 86400, 31536000), 404, "max-age=60", "", time.Minute},
		{"404 with a shorter max-age", p(0, 86400, 31536000), 404, "max-age=3", "", 10 * time.Second},
		{"404 s-maxage before max-age", p(0, 86400, 31536000), 404, "s-maxage=30, max-age=60", "", 30 * time.Second},
		{"503 private", p(0, 86400, 31536000), 503, "private", "", 0},
		{"201 not cached", p(0, 86400, 31536000), 201, "max-age=60", "", 0},
		{"206 not cached", p(0, 86400, 31536000), 206, "", "", 0},
		{"301 cached", p(0, 86400, 31536000), 301, "max-age=7", "", 7 * time.Second},
	}
	for _, tt := range tests {
		got := cacheTTL(tt.p, originCaching{status: tt.status, cacheControl: tt.cc, expires: tt.exp, errorMinTTL: 10 * time.Second}, now)
		if got != tt.want {
			t.Errorf("%s: TTL %v, want %v", tt.name, got, tt.want)
		}
	}
}
