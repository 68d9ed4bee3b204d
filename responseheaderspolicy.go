package edgefn

import (
	"strconv"
	"strings"
)

// ResponseHeadersPolicy is a CloudFront response headers policy: the
// headers the edge adds to, or removes from, every response of the
// behaviors that use it.
type ResponseHeadersPolicy = Policy[ResponseHeadersPolicyConfig]

// ResponseHeadersPolicyConfig is ResponseHeadersPolicyConfig; a nil part is
// one the policy leaves out.
type ResponseHeadersPolicyConfig struct {
	Name, Comment string
	CORS          *ResponseCORS
	Security      *SecurityHeaders
	ServerTiming  *ServerTimingHeaders
	// CustomHeaders and RemoveHeaders are the policy's lists (empty: none).
	CustomHeaders []CustomResponseHeader
	RemoveHeaders []string
}

// ResponseCORS is CorsConfig: the CORS headers added to responses to CORS
// requests (the Allow-Headers, Allow-Methods and Max-Age ones to preflight
// responses only).
type ResponseCORS struct {
	AllowOrigins, AllowHeaders, AllowMethods, ExposeHeaders []string
	AllowCredentials                                        bool
	// MaxAgeSec is nil when the policy sets no Access-Control-Max-Age.
	MaxAgeSec      *int64
	OriginOverride bool
}

// SecurityHeaders is SecurityHeadersConfig; a nil header is not added.
type SecurityHeaders struct {
	XSSProtection           *XSSProtection
	FrameOptions            *FrameOptions
	ReferrerPolicy          *ReferrerPolicy
	ContentSecurityPolicy   *ContentSecurityPolicy
	ContentTypeOptions      *ContentTypeOptions
	StrictTransportSecurity *StrictTransportSecurity
}

// XSSProtection is X-XSS-Protection: 1 or 0, with mode=block or a report URI.
type XSSProtection struct {
	Override, Protection, ModeBlock bool
	ReportURI                       string
}

// FrameOptions is X-Frame-Options: DENY or SAMEORIGIN.
type FrameOptions struct {
	Override    bool
	FrameOption string
}

// ReferrerPolicy is Referrer-Policy.
type ReferrerPolicy struct {
	Override       bool
	ReferrerPolicy string
}

// ContentSecurityPolicy is Content-Security-Policy.
type ContentSecurityPolicy struct {
	Override              bool
	ContentSecurityPolicy string
}

// ContentTypeOptions is X-Content-Type-Options: nosniff.
type ContentTypeOptions struct{ Override bool }

// StrictTransportSecurity is Strict-Transport-Security.
type StrictTransportSecurity struct {
	Override, IncludeSubdomains, Preload bool
	MaxAgeSec                            int64
}

// ServerTimingHeaders is ServerTimingHeadersConfig: SamplingRate is the
// percentage (0 to 100) of responses that get a Server-Timing header.
type ServerTimingHeaders struct {
	Enabled      bool
	SamplingRate float64
}

// CustomResponseHeader is a ResponseHeadersPolicyCustomHeader.
type CustomResponseHeader struct {
	Header, Value string
	Override      bool
}

// ResourceResponseHeadersPolicy is what response headers policy errors are
// about (NoSuchResponseHeadersPolicy, ResponseHeadersPolicyAlreadyExists,
// ResponseHeadersPolicyInUse, TooManyResponseHeadersPolicies).
const ResourceResponseHeadersPolicy Resource = "response-headers-policy"

// Resources of the quotas on a response headers policy's parts
// (TooManyCustomHeadersInResponseHeadersPolicy,
// TooManyRemoveHeadersInResponseHeadersPolicy,
// TooLongCSPInResponseHeadersPolicy).
const (
	ResourceRHPCustomHeaders Resource = "response-headers-policy-custom-headers"
	ResourceRHPRemoveHeaders Resource = "response-headers-policy-remove-headers"
	ResourceRHPCSP           Resource = "response-headers-policy-csp"
)

// MaxCSPChars bounds a policy's Content-Security-Policy value (CloudFront's
// documented limit).
const MaxCSPChars = 1783

// CORSMethodAll stands for every method in AccessControlAllowMethods.
const CORSMethodAll = "ALL"

// CORSMethods are the values AccessControlAllowMethods takes besides ALL,
// in the order the edge writes them for ALL.
var CORSMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// FrameOptionValues and ReferrerPolicyValues are the values those headers take.
var (
	FrameOptionValues    = []string{"DENY", "SAMEORIGIN"}
	ReferrerPolicyValues = []string{
		"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
		"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
	}
)

// The ids of the AWS managed response headers policies.
const (
	CORSAndSecurityHeadersID              = "e61eb60c-9c35-4d20-a928-2b84e02af89c"
	CORSWithPreflightID                   = "5cc3b908-e619-4b99-88e5-2cf7f45965bd"
	CORSWithPreflightAndSecurityHeadersID = "eaab4381-ed33-4a86-88ca-d9558dc6cd63"
	SecurityHeadersPolicyID               = "67f7725c-6f97-4210-82d7-5512b31e9d03"
	SimpleCORSID                          = "60669652-455b-4ae9-85a4-c4c02393f86c"
)

// ManagedResponseHeadersPolicies returns the AWS managed response headers
// policies ("Use managed response headers policies"), sorted by name; each
// call returns fresh values.
func ManagedResponseHeadersPolicies() []*ResponseHeadersPolicy {
	simple := func() *ResponseCORS {
		return &ResponseCORS{AllowOrigins: []string{"*"}}
	}
	preflight := func() *ResponseCORS {
		return &ResponseCORS{AllowOrigins: []string{"*"}, AllowMethods: append([]string(nil), CORSMethods...), ExposeHeaders: []string{"*"}}
	}
	security := func() *SecurityHeaders {
		return &SecurityHeaders{
			XSSProtection:           &XSSProtection{Protection: true, ModeBlock: true},
			FrameOptions:            &FrameOptions{FrameOption: "SAMEORIGIN"},
			ReferrerPolicy:          &ReferrerPolicy{ReferrerPolicy: "strict-origin-when-cross-origin"},
			ContentTypeOptions:      &ContentTypeOptions{Override: true},
			StrictTransportSecurity: &StrictTransportSecurity{MaxAgeSec: 31536000},
		}
	}
	managed := managedMaker[ResponseHeadersPolicyConfig]()
	p := func(id, name, comment string, cors *ResponseCORS, sec *SecurityHeaders) *ResponseHeadersPolicy {
		return managed(id, ResponseHeadersPolicyConfig{Name: "Managed-" + name, Comment: comment, CORS: cors, Security: sec})
	}
	return []*ResponseHeadersPolicy{
		p(CORSAndSecurityHeadersID, "CORS-and-SecurityHeadersPolicy",
			"Allows all origins for simple CORS requests, and adds security headers", simple(), security()),
		p(CORSWithPreflightID, "CORS-With-Preflight",
			"Allows all origins for CORS requests, including preflight requests", preflight(), nil),
		p(CORSWithPreflightAndSecurityHeadersID, "CORS-with-preflight-and-SecurityHeadersPolicy",
			"Allows all origins for CORS requests, including preflight requests, and adds security headers", preflight(), security()),
		p(SecurityHeadersPolicyID, "SecurityHeadersPolicy", "Adds a set of security headers to every response", nil, security()),
		p(SimpleCORSID, "SimpleCORS", "Allows all origins for simple CORS requests", simple(), nil),
	}
}

// ManagedResponseHeadersPolicy returns the managed policy with this id, or nil.
func ManagedResponseHeadersPolicy(id string) *ResponseHeadersPolicy {
	return managedPolicy(ManagedResponseHeadersPolicies(), id)
}

// ResponseHeaderRules is a response headers policy as the edge applies it,
// its header values worked out once: remove Remove, then set each of Set
// (over the response's own when Override), then the CORS headers, then
// Server-Timing.
type ResponseHeaderRules struct {
	Remove []string
	Set    []ResponseHeader
	CORS   *CORSRules
	// ServerTiming is the sampling rate in percent, or nil when the policy
	// adds no Server-Timing.
	ServerTiming *float64
}

// ResponseHeader is a header a policy sets.
type ResponseHeader struct {
	Name, Value string
	Override    bool
}

// CORSRules are a policy's CORS header values ("" for a header the policy
// does not add): AllowHeaders, AllowMethods and MaxAge go on preflight
// responses only.
type CORSRules struct {
	// AnyOrigin is AllowOrigins holding "*"; Origins are the others, in
	// lower case.
	AnyOrigin                          bool
	Origins                            []string
	AllowHeaders, AllowMethods, MaxAge string
	ExposeHeaders                      string
	AllowCredentials, OriginOverride   bool
}

// Rules works out the headers of the policy.
func (c *ResponseHeadersPolicyConfig) Rules() *ResponseHeaderRules {
	r := &ResponseHeaderRules{Remove: c.RemoveHeaders}
	if s := c.Security; s != nil {
		if h := s.XSSProtection; h != nil {
			r.Set = append(r.Set, ResponseHeader{"X-XSS-Protection", h.value(), h.Override})
		}
		if h := s.FrameOptions; h != nil {
			r.Set = append(r.Set, ResponseHeader{"X-Frame-Options", h.FrameOption, h.Override})
		}
		if h := s.ReferrerPolicy; h != nil {
			r.Set = append(r.Set, ResponseHeader{"Referrer-Policy", h.ReferrerPolicy, h.Override})
		}
		if h := s.ContentSecurityPolicy; h != nil {
			r.Set = append(r.Set, ResponseHeader{"Content-Security-Policy", h.ContentSecurityPolicy, h.Override})
		}
		if h := s.ContentTypeOptions; h != nil {
			r.Set = append(r.Set, ResponseHeader{"X-Content-Type-Options", "nosniff", h.Override})
		}
		if h := s.StrictTransportSecurity; h != nil {
			r.Set = append(r.Set, ResponseHeader{"Strict-Transport-Security", h.value(), h.Override})
		}
	}
	for _, h := range c.CustomHeaders {
		r.Set = append(r.Set, ResponseHeader{h.Header, h.Value, h.Override})
	}
	if cors := c.CORS; cors != nil {
		r.CORS = cors.rules()
	}
	if st := c.ServerTiming; st != nil && st.Enabled {
		rate := st.SamplingRate
		r.ServerTiming = &rate
	}
	return r
}

func (h *XSSProtection) value() string {
	if !h.Protection {
		return "0"
	}
	v := "1"
	if h.ModeBlock {
		v += "; mode=block"
	}
	if h.ReportURI != "" {
		v += "; report=" + h.ReportURI
	}
	return v
}

func (h *StrictTransportSecurity) value() string {
	v := "max-age=" + strconv.FormatInt(h.MaxAgeSec, 10)
	if h.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

func (c *ResponseCORS) rules() *CORSRules {
	r := &CORSRules{
		AllowHeaders:     strings.Join(c.AllowHeaders, ", "),
		ExposeHeaders:    strings.Join(c.ExposeHeaders, ", "),
		AllowCredentials: c.AllowCredentials, OriginOverride: c.OriginOverride,
	}
	for _, o := range c.AllowOrigins {
		if o == "*" {
			r.AnyOrigin = true
		} else {
			r.Origins = append(r.Origins, strings.ToLower(o))
		}
	}
	methods := c.AllowMethods
	for _, m := range methods {
		if m == CORSMethodAll {
			methods = CORSMethods
			break
		}
	}
	r.AllowMethods = strings.Join(methods, ", ")
	if c.MaxAgeSec != nil {
		r.MaxAge = strconv.FormatInt(*c.MaxAgeSec, 10)
	}
	return r
}

// AllowOrigin returns the Access-Control-Allow-Origin value for a request
// from origin, false when the policy does not allow it: "*" for any, else
// the origin itself when an item names it or, with a leftmost "*." label,
// a domain it is under.
func (r *CORSRules) AllowOrigin(origin string) (string, bool) {
	if r.AnyOrigin {
		return "*", true
	}
	lower := strings.ToLower(origin)
	for _, o := range r.Origins {
		if originMatches(o, lower) {
			return origin, true
		}
	}
	return "", false
}

// originMatches reports whether the lower-case origin matches the item: the
// same, or under its "*." domain (scheme and port as the item has them; an
// item without a scheme matches any).
func originMatches(item, origin string) bool {
	if item == origin {
		return true
	}
	scheme, host, hasScheme := strings.Cut(item, "://")
	if !hasScheme {
		host, scheme = scheme, ""
	}
	oScheme, oHost, ok := strings.Cut(origin, "://")
	if !ok || (hasScheme && scheme != oScheme) {
		return false
	}
	if host == oHost {
		return true
	}
	suffix, wild := strings.CutPrefix(host, "*")
	if !wild || !strings.HasPrefix(suffix, ".") {
		return false
	}
	sub, found := strings.CutSuffix(oHost, suffix)
	return found && isDomainLabels(sub)
}

// isDomainLabels reports whether s is one or more dot-separated labels of
// letters, digits and hyphens: what may stand for an item's '*', and not a
// path, user info or port smuggled in front of its domain.
func isDomainLabels(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || strings.ContainsFunc(label, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
		}) {
			return false
		}
	}
	return true
}
