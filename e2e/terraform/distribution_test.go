package terraform

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/e2e/e2etest"
)

// providerConfig is a DistributionConfig as expandDistributionConfig builds
// it for a small aws_cloudfront_distribution: every list it always sends
// (aliases, cache behaviors, custom error responses, trusted signers and key
// groups, function and Lambda associations, logging off), and no
// OriginGroups, which it sends only when the configuration has some.
func providerConfig(ref, comment string) *cftypes.DistributionConfig {
	noSigners := func() (*cftypes.TrustedSigners, *cftypes.TrustedKeyGroups) {
		return &cftypes.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}, &cftypes.TrustedKeyGroups{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}
	}
	ts, tkg := noSigners()
	return &cftypes.DistributionConfig{
		CallerReference:              aws.String(ref),
		Comment:                      aws.String(comment),
		ContinuousDeploymentPolicyId: aws.String(""),
		DefaultRootObject:            aws.String("index.html"),
		Enabled:                      aws.Bool(true),
		IsIPV6Enabled:                aws.Bool(true),
		HttpVersion:                  cftypes.HttpVersionHttp2,
		PriceClass:                   cftypes.PriceClassPriceClassAll,
		Staging:                      aws.Bool(false),
		WebACLId:                     aws.String(""),
		Aliases:                      &cftypes.Aliases{Quantity: aws.Int32(0)},
		CacheBehaviors:               &cftypes.CacheBehaviors{Quantity: aws.Int32(0)},
		CustomErrorResponses:         &cftypes.CustomErrorResponses{Quantity: aws.Int32(0)},
		Logging:                      &cftypes.LoggingConfig{Bucket: aws.String(""), Enabled: aws.Bool(false), IncludeCookies: aws.Bool(false), Prefix: aws.String("")},
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String("web"), DomainName: aws.String("www.example.com"), OriginPath: aws.String(""),
			ConnectionAttempts: aws.Int32(3), ConnectionTimeout: aws.Int32(10), OriginAccessControlId: aws.String(""),
			CustomHeaders: &cftypes.CustomHeaders{Quantity: aws.Int32(0)},
			CustomOriginConfig: &cftypes.CustomOriginConfig{
				HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly,
				OriginKeepaliveTimeout: aws.Int32(5), OriginReadTimeout: aws.Int32(30),
				OriginSslProtocols: &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}},
			},
		}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId: aws.String("web"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), Compress: aws.Bool(true),
			FieldLevelEncryptionId: aws.String(""), OriginRequestPolicyId: aws.String(""), ResponseHeadersPolicyId: aws.String(""),
			AllowedMethods: &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead},
				CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead}}},
			FunctionAssociations:       &cftypes.FunctionAssociations{Quantity: aws.Int32(0)},
			LambdaFunctionAssociations: &cftypes.LambdaFunctionAssociations{Quantity: aws.Int32(0)},
			SmoothStreaming:            aws.Bool(false),
			TrustedSigners:             ts, TrustedKeyGroups: tkg,
		},
		Restrictions:      &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{RestrictionType: cftypes.GeoRestrictionTypeNone, Quantity: aws.Int32(0)}},
		ViewerCertificate: &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true), MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv1},
	}
}

// readDistribution replays resourceDistributionRead and fails on what would
// panic there: the members it dereferences without a nil check.
func readDistribution(t *testing.T, cf *cloudfront.Client, id string) *cloudfront.GetDistributionOutput {
	t.Helper()
	out, err := cf.GetDistribution(e2etest.Ctx(t), &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	if out.Distribution == nil || out.Distribution.DistributionConfig == nil {
		t.Fatalf("GetDistribution: no DistributionConfig")
	}
	cfg := out.Distribution.DistributionConfig
	if cfg.Origins == nil || cfg.OriginGroups == nil || cfg.OriginGroups.Quantity == nil {
		t.Fatalf("GetDistribution: Origins %v, OriginGroups %v: the provider reads OriginGroups.Quantity unchecked", cfg.Origins, cfg.OriginGroups)
	}
	d := cfg.DefaultCacheBehavior
	if d == nil || d.AllowedMethods == nil || d.FunctionAssociations == nil || d.LambdaFunctionAssociations == nil || d.TrustedKeyGroups == nil || d.TrustedSigners == nil {
		t.Fatalf("GetDistribution: DefaultCacheBehavior %+v lacks a member the provider dereferences", d)
	}
	for _, b := range cfg.CacheBehaviors.Items {
		if b.AllowedMethods == nil || b.FunctionAssociations == nil || b.LambdaFunctionAssociations == nil || b.TrustedKeyGroups == nil || b.TrustedSigners == nil {
			t.Fatalf("GetDistribution: CacheBehavior %s lacks a member the provider dereferences", aws.ToString(b.PathPattern))
		}
	}
	if out.Distribution.LastModifiedTime == nil || out.Distribution.InProgressInvalidationBatches == nil || aws.ToString(out.ETag) == "" {
		t.Errorf("GetDistribution: LastModifiedTime %v, InProgressInvalidationBatches %v, ETag %q", out.Distribution.LastModifiedTime, out.Distribution.InProgressInvalidationBatches, aws.ToString(out.ETag))
	}
	return out
}

// waitDeployed polls GetDistribution while it says InProgress.
func waitDeployed(t *testing.T, cf *cloudfront.Client, id string) *cloudfront.GetDistributionOutput {
	t.Helper()
	return waitFor(t, "distribution "+id, "Deployed", "InProgress", func() (*cloudfront.GetDistributionOutput, string) {
		out := readDistribution(t, cf, id)
		return out, aws.ToString(out.Distribution.Status)
	})
}

// TestDistribution replays aws_cloudfront_distribution: create with tags,
// wait for Deployed, read; update with the state's ETag, read; then the
// delete: read, disable by sending the config it read with Enabled false,
// wait, delete with the ETag read, wait for NoSuchDistribution.
func TestDistribution(t *testing.T) {
	s := e2etest.Start(t, edgefnBin, e2etest.Config{})
	cf := s.CloudFront(e2etest.DevAccount)
	c := e2etest.Ctx(t)
	created, err := cf.CreateDistributionWithTags(c, &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{DistributionConfig: providerConfig("terraform-20240501", "first"), Tags: tags("team", "edge")},
	})
	if err != nil {
		t.Fatalf("CreateDistributionWithTags: %v", err)
	}
	id := aws.ToString(created.Distribution.Id)
	st := waitDeployed(t, cf, id)
	checkTags(t, cf, aws.ToString(st.Distribution.ARN), "team", "edge")
	if aws.ToString(st.ETag) != aws.ToString(created.ETag) {
		t.Errorf("GetDistribution ETag %q; CreateDistributionWithTags said %q", aws.ToString(st.ETag), aws.ToString(created.ETag))
	}

	// A change of the comment: the provider sends its whole configuration
	// again with the ETag it keeps in the state.
	_, err = cf.UpdateDistribution(c, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: st.ETag, DistributionConfig: providerConfig("terraform-20240501", "second")})
	if err != nil {
		t.Fatalf("UpdateDistribution with the state's ETag: %v", err)
	}
	st = waitDeployed(t, cf, id)
	if got := aws.ToString(st.Distribution.DistributionConfig.Comment); got != "second" {
		t.Errorf("comment after update %q", got)
	}

	// Delete: disable with the configuration just read.
	cfg := st.Distribution.DistributionConfig
	cfg.Enabled = aws.Bool(false)
	if _, err := cf.UpdateDistribution(c, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: st.ETag, DistributionConfig: cfg}); err != nil {
		t.Fatalf("disabling with the configuration GetDistribution returned: %v", err)
	}
	st = waitDeployed(t, cf, id)
	if aws.ToBool(st.Distribution.DistributionConfig.Enabled) {
		t.Fatal("still enabled after the disabling update")
	}
	if _, err := cf.DeleteDistribution(c, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: st.ETag}); err != nil {
		t.Fatalf("DeleteDistribution: %v", err)
	}
	_, err = cf.GetDistribution(c, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	e2etest.WantAPIError(t, err, "NoSuchDistribution", 404)
}
