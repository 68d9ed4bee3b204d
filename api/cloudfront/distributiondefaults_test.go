package cloudfront

import (
	"context"
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// minimalConfig is the least a client may send: the required members, a
// custom origin and an S3 one (self-closing, as hand-written XML has it).
const minimalConfig = `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
	`<CallerReference>min</CallerReference>` +
	`<Origins><Quantity>2</Quantity><Items>` +
	`<Origin><Id>web</Id><DomainName>web.example.com</DomainName><CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin>` +
	`<Origin><Id>files</Id><DomainName>files.s3.amazonaws.com</DomainName><S3OriginConfig/></Origin>` +
	`</Items></Origins>` +
	`<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>` +
	`<ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><MinTTL>0</MinTTL></DefaultCacheBehavior>` +
	`<Comment> kept  as sent </Comment><Enabled>true</Enabled><Unmodelled>kept</Unmodelled></DistributionConfig>`

func TestWithDefaults(t *testing.T) {
	out, err := withDefaults([]byte(minimalConfig))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(out)
	for _, want := range []string{
		// Members sent stay byte for byte, unknown ones included.
		`<Comment> kept  as sent </Comment>`, `<Unmodelled>kept</Unmodelled>`, `<CallerReference>min</CallerReference>`,
		// The top level.
		`<Aliases><Quantity>0</Quantity></Aliases>`, `<OriginGroups><Quantity>0</Quantity></OriginGroups>`,
		`<CacheBehaviors><Quantity>0</Quantity></CacheBehaviors>`, `<CustomErrorResponses><Quantity>0</Quantity></CustomErrorResponses>`,
		`<DefaultRootObject></DefaultRootObject>`, `<PriceClass>PriceClass_All</PriceClass>`, `<HttpVersion>http2</HttpVersion>`,
		`<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>`,
		`<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>`,
		`<Logging><Enabled>false</Enabled>`, `<IsIPV6Enabled>false</IsIPV6Enabled>`, `<Staging>false</Staging>`, `<WebACLId></WebACLId>`,
		// Origins: the custom origin's timeouts, the self-closing S3 config opened and filled.
		`<OriginProtocolPolicy>http-only</OriginProtocolPolicy><OriginReadTimeout>30</OriginReadTimeout><OriginKeepaliveTimeout>5</OriginKeepaliveTimeout></CustomOriginConfig>`,
		`<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>`,
		`<ConnectionAttempts>3</ConnectionAttempts><ConnectionTimeout>10</ConnectionTimeout>`, `<CustomHeaders><Quantity>0</Quantity></CustomHeaders>`,
		// The behavior, with the legacy TTLs its ForwardedValues implies.
		`<Cookies><Forward>none</Forward></Cookies><Headers><Quantity>0</Quantity></Headers><QueryStringCacheKeys><Quantity>0</Quantity></QueryStringCacheKeys></ForwardedValues>`,
		`<AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items><CachedMethods>`,
		`<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>`, `<TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>`,
		`<FunctionAssociations><Quantity>0</Quantity></FunctionAssociations>`, `<LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>`,
		`<SmoothStreaming>false</SmoothStreaming>`, `<Compress>false</Compress>`, `<DefaultTTL>86400</DefaultTTL>`, `<MaxTTL>31536000</MaxTTL>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("filled config lacks %s:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "ViewerMtlsConfig") {
		t.Errorf("a config without mTLS got a ViewerMtlsConfig:\n%s", doc)
	}
	if again, err := withDefaults(out); err != nil || string(again) != doc {
		t.Errorf("filling twice changed the document:\n%s\n%s", again, doc)
	}
	var parsed distributionConfigXML
	if err := xml.Unmarshal(out, &parsed); err != nil {
		t.Fatalf("filled config does not parse: %v", err)
	}

	// What is given is not replaced; TTLs come only with ForwardedValues.
	policy := strings.NewReplacer(
		`<ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><MinTTL>0</MinTTL>`,
		`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId><AllowedMethods><Quantity>3</Quantity><Items><Method>GET</Method><Method>HEAD</Method><Method>OPTIONS</Method></Items></AllowedMethods>`,
		`<HTTPPort>80</HTTPPort>`, `<HTTPPort>80</HTTPPort><OriginReadTimeout>60</OriginReadTimeout>`,
	).Replace(minimalConfig)
	out, err = withDefaults([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	doc = string(out)
	if strings.Contains(doc, "TTL>") || strings.Count(doc, "OriginReadTimeout>") != 2 || !strings.Contains(doc, "<OriginReadTimeout>60</OriginReadTimeout>") ||
		!strings.Contains(doc, `<Method>OPTIONS</Method></Items><CachedMethods><Quantity>2</Quantity>`) {
		t.Errorf("filled config with a cache policy:\n%s", doc)
	}
}

// TestDistributionDefaultsOnEveryRead sends the minimal configuration and
// checks that every answer carries the same complete one: what the
// Terraform provider dereferences is never nil, and a config read back and
// put back unchanged stays the same (the documented update workflow).
func TestDistributionDefaultsOnEveryRead(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	resp, we := e.call(t, http.MethodPost, "/2020-05-31/distribution", nil, minimalConfig)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("CreateDistribution: %d %+v", resp.StatusCode, we)
	}
	list := must(c.ListDistributions(ctx, &cloudfront.ListDistributionsInput{}))(t).DistributionList
	if len(list.Items) != 1 {
		t.Fatalf("ListDistributions: %d items", len(list.Items))
	}
	sum := list.Items[0]
	if sum.OriginGroups == nil || aws.ToInt32(sum.OriginGroups.Quantity) != 0 || sum.DefaultCacheBehavior.FunctionAssociations == nil ||
		sum.DefaultCacheBehavior.AllowedMethods == nil || sum.DefaultCacheBehavior.TrustedSigners == nil {
		t.Errorf("DistributionSummary lacks defaults: %+v", sum)
	}
	id := sum.Id
	got := must(c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: id}))(t)
	gc := must(c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id}))(t)
	checkProviderReads(t, "GetDistribution", got.Distribution.DistributionConfig)
	checkProviderReads(t, "GetDistributionConfig", gc.DistributionConfig)

	upd := must(c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: id, IfMatch: gc.ETag, DistributionConfig: gc.DistributionConfig}))(t)
	checkProviderReads(t, "UpdateDistribution", upd.Distribution.DistributionConfig)
	again := must(c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id}))(t)
	if !reflect.DeepEqual(again.DistributionConfig, gc.DistributionConfig) {
		t.Errorf("a config put back unchanged came back different:\n got %+v\nwant %+v", again.DistributionConfig, gc.DistributionConfig)
	}
}

// checkProviderReads fails on any member the Terraform provider's read of a
// distribution dereferences without a nil check, and on the defaults its
// plans compare with.
func checkProviderReads(t *testing.T, op string, cfg *types.DistributionConfig) {
	t.Helper()
	if cfg == nil || cfg.Origins == nil || cfg.OriginGroups == nil || cfg.OriginGroups.Quantity == nil {
		t.Fatalf("%s: no OriginGroups: %+v", op, cfg)
	}
	d := cfg.DefaultCacheBehavior
	checkBehavior(t, op+" DefaultCacheBehavior", d.AllowedMethods, d.FunctionAssociations, d.LambdaFunctionAssociations, d.TrustedSigners, d.TrustedKeyGroups)
	for _, b := range cfg.CacheBehaviors.Items {
		checkBehavior(t, op+" CacheBehavior "+aws.ToString(b.PathPattern), b.AllowedMethods, b.FunctionAssociations, b.LambdaFunctionAssociations, b.TrustedSigners, b.TrustedKeyGroups)
	}
	if cfg.ViewerCertificate == nil || !aws.ToBool(cfg.ViewerCertificate.CloudFrontDefaultCertificate) || cfg.Restrictions == nil ||
		cfg.Restrictions.GeoRestriction.RestrictionType != types.GeoRestrictionTypeNone || cfg.Aliases == nil || cfg.CustomErrorResponses == nil {
		t.Errorf("%s: top-level defaults missing: %+v", op, cfg)
	}
	for _, o := range cfg.Origins.Items {
		if c := o.CustomOriginConfig; c != nil && (aws.ToInt32(c.OriginReadTimeout) != 30 || aws.ToInt32(c.OriginKeepaliveTimeout) != 5) {
			t.Errorf("%s: origin %s timeouts %d, %d; want 30, 5", op, aws.ToString(o.Id), aws.ToInt32(c.OriginReadTimeout), aws.ToInt32(c.OriginKeepaliveTimeout))
		}
	}
	fv := cfg.DefaultCacheBehavior.ForwardedValues
	if fv == nil || fv.Headers == nil || aws.ToInt32(fv.Headers.Quantity) != 0 || aws.ToBool(cfg.DefaultCacheBehavior.SmoothStreaming) {
		t.Errorf("%s: ForwardedValues.Headers or SmoothStreaming: %+v", op, cfg.DefaultCacheBehavior)
	}
}

func checkBehavior(t *testing.T, what string, am *types.AllowedMethods, fa *types.FunctionAssociations, la *types.LambdaFunctionAssociations,
	ts *types.TrustedSigners, tkg *types.TrustedKeyGroups) {
	t.Helper()
	if am == nil || am.CachedMethods == nil || fa == nil || la == nil || ts == nil || tkg == nil {
		t.Errorf("%s lacks a member the provider dereferences: AllowedMethods %v, FunctionAssociations %v, LambdaFunctionAssociations %v, TrustedSigners %v, TrustedKeyGroups %v",
			what, am, fa, la, ts, tkg)
	}
}

// TestWithDefaultsMtls: a TrustStoreConfig gets its two Booleans, false,
// when the request leaves them out; what it sends stays.
func TestWithDefaultsMtls(t *testing.T) {
	in := strings.Replace(minimalConfig, "<Enabled>true</Enabled>", "<Enabled>true</Enabled><ViewerMtlsConfig><Mode>required</Mode>"+
		"<TrustStoreConfig><TrustStoreId>ts</TrustStoreId><IgnoreCertificateExpiry>true</IgnoreCertificateExpiry></TrustStoreConfig></ViewerMtlsConfig>", 1)
	out, err := withDefaults([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := "<TrustStoreConfig><TrustStoreId>ts</TrustStoreId><IgnoreCertificateExpiry>true</IgnoreCertificateExpiry>" +
		"<AdvertiseTrustStoreCaNames>false</AdvertiseTrustStoreCaNames></TrustStoreConfig>"
	if !strings.Contains(string(out), want) {
		t.Errorf("filled config lacks %s:\n%s", want, out)
	}
}
