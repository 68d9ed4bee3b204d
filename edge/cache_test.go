package edge_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// cacheOrigin answers with the headers the query asks for (cc:
// Cache-Control, etag, lm: Last-Modified, cookie: a Set-Cookie, ct:
// Content-Type, ce: Content-Encoding, vary, status, slow: a delay) and a body
// naming the request's count, padded to size bytes; a request with an
// If-None-Match equal to its etag gets a 304. Every response carries
// X-Count, the request's count; failing makes it answer 503, and last holds
// the headers of the last request.
type cacheOrigin struct {
	*origin
	failing atomic.Bool
	last    atomic.Pointer[http.Header]
}

func (e *env) cacheOrigin() *cacheOrigin {
	e.t.Helper()
	o := &cacheOrigin{origin: &origin{name: "cached"}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := o.hits.Add(1)
		h := r.Header.Clone()
		o.last.Store(&h)
		q := r.URL.Query()
		w.Header().Set("X-Count", strconv.FormatInt(n, 10))
		if o.failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if d, err := time.ParseDuration(q.Get("slow")); err == nil {
			time.Sleep(d)
		}
		for param, header := range map[string]string{"cc": "Cache-Control", "cookie": "Set-Cookie", "lm": "Last-Modified",
			"ct": "Content-Type", "ce": "Content-Encoding", "vary": "Vary"} {
			if v := q.Get(param); v != "" {
				w.Header().Set(header, v)
			}
		}
		if tag := q.Get("etag"); tag != "" {
			w.Header().Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if s, err := strconv.Atoi(q.Get("status")); err == nil {
			w.WriteHeader(s)
		}
		body := "response " + strconv.FormatInt(n, 10)
		if size, err := strconv.Atoi(q.Get("size")); err == nil && size > len(body) {
			body += strings.Repeat(".", size-len(body))
		}
		w.Write([]byte(body))
	}))
	e.t.Cleanup(o.srv.Close)
	u, _ := url.Parse(o.srv.URL)
	o.port, _ = strconv.Atoi(u.Port())
	return o
}

// received is the header of the last request the origin got.
func (o *cacheOrigin) received() http.Header { return *o.last.Load() }

// sortQuery is a viewer-request function that puts the query strings in
// name order: requests that differ only by that order share an object.
const sortQuery = `function handler(event) {
	var q = event.request.querystring, sorted = {};
	Object.keys(q).sort().forEach(function (k) { sorted[k] = q[k]; });
	event.request.querystring = sorted;
	return event.request;
}`

const markResponse = `function handler(event) {
	event.response.headers['x-viewer-response'] = {value: 'ran'};
	return event.response;
}`

// legacyCaching caches by ForwardedValues: all query strings, no cookies.
func legacyCaching(c *types.DistributionConfig) {
	b := c.DefaultCacheBehavior
	b.ForwardedValues = &types.ForwardedValues{
		QueryString: aws.Bool(true),
		Cookies:     &types.CookiePreference{Forward: types.ItemSelectionNone},
	}
	b.MinTTL = aws.Int64(0)
	b.DefaultTTL = aws.Int64(3600)
	b.MaxTTL = aws.Int64(86400)
}

// TestCache: what the edge caches, for how long, what the viewer sees of it.
func TestCache(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("cache", behaviorFns(e.function("sort", sortQuery), e.function("mark", markResponse)),
		[]types.Origin{o.customOrigin("")}, legacyCaching)
	host := *d.DomainName

	tests := []struct {
		name      string
		targets   []string
		xCache    []string
		originHit int64
	}{
		{"query order normalised by the function", []string{"/a?y=2&x=1", "/a?x=1&y=2"}, []string{"Miss", "Hit"}, 1},
		{"query strings in the key", []string{"/b?x=1", "/b?x=2"}, []string{"Miss", "Miss"}, 2},
		{"max-age", []string{"/c?cc=max-age%3D60", "/c?cc=max-age%3D60"}, []string{"Miss", "Hit"}, 1},
		{"no-store", []string{"/d?cc=no-store", "/d?cc=no-store"}, []string{"Miss", "Miss"}, 2},
		{"private", []string{"/e?cc=private", "/e?cc=private"}, []string{"Miss", "Miss"}, 2},
		{"Set-Cookie without cookies forwarded", []string{"/f?cookie=s%3D1", "/f?cookie=s%3D1"}, []string{"Miss", "Miss"}, 2},
		{"error cached briefly", []string{"/g?status=404", "/g?status=404"}, []string{"Error", "Error"}, 1},
		{"error not cached when private", []string{"/h?status=503&cc=private", "/h?status=503&cc=private"}, []string{"Error", "Error"}, 2},
		{"201 not cached", []string{"/i?status=201", "/i?status=201"}, []string{"Miss", "Miss"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := o.hits.Load()
			for i, target := range tt.targets {
				r := e.get(host, target)
				if got := r.header.Get("X-Cache"); got != tt.xCache[i]+" from cloudfront" {
					t.Errorf("request %d (%s): X-Cache %q, want %s", i, target, got, tt.xCache[i])
				}
				if tt.xCache[i] == "Hit" && (r.header.Get("Age") == "" || r.header.Get("X-Viewer-Response") != "ran") {
					t.Errorf("request %d: hit without Age or viewer-response function: %v", i, r.header)
				}
			}
			if n := o.hits.Load() - before; n != tt.originHit {
				t.Errorf("origin reached %d times, want %d", n, tt.originHit)
			}
		})
	}

	t.Run("concurrent misses reach the origin once", func(t *testing.T) {
		before := o.hits.Load()
		var wg sync.WaitGroup
		var hits atomic.Int64
		for range 10 {
			wg.Go(func() {
				r, err := e.try("GET", host, "/slow?slow=200ms", "")
				if err != nil || r.status != 200 {
					t.Errorf("status %d, err %v", r.status, err)
				}
				if r.header.Get("X-Cache") == "Hit from cloudfront" {
					hits.Add(1)
				}
			})
		}
		wg.Wait()
		if n := o.hits.Load() - before; n != 1 || hits.Load() != 9 {
			t.Errorf("origin reached %d times, %d hits; want 1 and 9", n, hits.Load())
		}
	})

	t.Run("stale object confirmed by a 304", func(t *testing.T) {
		target := "/r?cc=max-age%3D1&etag=%22v1%22"
		if r := e.get(host, target); r.header.Get("X-Cache") != "Miss from cloudfront" {
			t.Fatalf("first request: %v", r.header)
		}
		time.Sleep(1100 * time.Millisecond)
		r := e.get(host, target)
		if r.status != 200 || r.header.Get("X-Cache") != "RefreshHit from cloudfront" || !strings.HasPrefix(r.body, "response ") {
			t.Errorf("stale request: %d %q %v", r.status, r.body, r.header)
		}
		if r := e.get(host, target); r.header.Get("X-Cache") != "Hit from cloudfront" {
			t.Errorf("after the refresh: %v", r.header)
		}
	})

	t.Run("access log and metrics", func(t *testing.T) {
		results := map[string]bool{}
		for _, l := range e.logs.lines() {
			if l["log"] == "access" {
				results[l["x_edge_result_type"].(string)] = true
			}
		}
		if !results["Hit"] || !results["Miss"] || !results["RefreshHit"] {
			t.Errorf("access log result types %v", results)
		}
		m := e.metrics()
		for _, want := range []string{`edgefn_edge_cache_requests_total{distribution_id="` + *d.Id + `",result_type="Hit"}`, `edgefn_edge_cache_requests_total{distribution_id="` + *d.Id + `",result_type="Miss"}`, `edgefn_edge_cache_hit_bytes_total{distribution_id="` + *d.Id + `"}`, `edgefn_edge_cache_hit_ratio{distribution_id="` + *d.Id + `"}`, "edgefn_edge_cache_bytes"} {
			if !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// TestCacheMethods: GET and HEAD share objects, OPTIONS is cached only where
// CachedMethods lists it, and other methods never are.
func TestCacheMethods(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("methods", nil, []types.Origin{o.customOrigin("")}, legacyCaching, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.AllowedMethods = allMethods()
		c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
			PathPattern: aws.String("/options/*"), TargetOriginId: aws.String("cached"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
			AllowedMethods: &types.AllowedMethods{Quantity: aws.Int32(3), Items: []types.Method{types.MethodGet, types.MethodHead, types.MethodOptions},
				CachedMethods: &types.CachedMethods{Quantity: aws.Int32(3), Items: []types.Method{types.MethodGet, types.MethodHead, types.MethodOptions}}},
		}}}
	})
	for _, tt := range []struct {
		method, target string
		want           []string
	}{
		{"POST", "/post", []string{"Miss", "Miss"}},
		{"OPTIONS", "/default", []string{"Miss", "Miss"}},
		{"OPTIONS", "/options/x", []string{"Miss", "Hit"}},
		{"HEAD", "/head", []string{"Miss", "Miss"}},
	} {
		for i, want := range tt.want {
			if got := e.do(tt.method, *d.DomainName, tt.target, "").header.Get("X-Cache"); got != want+" from cloudfront" {
				t.Errorf("%s %s #%d: X-Cache %q, want %s", tt.method, tt.target, i, got, want)
			}
		}
	}
	e.get(*d.DomainName, "/page")
	if r := e.do("HEAD", *d.DomainName, "/page", ""); r.header.Get("X-Cache") != "Hit from cloudfront" || r.body != "" {
		t.Errorf("HEAD after GET: %q, body %q", r.header.Get("X-Cache"), r.body)
	}
}

// TestCacheDisabled: a behavior without caching settings, or with the
// CachingDisabled policy, sends every request to the origin.
func TestCacheDisabled(t *testing.T) {
	e := newEnv(t)
	o := e.cacheOrigin()
	d := e.distribution("nocache", nil, []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
			PathPattern: aws.String("/disabled/*"), TargetOriginId: aws.String("cached"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
		}}}
	})
	for _, target := range []string{"/none?cc=max-age%3D60", "/disabled/x?cc=max-age%3D60"} {
		for range 2 {
			if r := e.get(*d.DomainName, target); r.header.Get("X-Cache") != "Miss from cloudfront" {
				t.Errorf("%s: X-Cache %q", target, r.header.Get("X-Cache"))
			}
		}
	}
	if n := o.hits.Load(); n != 4 {
		t.Errorf("origin reached %d times, want 4", n)
	}
}

// TestCachePolicyAndInvalidation: a cache policy made through the API
// chooses the key; an invalidation makes the next request a Miss, for the
// paths it names only.
func TestCachePolicyAndInvalidation(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := e.cacheOrigin()
	created, err := e.cf.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &types.CachePolicyConfig{
		Name: aws.String("by-version"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(300), MaxTTL: aws.Int64(3600),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig:            &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorNone},
			CookiesConfig:            &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorNone},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{
				QueryStringBehavior: types.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings:        &types.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}},
			},
		},
	}})
	if err != nil {
		t.Fatalf("CreateCachePolicy: %v", err)
	}
	id := *created.CachePolicy.Id
	got, err := e.cf.GetCachePolicyConfig(ctx, &cloudfront.GetCachePolicyConfigInput{Id: aws.String(id)})
	if err != nil || *got.CachePolicyConfig.DefaultTTL != 300 || *got.ETag != *created.ETag ||
		got.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig.QueryStrings.Items[0] != "v" {
		t.Fatalf("GetCachePolicyConfig = %+v, %v", got, err)
	}
	managed, err := e.cf.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")})
	if err != nil || *managed.CachePolicy.CachePolicyConfig.Name != "Managed-CachingOptimized" {
		t.Fatalf("managed CachingOptimized: %+v, %v", managed, err)
	}
	list, err := e.cf.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeCustom})
	if err != nil || *list.CachePolicyList.Quantity != 1 || *list.CachePolicyList.Items[0].CachePolicy.Id != id {
		t.Fatalf("ListCachePolicies custom = %+v, %v", list, err)
	}

	d := e.distribution("policy", nil, []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.CachePolicyId = aws.String(id)
	})
	host := *d.DomainName
	xCache := func(target string) string {
		return strings.TrimSuffix(e.get(host, target).header.Get("X-Cache"), " from cloudfront")
	}
	for i, step := range []struct{ target, want string }{
		{"/img/a.png?v=1&utm=x", "Miss"},
		{"/img/a.png?utm=y&v=1", "Hit"},
		{"/img/a.png?v=2", "Miss"},
		{"/doc.html", "Miss"},
		{"/doc.html", "Hit"},
	} {
		if got := xCache(step.target); got != step.want {
			t.Errorf("step %d %s: %s, want %s", i, step.target, got, step.want)
		}
	}

	_, err = e.cf.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: aws.String(id), IfMatch: created.ETag})
	var inUse *types.CachePolicyInUse
	if !errors.As(err, &inUse) {
		t.Errorf("DeleteCachePolicy of a used policy: %v, want CachePolicyInUse", err)
	}

	inv, err := e.cf.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: d.Id, InvalidationBatch: &types.InvalidationBatch{
		CallerReference: aws.String("inv-1"),
		Paths:           &types.Paths{Quantity: aws.Int32(1), Items: []string{"/img/*"}},
	}})
	if err != nil || *inv.Invalidation.Status != "Completed" {
		t.Fatalf("CreateInvalidation = %+v, %v", inv, err)
	}
	e.sync()
	if got := xCache("/img/a.png?v=1"); got != "Miss" {
		t.Errorf("invalidated object: %s, want Miss", got)
	}
	if got := xCache("/img/a.png?v=1"); got != "Hit" {
		t.Errorf("after the refill: %s, want Hit", got)
	}
	if got := xCache("/doc.html"); got != "Hit" {
		t.Errorf("object outside the invalidation: %s, want Hit", got)
	}
	gi, err := e.cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: d.Id, Id: inv.Invalidation.Id})
	if err != nil || *gi.Invalidation.Status != "Completed" || gi.Invalidation.InvalidationBatch.Paths.Items[0] != "/img/*" {
		t.Errorf("GetInvalidation = %+v, %v", gi, err)
	}
	li, err := e.cf.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: d.Id})
	if err != nil || *li.InvalidationList.Quantity != 1 || *li.InvalidationList.Items[0].Id != *inv.Invalidation.Id {
		t.Errorf("ListInvalidations = %+v, %v", li, err)
	}
	_, err = e.cf.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: d.Id, Id: aws.String("I0000000000000")})
	var noInv *types.NoSuchInvalidation
	if !errors.As(err, &noInv) {
		t.Errorf("GetInvalidation of none: %v, want NoSuchInvalidation", err)
	}
}
