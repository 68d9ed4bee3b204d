package edge_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// seenPolicy is a viewer-response function that reports the policy header
// it was shown.
const seenPolicy = `function handler(event) {
  var r = event.response;
  var p = r.headers['x-policy'];
  r.headers['x-seen'] = {value: p ? p.value : 'none'};
  return r;
}`

// TestResponseHeadersPolicyAtTheEdge: a policy's headers on a miss, on a
// hit (and after an update of the policy, on the object cached before it),
// on an origin's error, visible to the viewer-response function; Server-Timing
// when the viewer asks for it with Pragma, at a sampling rate of 0.
func TestResponseHeadersPolicyAtTheEdge(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	o := e.cacheOrigin()
	cfg := func(value string) *types.ResponseHeadersPolicyConfig {
		return &types.ResponseHeadersPolicyConfig{
			Name: aws.String("edge"),
			CustomHeadersConfig: &types.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyCustomHeader{
				{Header: aws.String("X-Policy"), Value: aws.String(value), Override: aws.Bool(true)},
			}},
			ServerTimingHeadersConfig: &types.ResponseHeadersPolicyServerTimingHeadersConfig{Enabled: aws.Bool(true), SamplingRate: aws.Float64(0)},
		}
	}
	p, err := e.cf.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: cfg("one")})
	if err != nil {
		t.Fatal(err)
	}
	fn := e.function("seen", seenPolicy)
	// Legacy caching: a policy goes with ForwardedValues too.
	d := e.distribution("rhp", behaviorFns("", fn), []types.Origin{o.customOrigin("")}, legacyCaching, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.ResponseHeadersPolicyId = p.ResponseHeadersPolicy.Id
	})
	host := *d.DomainName
	check := func(r reply, xCache, policy, seen string) {
		t.Helper()
		if got := r.header.Get("X-Cache"); got != xCache+" from cloudfront" {
			t.Errorf("X-Cache %q, want %s", got, xCache)
		}
		if got := r.header.Get("X-Policy"); got != policy {
			t.Errorf("%s: X-Policy %q, want %q", xCache, got, policy)
		}
		if got := r.header.Get("X-Seen"); got != seen {
			t.Errorf("%s: the viewer-response function saw X-Policy %q, want %q", xCache, got, seen)
		}
	}
	miss := e.get(host, "/page")
	check(miss, "Miss", "one", "one")
	if st := miss.header.Get("Server-Timing"); st != "" {
		t.Errorf("Server-Timing at a sampling rate of 0, unasked: %q", st)
	}
	hit := e.get(host, "/page", "Pragma", "server-timing")
	check(hit, "Hit", "one", "one")
	if st := hit.header.Get("Server-Timing"); !strings.Contains(st, "cdn-cache-hit") || !strings.Contains(st, "cdn-rid;desc=") {
		t.Errorf("Server-Timing asked for with Pragma: %q", st)
	}
	// An origin's error gets the policy, but no viewer-response function.
	check(e.get(host, "/missing?status=404"), "Error", "one", "")

	if _, err := e.cf.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{
		Id: p.ResponseHeadersPolicy.Id, IfMatch: p.ETag, ResponseHeadersPolicyConfig: cfg("two"),
	}); err != nil {
		t.Fatal(err)
	}
	e.sync()
	// The object cached under the old policy is served with the new one's
	// headers: they are added on the way out, not stored.
	check(e.get(host, "/page"), "Hit", "two", "two")
}
