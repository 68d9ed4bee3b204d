package store

import (
	"context"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/edgefn/edgefn"
)

// spaceRHP versions response headers policies; it continues the spaces of etag.go.
const spaceRHP = spaceORP + 1

// responseHeadersPolicies are the accounts' response headers policies (rp/…).
var responseHeadersPolicies = &policyKind[edgefn.ResponseHeadersPolicyConfig]{
	res: edgefn.ResourceResponseHeadersPolicy, noun: "response headers policy", plural: "response headers policies",
	space: spaceRHP, prefix: prefixRHP, namePrefix: prefixRHPName, usersPrefix: prefixRHPUser,
	count:   countRHPs,
	limit:   func(l edgefn.Limits) int { return l.ResponseHeadersPoliciesPerAccount },
	managed: edgefn.ManagedResponseHeadersPolicies,
	name:    func(c *edgefn.ResponseHeadersPolicyConfig) string { return c.Name },
	check:   checkResponseHeadersPolicy,
}

// CreateResponseHeadersPolicy creates a response headers policy of the account.
func (s *Store) CreateResponseHeadersPolicy(ctx context.Context, account string, cfg edgefn.ResponseHeadersPolicyConfig) (*edgefn.ResponseHeadersPolicy, error) {
	return createPolicy(ctx, s, responseHeadersPolicies, account, cfg)
}

// GetResponseHeadersPolicy returns a managed policy or one of the account's.
func (s *Store) GetResponseHeadersPolicy(ctx context.Context, account, id string) (*edgefn.ResponseHeadersPolicy, error) {
	return getPolicy(ctx, s, responseHeadersPolicies, account, id)
}

// ListResponseHeadersPolicies lists the managed policies, then the
// account's by id, as ListCachePolicies does.
func (s *Store) ListResponseHeadersPolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.ResponseHeadersPolicy, string, error) {
	return listPolicies(ctx, s, responseHeadersPolicies, account, typ, marker, max)
}

// UpdateResponseHeadersPolicy replaces a policy's configuration; ifMatch
// must be its current ETag. The behaviors that use it apply it from then on.
func (s *Store) UpdateResponseHeadersPolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.ResponseHeadersPolicyConfig) (*edgefn.ResponseHeadersPolicy, error) {
	return updatePolicy(ctx, s, responseHeadersPolicies, account, id, ifMatch, cfg)
}

// DeleteResponseHeadersPolicy deletes a policy no distribution uses;
// ifMatch must be its current ETag.
func (s *Store) DeleteResponseHeadersPolicy(ctx context.Context, account, id, ifMatch string) error {
	return deletePolicy(ctx, s, responseHeadersPolicies, account, id, ifMatch)
}

// ListDistributionsByResponseHeadersPolicyID lists the ids of the account's
// distributions whose behaviors use the response headers policy id.
func (s *Store) ListDistributionsByResponseHeadersPolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error) {
	return distributionsUsing(ctx, s, responseHeadersPolicies, account, id, marker, max, responseHeadersPolicyOf)
}

func responseHeadersPolicyOf(b *edgefn.CacheBehavior) string { return b.ResponseHeadersPolicyID }

// unremovable are the headers CloudFront documents a policy cannot remove
// ("Headers that you can't remove"), in lower case; a trailing '*' stands
// for any rest. A custom header may not set them either: they frame the
// response or are CloudFront's own.
var unremovable = []string{
	"connection", "content-encoding", "content-length", "expect", "host", "keep-alive",
	"proxy-authenticate", "proxy-authorization", "proxy-connection", "trailer",
	"transfer-encoding", "upgrade", "via", "warning", "x-accel-buffering", "x-accel-charset",
	"x-accel-limit-rate", "x-accel-redirect", "x-amz-cf-*", "x-amzn-auth", "x-amzn-cf-billing",
	"x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype", "x-amzn-fle-profile",
	"x-amzn-header-count", "x-amzn-header-order", "x-amzn-lambda-integration-tag",
	"x-amzn-requestid", "x-cache", "x-edge-*", "x-forwarded-proto", "x-real-ip",
}

func isUnremovable(name string) bool {
	lower := strings.ToLower(name)
	return slices.ContainsFunc(unremovable, func(u string) bool {
		if prefix, ok := strings.CutSuffix(u, "*"); ok {
			return strings.HasPrefix(lower, prefix)
		}
		return lower == u
	})
}

// corsOrigin is an AccessControlAllowOrigins item other than "*": an
// origin, with or without its scheme and port, whose host may start with a
// "*." label and has no other '*'.
var corsOrigin = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*://)?(\*\.)?[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*(:[0-9]{1,5})?$`)

// checkResponseHeadersPolicy applies CloudFront's rules to a policy: the
// values each header takes, the quotas, and header names and values that
// are valid on the wire (a policy's headers reach every viewer).
func checkResponseHeadersPolicy(cfg *edgefn.ResponseHeadersPolicyConfig, l edgefn.Limits) error {
	if err := checkComment(edgefn.ResourceResponseHeadersPolicy, cfg.Comment); err != nil {
		return err
	}
	if c := cfg.CORS; c != nil {
		if err := checkCORS(c); err != nil {
			return err
		}
	}
	if s := cfg.Security; s != nil {
		if err := checkSecurityHeaders(s); err != nil {
			return err
		}
	}
	if st := cfg.ServerTiming; st != nil {
		// Up to four decimal places.
		if r := st.SamplingRate; r < 0 || r > 100 || math.Abs(r*1e4-math.Round(r*1e4)) > 1e-6 {
			return invalidRHP("The SamplingRate %v is not valid: use a number from 0 to 100 with at most four decimal places.", r)
		}
	}
	if n := len(cfg.CustomHeaders); n > l.RHPCustomHeaders {
		return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRHPCustomHeaders,
			"The response headers policy has %d custom headers; the maximum is %d.", n, l.RHPCustomHeaders)
	}
	var seen []string
	for _, h := range cfg.CustomHeaders {
		switch lower := strings.ToLower(h.Header); {
		case !httpguts.ValidHeaderFieldName(h.Header):
			return invalidRHP("The custom header name %q is not a valid HTTP header name.", h.Header)
		case !httpguts.ValidHeaderFieldValue(h.Value):
			return invalidRHP("The value of the custom header %s is not a valid HTTP header value.", h.Header)
		case isUnremovable(h.Header):
			return invalidRHP("The custom header %s is one CloudFront sets itself.", h.Header)
		case slices.Contains(seen, lower):
			return invalidRHP("The custom header %s is listed more than once.", h.Header)
		default:
			seen = append(seen, lower)
		}
	}
	if n := len(cfg.RemoveHeaders); n > l.RHPRemoveHeaders {
		return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRHPRemoveHeaders,
			"The response headers policy removes %d headers; the maximum is %d.", n, l.RHPRemoveHeaders)
	}
	for _, h := range cfg.RemoveHeaders {
		switch {
		case !httpguts.ValidHeaderFieldName(h):
			return invalidRHP("The header name %q to remove is not a valid HTTP header name.", h)
		case isUnremovable(h):
			return invalidRHP("The header %s cannot be removed by a response headers policy.", h)
		}
	}
	return nil
}

func checkCORS(c *edgefn.ResponseCORS) error {
	if len(c.AllowOrigins) == 0 {
		return invalidRHP("AccessControlAllowOrigins needs at least one origin.")
	}
	for _, o := range c.AllowOrigins {
		if o != "*" && !corsOrigin.MatchString(o) {
			return invalidRHP("The origin %q is not valid: use *, or an origin whose domain may start with a *. label.", o)
		}
	}
	for _, m := range c.AllowMethods {
		if m != edgefn.CORSMethodAll && !slices.Contains(edgefn.CORSMethods, m) {
			return invalidRHP("The method %q is not valid: use one of %v or ALL.", m, edgefn.CORSMethods)
		}
	}
	for _, h := range slices.Concat(c.AllowHeaders, c.ExposeHeaders) {
		if h != "*" && !httpguts.ValidHeaderFieldName(h) {
			return invalidRHP("The header name %q is not valid: use * or an HTTP header name.", h)
		}
	}
	if c.MaxAgeSec != nil && *c.MaxAgeSec < 0 {
		return invalidRHP("AccessControlMaxAgeSec cannot be negative.")
	}
	if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		// Browsers refuse credentials with a wildcard origin (Fetch standard).
		return invalidRHP("AccessControlAllowCredentials cannot be true when AccessControlAllowOrigins is *.")
	}
	return nil
}

func checkSecurityHeaders(s *edgefn.SecurityHeaders) error {
	if h := s.XSSProtection; h != nil {
		switch {
		case h.ModeBlock && h.ReportURI != "":
			return invalidRHP("X-XSS-Protection takes ModeBlock or a ReportUri, not both.")
		case (h.ModeBlock || h.ReportURI != "") && !h.Protection:
			return invalidRHP("X-XSS-Protection takes ModeBlock or a ReportUri only with Protection true.")
		case !httpguts.ValidHeaderFieldValue(h.ReportURI) || strings.ContainsAny(h.ReportURI, ";, "):
			return invalidRHP("The ReportUri %q is not valid.", h.ReportURI)
		}
	}
	if h := s.FrameOptions; h != nil && !slices.Contains(edgefn.FrameOptionValues, h.FrameOption) {
		return invalidRHP("The FrameOption %q is not valid: use DENY or SAMEORIGIN.", h.FrameOption)
	}
	if h := s.ReferrerPolicy; h != nil && !slices.Contains(edgefn.ReferrerPolicyValues, h.ReferrerPolicy) {
		return invalidRHP("The ReferrerPolicy %q is not valid: use one of %v.", h.ReferrerPolicy, edgefn.ReferrerPolicyValues)
	}
	if h := s.ContentSecurityPolicy; h != nil {
		switch {
		case utf8.RuneCountInString(h.ContentSecurityPolicy) > edgefn.MaxCSPChars:
			return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRHPCSP,
				"The Content-Security-Policy has %d characters; the maximum is %d.", utf8.RuneCountInString(h.ContentSecurityPolicy), edgefn.MaxCSPChars)
		case h.ContentSecurityPolicy == "" || !httpguts.ValidHeaderFieldValue(h.ContentSecurityPolicy):
			return invalidRHP("The ContentSecurityPolicy is not a valid header value.")
		}
	}
	if h := s.StrictTransportSecurity; h != nil && h.MaxAgeSec < 0 {
		return invalidRHP("The Strict-Transport-Security AccessControlMaxAgeSec cannot be negative.")
	}
	return nil
}

func invalidRHP(format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceResponseHeadersPolicy, format, args...)
}
