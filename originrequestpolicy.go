package edgefn

import (
	"slices"
	"strings"
)

// OriginRequestPolicy is a CloudFront origin request policy: what a behavior
// sends to its origin besides what its cache policy puts in the key.
type OriginRequestPolicy = Policy[OriginRequestPolicyConfig]

// OriginRequestPolicyConfig is OriginRequestPolicyConfig. Headers.Behavior is
// none, whitelist, allViewer, allViewerAndWhitelistCloudFront (Items are then
// the CloudFront headers to add) or allExcept; Cookies and QueryStrings take
// the CacheKey behaviors.
type OriginRequestPolicyConfig struct {
	Name, Comment string
	Headers       CacheKeyItems
	Cookies       CacheKeyItems
	QueryStrings  CacheKeyItems
}

// The header behaviors only an origin request policy has.
const (
	OriginHeadersAllViewer              = "allViewer"
	OriginHeadersAllViewerAndCloudFront = "allViewerAndWhitelistCloudFront"
)

// ResourceOriginRequestPolicy is what origin request policy errors are about
// (NoSuchOriginRequestPolicy, OriginRequestPolicyAlreadyExists,
// OriginRequestPolicyInUse, TooManyOriginRequestPolicies).
const ResourceOriginRequestPolicy Resource = "origin-request-policy"

// Resources of the quotas on what an origin request policy lists
// (TooManyHeadersInOriginRequestPolicy and its cookie and query string twins).
const (
	ResourceORPHeaders      Resource = "origin-request-policy-headers"
	ResourceORPCookies      Resource = "origin-request-policy-cookies"
	ResourceORPQueryStrings Resource = "origin-request-policy-query-strings"
)

// The ids of the AWS managed origin request policies.
const (
	AllViewerID                     = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	AllViewerAndCloudFrontHeadersID = "33f36d7e-f396-46d9-90e0-52428a34d9dc"
	AllViewerExceptHostHeaderID     = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	CORSCustomOriginID              = "59781a5b-3903-41f3-afcb-af62929ccde1"
	CORSS3OriginID                  = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
	ElementalMediaTailorManifestsID = "775133bc-15f2-49f9-abea-afb2e0bf67d2"
	HostHeaderOnlyID                = "bf0718e1-ba1e-49d1-88b1-f726733018ae"
	UserAgentRefererHeadersID       = "acba4595-bd28-49b8-b9fe-13317c0390fa"
)

// CloudFrontHeaders2022 are the CloudFront headers AllViewerAndCloudFrontHeaders-2022-06 adds.
var CloudFrontHeaders2022 = []string{
	"CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
	"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer",
	"CloudFront-Is-Tablet-Viewer", "CloudFront-Viewer-Address", "CloudFront-Viewer-ASN",
	"CloudFront-Viewer-City", "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Name",
	"CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name",
	"CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude",
	"CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone",
	"CloudFront-Viewer-TLS",
}

// ManagedOriginRequestPolicies returns the AWS managed origin request
// policies ("Use managed origin request policies"), sorted by name; each call
// returns fresh values.
func ManagedOriginRequestPolicies() []*OriginRequestPolicy {
	none := CacheKeyItems{Behavior: CacheKeyNone}
	all := CacheKeyItems{Behavior: CacheKeyAll}
	list := func(names ...string) CacheKeyItems { return CacheKeyItems{Behavior: CacheKeyWhitelist, Items: names} }
	managed := managedMaker[OriginRequestPolicyConfig]()
	p := func(id, name, comment string, headers, cookies, query CacheKeyItems) *OriginRequestPolicy {
		return managed(id, OriginRequestPolicyConfig{
			Name: "Managed-" + name, Comment: comment,
			Headers: headers, Cookies: cookies, QueryStrings: query,
		})
	}
	cors := []string{"origin", "access-control-request-headers", "access-control-request-method"}
	return []*OriginRequestPolicy{
		p(AllViewerID, "AllViewer", "Policy to forward all parameters in viewer requests",
			CacheKeyItems{Behavior: OriginHeadersAllViewer}, all, all),
		p(AllViewerAndCloudFrontHeadersID, "AllViewerAndCloudFrontHeaders-2022-06",
			"Policy to forward all parameters in viewer requests and all CloudFront headers as of June 2022",
			CacheKeyItems{Behavior: OriginHeadersAllViewerAndCloudFront, Items: slices.Clone(CloudFrontHeaders2022)}, all, all),
		p(AllViewerExceptHostHeaderID, "AllViewerExceptHostHeader",
			"Policy to forward all parameters in viewer requests except for the Host header",
			CacheKeyItems{Behavior: CacheKeyAllExcept, Items: []string{"host"}}, all, all),
		p(CORSCustomOriginID, "CORS-CustomOrigin", "Policy for origin with CORS enabled", list("origin"), none, none),
		p(CORSS3OriginID, "CORS-S3Origin", "Policy for S3 origin with CORS enabled", list(cors...), none, none),
		p(ElementalMediaTailorManifestsID, "Elemental-MediaTailor-PersonalizedManifests",
			"Policy for Elemental MediaTailor Personalized Manifests",
			list(append(slices.Clone(cors), "user-agent", "x-forwarded-for")...), none, all),
		p(HostHeaderOnlyID, "HostHeaderOnly", "Policy to forward the Host header", list("host"), none, none),
		p(UserAgentRefererHeadersID, "UserAgentRefererHeaders", "Policy for forwarding user-agent and referer headers",
			list("user-agent", "referer"), none, all),
	}
}

// ManagedOriginRequestPolicy returns the managed policy with this id, or nil.
func ManagedOriginRequestPolicy(id string) *OriginRequestPolicy {
	return managedPolicy(ManagedOriginRequestPolicies(), id)
}

// Selects reports whether the items select name, which must be spelt as
// the Items are (header names in lower case): all of them, those listed, or
// those not listed. The viewer-header behaviors of origin request policies
// select every name.
func (k *CacheKeyItems) Selects(name string) bool {
	switch k.Behavior {
	case CacheKeyWhitelist:
		return slices.Contains(k.Items, name)
	case CacheKeyAllExcept:
		return !slices.Contains(k.Items, name)
	case CacheKeyAll, OriginHeadersAllViewer, OriginHeadersAllViewerAndCloudFront:
		return true
	}
	return false
}

// OriginForwarding is what of a viewer request a behavior sends to its
// origin, besides what the edge always sends: a query string, cookie or
// header goes when one of the sets selects it (header names in lower case).
type OriginForwarding struct {
	QueryStrings, Cookies, Headers []CacheKeyItems
	// Legacy is set for ForwardedValues behaviors, which also forward the
	// viewer headers CloudFront has no rule for (its "other-defined headers").
	Legacy bool
	// Gzip and Brotli: the normalised Accept-Encoding goes with these
	// encodings (the cache key has it).
	Gzip, Brotli bool
	// CloudFront lists the CloudFront-* headers (lower case) the edge adds.
	CloudFront []string
}

// PolicyForwarding is what a behavior with cache policy key and origin
// request policy orp (nil: none) forwards: the key's query strings, headers
// and cookies, and the policy's.
func PolicyForwarding(key *CachePolicyConfig, orp *OriginRequestPolicyConfig) *OriginForwarding {
	f := &OriginForwarding{
		QueryStrings: []CacheKeyItems{key.QueryStrings},
		Cookies:      []CacheKeyItems{key.Cookies},
		Headers:      []CacheKeyItems{lowerItems(key.Headers)},
		Gzip:         key.EnableAcceptEncodingGzip,
		Brotli:       key.EnableAcceptEncodingBrotli,
	}
	if orp != nil {
		f.QueryStrings = append(f.QueryStrings, orp.QueryStrings)
		f.Cookies = append(f.Cookies, orp.Cookies)
		f.Headers = append(f.Headers, lowerItems(orp.Headers))
	}
	f.addCloudFront()
	return f
}

// Forwarding is what the legacy settings forward: the query string or not,
// the cookies as ForwardedValues says, the listed headers ("*": all) and the
// headers CloudFront has no rule for.
func (l *LegacyCache) Forwarding() *OriginForwarding {
	f := &OriginForwarding{Legacy: true}
	q := CacheKeyItems{Behavior: CacheKeyNone}
	if l.QueryString {
		q.Behavior = CacheKeyAll
	}
	f.QueryStrings = []CacheKeyItems{q}
	c := CacheKeyItems{Behavior: CacheKeyNone}
	switch l.Cookies {
	case CacheKeyWhitelist:
		c = CacheKeyItems{Behavior: CacheKeyWhitelist, Items: l.CookieNames}
	case CacheKeyAll:
		c.Behavior = CacheKeyAll
	}
	f.Cookies = []CacheKeyItems{c}
	h := lowerItems(CacheKeyItems{Behavior: CacheKeyWhitelist, Items: l.Headers})
	if slices.Contains(l.Headers, "*") {
		h = CacheKeyItems{Behavior: OriginHeadersAllViewer}
	}
	f.Headers = []CacheKeyItems{h}
	f.addCloudFront()
	return f
}

// QueryString reports whether the query parameter name goes.
func (f *OriginForwarding) QueryString(name string) bool { return anySelects(f.QueryStrings, name) }

// Cookie reports whether the cookie name goes.
func (f *OriginForwarding) Cookie(name string) bool { return anySelects(f.Cookies, name) }

// Header reports whether the viewer header lower (lower case) is selected
// by a policy. Whether it goes also depends on CloudFront's rules for it
// (the edge applies them).
func (f *OriginForwarding) Header(lower string) bool { return anySelects(f.Headers, lower) }

// AllQueryStrings reports whether every parameter goes (the query is sent as is).
func (f *OriginForwarding) AllQueryStrings() bool {
	return slices.ContainsFunc(f.QueryStrings, func(k CacheKeyItems) bool { return k.Behavior == CacheKeyAll })
}

// AllCookies reports whether every cookie goes (the Cookie headers are sent as is).
func (f *OriginForwarding) AllCookies() bool {
	return slices.ContainsFunc(f.Cookies, func(k CacheKeyItems) bool { return k.Behavior == CacheKeyAll })
}

func anySelects(sets []CacheKeyItems, name string) bool {
	for i := range sets {
		if sets[i].Selects(name) {
			return true
		}
	}
	return false
}

// addCloudFront collects the CloudFront headers the sets name: those are
// CloudFront's to add, never the viewer's.
func (f *OriginForwarding) addCloudFront() {
	for _, h := range f.Headers {
		if h.Behavior != CacheKeyWhitelist && h.Behavior != OriginHeadersAllViewerAndCloudFront {
			continue
		}
		for _, name := range h.Items {
			if IsCloudFrontHeader(name) && !slices.Contains(f.CloudFront, name) {
				f.CloudFront = append(f.CloudFront, name)
			}
		}
	}
}

// IsCloudFrontHeader reports whether a lower-case header name is one of the
// CloudFront-* headers CloudFront adds.
func IsCloudFrontHeader(lower string) bool { return strings.HasPrefix(lower, "cloudfront-") }

func lowerItems(k CacheKeyItems) CacheKeyItems {
	names := make([]string, len(k.Items))
	for i, n := range k.Items {
		names[i] = strings.ToLower(n)
	}
	k.Items = names
	return k
}
