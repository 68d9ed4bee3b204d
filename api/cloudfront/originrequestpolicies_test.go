package cloudfront

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func orpInput(name string) *types.OriginRequestPolicyConfig {
	return &types.OriginRequestPolicyConfig{
		Name: aws.String(name), Comment: aws.String("forward the language"),
		HeadersConfig: &types.OriginRequestPolicyHeadersConfig{HeaderBehavior: types.OriginRequestPolicyHeaderBehaviorWhitelist,
			Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"Accept-Language"}}},
		CookiesConfig: &types.OriginRequestPolicyCookiesConfig{CookieBehavior: types.OriginRequestPolicyCookieBehaviorNone},
		QueryStringsConfig: &types.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: types.OriginRequestPolicyQueryStringBehaviorAllExcept,
			QueryStrings: &types.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"utm_source"}}},
	}
}

// TestOriginRequestPolicyOperations: every origin request policy operation
// through the SDK, the managed policies and the errors of each.
func TestOriginRequestPolicyOperations(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	created := must(c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: orpInput("lang")}))(t)
	p := created.OriginRequestPolicy
	if !etagPattern.MatchString(aws.ToString(created.ETag)) || aws.ToString(created.Location) == "" ||
		p.OriginRequestPolicyConfig.HeadersConfig.Headers.Items[0] != "Accept-Language" ||
		p.OriginRequestPolicyConfig.QueryStringsConfig.QueryStringBehavior != types.OriginRequestPolicyQueryStringBehaviorAllExcept ||
		aws.ToString(p.OriginRequestPolicyConfig.Comment) != "forward the language" {
		t.Errorf("created %+v", p)
	}
	id := p.Id
	got := must(c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: id}))(t)
	if *got.ETag != *created.ETag || *got.OriginRequestPolicy.OriginRequestPolicyConfig.Name != "lang" {
		t.Errorf("GetOriginRequestPolicy %+v", got.OriginRequestPolicy)
	}
	cfg := must(c.GetOriginRequestPolicyConfig(ctx, &cloudfront.GetOriginRequestPolicyConfigInput{Id: id}))(t)
	if *cfg.ETag != *created.ETag || cfg.OriginRequestPolicyConfig.CookiesConfig.CookieBehavior != types.OriginRequestPolicyCookieBehaviorNone {
		t.Errorf("GetOriginRequestPolicyConfig %+v", cfg.OriginRequestPolicyConfig)
	}
	all := must(c.ListOriginRequestPolicies(ctx, &cloudfront.ListOriginRequestPoliciesInput{}))(t)
	managed := map[string]string{}
	for _, s := range all.OriginRequestPolicyList.Items {
		if s.Type == types.OriginRequestPolicyTypeManaged {
			managed[*s.OriginRequestPolicy.Id] = *s.OriginRequestPolicy.OriginRequestPolicyConfig.Name
		}
	}
	if *all.OriginRequestPolicyList.Quantity != 9 || managed["216adef6-5c7f-47e4-b989-5492eafa07d3"] != "Managed-AllViewer" ||
		managed["b689b0a8-53d0-40ab-baf2-68738e2966ac"] != "Managed-AllViewerExceptHostHeader" ||
		managed["88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"] != "Managed-CORS-S3Origin" ||
		managed["59781a5b-3903-41f3-afcb-af62929ccde1"] != "Managed-CORS-CustomOrigin" ||
		managed["acba4595-bd28-49b8-b9fe-13317c0390fa"] != "Managed-UserAgentRefererHeaders" ||
		managed["33f36d7e-f396-46d9-90e0-52428a34d9dc"] != "Managed-AllViewerAndCloudFrontHeaders-2022-06" {
		t.Errorf("ListOriginRequestPolicies: %d policies, managed %v", *all.OriginRequestPolicyList.Quantity, managed)
	}
	custom := must(c.ListOriginRequestPolicies(ctx, &cloudfront.ListOriginRequestPoliciesInput{Type: types.OriginRequestPolicyTypeCustom}))(t)
	if *custom.OriginRequestPolicyList.Quantity != 1 || *custom.OriginRequestPolicyList.Items[0].OriginRequestPolicy.Id != *id {
		t.Errorf("custom policies %+v", custom.OriginRequestPolicyList)
	}
	cf := must(c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("33f36d7e-f396-46d9-90e0-52428a34d9dc")}))(t)
	if h := cf.OriginRequestPolicy.OriginRequestPolicyConfig.HeadersConfig; h.HeaderBehavior != types.OriginRequestPolicyHeaderBehaviorAllViewerAndWhitelistCloudFront ||
		*h.Headers.Quantity != 21 {
		t.Errorf("AllViewerAndCloudFrontHeaders-2022-06 headers %+v", h)
	}
	updated := must(c.UpdateOriginRequestPolicy(ctx, &cloudfront.UpdateOriginRequestPolicyInput{Id: id, IfMatch: created.ETag, OriginRequestPolicyConfig: orpInput("lang-2")}))(t)
	if *updated.OriginRequestPolicy.OriginRequestPolicyConfig.Name != "lang-2" || *updated.ETag == *created.ETag {
		t.Errorf("updated %+v", updated.OriginRequestPolicy)
	}

	// A distribution using it keeps it from deletion.
	dist := distConfig("uses-orp", nil)
	dist.DefaultCacheBehavior.OriginRequestPolicyId = id
	d := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: dist}))(t)

	// The distributions using a policy, managed or the account's.
	byORP := must(c.ListDistributionsByOriginRequestPolicyId(ctx, &cloudfront.ListDistributionsByOriginRequestPolicyIdInput{OriginRequestPolicyId: id}))(t)
	if l := byORP.DistributionIdList; *l.Quantity != 1 || l.Items[0] != *d.Distribution.Id || *l.IsTruncated {
		t.Errorf("ListDistributionsByOriginRequestPolicyId %+v", l)
	}
	byCache := must(c.ListDistributionsByCachePolicyId(ctx, &cloudfront.ListDistributionsByCachePolicyIdInput{CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")}))(t)
	if l := byCache.DistributionIdList; *l.Quantity != 1 || l.Items[0] != *d.Distribution.Id {
		t.Errorf("ListDistributionsByCachePolicyId %+v", l)
	}
	unused := must(c.ListDistributionsByOriginRequestPolicyId(ctx, &cloudfront.ListDistributionsByOriginRequestPolicyIdInput{OriginRequestPolicyId: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3")}))(t)
	if l := unused.DistributionIdList; *l.Quantity != 0 || len(l.Items) != 0 {
		t.Errorf("ListDistributionsByOriginRequestPolicyId of an unused policy %+v", l)
	}

	tooMany := func(edit func(*types.OriginRequestPolicyConfig)) func() error {
		return func() error {
			p := orpInput("too-many")
			edit(p)
			_, err := c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: p})
			return err
		}
	}
	eleven := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}
	for _, tt := range []struct {
		name string
		call func() error
		want func(error) bool
	}{
		{"name taken", func() error {
			_, err := c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: orpInput("lang-2")})
			return err
		}, isA[*types.OriginRequestPolicyAlreadyExists]},
		{"managed name", func() error {
			_, err := c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: orpInput("Managed-AllViewer")})
			return err
		}, isA[*types.OriginRequestPolicyAlreadyExists]},
		{"no such policy", func() error {
			_, err := c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchOriginRequestPolicy]},
		{"no such policy config", func() error {
			_, err := c.GetOriginRequestPolicyConfig(ctx, &cloudfront.GetOriginRequestPolicyConfigInput{Id: aws.String("not-a-uuid")})
			return err
		}, isA[*types.NoSuchOriginRequestPolicy]},
		{"distributions by a missing policy", func() error {
			_, err := c.ListDistributionsByOriginRequestPolicyId(ctx, &cloudfront.ListDistributionsByOriginRequestPolicyIdInput{OriginRequestPolicyId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchOriginRequestPolicy]},
		{"distributions by a missing cache policy", func() error {
			_, err := c.ListDistributionsByCachePolicyId(ctx, &cloudfront.ListDistributionsByCachePolicyIdInput{CachePolicyId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchCachePolicy]},
		{"stale If-Match", func() error {
			_, err := c.UpdateOriginRequestPolicy(ctx, &cloudfront.UpdateOriginRequestPolicyInput{Id: id, IfMatch: created.ETag, OriginRequestPolicyConfig: orpInput("lang-3")})
			return err
		}, isA[*types.PreconditionFailed]},
		{"update without If-Match", func() error {
			_, err := c.UpdateOriginRequestPolicy(ctx, &cloudfront.UpdateOriginRequestPolicyInput{Id: id, OriginRequestPolicyConfig: orpInput("lang-3")})
			return err
		}, isA[*types.InvalidIfMatchVersion]},
		{"update a managed policy", func() error {
			_, err := c.UpdateOriginRequestPolicy(ctx, &cloudfront.UpdateOriginRequestPolicyInput{Id: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3"), IfMatch: aws.String("E23ZP02F085DFQ"), OriginRequestPolicyConfig: orpInput("x")})
			return err
		}, isA[*types.IllegalUpdate]},
		{"delete a managed policy", func() error {
			_, err := c.DeleteOriginRequestPolicy(ctx, &cloudfront.DeleteOriginRequestPolicyInput{Id: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3"), IfMatch: aws.String("E23ZP02F085DFQ")})
			return err
		}, isA[*types.IllegalDelete]},
		{"delete a policy in use", func() error {
			_, err := c.DeleteOriginRequestPolicy(ctx, &cloudfront.DeleteOriginRequestPolicyInput{Id: id, IfMatch: updated.ETag})
			return err
		}, isA[*types.OriginRequestPolicyInUse]},
		{"delete without If-Match", func() error {
			_, err := c.DeleteOriginRequestPolicy(ctx, &cloudfront.DeleteOriginRequestPolicyInput{Id: id})
			return err
		}, isA[*types.InvalidIfMatchVersion]},
		{"whitelist without names", tooMany(func(p *types.OriginRequestPolicyConfig) { p.HeadersConfig.Headers = nil }), isA[*types.InvalidArgument]},
		{"unknown behavior", tooMany(func(p *types.OriginRequestPolicyConfig) { p.CookiesConfig.CookieBehavior = "allViewer" }), isA[*types.InvalidArgument]},
		{"quantity differs from items", tooMany(func(p *types.OriginRequestPolicyConfig) { p.HeadersConfig.Headers.Quantity = aws.Int32(2) }), isA[*types.InconsistentQuantities]},
		{"too many headers", tooMany(func(p *types.OriginRequestPolicyConfig) {
			p.HeadersConfig.Headers = &types.Headers{Quantity: aws.Int32(11), Items: eleven}
		}), isA[*types.TooManyHeadersInOriginRequestPolicy]},
		{"too many cookies", tooMany(func(p *types.OriginRequestPolicyConfig) {
			p.CookiesConfig = &types.OriginRequestPolicyCookiesConfig{CookieBehavior: types.OriginRequestPolicyCookieBehaviorWhitelist, Cookies: &types.CookieNames{Quantity: aws.Int32(11), Items: eleven}}
		}), isA[*types.TooManyCookiesInOriginRequestPolicy]},
		{"too many query strings", tooMany(func(p *types.OriginRequestPolicyConfig) {
			p.QueryStringsConfig.QueryStrings = &types.QueryStringNames{Quantity: aws.Int32(11), Items: eleven}
		}), isA[*types.TooManyQueryStringsInOriginRequestPolicy]},
	} {
		if err := tt.call(); !tt.want(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}

	// Once no distribution uses it, it goes.
	dist.DefaultCacheBehavior.OriginRequestPolicyId = nil
	must(c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Distribution.Id, IfMatch: d.ETag, DistributionConfig: dist}))(t)
	must(c.DeleteOriginRequestPolicy(ctx, &cloudfront.DeleteOriginRequestPolicyInput{Id: id, IfMatch: updated.ETag}))(t)
	if _, err := c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: id}); !isA[*types.NoSuchOriginRequestPolicy](err) {
		t.Errorf("deleted policy: %v", err)
	}
}
