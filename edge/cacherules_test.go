package edge_test

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
)

// xCache is a reply's X-Cache without " from cloudfront".
func (r reply) xCache() string {
	return strings.TrimSuffix(r.header.Get("X-Cache"), " from cloudfront")
}

// legacyBehavior is a behavior for pattern caching by ForwardedValues (all
// query strings, no cookies), without compression.
func legacyBehavior(pattern string) types.CacheBehavior {
	return types.CacheBehavior{
		PathPattern: aws.String(pattern), TargetOriginId: aws.String("cached"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
		ForwardedValues: &types.ForwardedValues{QueryString: aws.Bool(true), Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone}},
		MinTTL:          aws.Int64(0), DefaultTTL: aws.Int64(3600), MaxTTL: aws.Int64(86400),
	}
}

// compressing caches by ForwardedValues and compresses; /legacy/* caches
// by ForwardedValues without compression.
func compressing(c *types.DistributionConfig) {
	legacyCaching(c)
	c.DefaultCacheBehavior.Compress = aws.Bool(true)
	c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{legacyBehavior("/legacy/*")}}
}

// TestCacheAcceptEncoding: with compression in the key the origin gets, and
// the key holds, the normalised Accept-Encoding, and the edge compresses
// what CloudFront compresses; without it, the origin gets no
// Accept-Encoding, so a viewer that sent none never gets a compressed body.
func TestCacheAcceptEncoding(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	// Legacy settings with Compress: gzip only, in the key.
	d := e.distribution("encodings", nil, []types.Origin{o.customOrigin("")}, compressing)
	host := *d.DomainName
	const page = "/page.html?ct=text/html&size=2000&etag=%22v1%22"

	t.Run("legacy with Compress: gzip normalised, in the key and to the origin", func(t *testing.T) {
		r := e.get(host, page, "Accept-Encoding", "gzip, deflate, br")
		if got := o.received().Get("Accept-Encoding"); got != "gzip" {
			t.Errorf("origin got Accept-Encoding %q, want gzip", got)
		}
		if r.xCache() != "Miss" || r.header.Get("Content-Encoding") != "gzip" || r.header.Get("ETag") != `W/"v1"` {
			t.Fatalf("first: %s %v", r.xCache(), r.header)
		}
		plain, err := fasthttp.AppendGunzipBytes(nil, []byte(r.body))
		if err != nil || len(plain) != 2000 || !strings.HasPrefix(string(plain), "response ") {
			t.Errorf("gunzip: %d bytes, %v", len(plain), err)
		}
		if r := e.get(host, page, "Accept-Encoding", "gzip"); r.xCache() != "Hit" || r.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("gzip again: %s %v", r.xCache(), r.header)
		}
		r = e.get(host, page)
		if r.xCache() != "Miss" || r.header.Get("Content-Encoding") != "" || len(r.body) != 2000 {
			t.Errorf("no Accept-Encoding: %s %q, %d bytes", r.xCache(), r.header.Get("Content-Encoding"), len(r.body))
		}
		if _, ok := o.received()["Accept-Encoding"]; ok {
			t.Errorf("origin got Accept-Encoding %q for a viewer that sent none", o.received().Get("Accept-Encoding"))
		}
	})

	t.Run("no compression in the key: the origin gets no Accept-Encoding", func(t *testing.T) {
		r := e.get(host, "/legacy/a?ct=text/html&size=2000", "Accept-Encoding", "gzip")
		if got, ok := o.received()["Accept-Encoding"]; ok || r.header.Get("Content-Encoding") != "" {
			t.Errorf("origin got Accept-Encoding %q; viewer got Content-Encoding %q", got, r.header.Get("Content-Encoding"))
		}
		if r := e.get(host, "/legacy/a?ct=text/html&size=2000"); r.xCache() != "Hit" || r.header.Get("Content-Encoding") != "" {
			t.Errorf("viewer without Accept-Encoding: %s %v", r.xCache(), r.header)
		}
	})

	t.Run("not compressed", func(t *testing.T) {
		for _, target := range []string{
			"/n1?ct=image/png&size=2000",
			"/n2?ct=text/html&size=999",
			"/n3?ct=text/html&size=2000&ce=identity",
			"/n4?ct=text/html&size=2000&cc=no-transform",
			"/n5?ct=text/html&size=2000&status=410",
		} {
			if r := e.get(host, target, "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") == "gzip" {
				t.Errorf("%s compressed", target)
			}
		}
		if r := e.get(host, "/n6?ct=text/css;%20charset=utf-8&size=1000&status=404", "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("a 404 of 1000 bytes of CSS: %v", r.header)
		}
	})

	t.Run("Vary: * is not cached", func(t *testing.T) {
		for i, want := range []string{"Miss", "Miss"} {
			if r := e.get(host, "/v?vary=*"); r.xCache() != want {
				t.Errorf("request %d: %s, want %s", i, r.xCache(), want)
			}
		}
	})
}

// TestCacheBrotli: a cache policy with both encodings serves Brotli to a
// viewer that accepts it, gzip to one that accepts only gzip, and each from
// its own object.
func TestCacheBrotli(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("brotli", nil, []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.CachePolicyId = aws.String(edgefn.CachingOptimizedID)
		// The test origin reads its answer's size and type from the query,
		// which CachingOptimized alone would not forward.
		c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String(edgefn.AllViewerExceptHostHeaderID)
		c.DefaultCacheBehavior.Compress = aws.Bool(true)
	})
	host := *d.DomainName
	r := e.get(host, "/app.js", "Accept-Encoding", "gzip, deflate, br, zstd")
	if got := o.received().Get("Accept-Encoding"); got != "br,gzip" {
		t.Errorf("origin got Accept-Encoding %q, want br,gzip", got)
	}
	if r.header.Get("Content-Encoding") != "" {
		// The origin says text/plain by sniffing: compressible, but
		// "response 1" is under 1,000 bytes.
		t.Errorf("small object compressed: %v", r.header)
	}
	// CachingOptimized keys on no query strings: one object per encoding.
	big := "/big.txt?size=5000&ct=text/plain"
	r = e.get(host, big, "Accept-Encoding", "br, gzip")
	plain, err := fasthttp.AppendUnbrotliBytes(nil, []byte(r.body))
	if r.header.Get("Content-Encoding") != "br" || err != nil || len(plain) != 5000 || r.header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("brotli: %v, %d bytes, %v", r.header, len(plain), err)
	}
	if r := e.get(host, big, "Accept-Encoding", "gzip"); r.xCache() != "Miss" || r.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("gzip viewer: %s %v", r.xCache(), r.header)
	}
	if r := e.get(host, big, "Accept-Encoding", "br;q=1.0, gzip;q=0.8"); r.xCache() != "Hit" || r.header.Get("Content-Encoding") != "br" {
		t.Errorf("second brotli viewer: %s %v", r.xCache(), r.header)
	}
}

// TestCacheStale: an expired object stands in for an origin that answers
// 5xx or cannot be reached, unless stale-if-error has run out; with
// stale-while-revalidate the viewer gets the stale object at once while the
// edge refreshes it.
func TestCacheStale(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("stale", nil, []types.Origin{o.customOrigin("")}, legacyCaching)
	host := *d.DomainName
	for _, target := range []string{"/s?cc=max-age%3D1", "/sie?cc=max-age%3D1,stale-if-error%3D0", "/swr?cc=max-age%3D1,stale-while-revalidate%3D60"} {
		if r := e.get(host, target); r.xCache() != "Miss" {
			t.Fatalf("%s: %s", target, r.xCache())
		}
	}
	time.Sleep(1100 * time.Millisecond)

	before := o.hits.Load()
	r := e.get(host, "/swr?cc=max-age%3D1,stale-while-revalidate%3D60")
	if r.xCache() != "Hit" || r.body != "response 3" {
		t.Errorf("stale-while-revalidate: %s %q", r.xCache(), r.body)
	}
	deadline := time.Now().Add(waitFor)
	for e.get(host, "/swr?cc=max-age%3D1,stale-while-revalidate%3D60").body == "response 3" {
		if time.Now().After(deadline) {
			t.Fatal("the object was never refreshed in the background")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := o.hits.Load() - before; n != 1 {
		t.Errorf("origin reached %d times by the refresh, want 1", n)
	}

	o.failing.Store(true)
	r = e.get(host, "/s?cc=max-age%3D1")
	if r.status != 200 || r.body != "response 1" || r.xCache() != "Hit" {
		t.Errorf("origin 503, stale object: %d %q %s", r.status, r.body, r.xCache())
	}
	before = o.hits.Load()
	if r := e.get(host, "/s?cc=max-age%3D1"); r.body != "response 1" || o.hits.Load() != before {
		t.Errorf("within the error caching minimum TTL: %q, origin reached %d times", r.body, o.hits.Load()-before)
	}
	if r := e.get(host, "/sie?cc=max-age%3D1,stale-if-error%3D0"); r.status != 503 {
		t.Errorf("stale-if-error=0: %d %q", r.status, r.body)
	}

	// An origin that cannot be reached: the stale object too.
	o.failing.Store(false)
	if r := e.get(host, "/t?cc=max-age%3D1"); r.xCache() != "Miss" {
		t.Fatalf("/t: %s", r.xCache())
	}
	time.Sleep(1100 * time.Millisecond)
	o.srv.Close()
	if r := e.get(host, "/t?cc=max-age%3D1"); r.status != 200 || !strings.HasPrefix(r.body, "response ") {
		t.Errorf("unreachable origin: %d %q", r.status, r.body)
	}
	if r := e.get(host, "/never?x"); r.status != 502 {
		t.Errorf("unreachable origin, nothing cached: %d", r.status)
	}
}

// TestCacheInvalidationQuery: an invalidation path with a query invalidates
// that version of the object only.
func TestCacheInvalidationQuery(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("invq", nil, []types.Origin{o.customOrigin("")}, legacyCaching)
	host := *d.DomainName
	for _, target := range []string{"/allq/v.css?v=2", "/allq/v.css?v=3", "/allq/v.css", "/w/a?x=1"} {
		e.get(host, target)
	}
	_, err := e.cf.CreateInvalidation(t.Context(), &cloudfront.CreateInvalidationInput{DistributionId: d.Id, InvalidationBatch: &types.InvalidationBatch{
		CallerReference: aws.String("q"), Paths: &types.Paths{Quantity: aws.Int32(2), Items: []string{"/allq/v.css?v=2", "/w/a?*"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.sync()
	for target, want := range map[string]string{"/allq/v.css?v=2": "Miss", "/allq/v.css?v=3": "Hit", "/allq/v.css": "Hit", "/w/a?x=1": "Miss"} {
		if got := e.get(host, target).xCache(); got != want {
			t.Errorf("%s: %s, want %s", target, got, want)
		}
	}
}

// TestCacheViewers: conditional and range requests answered from the
// cached object, a RefreshHit with the 304's headers, a GET with a body
// refused.
func TestCacheViewers(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("viewers", nil, []types.Origin{o.customOrigin("")}, legacyCaching)
	host := *d.DomainName
	const obj = "/o?size=100&etag=%22v1%22&lm=Mon,%2001%20Jun%202026%2000:00:00%20GMT&ct=text/plain"

	r := e.get(host, obj, "Range", "bytes=0-9", "If-None-Match", `"other"`)
	if r.status != 206 || r.body != "response 1" || r.header.Get("Content-Range") != "bytes 0-9/100" || r.xCache() != "Miss" {
		t.Errorf("range on a miss: %d %q %v", r.status, r.body, r.header)
	}
	if got := o.received(); got.Get("Range") != "" || got.Get("If-None-Match") != "" {
		t.Errorf("origin got the viewer's Range or If-None-Match: %v", got)
	}
	for _, tt := range []struct {
		name   string
		header []string
		status int
		check  func(reply) bool
	}{
		{"whole object", nil, 200, func(r reply) bool { return len(r.body) == 100 }},
		{"suffix range", []string{"Range", "bytes=-5"}, 206, func(r reply) bool { return r.body == "....." && r.header.Get("Content-Range") == "bytes 95-99/100" }},
		{"open range", []string{"Range", "bytes=98-"}, 206, func(r reply) bool { return r.body == ".." }},
		{"range past the end", []string{"Range", "bytes=100-"}, 416, func(r reply) bool { return r.header.Get("Content-Range") == "bytes */100" && r.body == "" }},
		{"overlapping ranges ignored", []string{"Range", "bytes=0-50,10-20"}, 200, func(r reply) bool { return len(r.body) == 100 }},
		{"another unit ignored", []string{"Range", "items=0-1"}, 200, func(r reply) bool { return len(r.body) == 100 }},
		{"If-Range that differs", []string{"Range", "bytes=0-1", "If-Range", `"v0"`}, 200, func(r reply) bool { return len(r.body) == 100 }},
		{"If-Range that holds", []string{"Range", "bytes=0-1", "If-Range", `"v1"`}, 206, func(r reply) bool { return r.body == "re" }},
		{"If-None-Match", []string{"If-None-Match", `"x", "v1"`}, 304, func(r reply) bool { return r.body == "" && r.header.Get("ETag") == `"v1"` }},
		{"If-None-Match weak", []string{"If-None-Match", `W/"v1"`}, 304, nil},
		{"If-None-Match other", []string{"If-None-Match", `"v2"`}, 200, nil},
		{"If-Modified-Since", []string{"If-Modified-Since", "Tue, 02 Jun 2026 00:00:00 GMT"}, 304, nil},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", "Sun, 31 May 2026 00:00:00 GMT"}, 200, nil},
		{"If-None-Match wins over If-Modified-Since", []string{"If-None-Match", `"v2"`, "If-Modified-Since", "Tue, 02 Jun 2026 00:00:00 GMT"}, 200, nil},
	} {
		r := e.get(host, obj, tt.header...)
		// An error status is an Error, as every other (see handler.go).
		want := map[bool]string{true: "Error", false: "Hit"}[tt.status >= 400]
		if r.status != tt.status || r.xCache() != want || (tt.check != nil && !tt.check(r)) {
			t.Errorf("%s: %d %s %q %v", tt.name, r.status, r.xCache(), r.body, r.header)
		}
	}
	if n := o.hits.Load(); n != 1 {
		t.Errorf("origin reached %d times, want 1", n)
	}

	r = e.get(host, obj, "Range", "bytes=0-1,5-6")
	mediaType, params, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if r.status != 206 || mediaType != "multipart/byteranges" {
		t.Fatalf("two ranges: %d %v", r.status, r.header)
	}
	mr := multipart.NewReader(strings.NewReader(r.body), params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		parts = append(parts, p.Header.Get("Content-Range")+" "+string(b))
	}
	if strings.Join(parts, "|") != "bytes 0-1/100 re|bytes 5-6/100 ns" {
		t.Errorf("parts %q", parts)
	}

	t.Run("RefreshHit takes the 304's headers", func(t *testing.T) {
		target := "/r?cc=max-age%3D1&etag=%22v1%22"
		if r := e.get(host, target); r.header.Get("X-Count") == "" {
			t.Fatalf("first: %v", r.header)
		}
		first := o.hits.Load()
		time.Sleep(1100 * time.Millisecond)
		r := e.get(host, target)
		if r.xCache() != "RefreshHit" || r.header.Get("X-Count") != itoa(first+1) {
			t.Errorf("refresh: %s X-Count %q, want %d", r.xCache(), r.header.Get("X-Count"), first+1)
		}
		if r := e.get(host, target); r.xCache() != "Hit" || r.header.Get("X-Count") != itoa(first+1) {
			t.Errorf("after the refresh: %s X-Count %q", r.xCache(), r.header.Get("X-Count"))
		}
	})

	t.Run("GET with a body", func(t *testing.T) {
		before := o.hits.Load()
		if r := e.do("GET", host, "/body", "payload"); r.status != 403 || o.hits.Load() != before {
			t.Errorf("GET with a body: %d, origin reached %d times", r.status, o.hits.Load()-before)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestCustomErrorResponses: the SPA fallback (403 and 404 answered with
// /index.html and 200), an error cached for its ErrorCachingMinTTL, the
// DefaultRootObject for "/", and the API's errors for what CloudFront
// refuses.
func TestCustomErrorResponses(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	ttl0 := int64(0)
	errorResponses := func(items ...types.CustomErrorResponse) func(*types.DistributionConfig) {
		return func(c *types.DistributionConfig) {
			c.CustomErrorResponses = &types.CustomErrorResponses{Quantity: aws.Int32(int32(len(items))), Items: items}
		}
	}
	d := e.distribution("spa", nil, []types.Origin{o.customOrigin("")}, legacyCaching, errorResponses(
		types.CustomErrorResponse{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200")},
		types.CustomErrorResponse{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200")},
		types.CustomErrorResponse{ErrorCode: aws.Int32(503), ErrorCachingMinTTL: &ttl0},
	), func(c *types.DistributionConfig) { c.DefaultRootObject = aws.String("index.html") })
	host := *d.DomainName

	r := e.get(host, "/app/route?status=404")
	if r.status != 200 || !strings.HasPrefix(r.body, "response ") || r.xCache() != "Error" {
		t.Errorf("404 with the SPA fallback: %d %q %s", r.status, r.body, r.xCache())
	}
	before := o.hits.Load()
	if r := e.get(host, "/app/route?status=403"); r.status != 200 {
		t.Errorf("403 with the SPA fallback: %d", r.status)
	}
	if n := o.hits.Load() - before; n != 1 {
		t.Errorf("origin reached %d times for a 403 and a cached /index.html, want 1", n)
	}
	for range 2 {
		if r := e.get(host, "/down?status=503"); r.status != 503 {
			t.Errorf("503 without a page: %d", r.status)
		}
	}
	if n := o.hits.Load() - before; n != 3 {
		t.Errorf("ErrorCachingMinTTL 0: origin reached %d times, want 3", n)
	}
	e.get(host, "/")
	if got := o.received(); got == nil {
		t.Fatal("origin never reached")
	}
	if r := e.get(host, "/"); r.xCache() != "Hit" {
		t.Errorf("default root object again: %s", r.xCache())
	}

	ctx := t.Context()
	create := func(mutate func(*types.DistributionConfig)) error {
		cfg := &types.DistributionConfig{
			CallerReference: aws.String("bad"), Comment: aws.String(""), Enabled: aws.Bool(true),
			Origins:              &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{o.customOrigin("")}},
			DefaultCacheBehavior: &types.DefaultCacheBehavior{TargetOriginId: aws.String("cached"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll},
		}
		mutate(cfg)
		_, err := e.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		return err
	}
	for _, tt := range []struct {
		name   string
		mutate func(*types.DistributionConfig)
		code   string
	}{
		{"error code 200", errorResponses(types.CustomErrorResponse{ErrorCode: aws.Int32(200)}), "InvalidErrorCode"},
		{"response code 302", errorResponses(types.CustomErrorResponse{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/e.html"), ResponseCode: aws.String("302")}), "InvalidResponseCode"},
		{"response code not a number", errorResponses(types.CustomErrorResponse{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/e.html"), ResponseCode: aws.String("ok")}), "InvalidResponseCode"},
		{"page without a code", errorResponses(types.CustomErrorResponse{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/e.html")}), "InvalidArgument"},
		{"root object with a slash", func(c *types.DistributionConfig) { c.DefaultRootObject = aws.String("/index.html") }, "InvalidDefaultRootObject"},
	} {
		err := create(tt.mutate)
		var apiErr interface{ ErrorCode() string }
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}
