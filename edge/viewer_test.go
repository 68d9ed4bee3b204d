package edge_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestViewerProtocolAndMethods: a behavior's ViewerProtocolPolicy and
// AllowedMethods apply before anything else, over HTTP and over the edge's
// HTTPS listener; a match-viewer origin is reached the way the viewer came.
func TestViewerProtocolAndMethods(t *testing.T) {
	e := newEnv(t)
	plain, secure := e.origin("plain"), e.tlsOrigin("secure")
	// The behaviors' origin: HTTP to plain, HTTPS to secure.
	both := types.Origin{Id: aws.String("both"), DomainName: aws.String("localhost"),
		CustomOriginConfig: &types.CustomOriginConfig{HTTPPort: aws.Int32(int32(plain.port)), HTTPSPort: aws.Int32(int32(secure.port)),
			OriginProtocolPolicy: types.OriginProtocolPolicyMatchViewer}}
	behavior := func(pattern string, policy types.ViewerProtocolPolicy) types.CacheBehavior {
		return types.CacheBehavior{PathPattern: aws.String(pattern), TargetOriginId: aws.String("both"), ViewerProtocolPolicy: policy}
	}
	d := e.distribution("viewer", nil, []types.Origin{both}, func(c *types.DistributionConfig) {
		api := behavior("/api/*", types.ViewerProtocolPolicyAllowAll)
		api.AllowedMethods = allMethods()
		c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(3), Items: []types.CacheBehavior{
			behavior("/secure/*", types.ViewerProtocolPolicyHttpsOnly),
			behavior("/moved/*", types.ViewerProtocolPolicyRedirectToHttps),
			api,
		}}
	})
	domain := *d.DomainName
	_, tlsPort, _ := strings.Cut(strings.TrimPrefix(e.tlsURL, "https://"), ":")
	tests := []struct {
		name        string
		https       bool
		method      string
		target      string
		status      int
		origin      string // the origin that answered, for a 200
		body        string // in the page the edge made
		location    string
		cacheResult string
	}{
		{name: "GET over HTTP", method: "GET", target: "/page", status: 200, origin: "plain"},
		{name: "GET over HTTPS", https: true, method: "GET", target: "/page", status: 200, origin: "secure"},
		{name: "HEAD is allowed by default", method: "HEAD", target: "/page", status: 200},
		{name: "POST is not allowed by default", method: "POST", target: "/page", status: 403, body: "not configured to allow the HTTP request method"},
		{name: "OPTIONS is not allowed by default", https: true, method: "OPTIONS", target: "/page", status: 403, body: "not configured to allow"},
		{name: "POST where all methods are", method: "POST", target: "/api/x", status: 200, origin: "plain"},
		{name: "DELETE where all methods are", https: true, method: "DELETE", target: "/api/x", status: 200, origin: "secure"},
		{name: "https-only over HTTP", method: "GET", target: "/secure/x", status: 403, body: "only answers requests made over HTTPS"},
		{name: "https-only over HTTPS", https: true, method: "GET", target: "/secure/x", status: 200, origin: "secure"},
		{name: "redirect-to-https over HTTP", method: "GET", target: "/moved/x?a=1&b", status: 301,
			location: "https://" + domain + ":" + tlsPort + "/moved/x?a=1&b", cacheResult: "Redirect from cloudfront"},
		{name: "redirect-to-https over HTTPS", https: true, method: "GET", target: "/moved/x", status: 200, origin: "secure"},
		{name: "redirect-to-https, a method not allowed", method: "POST", target: "/moved/x", status: 301,
			location: "https://" + domain + ":" + tlsPort + "/moved/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			viewer := e
			if tt.https {
				viewer = e.overTLS()
			}
			hits := plain.hits.Load() + secure.hits.Load()
			r := viewer.do(tt.method, domain, tt.target, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.origin != "" {
				if got := r.received(t).Origin; got != tt.origin {
					t.Errorf("answered by origin %q, want %q", got, tt.origin)
				}
			}
			if tt.body != "" && !strings.Contains(r.body, tt.body) {
				t.Errorf("body %q, want it to say %q", r.body, tt.body)
			}
			if got := r.header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.cacheResult != "" && r.header.Get("X-Cache") != tt.cacheResult {
				t.Errorf("X-Cache %q, want %q", r.header.Get("X-Cache"), tt.cacheResult)
			}
			if tt.status != 200 && plain.hits.Load()+secure.hits.Load() != hits {
				t.Errorf("a refused request reached an origin")
			}
		})
	}
}
