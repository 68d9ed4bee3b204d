package store

import (
	"context"
	"strings"

	"github.com/edgefn/edgefn"
)

// spaceORP versions origin request policies; it continues the spaces of etag.go.
const spaceORP = spacePolicy + 1

// originRequestPolicies are the accounts' origin request policies (op/…).
var originRequestPolicies = &policyKind[edgefn.OriginRequestPolicyConfig]{
	res: edgefn.ResourceOriginRequestPolicy, noun: "origin request policy", plural: "origin request policies",
	space: spaceORP, prefix: prefixORP, namePrefix: prefixORPName, usersPrefix: prefixORPUser,
	count:   countORPs,
	limit:   func(l edgefn.Limits) int { return l.OriginRequestPoliciesPerAccount },
	managed: edgefn.ManagedOriginRequestPolicies,
	name:    func(c *edgefn.OriginRequestPolicyConfig) string { return c.Name },
	check:   checkOriginRequestPolicy,
}

// CreateOriginRequestPolicy creates an origin request policy of the account.
func (s *Store) CreateOriginRequestPolicy(ctx context.Context, account string, cfg edgefn.OriginRequestPolicyConfig) (*edgefn.OriginRequestPolicy, error) {
	return createPolicy(ctx, s, originRequestPolicies, account, cfg)
}

// GetOriginRequestPolicy returns a managed policy or one of the account's.
func (s *Store) GetOriginRequestPolicy(ctx context.Context, account, id string) (*edgefn.OriginRequestPolicy, error) {
	return getPolicy(ctx, s, originRequestPolicies, account, id)
}

// ListOriginRequestPolicies lists the managed policies, then the account's
// by id, as ListCachePolicies does.
func (s *Store) ListOriginRequestPolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.OriginRequestPolicy, string, error) {
	return listPolicies(ctx, s, originRequestPolicies, account, typ, marker, max)
}

// UpdateOriginRequestPolicy replaces a policy's configuration; ifMatch must
// be its current ETag. The behaviors that use it forward by it from then on.
func (s *Store) UpdateOriginRequestPolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.OriginRequestPolicyConfig) (*edgefn.OriginRequestPolicy, error) {
	return updatePolicy(ctx, s, originRequestPolicies, account, id, ifMatch, cfg)
}

// DeleteOriginRequestPolicy deletes a policy no distribution uses; ifMatch
// must be its current ETag.
func (s *Store) DeleteOriginRequestPolicy(ctx context.Context, account, id, ifMatch string) error {
	return deletePolicy(ctx, s, originRequestPolicies, account, id, ifMatch)
}

// ListDistributionsByOriginRequestPolicyID lists the ids of the account's
// distributions whose behaviors use the origin request policy id.
func (s *Store) ListDistributionsByOriginRequestPolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error) {
	return distributionsUsing(ctx, s, originRequestPolicies, account, id, marker, max, func(b *edgefn.CacheBehavior) string { return b.OriginRequestPolicyID })
}

// checkOriginRequestPolicy applies CloudFront's rules to a policy's
// configuration: the behaviors of each part, names where they take them and
// the quotas on their number.
func checkOriginRequestPolicy(cfg *edgefn.OriginRequestPolicyConfig, l edgefn.Limits) error {
	if err := checkComment(edgefn.ResourceOriginRequestPolicy, cfg.Comment); err != nil {
		return err
	}
	rules := []itemsRule{
		{what: "HeaderBehavior", max: l.ORPHeaders, tooMany: edgefn.ResourceORPHeaders,
			behaviors: []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist, edgefn.OriginHeadersAllViewer, edgefn.OriginHeadersAllViewerAndCloudFront, edgefn.CacheKeyAllExcept},
			listing:   []string{edgefn.CacheKeyWhitelist, edgefn.OriginHeadersAllViewerAndCloudFront, edgefn.CacheKeyAllExcept}},
		{what: "CookieBehavior", max: l.ORPCookies, tooMany: edgefn.ResourceORPCookies, behaviors: cacheKeyBehaviors, listing: listingBehaviors},
		{what: "QueryStringBehavior", max: l.ORPQueryStrings, tooMany: edgefn.ResourceORPQueryStrings, behaviors: cacheKeyBehaviors, listing: listingBehaviors},
	}
	if err := checkParts(edgefn.ResourceOriginRequestPolicy, rules, cfg.Headers, cfg.Cookies, cfg.QueryStrings); err != nil {
		return err
	}
	if cfg.Headers.Behavior == edgefn.OriginHeadersAllViewerAndCloudFront {
		for _, h := range cfg.Headers.Items {
			if !edgefn.IsCloudFrontHeader(strings.ToLower(h)) {
				return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceOriginRequestPolicy,
					"The header %q is not a CloudFront header: allViewerAndWhitelistCloudFront lists CloudFront-* headers only.", h)
			}
		}
	}
	return nil
}
