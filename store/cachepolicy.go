package store

import (
	"context"

	"github.com/edgefn/edgefn"
)

// spacePolicy versions cache policies; it continues the spaces of etag.go.
const spacePolicy = spaceDist + 1

// Policy types, as ListCachePolicies and ListOriginRequestPolicies filter them.
const (
	PolicyManaged = "managed"
	PolicyCustom  = "custom"
)

const defaultListPolicies = 100

// cachePolicies are the accounts' cache policies (cp/…).
var cachePolicies = &policyKind[edgefn.CachePolicyConfig]{
	res: edgefn.ResourceCachePolicy, noun: "cache policy", plural: "cache policies",
	space: spacePolicy, prefix: prefixPolicy, namePrefix: prefixPolicyName, usersPrefix: prefixPolicyUser,
	count:   countPolicies,
	limit:   func(l edgefn.Limits) int { return l.CachePoliciesPerAccount },
	managed: edgefn.ManagedCachePolicies,
	name:    func(c *edgefn.CachePolicyConfig) string { return c.Name },
	check:   checkCachePolicy,
}

// CreateCachePolicy creates a cache policy of the account.
func (s *Store) CreateCachePolicy(ctx context.Context, account string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error) {
	return createPolicy(ctx, s, cachePolicies, account, cfg)
}

// GetCachePolicy returns a managed policy or one of the account's.
func (s *Store) GetCachePolicy(ctx context.Context, account, id string) (*edgefn.CachePolicy, error) {
	return getPolicy(ctx, s, cachePolicies, account, id)
}

// ListCachePolicies lists the managed policies, then the account's by id;
// typ ("managed", "custom", "" for both) filters them. marker is the id the
// previous page ended with; max <= 0 means 100.
func (s *Store) ListCachePolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.CachePolicy, string, error) {
	return listPolicies(ctx, s, cachePolicies, account, typ, marker, max)
}

// UpdateCachePolicy replaces a policy's configuration; ifMatch must be its
// current ETag. The behaviors that use it cache by it from then on.
func (s *Store) UpdateCachePolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error) {
	return updatePolicy(ctx, s, cachePolicies, account, id, ifMatch, cfg)
}

// DeleteCachePolicy deletes a policy no distribution uses; ifMatch must be
// its current ETag.
func (s *Store) DeleteCachePolicy(ctx context.Context, account, id, ifMatch string) error {
	return deletePolicy(ctx, s, cachePolicies, account, id, ifMatch)
}

// ListDistributionsByCachePolicyID lists the ids of the account's
// distributions whose behaviors use the cache policy id.
func (s *Store) ListDistributionsByCachePolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error) {
	return distributionsUsing(ctx, s, cachePolicies, account, id, marker, max, func(b *edgefn.CacheBehavior) string { return b.CachePolicyID })
}

// The rules of a cache policy's three parts.
var (
	cacheKeyBehaviors = []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist, edgefn.CacheKeyAllExcept, edgefn.CacheKeyAll}
	listingBehaviors  = []string{edgefn.CacheKeyWhitelist, edgefn.CacheKeyAllExcept}
	cacheKeyHeaders   = itemsRule{what: "HeaderBehavior", behaviors: []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist}, listing: listingBehaviors}
	cacheKeyCookies   = itemsRule{what: "CookieBehavior", behaviors: cacheKeyBehaviors, listing: listingBehaviors}
	cacheKeyQuery     = itemsRule{what: "QueryStringBehavior", behaviors: cacheKeyBehaviors, listing: listingBehaviors}
)

// checkCachePolicy applies CloudFront's rules to a policy's configuration.
func checkCachePolicy(cfg *edgefn.CachePolicyConfig, _ edgefn.Limits) error {
	invalid := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceCachePolicy, format, args...)
	}
	if cfg.MinTTL < 0 || cfg.MinTTL > cfg.DefaultTTL || cfg.DefaultTTL > cfg.MaxTTL {
		return invalid("The TTLs must be 0 <= MinTTL (%d) <= DefaultTTL (%d) <= MaxTTL (%d).", cfg.MinTTL, cfg.DefaultTTL, cfg.MaxTTL)
	}
	if err := checkComment(edgefn.ResourceCachePolicy, cfg.Comment); err != nil {
		return err
	}
	if err := checkParts(edgefn.ResourceCachePolicy, []itemsRule{cacheKeyHeaders, cacheKeyCookies, cacheKeyQuery},
		cfg.Headers, cfg.Cookies, cfg.QueryStrings); err != nil {
		return err
	}
	if cfg.MaxTTL == 0 && (cfg.Headers.Behavior != edgefn.CacheKeyNone || cfg.Cookies.Behavior != edgefn.CacheKeyNone ||
		cfg.QueryStrings.Behavior != edgefn.CacheKeyNone || cfg.EnableAcceptEncodingGzip || cfg.EnableAcceptEncodingBrotli) {
		return invalid("A cache policy that caches nothing (MaxTTL 0) can have nothing in its cache key.")
	}
	return nil
}

// checkParts checks a policy's headers, cookies and query strings, in that
// order, against their rules.
func checkParts(res edgefn.Resource, rules []itemsRule, parts ...edgefn.CacheKeyItems) error {
	for i := range rules {
		if err := rules[i].check(res, parts[i]); err != nil {
			return err
		}
	}
	return nil
}
