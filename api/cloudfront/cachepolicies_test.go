package cloudfront

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func policyInput(name string) *types.CachePolicyConfig {
	return &types.CachePolicyConfig{
		Name: aws.String(name), MinTTL: aws.Int64(1),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(true),
			HeadersConfig: &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorWhitelist,
				Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"Accept-Language"}}},
			CookiesConfig:      &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorAll},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorNone},
		},
	}
}

// TestCachePolicyOperations: the SDK's view of the cache policy operations,
// the defaults CloudFront fills in and the errors it answers with.
func TestCachePolicyOperations(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	created := must(c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: policyInput("lang")}))(t)
	cfg := created.CachePolicy.CachePolicyConfig
	if *cfg.DefaultTTL != 86400 || *cfg.MaxTTL != 31536000 || *created.Location == "" || *created.ETag == "" ||
		cfg.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers.Items[0] != "Accept-Language" {
		t.Errorf("created %+v", created.CachePolicy)
	}
	id := created.CachePolicy.Id
	all := must(c.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{}))(t)
	managed := 0
	for _, s := range all.CachePolicyList.Items {
		if s.Type == types.CachePolicyTypeManaged {
			managed++
		}
	}
	if *all.CachePolicyList.Quantity != 6 || managed != 5 {
		t.Errorf("ListCachePolicies: %d policies, %d managed", *all.CachePolicyList.Quantity, managed)
	}
	updated := must(c.UpdateCachePolicy(ctx, &cloudfront.UpdateCachePolicyInput{Id: id, IfMatch: created.ETag, CachePolicyConfig: policyInput("lang-2")}))(t)
	if *updated.CachePolicy.CachePolicyConfig.Name != "lang-2" || *updated.ETag == *created.ETag {
		t.Errorf("updated %+v", updated.CachePolicy)
	}

	for _, tt := range []struct {
		name string
		call func() error
		want func(error) bool
	}{
		{"name taken", func() error {
			_, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: policyInput("lang-2")})
			return err
		}, isA[*types.CachePolicyAlreadyExists]},
		{"no such policy", func() error {
			_, err := c.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchCachePolicy]},
		{"stale If-Match", func() error {
			_, err := c.UpdateCachePolicy(ctx, &cloudfront.UpdateCachePolicyInput{Id: id, IfMatch: created.ETag, CachePolicyConfig: policyInput("lang-3")})
			return err
		}, isA[*types.PreconditionFailed]},
		{"update a managed policy", func() error {
			_, err := c.UpdateCachePolicy(ctx, &cloudfront.UpdateCachePolicyInput{Id: aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"), IfMatch: aws.String("E23ZP02F085DFQ"), CachePolicyConfig: policyInput("x")})
			return err
		}, isA[*types.IllegalUpdate]},
		{"delete a managed policy", func() error {
			_, err := c.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"), IfMatch: aws.String("E23ZP02F085DFQ")})
			return err
		}, isA[*types.IllegalDelete]},
		{"whitelist without names", func() error {
			p := policyInput("empty-list")
			p.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers = nil
			_, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: p})
			return err
		}, isA[*types.InvalidArgument]},
		{"delete without If-Match", func() error {
			_, err := c.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: id})
			return err
		}, isA[*types.InvalidIfMatchVersion]},
	} {
		if err := tt.call(); !tt.want(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	must(c.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: id, IfMatch: updated.ETag}))(t)
}
