package cloudfront

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
)

// apiMessage returns the message of an API error, failing unless err is one
// with the code.
func apiMessage(t *testing.T, err error, code string) string {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("error %v; want %s", err, code)
	}
	return api.ErrorMessage()
}

// TestErrorMessagesClientsParse checks the messages scripts read, not only
// the codes: the id of the distribution a reused CallerReference belongs to
// ends the DistributionAlreadyExists message (SDK users parse it from
// there), and AWS's not-found messages name no id.
func TestErrorMessagesClientsParse(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	existing := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: distConfig("reused", nil)}))(t)
	id := aws.ToString(existing.Distribution.Id)

	again := distConfig("reused", nil)
	again.Aliases = nil
	_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: again})
	if msg := apiMessage(t, err, "DistributionAlreadyExists"); !strings.HasSuffix(msg, "Already exists: "+id) {
		t.Errorf("DistributionAlreadyExists message %q; want it to end with %q", msg, "Already exists: "+id)
	}

	const unknown = "E0000000000000"
	const noDistribution = "The specified distribution does not exist."
	calls := map[string]func() error{
		"GetDistribution": func() error {
			_, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(unknown)})
			return err
		},
		"GetDistributionConfig": func() error {
			_, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(unknown)})
			return err
		},
		"UpdateDistribution": func() error {
			_, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(unknown), IfMatch: existing.ETag, DistributionConfig: distConfig("x", nil)})
			return err
		},
		"DeleteDistribution": func() error {
			_, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(unknown), IfMatch: existing.ETag})
			return err
		},
		"CreateInvalidation": func() error {
			_, err := c.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(unknown), InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String("r"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/*"}},
			}})
			return err
		},
		"GetInvalidation": func() error {
			_, err := c.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(unknown), Id: aws.String("I0000000000000")})
			return err
		},
		"ListInvalidations": func() error {
			_, err := c.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(unknown)})
			return err
		},
	}
	for name, call := range calls {
		if msg := apiMessage(t, call(), "NoSuchDistribution"); msg != noDistribution {
			t.Errorf("%s of an unknown distribution: message %q; want %q", name, msg, noDistribution)
		}
	}
	_, err = c.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(id), Id: aws.String("I0000000000000")})
	if msg := apiMessage(t, err, "NoSuchInvalidation"); msg != "The specified invalidation does not exist." {
		t.Errorf("GetInvalidation of an unknown invalidation: message %q", msg)
	}
}

// withSDKDefaults fills cfg in place with what CloudFront adds to a stored
// configuration, written against the SDK's types (a second statement of
// distributionConfigShape), and returns it.
func withSDKDefaults(cfg *types.DistributionConfig) *types.DistributionConfig {
	zero := func(p **int32) {
		if *p == nil {
			*p = aws.Int32(0)
		}
	}
	str := func(p **string, v string) {
		if *p == nil {
			*p = aws.String(v)
		}
	}
	boolean := func(p **bool) {
		if *p == nil {
			*p = aws.Bool(false)
		}
	}
	getHead := func() []types.Method { return []types.Method{types.MethodHead, types.MethodGet} }
	if cfg.Aliases == nil {
		cfg.Aliases = &types.Aliases{}
	}
	zero(&cfg.Aliases.Quantity)
	str(&cfg.DefaultRootObject, "")
	if cfg.OriginGroups == nil {
		cfg.OriginGroups = &types.OriginGroups{Quantity: aws.Int32(0)}
	}
	if cfg.CacheBehaviors == nil {
		cfg.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(0)}
	}
	if cfg.CustomErrorResponses == nil {
		cfg.CustomErrorResponses = &types.CustomErrorResponses{Quantity: aws.Int32(0)}
	}
	if cfg.Logging == nil {
		cfg.Logging = &types.LoggingConfig{Enabled: aws.Bool(false), IncludeCookies: aws.Bool(false), Bucket: aws.String(""), Prefix: aws.String("")}
	}
	if cfg.PriceClass == "" {
		cfg.PriceClass = types.PriceClassPriceClassAll
	}
	if cfg.ViewerCertificate == nil {
		cfg.ViewerCertificate = &types.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true), CertificateSource: types.CertificateSourceCloudfront}
	}
	if cfg.ViewerCertificate.MinimumProtocolVersion == "" {
		cfg.ViewerCertificate.MinimumProtocolVersion = types.MinimumProtocolVersionTLSv1
	}
	if cfg.Restrictions == nil {
		cfg.Restrictions = &types.Restrictions{GeoRestriction: &types.GeoRestriction{RestrictionType: types.GeoRestrictionTypeNone, Quantity: aws.Int32(0)}}
	}
	str(&cfg.WebACLId, "")
	if cfg.HttpVersion == "" {
		cfg.HttpVersion = types.HttpVersionHttp2
	}
	boolean(&cfg.IsIPV6Enabled)
	boolean(&cfg.Staging)
	for i := range cfg.Origins.Items {
		o := &cfg.Origins.Items[i]
		str(&o.OriginPath, "")
		if o.CustomHeaders == nil {
			o.CustomHeaders = &types.CustomHeaders{Quantity: aws.Int32(0)}
		}
		if s := o.S3OriginConfig; s != nil {
			str(&s.OriginAccessIdentity, "")
		}
		if c := o.CustomOriginConfig; c != nil {
			if c.OriginReadTimeout == nil {
				c.OriginReadTimeout = aws.Int32(30)
			}
			if c.OriginKeepaliveTimeout == nil {
				c.OriginKeepaliveTimeout = aws.Int32(5)
			}
		}
		if o.ConnectionAttempts == nil {
			o.ConnectionAttempts = aws.Int32(3)
		}
		if o.ConnectionTimeout == nil {
			o.ConnectionTimeout = aws.Int32(10)
		}
		if o.OriginShield == nil {
			o.OriginShield = &types.OriginShield{Enabled: aws.Bool(false)}
		}
		str(&o.OriginAccessControlId, "")
	}
	behavior := func(ts **types.TrustedSigners, tk **types.TrustedKeyGroups, am **types.AllowedMethods, smooth, compress **bool,
		lambdas **types.LambdaFunctionAssociations, fns **types.FunctionAssociations, fle **string, fv *types.ForwardedValues, defTTL, maxTTL **int64) {
		if *ts == nil {
			*ts = &types.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}
		}
		if *tk == nil {
			*tk = &types.TrustedKeyGroups{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}
		}
		if *am == nil {
			*am = &types.AllowedMethods{Quantity: aws.Int32(2), Items: getHead()}
		}
		if (*am).CachedMethods == nil {
			(*am).CachedMethods = &types.CachedMethods{Quantity: aws.Int32(2), Items: getHead()}
		}
		boolean(smooth)
		boolean(compress)
		if *lambdas == nil {
			*lambdas = &types.LambdaFunctionAssociations{Quantity: aws.Int32(0)}
		}
		if *fns == nil {
			*fns = &types.FunctionAssociations{Quantity: aws.Int32(0)}
		}
		str(fle, "")
		if fv != nil {
			if fv.Headers == nil {
				fv.Headers = &types.Headers{Quantity: aws.Int32(0)}
			}
			if fv.QueryStringCacheKeys == nil {
				fv.QueryStringCacheKeys = &types.QueryStringCacheKeys{Quantity: aws.Int32(0)}
			}
			if *defTTL == nil {
				*defTTL = aws.Int64(86400)
			}
			if *maxTTL == nil {
				*maxTTL = aws.Int64(31536000)
			}
		}
	}
	d := cfg.DefaultCacheBehavior
	behavior(&d.TrustedSigners, &d.TrustedKeyGroups, &d.AllowedMethods, &d.SmoothStreaming, &d.Compress,
		&d.LambdaFunctionAssociations, &d.FunctionAssociations, &d.FieldLevelEncryptionId, d.ForwardedValues, &d.DefaultTTL, &d.MaxTTL)
	for i := range cfg.CacheBehaviors.Items {
		b := &cfg.CacheBehaviors.Items[i]
		behavior(&b.TrustedSigners, &b.TrustedKeyGroups, &b.AllowedMethods, &b.SmoothStreaming, &b.Compress,
			&b.LambdaFunctionAssociations, &b.FunctionAssociations, &b.FieldLevelEncryptionId, b.ForwardedValues, &b.DefaultTTL, &b.MaxTTL)
	}
	return cfg
}

// TestTaggingFunctionsAndStores runs what the Terraform provider does for
// the tags of a function and a key value store: tags in the create request,
// ListTagsForResource on every read, TagResource and UntagResource on change.
func TestTaggingFunctionsAndStores(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	tags := &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}}
	fn := must(c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("tagged"), FunctionCode: []byte(codeV1), FunctionConfig: fnConfig(""), Tags: tags,
	}))(t)
	kvs := must(c.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("tagged"), Tags: tags}))(t)
	for _, arn := range []*string{fn.FunctionSummary.FunctionMetadata.FunctionARN, kvs.KeyValueStore.ARN} {
		got := must(c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn}))(t).Tags
		if len(got.Items) != 1 || aws.ToString(got.Items[0].Key) != "team" || aws.ToString(got.Items[0].Value) != "edge" {
			t.Errorf("tags of %s at creation: %+v", aws.ToString(arn), got.Items)
		}
		must(c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}}))(t)
		must(c.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"team"}}}))(t)
		got = must(c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn}))(t).Tags
		if len(got.Items) != 1 || aws.ToString(got.Items[0].Key) != "env" {
			t.Errorf("tags of %s after Tag and Untag: %+v", aws.ToString(arn), got.Items)
		}
	}
	// The ETag stays: Terraform's next update still holds the right one.
	if d := must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("tagged")}))(t); aws.ToString(d.ETag) != aws.ToString(fn.ETag) {
		t.Errorf("tagging changed the function's ETag from %s to %s", aws.ToString(fn.ETag), aws.ToString(d.ETag))
	}
	for _, tt := range []struct {
		arn  string
		want func(error) bool
	}{
		{"arn:aws:cloudfront::123456789012:function/absent", isA[*types.NoSuchResource]},
		{"arn:aws:cloudfront::999999999999:function/tagged", isA[*types.InvalidTagging]},
		{"arn:aws:cloudfront::123456789012:cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6", isA[*types.InvalidTagging]},
	} {
		if _, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(tt.arn)}); !tt.want(err) {
			t.Errorf("ListTagsForResource %s: %v", tt.arn, err)
		}
	}
	_, err := c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("badtags"), FunctionCode: []byte(codeV1), FunctionConfig: fnConfig(""),
		Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("")}}},
	})
	if !isA[*types.InvalidArgument](err) { // the model lists no InvalidTagging for CreateFunction
		t.Errorf("CreateFunction with an empty tag key: %v", err)
	}
}
