package store

import (
	"context"

	"github.com/edgefn/edgefn"
)

// spaceTrust versions trust stores; it continues the spaces of etag.go.
const spaceTrust = spaceRHP + 1

// trustStores are kept as a policy kind: per account, UUID ids, names unique
// in the account, an ETag per revision, the distributions that use one in a
// users set. None is managed.
var trustStores = &policyKind[edgefn.TrustStoreConfig]{
	res: edgefn.ResourceTrustStore, noun: "trust store", plural: "trust stores",
	space: spaceTrust, prefix: prefixTrust, namePrefix: prefixTrustName, usersPrefix: prefixTrustUser,
	count:   countTrustStores,
	limit:   func(l edgefn.Limits) int { return l.TrustStoresPerAccount },
	managed: func() []*edgefn.TrustStore { return nil },
	name:    func(c *edgefn.TrustStoreConfig) string { return c.Name },
	check:   checkTrustStore,
}

// checkTrustStore checks the bundle's location and contents and counts its
// certificates.
func checkTrustStore(cfg *edgefn.TrustStoreConfig, _ edgefn.Limits) error {
	if err := cfg.Source.Check(); err != nil {
		return err
	}
	certs, err := edgefn.ParseCABundle(cfg.Bundle)
	if err != nil {
		return err
	}
	cfg.Certificates = len(certs)
	return nil
}

// CreateTrustStore creates a trust store of the account from a CA bundle
// already read from its source. Its tags are checked, not kept (edgefn
// keeps tags for distributions, functions and key value stores only).
func (s *Store) CreateTrustStore(ctx context.Context, account string, cfg edgefn.TrustStoreConfig, tags []edgefn.Tag) (*edgefn.TrustStore, error) {
	if err := checkTags(edgefn.ResourceTag, tags); err != nil {
		return nil, err
	}
	return createPolicy(ctx, s, trustStores, account, cfg)
}

// GetTrustStore returns one of the account's trust stores.
func (s *Store) GetTrustStore(ctx context.Context, account, id string) (*edgefn.TrustStore, error) {
	return getPolicy(ctx, s, trustStores, account, id)
}

// ListTrustStores lists the account's trust stores by id.
func (s *Store) ListTrustStores(ctx context.Context, account, marker string, max int) ([]*edgefn.TrustStore, string, error) {
	return listPolicies(ctx, s, trustStores, account, "", marker, max)
}

// UpdateTrustStore replaces a trust store's bundle and settings; ifMatch
// must be its current ETag, and its name cannot change here (UpdateTrustStore
// takes none).
func (s *Store) UpdateTrustStore(ctx context.Context, account, id, ifMatch string, cfg edgefn.TrustStoreConfig) (*edgefn.TrustStore, error) {
	return updatePolicy(ctx, s, trustStores, account, id, ifMatch, cfg)
}

// DeleteTrustStore deletes a trust store no distribution uses.
func (s *Store) DeleteTrustStore(ctx context.Context, account, id, ifMatch string) error {
	return deletePolicy(ctx, s, trustStores, account, id, ifMatch)
}

// ListDistributionsByTrustStore lists the account's distributions whose
// ViewerMtlsConfig names the trust store id, by id.
func (s *Store) ListDistributionsByTrustStore(ctx context.Context, account, id, marker string, max int) ([]*edgefn.Distribution, string, error) {
	if _, err := s.GetTrustStore(ctx, account, id); err != nil {
		return nil, "", err
	}
	return s.distributionsWhere(ctx, "list distributions by trust store", account, marker, max, func(cfg *edgefn.DistributionConfig) bool {
		return cfg.ViewerMtls != nil && cfg.ViewerMtls.TrustStoreID == id
	})
}
