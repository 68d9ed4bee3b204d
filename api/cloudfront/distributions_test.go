package cloudfront

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn"
)

// publishFn creates and publishes a function and returns its ARN.
func publishFn(t *testing.T, c *cloudfront.Client, name string) string {
	t.Helper()
	fn := createFn(t, c, name, testCode)
	must(c.PublishFunction(context.Background(), &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: fn.ETag}))(t)
	return *fn.FunctionSummary.FunctionMetadata.FunctionARN
}

func associations(as ...types.FunctionAssociation) *types.FunctionAssociations {
	return &types.FunctionAssociations{Quantity: aws.Int32(int32(len(as))), Items: as}
}

// distConfig is a configuration in the shape Terraform sends: every member
// edgefn acts on, and several it only keeps.
func distConfig(ref string, fns *types.FunctionAssociations) *types.DistributionConfig {
	return &types.DistributionConfig{
		CallerReference:   aws.String(ref),
		Comment:           aws.String("test distribution"),
		Enabled:           aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		PriceClass:        types.PriceClassPriceClass100,
		HttpVersion:       types.HttpVersionHttp2and3,
		Aliases:           &types.Aliases{Quantity: aws.Int32(1), Items: []string{ref + ".example.com"}},
		Origins: &types.Origins{Quantity: aws.Int32(2), Items: []types.Origin{
			{
				Id: aws.String("web"), DomainName: aws.String("web.example.com"), OriginPath: aws.String("/v1"),
				CustomHeaders: &types.CustomHeaders{Quantity: aws.Int32(1), Items: []types.OriginCustomHeader{
					{HeaderName: aws.String("X-Origin-Secret"), HeaderValue: aws.String("s3cret")},
				}},
				CustomOriginConfig: &types.CustomOriginConfig{
					HTTPPort: aws.Int32(8080), HTTPSPort: aws.Int32(443),
					OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly, OriginReadTimeout: aws.Int32(15),
				},
			},
			{Id: aws.String("media"), DomainName: aws.String("media.s3.amazonaws.com"), S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")}},
		}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("web"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
			FunctionAssociations: fns,
		},
		CacheBehaviors: &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
			PathPattern: aws.String("/media/*"), TargetOriginId: aws.String("media"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
			AllowedMethods: &types.AllowedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead},
				CachedMethods: &types.CachedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead}}},
		}}},
		CustomErrorResponses: &types.CustomErrorResponses{Quantity: aws.Int32(1), Items: []types.CustomErrorResponse{
			{ErrorCode: aws.Int32(404), ResponseCode: aws.String("200"), ResponsePagePath: aws.String("/index.html")},
		}},
		Restrictions: &types.Restrictions{GeoRestriction: &types.GeoRestriction{
			RestrictionType: types.GeoRestrictionTypeWhitelist, Quantity: aws.Int32(2), Items: []string{"DE", "FR"},
		}},
	}
}

func TestDistributionLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	arn := publishFn(t, c, "fn")
	cfg := distConfig("ref-1", associations(types.FunctionAssociation{EventType: types.EventTypeViewerRequest, FunctionARN: aws.String(arn)}))

	created := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg}))(t)
	d := created.Distribution
	if !etagPattern.MatchString(aws.ToString(created.ETag)) || !strings.HasSuffix(aws.ToString(created.Location), "/distribution/"+*d.Id) {
		t.Errorf("ETag %q, Location %q", aws.ToString(created.ETag), aws.ToString(created.Location))
	}
	if *d.Status != "Deployed" || *d.DomainName != strings.ToLower(*d.Id)+".cloudfront.net" ||
		*d.ARN != "arn:aws:cloudfront::123456789012:distribution/"+*d.Id || d.LastModifiedTime == nil ||
		d.InProgressInvalidationBatches == nil || *d.InProgressInvalidationBatches != 0 {
		t.Errorf("created distribution %+v", d)
	}
	if !reflect.DeepEqual(d.DistributionConfig, withSDKDefaults(cfg)) {
		t.Errorf("Distribution.DistributionConfig differs from what was sent with CloudFront's defaults:\n got %+v\nwant %+v", d.DistributionConfig, cfg)
	}

	// The function is DEPLOYED and cannot go while associated.
	fn := must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn"), Stage: types.FunctionStageLive}))(t)
	if fn.FunctionSummary.Status != nil && *fn.FunctionSummary.Status != "DEPLOYED" {
		t.Errorf("associated function status %s", *fn.FunctionSummary.Status)
	}
	dev := must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn")}))(t)
	if _, err := c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("fn"), IfMatch: dev.ETag}); !isA[*types.FunctionInUse](err) {
		t.Errorf("DeleteFunction of an associated function: %v, want FunctionInUse", err)
	}

	// Get and GetConfig give back everything, members edgefn ignores included.
	got := must(c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: d.Id}))(t)
	if *got.ETag != *created.ETag || !reflect.DeepEqual(got.Distribution.DistributionConfig, cfg) {
		t.Errorf("GetDistribution %+v", got.Distribution)
	}
	gc := must(c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: d.Id}))(t)
	if *gc.ETag != *created.ETag || !reflect.DeepEqual(gc.DistributionConfig, cfg) {
		t.Errorf("GetDistributionConfig:\n got %+v\nwant %+v", gc.DistributionConfig, cfg)
	}

	// Update: a stale or missing If-Match fails, the current one works.
	cfg.Comment = aws.String("second")
	cfg.DefaultCacheBehavior.FunctionAssociations = associations()
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Id, DistributionConfig: cfg}); !isA[*types.InvalidIfMatchVersion](err) {
		t.Errorf("update without If-Match: %v", err)
	}
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Id, DistributionConfig: cfg, IfMatch: aws.String("E0000000000000")}); !isA[*types.PreconditionFailed](err) {
		t.Errorf("update with a stale If-Match: %v", err)
	}
	upd := must(c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Id, DistributionConfig: cfg, IfMatch: created.ETag}))(t)
	if *upd.ETag == *created.ETag || *upd.Distribution.DistributionConfig.Comment != "second" {
		t.Errorf("updated %+v", upd.Distribution)
	}
	fn = must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn"), Stage: types.FunctionStageLive}))(t)
	if *fn.FunctionSummary.Status != "UNASSOCIATED" {
		t.Errorf("function status after the association went: %s", *fn.FunctionSummary.Status)
	}

	// Delete: only once disabled.
	if _, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: d.Id, IfMatch: upd.ETag}); !isA[*types.DistributionNotDisabled](err) {
		t.Errorf("deleting an enabled distribution: %v", err)
	}
	cfg.Enabled = aws.Bool(false)
	off := must(c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Id, DistributionConfig: cfg, IfMatch: upd.ETag}))(t)
	if _, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: d.Id}); !isA[*types.InvalidIfMatchVersion](err) {
		t.Errorf("delete without If-Match: %v", err)
	}
	must(c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: d.Id, IfMatch: off.ETag}))(t)
	if _, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: d.Id}); !isA[*types.NoSuchDistribution](err) {
		t.Errorf("GetDistribution after delete: %v", err)
	}
}

func TestCreateDistributionWithTagsAndList(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	tagged := must(c.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{
			DistributionConfig: distConfig("tagged", nil),
			Tags:               &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}},
		},
	}))(t)
	if tagged.Distribution.DistributionConfig == nil || *tagged.Distribution.DistributionConfig.CallerReference != "tagged" {
		t.Fatalf("CreateDistributionWithTags: %+v", tagged.Distribution)
	}
	st, err := e.st.GetDistribution(ctx, account, *tagged.Distribution.Id)
	if err != nil || len(st.Tags) != 1 || st.Tags[0].Key != "team" || st.Tags[0].Value != "edge" {
		t.Errorf("stored tags %+v (%v)", st, err)
	}
	ids := map[string]bool{*tagged.Distribution.Id: true}
	for _, ref := range []string{"a", "b"} {
		out := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: distConfig(ref, nil)}))(t)
		ids[*out.Distribution.Id] = true
	}

	seen := map[string]bool{}
	p := cloudfront.NewListDistributionsPaginator(c, &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(2)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		page := must(p.NextPage(ctx))(t)
		l := page.DistributionList
		if int(*l.Quantity) != len(l.Items) || *l.MaxItems != 2 || *l.IsTruncated != (l.NextMarker != nil) {
			t.Errorf("page %+v", l)
		}
		for _, s := range l.Items {
			seen[*s.Id] = true
			if s.ETag == nil || *s.Status != "Deployed" || *s.Enabled != true || s.Origins == nil || *s.Origins.Quantity != 2 ||
				s.PriceClass != types.PriceClassPriceClass100 || s.ViewerCertificate == nil || s.Restrictions == nil ||
				len(s.Aliases.Items) != 1 || *s.CustomErrorResponses.Quantity != 1 || s.DefaultCacheBehavior == nil {
				t.Errorf("summary %+v", s)
			}
		}
	}
	if !reflect.DeepEqual(seen, ids) {
		t.Errorf("listed %v, want %v", seen, ids)
	}
}

// notABucket is AWS's answer to an S3 origin whose DomainName is not an S3
// bucket endpoint.
func notABucket(err error) bool {
	var ia *types.InvalidArgument
	return errors.As(err, &ia) && ia.ErrorMessage() == "The parameter Origin DomainName does not refer to a valid S3 bucket."
}

// notALogBucket is AWS's answer to a Logging.Bucket that is not an S3
// bucket endpoint.
func notALogBucket(err error) bool {
	var ia *types.InvalidArgument
	return errors.As(err, &ia) && ia.ErrorMessage() == "The parameter Logging Bucket does not refer to a valid S3 bucket."
}

func logging(bucket, prefix string) *types.LoggingConfig {
	return &types.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(false), Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
}

func TestDistributionErrors(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	live := publishFn(t, c, "live")
	unpublished := *createFn(t, c, "unpublished", testCode).FunctionSummary.FunctionMetadata.FunctionARN
	existing := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: distConfig("existing", nil)}))(t)

	viewerRequest := func(arn string) types.FunctionAssociation {
		return types.FunctionAssociation{EventType: types.EventTypeViewerRequest, FunctionARN: aws.String(arn)}
	}
	tests := []struct {
		name   string
		mutate func(*types.DistributionConfig)
		want   func(error) bool
	}{
		{"unpublished function", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.FunctionAssociations = associations(viewerRequest(unpublished))
		}, isA[*types.InvalidFunctionAssociation]},
		{"unknown function", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.FunctionAssociations = associations(viewerRequest("arn:aws:cloudfront::123456789012:function/nope"))
		}, isA[*types.InvalidFunctionAssociation]},
		{"origin event type", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.FunctionAssociations = associations(types.FunctionAssociation{EventType: types.EventTypeOriginRequest, FunctionARN: aws.String(live)})
		}, isA[*types.InvalidFunctionAssociation]},
		{"two viewer-request functions", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.FunctionAssociations = associations(viewerRequest(live), viewerRequest(live))
		}, isA[*types.TooManyFunctionAssociations]},
		{"quantity differs from items", func(c *types.DistributionConfig) { c.Origins.Quantity = aws.Int32(3) }, isA[*types.InconsistentQuantities]},
		{"quantity of a member edgefn only keeps", func(c *types.DistributionConfig) { c.Restrictions.GeoRestriction.Quantity = aws.Int32(1) }, isA[*types.InconsistentQuantities]},
		{"no such origin", func(c *types.DistributionConfig) { c.CacheBehaviors.Items[0].TargetOriginId = aws.String("nope") }, isA[*types.NoSuchOrigin]},
		{"caller reference in use", func(c *types.DistributionConfig) { c.CallerReference = aws.String("existing") }, isA[*types.DistributionAlreadyExists]},
		{"alias in use", func(c *types.DistributionConfig) { c.Aliases.Items = []string{"existing.example.com"} }, isA[*types.CNAMEAlreadyExists]},
		{"alias of a generated name", func(c *types.DistributionConfig) { c.Aliases.Items = []string{*existing.Distribution.DomainName} }, isA[*types.CNAMEAlreadyExists]},
		{"wildcard in the middle", func(c *types.DistributionConfig) { c.Aliases.Items = []string{"a.*.example.com"} }, isA[*types.InvalidArgument]},
		{"origin of no type", func(c *types.DistributionConfig) { c.Origins.Items[1].S3OriginConfig = nil }, isA[*types.InvalidOrigin]},
		{"origin of two types", func(c *types.DistributionConfig) {
			c.Origins.Items[1].CustomOriginConfig = c.Origins.Items[0].CustomOriginConfig
		}, isA[*types.InvalidArgument]},
		{"S3 origin that is not a bucket", func(c *types.DistributionConfig) { c.Origins.Items[1].DomainName = aws.String("...s3.amazonaws.com") }, notABucket},
		{"S3 origin of a custom name", func(c *types.DistributionConfig) { c.Origins.Items[1].DomainName = aws.String("media.example.com") }, notABucket},
		{"origin name with CR LF", func(c *types.DistributionConfig) {
			c.Origins.Items[0].DomainName = aws.String("web.example.com\r\nX-Injected: 1")
		}, isA[*types.InvalidArgument]},
		{"origin path with ..", func(c *types.DistributionConfig) { c.Origins.Items[1].OriginPath = aws.String("/a/../..") }, isA[*types.InvalidArgument]},
		{"methods CloudFront has no set for", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.AllowedMethods = &types.AllowedMethods{Quantity: aws.Int32(3), Items: []types.Method{types.MethodGet, types.MethodHead, types.MethodPost}}
		}, isA[*types.InvalidArgument]},
		{"unknown cache policy", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicyId = aws.String("00000000-0000-4000-8000-000000000000")
		}, isA[*types.NoSuchCachePolicy]},
		{"unknown origin request policy", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("00000000-0000-4000-8000-000000000000")
		}, isA[*types.NoSuchOriginRequestPolicy]},
		{"origin request policy with ForwardedValues", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicyId = nil
			c.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{QueryString: aws.Bool(false), Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone}}
			c.DefaultCacheBehavior.MinTTL = aws.Int64(0)
			c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3")
		}, isA[*types.InvalidArgument]},
		{"cache policy and ForwardedValues", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{QueryString: aws.Bool(false), Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone}}
			c.DefaultCacheBehavior.MinTTL = aws.Int64(0)
		}, isA[*types.InvalidArgument]},
		{"ForwardedValues without MinTTL", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicyId = nil
			c.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{QueryString: aws.Bool(false), Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone}}
		}, isA[*types.InvalidArgument]},
		{"TTLs out of order", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicyId = nil
			c.DefaultCacheBehavior.ForwardedValues = &types.ForwardedValues{QueryString: aws.Bool(false), Cookies: &types.CookiePreference{Forward: types.ItemSelectionNone}}
			c.DefaultCacheBehavior.MinTTL, c.DefaultCacheBehavior.DefaultTTL, c.DefaultCacheBehavior.MaxTTL = aws.Int64(0), aws.Int64(100), aws.Int64(10)
		}, isA[*types.InvalidArgument]},
		{"cached methods beyond the allowed ones", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.AllowedMethods = &types.AllowedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodHead},
				CachedMethods: &types.CachedMethods{Quantity: aws.Int32(3), Items: []types.Method{types.MethodGet, types.MethodHead, types.MethodOptions}}}
		}, isA[*types.InvalidArgument]},
		{"a method twice", func(c *types.DistributionConfig) {
			c.DefaultCacheBehavior.AllowedMethods = &types.AllowedMethods{Quantity: aws.Int32(2), Items: []types.Method{types.MethodGet, types.MethodGet}}
		}, isA[*types.InvalidArgument]},
		{"logging to a name that is no S3 bucket", func(c *types.DistributionConfig) {
			c.Logging = logging("logs.example.com", "")
		}, notALogBucket},
		{"logging to a bare bucket name", func(c *types.DistributionConfig) { c.Logging = logging("logs", "") }, notALogBucket},
		{"logging to a bucket S3 refuses", func(c *types.DistributionConfig) { c.Logging = logging("../x.s3.amazonaws.com", "") }, notALogBucket},
		{"logging to a bucket name in capitals", func(c *types.DistributionConfig) {
			c.Logging = logging("Logs.s3.amazonaws.com", "")
		}, notALogBucket},
		{"logging prefix with ..", func(c *types.DistributionConfig) {
			c.Logging = logging("logs.s3.amazonaws.com", "a/../../etc/")
		}, isA[*types.InvalidArgument]},
		{"logging prefix from the root", func(c *types.DistributionConfig) {
			c.Logging = logging("logs.s3.amazonaws.com", "/etc/")
		}, isA[*types.InvalidArgument]},
		{"logging prefix with a newline", func(c *types.DistributionConfig) {
			c.Logging = logging("logs.s3.amazonaws.com", "a\nb/")
		}, isA[*types.InvalidArgument]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := distConfig("fresh", nil)
			tt.mutate(cfg)
			_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			if !tt.want(err) {
				t.Fatalf("CreateDistribution: %v", err)
			}
		})
	}

	changed := distConfig("changed", nil)
	changed.Aliases.Items = []string{"existing.example.com"}
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: existing.Distribution.Id, IfMatch: existing.ETag, DistributionConfig: changed}); !isA[*types.IllegalUpdate](err) {
		t.Errorf("changing the CallerReference: %v, want IllegalUpdate", err)
	}
	if _, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String("E0000000000000")}); !isA[*types.NoSuchDistribution](err) {
		t.Errorf("GetDistributionConfig of an unknown id: %v", err)
	}
	if _, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String("nope"), IfMatch: existing.ETag, DistributionConfig: changed}); !isA[*types.NoSuchDistribution](err) {
		t.Errorf("UpdateDistribution of an unknown id: %v", err)
	}

	// What the SDKs never send.
	for _, tt := range []struct{ name, method, path, body, code string }{
		{"empty body", "POST", "/2020-05-31/distribution", "", "MissingBody"},
		{"empty body with tags", "POST", "/2020-05-31/distribution?WithTags", " ", "MissingBody"},
		{"wrong root", "POST", "/2020-05-31/distribution", "<DistributionConfigWithTags" + nsAttr + "/>", "MalformedXML"},
		{"not XML", "POST", "/2020-05-31/distribution", "<DistributionConfig>", "MalformedXML"},
		{"missing members", "POST", "/2020-05-31/distribution", "<DistributionConfig" + nsAttr + "><CallerReference>x</CallerReference></DistributionConfig>", "InvalidArgument"},
		{"no quantity number", "POST", "/2020-05-31/distribution", "<DistributionConfig><Aliases><Quantity>one</Quantity></Aliases></DistributionConfig>", "MalformedXML"},
		{"update with an empty body", "PUT", "/2020-05-31/distribution/" + *existing.Distribution.Id + "/config", "", "MissingBody"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, we := e.call(t, tt.method, tt.path, map[string]string{"If-Match": *existing.ETag}, tt.body)
			if we.Code != tt.code {
				t.Errorf("error %+v, want %s", we, tt.code)
			}
		})
	}
}

func TestDistributionTagging(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	d := must(c.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{
			DistributionConfig: distConfig("tagged", nil),
			Tags:               &types.Tags{Items: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}},
		},
	}))(t)
	arn := d.Distribution.ARN
	must(c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{
		{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("one")},
	}}}))(t)
	must(c.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"b"}}}))(t)
	got := must(c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn}))(t)
	if len(got.Tags.Items) != 1 || *got.Tags.Items[0].Key != "a" || *got.Tags.Items[0].Value != "one" {
		t.Errorf("tags %+v", got.Tags.Items)
	}
	// Tags live apart from the configuration: its ETag stays.
	if g := must(c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: d.Distribution.Id}))(t); *g.ETag != *d.ETag {
		t.Errorf("ETag %s after tagging, was %s", *g.ETag, *d.ETag)
	}

	missing := aws.String("arn:aws:cloudfront::123456789012:distribution/E0000000000000")
	if _, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: missing}); !isA[*types.NoSuchResource](err) {
		t.Errorf("tags of a missing distribution: %v", err)
	}
	if _, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("")}}}}); !isA[*types.InvalidTagging](err) {
		t.Errorf("empty tag key: %v", err)
	}
	other := aws.String("arn:aws:cloudfront::999999999999:distribution/" + *d.Distribution.Id)
	if _, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: other}); !isA[*types.InvalidTagging](err) {
		t.Errorf("another account's distribution: %v", err)
	}
}

// TestDistributionLogging: an enabled Logging is kept for the edge (bucket
// endpoints of any region); a disabled one is not checked, as CloudFront
// ignores its Bucket and Prefix.
func TestDistributionLogging(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		l    *types.LoggingConfig
		want *edgefn.Logging
	}{
		{"enabled", &types.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(true), Bucket: aws.String("logs.s3.us-east-2.amazonaws.com"), Prefix: aws.String("cf/")},
			&edgefn.Logging{IncludeCookies: true, Bucket: "logs.s3.us-east-2.amazonaws.com", Prefix: "cf/"}},
		{"disabled with a bad bucket", &types.LoggingConfig{Enabled: aws.Bool(false), IncludeCookies: aws.Bool(false), Bucket: aws.String("nope"), Prefix: aws.String("/x/../")}, nil},
		{"absent", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := distConfig("logging-"+strings.ReplaceAll(tt.name, " ", "-"), nil)
			cfg.Logging = tt.l
			out := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg}))(t)
			d, err := e.st.GetDistribution(ctx, account, *out.Distribution.Id)
			if err != nil || !reflect.DeepEqual(d.Config.Logging, tt.want) {
				t.Fatalf("stored Logging %+v (%v), want %+v", d.Config.Logging, err, tt.want)
			}
			if tt.l != nil && !reflect.DeepEqual(out.Distribution.DistributionConfig.Logging, tt.l) {
				t.Errorf("answered Logging %+v, want %+v", out.Distribution.DistributionConfig.Logging, tt.l)
			}
		})
	}
}
