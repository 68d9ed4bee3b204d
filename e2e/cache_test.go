package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// TestCacheAcrossNodes runs two servers on one etcd cluster, configured
// through node A only. A viewer-request function that sorts the query
// strings raises the hits of a behavior that keys on all of them; an
// invalidation made through A empties the cache of node B.
func TestCacheAcrossNodes(t *testing.T) {
	cluster, err := etcdtest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Stop)
	storeURL := "etcd://" + strings.TrimPrefix(cluster.Endpoint, "http://") + "/cache"
	a, b := startServer(t, serverConfig{store: storeURL}), startServer(t, serverConfig{store: storeURL})
	cf := a.cloudFront(devAccount)
	c := ctx(t)

	var originHits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		originHits.Add(1)
		w.Header().Set("Cache-Control", "max-age=300")
		fmt.Fprintf(w, "%s?%s", r.URL.Path, r.URL.RawQuery)
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	code := []byte(`function handler(event) {
  var q = event.request.querystring, sorted = {};
  Object.keys(q).sort().forEach(function (k) { sorted[k] = q[k]; });
  event.request.querystring = sorted;
  return event.request;
}`)
	fn, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String("sort-query"), FunctionCode: code,
		FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	live, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("sort-query"), IfMatch: fn.ETag})
	if err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}
	distribution := func(ref string, fns *cftypes.FunctionAssociations) *cftypes.Distribution {
		t.Helper()
		d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin(ref, originPort,
			&cftypes.DefaultCacheBehavior{
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
				FunctionAssociations: fns,
				ForwardedValues: &cftypes.ForwardedValues{QueryString: aws.Bool(true),
					Cookies: &cftypes.CookiePreference{Forward: cftypes.ItemSelectionNone}},
				MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(86400), MaxTTL: aws.Int64(31536000),
			})})
		if err != nil {
			t.Fatalf("CreateDistribution: %v", err)
		}
		return d.Distribution
	}
	plain := distribution("plain", nil)
	sorted := distribution("sorted", onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN))

	viewer := &http.Client{Timeout: 10 * time.Second}
	// xCache requests target from an edge and returns its X-Cache, waiting
	// for the distribution to reach that edge.
	xCache := func(edge, host, target string) string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			req, err := http.NewRequestWithContext(c, "GET", edge+target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := viewer.Do(req)
			if err != nil {
				t.Fatalf("GET %s%s: %v", edge, target, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || time.Now().After(deadline) {
				return strings.TrimSuffix(resp.Header.Get("X-Cache"), " from cloudfront")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The same objects asked for with their query strings in every order.
	targets := []string{"/p?a=1&b=2&c=3", "/p?c=3&b=2&a=1", "/p?b=2&a=1&c=3", "/q?x=1&y=2", "/q?y=2&x=1", "/p?a=1&c=3&b=2"}
	hits := func(d *cftypes.Distribution) int {
		n := 0
		for _, target := range targets {
			if xCache(a.edgeURL, *d.DomainName, target) == "Hit" {
				n++
			}
		}
		return n
	}
	before := originHits.Load()
	if plainHits, sortedHits := hits(plain), hits(sorted); plainHits != 0 || sortedHits != 4 {
		t.Errorf("hits of %d requests: %d without the function, %d with it; want 0 and 4", len(targets), plainHits, sortedHits)
	}
	if n := originHits.Load() - before; n != int64(len(targets))+2 {
		t.Errorf("origin reached %d times, want %d", n, len(targets)+2)
	}

	// Node B caches on its own; then an invalidation through A reaches it.
	host := *sorted.DomainName
	if got := xCache(b.edgeURL, host, "/p?b=2&a=1&c=3"); got != "Miss" {
		t.Errorf("node B's first request: %s, want Miss", got)
	}
	if got := xCache(b.edgeURL, host, "/p?c=3&a=1&b=2"); got != "Hit" {
		t.Errorf("node B's second request: %s, want Hit", got)
	}
	inv, err := cf.CreateInvalidation(c, &cloudfront.CreateInvalidationInput{DistributionId: sorted.Id, InvalidationBatch: &cftypes.InvalidationBatch{
		CallerReference: aws.String("purge-p"), Paths: &cftypes.Paths{Quantity: aws.Int32(1), Items: []string{"/p*"}},
	}})
	if err != nil {
		t.Fatalf("CreateInvalidation: %v", err)
	}
	got, err := b.cloudFront(devAccount).GetInvalidation(c, &cloudfront.GetInvalidationInput{DistributionId: sorted.Id, Id: inv.Invalidation.Id})
	if err != nil || aws.ToString(got.Invalidation.Status) != "Completed" {
		t.Fatalf("GetInvalidation through B = %+v, %v", got, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for xCache(b.edgeURL, host, "/p?a=1&b=2&c=3") != "Miss" {
		if time.Now().After(deadline) {
			t.Fatal("node B still serves /p from its cache after the invalidation")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := xCache(b.edgeURL, host, "/q?x=1&y=2"); got != "Miss" {
		t.Errorf("node B's /q (never asked of B): %s, want Miss", got)
	}
	if got := xCache(b.edgeURL, host, "/q?y=2&x=1"); got != "Hit" {
		t.Errorf("node B's /q again (not invalidated): %s, want Hit", got)
	}
}
