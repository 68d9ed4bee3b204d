package e2e

import (
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

// TestResponseHeadersPolicy configures `edgefn serve` through the SDK: a
// response headers policy with CORS, security, custom and removed headers
// on the default behavior, the managed
// CORS-with-preflight-and-SecurityHeadersPolicy on a behavior whose
// viewer-request function answers itself. The headers must be on a Miss, on
// the Hit after it, on the function's response and on a CORS preflight, and
// a refused origin must get no CORS header.
func TestResponseHeadersPolicy(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)

	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		w.Header().Set("X-Powered-By", "origin-framework")
		w.Header().Set("Strict-Transport-Security", "max-age=1")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Write([]byte("page"))
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	p, err := cf.CreateResponseHeadersPolicy(c, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: &cftypes.ResponseHeadersPolicyConfig{
		Name: aws.String("site-headers"),
		CorsConfig: &cftypes.ResponseHeadersPolicyCorsConfig{
			AccessControlAllowOrigins:     &cftypes.ResponseHeadersPolicyAccessControlAllowOrigins{Quantity: aws.Int32(1), Items: []string{"https://app.example.com"}},
			AccessControlAllowHeaders:     &cftypes.ResponseHeadersPolicyAccessControlAllowHeaders{Quantity: aws.Int32(1), Items: []string{"X-Token"}},
			AccessControlAllowMethods:     &cftypes.ResponseHeadersPolicyAccessControlAllowMethods{Quantity: aws.Int32(2), Items: []cftypes.ResponseHeadersPolicyAccessControlAllowMethodsValues{"GET", "PUT"}},
			AccessControlAllowCredentials: aws.Bool(true),
			AccessControlMaxAgeSec:        aws.Int32(600),
			OriginOverride:                aws.Bool(false),
		},
		SecurityHeadersConfig: &cftypes.ResponseHeadersPolicySecurityHeadersConfig{
			StrictTransportSecurity: &cftypes.ResponseHeadersPolicyStrictTransportSecurity{Override: aws.Bool(true), AccessControlMaxAgeSec: aws.Int32(1000), IncludeSubdomains: aws.Bool(true)},
			ContentTypeOptions:      &cftypes.ResponseHeadersPolicyContentTypeOptions{Override: aws.Bool(true)},
		},
		CustomHeadersConfig: &cftypes.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(1), Items: []cftypes.ResponseHeadersPolicyCustomHeader{
			{Header: aws.String("X-Policy"), Value: aws.String("e2e"), Override: aws.Bool(true)},
		}},
		RemoveHeadersConfig: &cftypes.ResponseHeadersPolicyRemoveHeadersConfig{Quantity: aws.Int32(1), Items: []cftypes.ResponseHeadersPolicyRemoveHeader{{Header: aws.String("X-Powered-By")}}},
	}})
	if err != nil {
		t.Fatalf("CreateResponseHeadersPolicy: %v", err)
	}
	fn, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String("answer"), FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20),
		FunctionCode: []byte(`function handler(event) { return {statusCode: 200, statusDescription: 'OK', headers: {'x-frame-options': {value: 'DENY'}}}; }`)})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	live, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("answer"), IfMatch: fn.ETag})
	if err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}
	methods := &cftypes.AllowedMethods{Quantity: aws.Int32(3), Items: []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead, cftypes.MethodOptions}}
	cfg := localOrigin("rhp", originPort, &cftypes.DefaultCacheBehavior{
		ViewerProtocolPolicy:    cftypes.ViewerProtocolPolicyAllowAll,
		CachePolicyId:           aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // CachingOptimized
		ResponseHeadersPolicyId: p.ResponseHeadersPolicy.Id,
		AllowedMethods:          methods,
	})
	cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
		PathPattern: aws.String("/gen/*"), TargetOriginId: aws.String("origin"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
		CachePolicyId:           aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"), // CachingDisabled
		ResponseHeadersPolicyId: aws.String("eaab4381-ed33-4a86-88ca-d9558dc6cd63"), // Managed-CORS-with-preflight-and-SecurityHeadersPolicy
		FunctionAssociations:    onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN),
	}}}
	d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	_, err = cf.DeleteResponseHeadersPolicy(c, &cloudfront.DeleteResponseHeadersPolicyInput{Id: p.ResponseHeadersPolicy.Id, IfMatch: p.ETag})
	if !isA[*cftypes.ResponseHeadersPolicyInUse](err) {
		t.Errorf("DeleteResponseHeadersPolicy of a used policy: %v", err)
	}
	by, err := cf.ListDistributionsByResponseHeadersPolicyId(c, &cloudfront.ListDistributionsByResponseHeadersPolicyIdInput{ResponseHeadersPolicyId: aws.String("eaab4381-ed33-4a86-88ca-d9558dc6cd63")})
	if err != nil || *by.DistributionIdList.Quantity != 1 || by.DistributionIdList.Items[0] != *d.Distribution.Id {
		t.Errorf("ListDistributionsByResponseHeadersPolicyId of the managed policy: %v %+v", err, by)
	}

	send := func(method, target string, header ...string) *http.Response {
		t.Helper()
		resp, _ := s.atEdge(t, *d.Distribution.DomainName, method, target, header...)
		return resp
	}
	expect := func(what string, resp *http.Response, want map[string]string) {
		t.Helper()
		for name, v := range want {
			if got := strings.Join(resp.Header.Values(name), ", "); got != v {
				t.Errorf("%s: %s = %q, want %q", what, name, got, v)
			}
		}
	}
	app := []string{"Origin", "https://app.example.com"}
	site := map[string]string{
		"X-Policy": "e2e", "X-Powered-By": "", "Strict-Transport-Security": "max-age=1000; includeSubDomains", "X-Content-Type-Options": "nosniff",
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true", "Access-Control-Allow-Methods": "",
	}
	site["X-Cache"] = "Miss from cloudfront"
	expect("Miss", send("GET", "/page", app...), site)
	site["X-Cache"] = "Hit from cloudfront"
	expect("Hit", send("GET", "/page", app...), site)
	expect("a refused origin", send("GET", "/page", "Origin", "https://evil.example"), map[string]string{
		"X-Cache": "Hit from cloudfront", "X-Policy": "e2e", "Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "",
	})
	expect("CORS preflight", send("OPTIONS", "/page", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-token"), map[string]string{
		"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Methods": "GET, PUT",
		"Access-Control-Allow-Headers": "X-Token", "Access-Control-Max-Age": "600", "X-Policy": "e2e",
	})
	expect("function-generated", send("GET", "/gen/x", "Origin", "https://anyone.example"), map[string]string{
		"X-Cache": "FunctionGeneratedResponse from cloudfront", "Access-Control-Allow-Origin": "*",
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Strict-Transport-Security": "max-age=31536000",
		"Referrer-Policy": "strict-origin-when-cross-origin", "X-Policy": "",
	})
}
