package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestOriginRequestPolicyPoisoning configures `edgefn serve` through the
// SDK as a user would: a cache policy keyed on query string v, header
// X-Variant and cookie lang, an origin request policy adding header X-Extra,
// and a distribution using both. A hostile viewer's extra query strings,
// headers and cookies must not reach the origin, and the object its request
// caches, served to the next viewer of ?v=1, must be the clean one.
func TestOriginRequestPolicyPoisoning(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)

	type seen struct {
		URI    string      `json:"uri"`
		Host   string      `json:"host"`
		Header http.Header `json:"header"`
	}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		json.NewEncoder(w).Encode(seen{URI: r.RequestURI, Host: r.Host, Header: r.Header})
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	key, err := cf.CreateCachePolicy(c, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String("by-variant"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(300), MaxTTL: aws.Int64(3600),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig: &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorWhitelist,
				Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"X-Variant"}}},
			CookiesConfig: &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorWhitelist,
				Cookies: &cftypes.CookieNames{Quantity: aws.Int32(1), Items: []string{"lang"}}},
			QueryStringsConfig: &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings: &cftypes.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}}},
		},
	}})
	if err != nil {
		t.Fatalf("CreateCachePolicy: %v", err)
	}
	orp, err := cf.CreateOriginRequestPolicy(c, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: &cftypes.OriginRequestPolicyConfig{
		Name: aws.String("extra-header"),
		HeadersConfig: &cftypes.OriginRequestPolicyHeadersConfig{HeaderBehavior: cftypes.OriginRequestPolicyHeaderBehaviorWhitelist,
			Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"X-Extra"}}},
		CookiesConfig:      &cftypes.OriginRequestPolicyCookiesConfig{CookieBehavior: cftypes.OriginRequestPolicyCookieBehaviorNone},
		QueryStringsConfig: &cftypes.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: cftypes.OriginRequestPolicyQueryStringBehaviorNone},
	}})
	if err != nil {
		t.Fatalf("CreateOriginRequestPolicy: %v", err)
	}
	d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin("keyed", originPort, &cftypes.DefaultCacheBehavior{
		ViewerProtocolPolicy:  cftypes.ViewerProtocolPolicyAllowAll,
		CachePolicyId:         key.CachePolicy.Id,
		OriginRequestPolicyId: orp.OriginRequestPolicy.Id,
	})})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	_, err = cf.DeleteOriginRequestPolicy(c, &cloudfront.DeleteOriginRequestPolicyInput{Id: orp.OriginRequestPolicy.Id, IfMatch: orp.ETag})
	if !isA[*cftypes.OriginRequestPolicyInUse](err) {
		t.Errorf("DeleteOriginRequestPolicy of a used policy: %v", err)
	}

	get := func(target string, header ...string) (seen, string, string) {
		t.Helper()
		resp, body := s.atEdge(t, *d.Distribution.DomainName, "GET", target, header...)
		var got seen
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("GET %s: %d %s", target, resp.StatusCode, body)
		}
		return got, resp.Header.Get("X-Cache"), string(body)
	}

	got, xCache, body := get("/keyed/q2?other=evil&v=1",
		"Cookie", "sid=attacker; lang=en", "X-Variant", "a", "X-Extra", "yes", "X-Evil", "1", "User-Agent", "evil-agent")
	if xCache != "Miss from cloudfront" || got.URI != "/keyed/q2?v=1" || got.Host != "localhost" {
		t.Errorf("hostile request: %s, origin saw %s (Host %s)", xCache, got.URI, got.Host)
	}
	for name, want := range map[string]string{"Cookie": "lang=en", "X-Variant": "a", "X-Extra": "yes", "X-Evil": "", "User-Agent": "Amazon CloudFront"} {
		if v := strings.Join(got.Header.Values(name), ", "); v != want {
			t.Errorf("origin header %s = %q, want %q", name, v, want)
		}
	}
	clean, xCache, cleanBody := get("/keyed/q2?v=1", "Cookie", "lang=en", "X-Variant", "a")
	if xCache != "Hit from cloudfront" || cleanBody != body || clean.Header.Get("X-Evil") != "" || strings.Contains(cleanBody, "attacker") {
		t.Errorf("next viewer of ?v=1: %s, served %s", xCache, cleanBody)
	}
}
