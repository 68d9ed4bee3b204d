package cloudfront

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func rhpInput(name string) *types.ResponseHeadersPolicyConfig {
	return &types.ResponseHeadersPolicyConfig{
		Name: aws.String(name), Comment: aws.String("cors and security"),
		CorsConfig: &types.ResponseHeadersPolicyCorsConfig{
			AccessControlAllowOrigins:     &types.ResponseHeadersPolicyAccessControlAllowOrigins{Quantity: aws.Int32(2), Items: []string{"https://app.example.com", "https://*.example.org"}},
			AccessControlAllowHeaders:     &types.ResponseHeadersPolicyAccessControlAllowHeaders{Quantity: aws.Int32(1), Items: []string{"X-Token"}},
			AccessControlAllowMethods:     &types.ResponseHeadersPolicyAccessControlAllowMethods{Quantity: aws.Int32(2), Items: []types.ResponseHeadersPolicyAccessControlAllowMethodsValues{"GET", "PUT"}},
			AccessControlAllowCredentials: aws.Bool(true),
			AccessControlExposeHeaders:    &types.ResponseHeadersPolicyAccessControlExposeHeaders{Quantity: aws.Int32(1), Items: []string{"X-Request-Id"}},
			AccessControlMaxAgeSec:        aws.Int32(600),
			OriginOverride:                aws.Bool(true),
		},
		SecurityHeadersConfig: &types.ResponseHeadersPolicySecurityHeadersConfig{
			XSSProtection:           &types.ResponseHeadersPolicyXSSProtection{Override: aws.Bool(false), Protection: aws.Bool(true), ReportUri: aws.String("https://r.example.com/xss")},
			FrameOptions:            &types.ResponseHeadersPolicyFrameOptions{Override: aws.Bool(true), FrameOption: types.FrameOptionsListDeny},
			ReferrerPolicy:          &types.ResponseHeadersPolicyReferrerPolicy{Override: aws.Bool(true), ReferrerPolicy: types.ReferrerPolicyListSameOrigin},
			ContentSecurityPolicy:   &types.ResponseHeadersPolicyContentSecurityPolicy{Override: aws.Bool(true), ContentSecurityPolicy: aws.String("default-src 'self'")},
			ContentTypeOptions:      &types.ResponseHeadersPolicyContentTypeOptions{Override: aws.Bool(true)},
			StrictTransportSecurity: &types.ResponseHeadersPolicyStrictTransportSecurity{Override: aws.Bool(true), AccessControlMaxAgeSec: aws.Int32(63072000), IncludeSubdomains: aws.Bool(true), Preload: aws.Bool(true)},
		},
		ServerTimingHeadersConfig: &types.ResponseHeadersPolicyServerTimingHeadersConfig{Enabled: aws.Bool(true), SamplingRate: aws.Float64(12.5)},
		CustomHeadersConfig: &types.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyCustomHeader{
			{Header: aws.String("Cache-Control"), Value: aws.String("no-store"), Override: aws.Bool(false)},
		}},
		RemoveHeadersConfig: &types.ResponseHeadersPolicyRemoveHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyRemoveHeader{{Header: aws.String("X-Powered-By")}}},
	}
}

// TestResponseHeadersPolicyOperations: every response headers policy
// operation through the SDK, the managed policies under AWS's ids, the
// round trip of every part, and the errors of each operation.
func TestResponseHeadersPolicyOperations(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	created := must(c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rhpInput("site")}))(t)
	p := created.ResponseHeadersPolicy
	if !etagPattern.MatchString(aws.ToString(created.ETag)) || !strings.HasSuffix(aws.ToString(created.Location), "/response-headers-policy/"+*p.Id) {
		t.Errorf("created ETag %q Location %q", aws.ToString(created.ETag), aws.ToString(created.Location))
	}
	id := p.Id
	cfg := must(c.GetResponseHeadersPolicyConfig(ctx, &cloudfront.GetResponseHeadersPolicyConfigInput{Id: id}))(t)
	got, want := cfg.ResponseHeadersPolicyConfig, rhpInput("site")
	cors, sec := got.CorsConfig, got.SecurityHeadersConfig
	if *cfg.ETag != *created.ETag || *got.Comment != *want.Comment ||
		*cors.AccessControlAllowOrigins.Quantity != 2 || cors.AccessControlAllowOrigins.Items[1] != "https://*.example.org" ||
		cors.AccessControlAllowMethods.Items[1] != "PUT" || cors.AccessControlAllowHeaders.Items[0] != "X-Token" ||
		!*cors.AccessControlAllowCredentials || *cors.AccessControlMaxAgeSec != 600 || !*cors.OriginOverride ||
		cors.AccessControlExposeHeaders.Items[0] != "X-Request-Id" ||
		*sec.XSSProtection.ReportUri != "https://r.example.com/xss" || *sec.XSSProtection.Override ||
		sec.FrameOptions.FrameOption != types.FrameOptionsListDeny || sec.ReferrerPolicy.ReferrerPolicy != types.ReferrerPolicyListSameOrigin ||
		*sec.ContentSecurityPolicy.ContentSecurityPolicy != "default-src 'self'" || !*sec.ContentTypeOptions.Override ||
		*sec.StrictTransportSecurity.AccessControlMaxAgeSec != 63072000 || !*sec.StrictTransportSecurity.Preload ||
		*got.ServerTimingHeadersConfig.SamplingRate != 12.5 || !*got.ServerTimingHeadersConfig.Enabled ||
		*got.CustomHeadersConfig.Items[0].Value != "no-store" || *got.CustomHeadersConfig.Items[0].Override ||
		*got.RemoveHeadersConfig.Items[0].Header != "X-Powered-By" {
		t.Errorf("GetResponseHeadersPolicyConfig %+v", got)
	}
	one := must(c.GetResponseHeadersPolicy(ctx, &cloudfront.GetResponseHeadersPolicyInput{Id: id}))(t)
	if *one.ETag != *created.ETag || *one.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.Name != "site" || one.ResponseHeadersPolicy.LastModifiedTime == nil {
		t.Errorf("GetResponseHeadersPolicy %+v", one.ResponseHeadersPolicy)
	}

	all := must(c.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{}))(t)
	managed := map[string]types.ResponseHeadersPolicyConfig{}
	for _, s := range all.ResponseHeadersPolicyList.Items {
		if s.Type == types.ResponseHeadersPolicyTypeManaged {
			managed[*s.ResponseHeadersPolicy.Id] = *s.ResponseHeadersPolicy.ResponseHeadersPolicyConfig
		}
	}
	names := map[string]string{
		"e61eb60c-9c35-4d20-a928-2b84e02af89c": "Managed-CORS-and-SecurityHeadersPolicy",
		"5cc3b908-e619-4b99-88e5-2cf7f45965bd": "Managed-CORS-With-Preflight",
		"eaab4381-ed33-4a86-88ca-d9558dc6cd63": "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
		"67f7725c-6f97-4210-82d7-5512b31e9d03": "Managed-SecurityHeadersPolicy",
		"60669652-455b-4ae9-85a4-c4c02393f86c": "Managed-SimpleCORS",
	}
	if *all.ResponseHeadersPolicyList.Quantity != 6 || len(managed) != 5 {
		t.Errorf("ListResponseHeadersPolicies: %d policies, %d managed", *all.ResponseHeadersPolicyList.Quantity, len(managed))
	}
	for mid, name := range names {
		if m, ok := managed[mid]; !ok || *m.Name != name {
			t.Errorf("managed %s: %+v", mid, m)
		}
	}
	if sh := managed["67f7725c-6f97-4210-82d7-5512b31e9d03"].SecurityHeadersConfig; sh == nil || !*sh.ContentTypeOptions.Override ||
		*sh.StrictTransportSecurity.AccessControlMaxAgeSec != 31536000 || sh.FrameOptions.FrameOption != types.FrameOptionsListSameorigin {
		t.Errorf("SecurityHeadersPolicy %+v", sh)
	}
	if pf := managed["5cc3b908-e619-4b99-88e5-2cf7f45965bd"].CorsConfig; pf == nil || *pf.AccessControlAllowMethods.Quantity != 7 || pf.AccessControlAllowOrigins.Items[0] != "*" {
		t.Errorf("CORS-With-Preflight %+v", pf)
	}
	custom := must(c.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{Type: types.ResponseHeadersPolicyTypeCustom}))(t)
	if *custom.ResponseHeadersPolicyList.Quantity != 1 || *custom.ResponseHeadersPolicyList.Items[0].ResponseHeadersPolicy.Id != *id {
		t.Errorf("custom policies %+v", custom.ResponseHeadersPolicyList)
	}
	page := must(c.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{MaxItems: aws.Int32(2)}))(t)
	if *page.ResponseHeadersPolicyList.Quantity != 2 || page.ResponseHeadersPolicyList.NextMarker == nil {
		t.Errorf("a page of 2: %+v", page.ResponseHeadersPolicyList)
	}

	update := rhpInput("site-2")
	update.CorsConfig, update.SecurityHeadersConfig = nil, nil
	updated := must(c.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{Id: id, IfMatch: created.ETag, ResponseHeadersPolicyConfig: update}))(t)
	if u := updated.ResponseHeadersPolicy.ResponseHeadersPolicyConfig; *u.Name != "site-2" || u.CorsConfig != nil || u.SecurityHeadersConfig != nil || *updated.ETag == *created.ETag {
		t.Errorf("updated %+v", u)
	}

	// A distribution using it keeps it from deletion; so does a legacy one.
	dist := distConfig("uses-rhp", nil)
	dist.DefaultCacheBehavior.ResponseHeadersPolicyId = id
	d := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: dist}))(t)
	if got := d.Distribution.DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId; aws.ToString(got) != *id {
		t.Errorf("the distribution's ResponseHeadersPolicyId %v", aws.ToString(got))
	}
	by := must(c.ListDistributionsByResponseHeadersPolicyId(ctx, &cloudfront.ListDistributionsByResponseHeadersPolicyIdInput{ResponseHeadersPolicyId: id}))(t)
	if l := by.DistributionIdList; *l.Quantity != 1 || l.Items[0] != *d.Distribution.Id || *l.IsTruncated {
		t.Errorf("ListDistributionsByResponseHeadersPolicyId %+v", l)
	}
	unused := must(c.ListDistributionsByResponseHeadersPolicyId(ctx, &cloudfront.ListDistributionsByResponseHeadersPolicyIdInput{ResponseHeadersPolicyId: aws.String("60669652-455b-4ae9-85a4-c4c02393f86c")}))(t)
	if l := unused.DistributionIdList; *l.Quantity != 0 {
		t.Errorf("ListDistributionsByResponseHeadersPolicyId of an unused managed policy %+v", l)
	}

	create := func(edit func(*types.ResponseHeadersPolicyConfig)) func() error {
		return func() error {
			p := rhpInput("bad")
			edit(p)
			_, err := c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: p})
			return err
		}
	}
	customs := func(n int) *types.ResponseHeadersPolicyCustomHeadersConfig {
		l := &types.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(int32(n))}
		for i := range n {
			l.Items = append(l.Items, types.ResponseHeadersPolicyCustomHeader{Header: aws.String("X-H" + string(rune('a'+i))), Value: aws.String("v"), Override: aws.Bool(true)})
		}
		return l
	}
	removes := func(names ...string) *types.ResponseHeadersPolicyRemoveHeadersConfig {
		l := &types.ResponseHeadersPolicyRemoveHeadersConfig{Quantity: aws.Int32(int32(len(names)))}
		for _, n := range names {
			l.Items = append(l.Items, types.ResponseHeadersPolicyRemoveHeader{Header: aws.String(n)})
		}
		return l
	}
	withDist := func(rhp string) func() error {
		return func() error {
			cfg := distConfig("bad-rhp-"+rhp[:4], nil)
			cfg.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String(rhp)
			_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			return err
		}
	}
	for _, tt := range []struct {
		name string
		call func() error
		want func(error) bool
	}{
		{"name taken", create(func(p *types.ResponseHeadersPolicyConfig) { p.Name = aws.String("site-2") }), isA[*types.ResponseHeadersPolicyAlreadyExists]},
		{"managed name", create(func(p *types.ResponseHeadersPolicyConfig) { p.Name = aws.String("Managed-SimpleCORS") }), isA[*types.ResponseHeadersPolicyAlreadyExists]},
		{"no such policy", func() error {
			_, err := c.GetResponseHeadersPolicy(ctx, &cloudfront.GetResponseHeadersPolicyInput{Id: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchResponseHeadersPolicy]},
		{"no such policy config", func() error {
			_, err := c.GetResponseHeadersPolicyConfig(ctx, &cloudfront.GetResponseHeadersPolicyConfigInput{Id: aws.String("not-a-uuid")})
			return err
		}, isA[*types.NoSuchResponseHeadersPolicy]},
		{"update a missing policy", func() error {
			_, err := c.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{Id: aws.String("00000000-0000-4000-8000-000000000000"), IfMatch: created.ETag, ResponseHeadersPolicyConfig: rhpInput("x")})
			return err
		}, isA[*types.NoSuchResponseHeadersPolicy]},
		{"distributions by a missing policy", func() error {
			_, err := c.ListDistributionsByResponseHeadersPolicyId(ctx, &cloudfront.ListDistributionsByResponseHeadersPolicyIdInput{ResponseHeadersPolicyId: aws.String("00000000-0000-4000-8000-000000000000")})
			return err
		}, isA[*types.NoSuchResponseHeadersPolicy]},
		{"a distribution naming a missing policy", withDist("00000000-0000-4000-8000-000000000000"), isA[*types.NoSuchResponseHeadersPolicy]},
		{"list of an unknown type", func() error {
			_, err := c.ListResponseHeadersPolicies(ctx, &cloudfront.ListResponseHeadersPoliciesInput{Type: "aws"})
			return err
		}, isA[*types.InvalidArgument]},
		{"stale If-Match", func() error {
			_, err := c.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{Id: id, IfMatch: created.ETag, ResponseHeadersPolicyConfig: rhpInput("site-3")})
			return err
		}, isA[*types.PreconditionFailed]},
		{"update without If-Match", func() error {
			_, err := c.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{Id: id, ResponseHeadersPolicyConfig: rhpInput("site-3")})
			return err
		}, isA[*types.InvalidIfMatchVersion]},
		{"update a managed policy", func() error {
			_, err := c.UpdateResponseHeadersPolicy(ctx, &cloudfront.UpdateResponseHeadersPolicyInput{Id: aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03"), IfMatch: aws.String("E23ZP02F085DFQ"), ResponseHeadersPolicyConfig: rhpInput("x")})
			return err
		}, isA[*types.IllegalUpdate]},
		{"delete a managed policy", func() error {
			_, err := c.DeleteResponseHeadersPolicy(ctx, &cloudfront.DeleteResponseHeadersPolicyInput{Id: aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03"), IfMatch: aws.String("E23ZP02F085DFQ")})
			return err
		}, isA[*types.IllegalDelete]},
		{"delete a policy in use", func() error {
			_, err := c.DeleteResponseHeadersPolicy(ctx, &cloudfront.DeleteResponseHeadersPolicyInput{Id: id, IfMatch: updated.ETag})
			return err
		}, isA[*types.ResponseHeadersPolicyInUse]},
		{"delete without If-Match", func() error {
			_, err := c.DeleteResponseHeadersPolicy(ctx, &cloudfront.DeleteResponseHeadersPolicyInput{Id: id})
			return err
		}, isA[*types.InvalidIfMatchVersion]},
		{"too many custom headers", create(func(p *types.ResponseHeadersPolicyConfig) { p.CustomHeadersConfig = customs(11) }), isA[*types.TooManyCustomHeadersInResponseHeadersPolicy]},
		{"too many removed headers", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.RemoveHeadersConfig = removes("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")
		}), isA[*types.TooManyRemoveHeadersInResponseHeadersPolicy]},
		{"too long a CSP", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy = aws.String(strings.Repeat("a", 1784))
		}), isA[*types.TooLongCSPInResponseHeadersPolicy]},
		{"custom quantity differs", create(func(p *types.ResponseHeadersPolicyConfig) { p.CustomHeadersConfig.Quantity = aws.Int32(2) }), isA[*types.InconsistentQuantities]},
		{"origins quantity differs", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CorsConfig.AccessControlAllowOrigins.Quantity = aws.Int32(1)
		}), isA[*types.InconsistentQuantities]},
		{"remove quantity differs", create(func(p *types.ResponseHeadersPolicyConfig) { p.RemoveHeadersConfig.Quantity = aws.Int32(0) }), isA[*types.InconsistentQuantities]},
		{"remove Content-Length", create(func(p *types.ResponseHeadersPolicyConfig) { p.RemoveHeadersConfig = removes("Content-Length") }), isA[*types.InvalidArgument]},
		{"remove an X-Amz-Cf- header", create(func(p *types.ResponseHeadersPolicyConfig) { p.RemoveHeadersConfig = removes("X-Amz-Cf-Id") }), isA[*types.InvalidArgument]},
		{"set Transfer-Encoding", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CustomHeadersConfig.Items[0].Header = aws.String("Transfer-Encoding")
		}), isA[*types.InvalidArgument]},
		{"header injection in a custom value", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CustomHeadersConfig.Items[0].Value = aws.String("x\r\nSet-Cookie: sid=evil")
		}), isA[*types.InvalidArgument]},
		{"a custom header name with a space", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CustomHeadersConfig.Items[0].Header = aws.String("X Bad")
		}), isA[*types.InvalidArgument]},
		{"an unknown method", create(func(p *types.ResponseHeadersPolicyConfig) { p.CorsConfig.AccessControlAllowMethods.Items[0] = "TRACE" }), isA[*types.InvalidArgument]},
		{"a wildcard inside an origin", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CorsConfig.AccessControlAllowOrigins.Items[1] = "https://test.*.example.org"
		}), isA[*types.InvalidArgument]},
		{"a wildcard top-level domain", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.CorsConfig.AccessControlAllowOrigins.Items[1] = "https://example.*"
		}), isA[*types.InvalidArgument]},
		{"credentials for any origin", create(func(p *types.ResponseHeadersPolicyConfig) { p.CorsConfig.AccessControlAllowOrigins.Items[1] = "*" }), isA[*types.InvalidArgument]},
		{"mode=block with a report URI", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.SecurityHeadersConfig.XSSProtection.ModeBlock = aws.Bool(true)
		}), isA[*types.InvalidArgument]},
		{"an unknown frame option", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.SecurityHeadersConfig.FrameOptions.FrameOption = "ALLOW-FROM"
		}), isA[*types.InvalidArgument]},
		{"an unknown referrer policy", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.SecurityHeadersConfig.ReferrerPolicy.ReferrerPolicy = "everything"
		}), isA[*types.InvalidArgument]},
		{"a sampling rate over 100", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.ServerTimingHeadersConfig.SamplingRate = aws.Float64(100.5)
		}), isA[*types.InvalidArgument]},
		{"five decimal places", create(func(p *types.ResponseHeadersPolicyConfig) {
			p.ServerTimingHeadersConfig.SamplingRate = aws.Float64(1.00001)
		}), isA[*types.InvalidArgument]},
		{"a comment over 128 characters", create(func(p *types.ResponseHeadersPolicyConfig) { p.Comment = aws.String(strings.Repeat("c", 129)) }), isA[*types.InvalidArgument]},
	} {
		if err := tt.call(); !tt.want(err) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}

	// Once no distribution uses it, it goes.
	dist.DefaultCacheBehavior.ResponseHeadersPolicyId = nil
	must(c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: d.Distribution.Id, IfMatch: d.ETag, DistributionConfig: dist}))(t)
	must(c.DeleteResponseHeadersPolicy(ctx, &cloudfront.DeleteResponseHeadersPolicyInput{Id: id, IfMatch: updated.ETag}))(t)
	if _, err := c.GetResponseHeadersPolicy(ctx, &cloudfront.GetResponseHeadersPolicyInput{Id: id}); !isA[*types.NoSuchResponseHeadersPolicy](err) {
		t.Errorf("deleted policy: %v", err)
	}
}

// TestResponseHeadersPoliciesPerAccount: the 21st policy of an account is
// TooManyResponseHeadersPolicies.
func TestResponseHeadersPoliciesPerAccount(t *testing.T) {
	c := newEnv(t).cf
	ctx := context.Background()
	var err error
	for i := 0; i <= 20 && err == nil; i++ {
		_, err = c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rhpInput("p" + string(rune('a'+i)))})
	}
	if !isA[*types.TooManyResponseHeadersPolicies](err) {
		t.Errorf("the 21st policy: %v", err)
	}
}
