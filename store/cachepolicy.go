package store

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/edgefn/edgefn"
)

// spacePolicy versions cache policies; it continues the spaces of etag.go.
const spacePolicy = spaceDist + 1

// Cache policy types, as ListCachePolicies filters them.
const (
	PolicyManaged = "managed"
	PolicyCustom  = "custom"
)

const defaultListPolicies = 100

// cachePolicyRecord is an account's cache policy (cp/…).
type cachePolicyRecord struct {
	Config   edgefn.CachePolicyConfig `json:"config"`
	Modified time.Time                `json:"modified"`
}

func (r *cachePolicyRecord) policy(account, id string, modRev int64) *edgefn.CachePolicy {
	return &edgefn.CachePolicy{Account: account, ID: id, ETag: etag(spacePolicy, modRev), LastModified: r.Modified, Config: r.Config}
}

func errNoCachePolicy(id string) error {
	return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceCachePolicy, "The cache policy %s does not exist.", id)
}

// errManagedPolicy refuses to change (ErrConflict: IllegalUpdate) or delete
// (ErrUnsupported: IllegalDelete) a managed policy.
func errManagedPolicy(kind edgefn.ErrorKind, id string) error {
	return edgefn.Errorf(kind, edgefn.ResourceCachePolicy, "The cache policy %s is managed by AWS and cannot be changed or deleted.", id)
}

// CreateCachePolicy creates a cache policy of the account.
func (s *Store) CreateCachePolicy(ctx context.Context, account string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := checkCachePolicy(&cfg); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	rec := &cachePolicyRecord{Config: cfg, Modified: s.clock()}
	rev, err := s.update(ctx, "create cache policy", func(tx Tx) error {
		if err := claimPolicyName(tx, account, id, "", cfg.Name); err != nil {
			return err
		}
		n, err := getCount(tx, account, countPolicies)
		if err != nil {
			return err
		}
		if n >= s.limits.CachePoliciesPerAccount {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceCachePolicy,
				"You have reached the maximum number of cache policies (%d) for this account.", s.limits.CachePoliciesPerAccount)
		}
		if err := putCount(tx, account, countPolicies, n+1); err != nil {
			return err
		}
		return putJSON(tx, policyKey(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.policy(account, id, rev), nil
}

// claimPolicyName makes name the account's policy id's, releasing old:
// names are unique in an account, the managed ones' included.
func claimPolicyName(tx Tx, account, id, old, name string) error {
	if name == old {
		return nil
	}
	taken := slices.ContainsFunc(edgefn.ManagedCachePolicies(), func(p *edgefn.CachePolicy) bool { return p.Config.Name == name })
	if !taken {
		_, ok, err := tx.Get(policyNameKey(account, name))
		if err != nil {
			return err
		}
		taken = ok
	}
	if taken {
		return edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceCachePolicy, "A cache policy named %q already exists.", name)
	}
	if old != "" {
		if err := tx.Delete(policyNameKey(account, old)); err != nil {
			return err
		}
	}
	return tx.Put(policyNameKey(account, name), []byte(id))
}

// GetCachePolicy returns a managed policy or one of the account's.
func (s *Store) GetCachePolicy(ctx context.Context, account, id string) (*edgefn.CachePolicy, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if p := edgefn.ManagedCachePolicy(id); p != nil {
		return p, nil
	}
	var p *edgefn.CachePolicy
	err := s.view(ctx, "get cache policy", func(tx Tx) error {
		rec, modRev, err := loadPolicy(tx, account, id)
		if err == nil {
			p = rec.policy(account, id, modRev)
		}
		return err
	})
	return p, err
}

// ListCachePolicies lists the managed policies, then the account's by id;
// typ ("managed", "custom", "" for both) filters them. marker is the id the
// previous page ended with; max <= 0 means 100.
func (s *Store) ListCachePolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.CachePolicy, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if typ != "" && typ != PolicyManaged && typ != PolicyCustom {
		return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceCachePolicy, "The Type %q is not valid: use managed or custom.", typ)
	}
	if max <= 0 {
		max = defaultListPolicies
	}
	var all []*edgefn.CachePolicy
	if typ != PolicyCustom {
		all = edgefn.ManagedCachePolicies()
	}
	if typ != PolicyManaged {
		err := s.view(ctx, "list cache policies", func(tx Tx) error {
			prefix := policyKey(account, "")
			return tx.Range(prefix, "", 0, func(kv KV) error {
				var rec cachePolicyRecord
				if err := jsonValue(kv, &rec); err != nil {
					return err
				}
				all = append(all, rec.policy(account, kv.Key[len(prefix):], kv.ModRev))
				return nil
			})
		})
		if err != nil {
			return nil, "", err
		}
	}
	return page(all, func(p *edgefn.CachePolicy) string { return p.ID }, marker, max, edgefn.ResourceCachePolicy)
}

// UpdateCachePolicy replaces a policy's configuration; ifMatch must be its
// current ETag. The behaviors that use it cache by it from then on.
func (s *Store) UpdateCachePolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if edgefn.ManagedCachePolicy(id) != nil {
		return nil, errManagedPolicy(edgefn.ErrConflict, id)
	}
	if err := requireIfMatch(edgefn.ResourceCachePolicy, ifMatch); err != nil {
		return nil, err
	}
	if err := checkCachePolicy(&cfg); err != nil {
		return nil, err
	}
	rec := &cachePolicyRecord{Config: cfg, Modified: s.clock()}
	rev, err := s.update(ctx, "update cache policy", func(tx Tx) error {
		old, err := loadCurrentPolicy(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		if err := claimPolicyName(tx, account, id, old.Config.Name, cfg.Name); err != nil {
			return err
		}
		return putJSON(tx, policyKey(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.policy(account, id, rev), nil
}

// DeleteCachePolicy deletes a policy no distribution uses; ifMatch must be
// its current ETag.
func (s *Store) DeleteCachePolicy(ctx context.Context, account, id, ifMatch string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if edgefn.ManagedCachePolicy(id) != nil {
		return errManagedPolicy(edgefn.ErrUnsupported, id)
	}
	if err := requireIfMatch(edgefn.ResourceCachePolicy, ifMatch); err != nil {
		return err
	}
	_, err := s.update(ctx, "delete cache policy", func(tx Tx) error {
		old, err := loadCurrentPolicy(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		u, err := getUsers(tx, policyUsersKey(account, id))
		if err != nil {
			return err
		}
		if len(u) > 0 {
			return edgefn.Errorf(edgefn.ErrInUse, edgefn.ResourceCachePolicy,
				"The cache policy %s is used by %d distribution(s), %s among them.", id, len(u), u[0])
		}
		n, err := getCount(tx, account, countPolicies)
		if err != nil {
			return err
		}
		if err := putCount(tx, account, countPolicies, n-1); err != nil {
			return err
		}
		if err := tx.Delete(policyNameKey(account, old.Config.Name)); err != nil {
			return err
		}
		return tx.Delete(policyKey(account, id))
	})
	return err
}

func loadPolicy(tx Tx, account, id string) (*cachePolicyRecord, int64, error) {
	return load[cachePolicyRecord](tx, policyKey(account, id), uuid.Validate(id) == nil, errNoCachePolicy(id))
}

func loadCurrentPolicy(tx Tx, account, id, ifMatch string) (*cachePolicyRecord, error) {
	rec, modRev, err := loadPolicy(tx, account, id)
	return current(rec, modRev, err, edgefn.ResourceCachePolicy, spacePolicy, ifMatch)
}

// checkCachePolicy applies CloudFront's rules to a policy's configuration.
func checkCachePolicy(cfg *edgefn.CachePolicyConfig) error {
	invalid := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceCachePolicy, format, args...)
	}
	switch {
	case cfg.Name == "" || utf8.RuneCountInString(cfg.Name) > 128:
		return invalid("The cache policy Name must have 1 to 128 characters.")
	case cfg.MinTTL < 0 || cfg.MinTTL > cfg.DefaultTTL || cfg.DefaultTTL > cfg.MaxTTL:
		return invalid("The TTLs must be 0 <= MinTTL (%d) <= DefaultTTL (%d) <= MaxTTL (%d).", cfg.MinTTL, cfg.DefaultTTL, cfg.MaxTTL)
	}
	if err := checkComment(edgefn.ResourceCachePolicy, cfg.Comment); err != nil {
		return err
	}
	parts := []struct {
		what      string
		items     edgefn.CacheKeyItems
		behaviors []string
	}{
		{"HeaderBehavior", cfg.Headers, []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist}},
		{"CookieBehavior", cfg.Cookies, []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist, edgefn.CacheKeyAllExcept, edgefn.CacheKeyAll}},
		{"QueryStringBehavior", cfg.QueryStrings, []string{edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist, edgefn.CacheKeyAllExcept, edgefn.CacheKeyAll}},
	}
	for _, p := range parts {
		b := p.items.Behavior
		listing := b == edgefn.CacheKeyWhitelist || b == edgefn.CacheKeyAllExcept
		switch {
		case !slices.Contains(p.behaviors, b):
			return invalid("The %s %q is not valid: use one of %v.", p.what, b, p.behaviors)
		case listing && len(p.items.Items) == 0:
			return invalid("The %s %s needs the names it applies to.", p.what, b)
		case !listing && len(p.items.Items) > 0:
			return invalid("The %s %s takes no names.", p.what, b)
		}
	}
	if cfg.MaxTTL == 0 && (cfg.Headers.Behavior != edgefn.CacheKeyNone || cfg.Cookies.Behavior != edgefn.CacheKeyNone ||
		cfg.QueryStrings.Behavior != edgefn.CacheKeyNone || cfg.EnableAcceptEncodingGzip || cfg.EnableAcceptEncodingBrotli) {
		return invalid("A cache policy that caches nothing (MaxTTL 0) can have nothing in its cache key.")
	}
	return nil
}

// policiesOf returns the ids of the account's own cache policies cfg's
// behaviors use, once each.
func policiesOf(cfg *edgefn.DistributionConfig) []string {
	if cfg == nil {
		return nil
	}
	var ids []string
	for _, b := range behaviorsOf(cfg) {
		id := b.CachePolicyID
		if id != "" && edgefn.ManagedCachePolicy(id) == nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}
