package edgefn

import "time"

// Policy is a CloudFront policy with configuration C: a cache policy or an
// origin request policy, which the API and the store handle alike.
type Policy[C any] struct {
	Account string // "" for the AWS managed policies, which every account sees
	ID      string
	// ETag and LastModified are those of the stored policy (fixed for the
	// managed ones).
	ETag         string
	LastModified time.Time
	Config       C
}

// Managed reports whether p is one of AWS's managed policies, which no
// account can change or delete.
func (p *Policy[C]) Managed() bool { return p.Account == "" }

// CachePolicy is a CloudFront cache policy: what goes into the cache key of
// the behaviors that use it (and so to their origin), and how long objects
// stay cached.
type CachePolicy = Policy[CachePolicyConfig]

// CachePolicyConfig is CachePolicyConfig with its
// ParametersInCacheKeyAndForwardedToOrigin flattened. TTLs are seconds.
type CachePolicyConfig struct {
	Name, Comment              string
	MinTTL, DefaultTTL, MaxTTL int64
	Headers                    CacheKeyItems // none, whitelist
	Cookies                    CacheKeyItems // none, whitelist, allExcept, all
	QueryStrings               CacheKeyItems // none, whitelist, allExcept, all
	// The normalised Accept-Encoding is in the key when either is set.
	EnableAcceptEncodingGzip, EnableAcceptEncodingBrotli bool
}

// CacheKeyItems says which of the headers, cookies or query strings of a
// request are in the cache key, or in the origin request: Behavior is one of
// the CacheKey (or, for an origin request policy's headers, OriginHeaders)
// values, and Items are the names it applies to (whitelist, allExcept, and
// the CloudFront headers of allViewerAndWhitelistCloudFront).
type CacheKeyItems struct {
	Behavior string
	Items    []string
}

// CacheKeyItems Behavior values.
const (
	CacheKeyNone      = "none"
	CacheKeyWhitelist = "whitelist"
	CacheKeyAllExcept = "allExcept"
	CacheKeyAll       = "all"
)

// CloudFront's TTLs when a legacy behavior leaves DefaultTTL and MaxTTL out.
const (
	LegacyDefaultTTL = 86400
	LegacyMaxTTL     = 31536000
)

// LegacyCache is a behavior's ForwardedValues with MinTTL, DefaultTTL and
// MaxTTL: caching as configured before cache policies.
type LegacyCache struct {
	// QueryString forwards the query string; QueryStringCacheKeys, when set,
	// are the only parameters in the key.
	QueryString          bool
	QueryStringCacheKeys []string
	// Headers are the forwarded headers; "*" forwards all and disables
	// caching.
	Headers []string
	// Cookies is none, whitelist or all; CookieNames the whitelisted ones.
	Cookies                    string
	CookieNames                []string
	MinTTL, DefaultTTL, MaxTTL int64
}

// Policy is the cache policy equivalent to the legacy settings.
func (l *LegacyCache) Policy() CachePolicyConfig {
	p := CachePolicyConfig{
		MinTTL:       l.MinTTL,
		DefaultTTL:   l.DefaultTTL,
		MaxTTL:       l.MaxTTL,
		Headers:      CacheKeyItems{Behavior: CacheKeyNone},
		Cookies:      CacheKeyItems{Behavior: CacheKeyNone},
		QueryStrings: CacheKeyItems{Behavior: CacheKeyNone},
	}
	switch {
	case l.QueryString && len(l.QueryStringCacheKeys) > 0:
		p.QueryStrings = CacheKeyItems{Behavior: CacheKeyWhitelist, Items: l.QueryStringCacheKeys}
	case l.QueryString:
		p.QueryStrings.Behavior = CacheKeyAll
	}
	for _, h := range l.Headers {
		if h == "*" {
			// Every header in the key: CloudFront caches nothing.
			p.MinTTL, p.DefaultTTL, p.MaxTTL = 0, 0, 0
			return p
		}
	}
	if len(l.Headers) > 0 {
		p.Headers = CacheKeyItems{Behavior: CacheKeyWhitelist, Items: l.Headers}
	}
	switch l.Cookies {
	case CacheKeyWhitelist:
		p.Cookies = CacheKeyItems{Behavior: CacheKeyWhitelist, Items: l.CookieNames}
	case CacheKeyAll:
		p.Cookies.Behavior = CacheKeyAll
	}
	return p
}

// The ids of the AWS managed cache policies edgefn knows.
const (
	CachingOptimizedID                       = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	CachingDisabledID                        = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	CachingOptimizedForUncompressedObjectsID = "b2884449-e4de-46a7-ac36-70bc7f1ddd6d"
	ElementalMediaPackageID                  = "08627262-05a9-4f76-9ded-b50ca2e3a84f"
	AmplifyID                                = "2e54312d-136d-493c-8eb9-b001f22f67d2"
)

// managedModified is the LastModifiedTime reported for managed policies:
// they never change here.
var managedModified = time.Date(2020, 5, 31, 0, 0, 0, 0, time.UTC)

// managedETag is the ETag of every managed policy.
const managedETag = "E23ZP02F085DFQ"

// managedMaker returns the constructor of managed policies of one kind.
func managedMaker[C any]() func(id string, c C) *Policy[C] {
	return func(id string, c C) *Policy[C] {
		return &Policy[C]{ID: id, ETag: managedETag, LastModified: managedModified, Config: c}
	}
}

// ManagedCachePolicies returns the AWS managed cache policies, sorted by
// name; each call returns fresh values, which the caller may change.
func ManagedCachePolicies() []*CachePolicy {
	none := CacheKeyItems{Behavior: CacheKeyNone}
	managed := managedMaker[CachePolicyConfig]()
	return []*CachePolicy{
		managed(AmplifyID, CachePolicyConfig{
			Name: "Managed-Amplify", Comment: "Policy for Amplify Origin",
			MinTTL: 2, DefaultTTL: 2, MaxTTL: 600,
			Headers:                  CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"Authorization", "CloudFront-Viewer-Country", "Host"}},
			Cookies:                  CacheKeyItems{Behavior: CacheKeyAll},
			QueryStrings:             CacheKeyItems{Behavior: CacheKeyAll},
			EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true,
		}),
		managed(CachingDisabledID, CachePolicyConfig{
			Name: "Managed-CachingDisabled", Comment: "Policy with caching disabled",
			Headers: none, Cookies: none, QueryStrings: none,
		}),
		managed(CachingOptimizedID, CachePolicyConfig{
			Name: "Managed-CachingOptimized", Comment: "Policy with caching enabled. Supports Gzip and Brotli compression.",
			MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000,
			Headers: none, Cookies: none, QueryStrings: none,
			EnableAcceptEncodingGzip: true, EnableAcceptEncodingBrotli: true,
		}),
		managed(CachingOptimizedForUncompressedObjectsID, CachePolicyConfig{
			Name: "Managed-CachingOptimizedForUncompressedObjects", Comment: "Default policy when compression is disabled",
			MinTTL: 1, DefaultTTL: 86400, MaxTTL: 31536000,
			Headers: none, Cookies: none, QueryStrings: none,
		}),
		managed(ElementalMediaPackageID, CachePolicyConfig{
			Name: "Managed-Elemental-MediaPackage", Comment: "Policy for Elemental MediaPackage Origin",
			MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000,
			Headers:                  CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"origin"}},
			Cookies:                  none,
			QueryStrings:             CacheKeyItems{Behavior: CacheKeyWhitelist, Items: []string{"aws.manifestfilter", "start", "end", "m"}},
			EnableAcceptEncodingGzip: true,
		}),
	}
}

// ManagedCachePolicy returns the managed policy with this id, or nil.
func ManagedCachePolicy(id string) *CachePolicy { return managedPolicy(ManagedCachePolicies(), id) }

func managedPolicy[C any](all []*Policy[C], id string) *Policy[C] {
	for _, p := range all {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// ResourceCachePolicy is what cache policy errors are about (NoSuchCachePolicy,
// CachePolicyAlreadyExists, CachePolicyInUse, TooManyCachePolicies).
const ResourceCachePolicy Resource = "cache-policy"

// Invalidation is a CreateInvalidation batch of a distribution. edgefn
// applies it on every edge as soon as it is stored, so its Status is
// Completed at once.
type Invalidation struct {
	Account, DistributionID, ID string
	CallerReference             string
	Paths                       []string
	Created                     time.Time
	// Rev is the store revision that created it: an edge drops what it
	// cached for these paths at any earlier revision.
	Rev int64
}

// InvalidationCompleted is the only Status an invalidation has here.
const InvalidationCompleted = "Completed"

// ResourceInvalidation is what invalidation errors are about
// (NoSuchInvalidation).
const ResourceInvalidation Resource = "invalidation"
