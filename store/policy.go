package store

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/edgefn/edgefn"
)

// policyKind is what sets one kind of policy (cache, origin request) apart;
// the operations on them are the same.
type policyKind[C any] struct {
	res          edgefn.Resource
	noun, plural string // in messages: "cache policy", "cache policies"
	// space versions the stored policies; prefix, namePrefix and
	// usersPrefix lead their records, name index and users sets (keys.go).
	space                           etagSpace
	prefix, namePrefix, usersPrefix string
	count                           string
	limit                           func(edgefn.Limits) int
	managed                         func() []*edgefn.Policy[C]
	name                            func(*C) string
	// check applies the kind's rules beyond the name and the comment.
	check func(*C, edgefn.Limits) error
}

// policyRecord is an account's policy of some kind.
type policyRecord[C any] struct {
	Config   C         `json:"config"`
	Modified time.Time `json:"modified"`
}

func (r *policyRecord[C]) policy(k *policyKind[C], account, id string, modRev int64) *edgefn.Policy[C] {
	return &edgefn.Policy[C]{Account: account, ID: id, ETag: etag(k.space, modRev), LastModified: r.Modified, Config: r.Config}
}

func (k *policyKind[C]) key(account, id string) string    { return k.prefix + account + "/" + id }
func (k *policyKind[C]) nameKey(account, n string) string { return k.namePrefix + account + "/" + n }
func (k *policyKind[C]) usersKey(account, id string) string {
	return k.usersPrefix + account + "/" + id
}

func (k *policyKind[C]) isManaged(id string) bool {
	return slices.ContainsFunc(k.managed(), func(p *edgefn.Policy[C]) bool { return p.ID == id })
}

func (k *policyKind[C]) errNotFound(id string) error {
	return edgefn.Errorf(edgefn.ErrNotFound, k.res, "The %s %s does not exist.", k.noun, id)
}

// errManaged refuses to change (ErrConflict: IllegalUpdate) or delete
// (ErrUnsupported: IllegalDelete) a managed policy.
func (k *policyKind[C]) errManaged(kind edgefn.ErrorKind, id string) error {
	return edgefn.Errorf(kind, k.res, "The %s %s is managed by AWS and cannot be changed or deleted.", k.noun, id)
}

func (k *policyKind[C]) load(tx Tx, account, id string) (*policyRecord[C], int64, error) {
	return load[policyRecord[C]](tx, k.key(account, id), uuid.Validate(id) == nil, k.errNotFound(id))
}

func (k *policyKind[C]) loadCurrent(tx Tx, account, id, ifMatch string) (*policyRecord[C], error) {
	rec, modRev, err := k.load(tx, account, id)
	return current(rec, modRev, err, k.res, k.space, ifMatch)
}

// validate applies the rules every policy follows, then the kind's.
func (k *policyKind[C]) validate(cfg *C, limits edgefn.Limits) error {
	if n := k.name(cfg); n == "" || utf8.RuneCountInString(n) > 128 {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, k.res, "The %s Name must have 1 to 128 characters.", k.noun)
	}
	return k.check(cfg, limits)
}

// createPolicy creates a policy of the account.
func createPolicy[C any](ctx context.Context, s *Store, k *policyKind[C], account string, cfg C) (*edgefn.Policy[C], error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := k.validate(&cfg, s.limits); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	rec := &policyRecord[C]{Config: cfg, Modified: s.clock()}
	rev, err := s.update(ctx, "create "+k.noun, func(tx Tx) error {
		if err := k.claimName(tx, account, id, "", k.name(&cfg)); err != nil {
			return err
		}
		n, err := getCount(tx, account, k.count)
		if err != nil {
			return err
		}
		if limit := k.limit(s.limits); n >= limit {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, k.res,
				"You have reached the maximum number of %s (%d) for this account.", k.plural, limit)
		}
		if err := putCount(tx, account, k.count, n+1); err != nil {
			return err
		}
		return putJSON(tx, k.key(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.policy(k, account, id, rev), nil
}

// claimName makes name the account's policy id's, releasing old: names are
// unique in an account among the policies of a kind, the managed ones'
// included.
func (k *policyKind[C]) claimName(tx Tx, account, id, old, name string) error {
	if name == old {
		return nil
	}
	taken := slices.ContainsFunc(k.managed(), func(p *edgefn.Policy[C]) bool { return k.name(&p.Config) == name })
	if !taken {
		_, ok, err := tx.Get(k.nameKey(account, name))
		if err != nil {
			return err
		}
		taken = ok
	}
	if taken {
		return edgefn.Errorf(edgefn.ErrAlreadyExists, k.res, "A %s named %q already exists.", k.noun, name)
	}
	if old != "" {
		if err := tx.Delete(k.nameKey(account, old)); err != nil {
			return err
		}
	}
	return tx.Put(k.nameKey(account, name), []byte(id))
}

// getPolicy returns a managed policy or one of the account's.
func getPolicy[C any](ctx context.Context, s *Store, k *policyKind[C], account, id string) (*edgefn.Policy[C], error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	for _, p := range k.managed() {
		if p.ID == id {
			return p, nil
		}
	}
	var p *edgefn.Policy[C]
	err := s.view(ctx, "get "+k.noun, func(tx Tx) error {
		rec, modRev, err := k.load(tx, account, id)
		if err == nil {
			p = rec.policy(k, account, id, modRev)
		}
		return err
	})
	return p, err
}

// listPolicies lists the managed policies, then the account's by id; typ
// ("managed", "custom", "" for both) filters them. marker is the id the
// previous page ended with; max <= 0 means 100.
func listPolicies[C any](ctx context.Context, s *Store, k *policyKind[C], account, typ, marker string, max int) ([]*edgefn.Policy[C], string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if typ != "" && typ != PolicyManaged && typ != PolicyCustom {
		return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, k.res, "The Type %q is not valid: use managed or custom.", typ)
	}
	if max <= 0 {
		max = defaultListPolicies
	}
	var all []*edgefn.Policy[C]
	if typ != PolicyCustom {
		all = k.managed()
	}
	if typ != PolicyManaged {
		err := s.view(ctx, "list "+k.noun, func(tx Tx) error {
			prefix := k.key(account, "")
			return tx.Range(prefix, "", 0, func(kv KV) error {
				var rec policyRecord[C]
				if err := jsonValue(kv, &rec); err != nil {
					return err
				}
				all = append(all, rec.policy(k, account, kv.Key[len(prefix):], kv.ModRev))
				return nil
			})
		})
		if err != nil {
			return nil, "", err
		}
	}
	return page(all, func(p *edgefn.Policy[C]) string { return p.ID }, marker, max, k.res)
}

// updatePolicy replaces a policy's configuration; ifMatch must be its
// current ETag. The behaviors that use it follow it from then on.
func updatePolicy[C any](ctx context.Context, s *Store, k *policyKind[C], account, id, ifMatch string, cfg C) (*edgefn.Policy[C], error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if k.isManaged(id) {
		return nil, k.errManaged(edgefn.ErrConflict, id)
	}
	if err := requireIfMatch(k.res, ifMatch); err != nil {
		return nil, err
	}
	if err := k.validate(&cfg, s.limits); err != nil {
		return nil, err
	}
	rec := &policyRecord[C]{Config: cfg, Modified: s.clock()}
	rev, err := s.update(ctx, "update "+k.noun, func(tx Tx) error {
		old, err := k.loadCurrent(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		if err := k.claimName(tx, account, id, k.name(&old.Config), k.name(&cfg)); err != nil {
			return err
		}
		return putJSON(tx, k.key(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.policy(k, account, id, rev), nil
}

// deletePolicy deletes a policy no distribution uses; ifMatch must be its
// current ETag.
func deletePolicy[C any](ctx context.Context, s *Store, k *policyKind[C], account, id, ifMatch string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if k.isManaged(id) {
		return k.errManaged(edgefn.ErrUnsupported, id)
	}
	if err := requireIfMatch(k.res, ifMatch); err != nil {
		return err
	}
	_, err := s.update(ctx, "delete "+k.noun, func(tx Tx) error {
		old, err := k.loadCurrent(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		u, err := getUsers(tx, k.usersKey(account, id))
		if err != nil {
			return err
		}
		if len(u) > 0 {
			return edgefn.Errorf(edgefn.ErrInUse, k.res,
				"The %s %s is used by %d distribution(s), %s among them.", k.noun, id, len(u), u[0])
		}
		n, err := getCount(tx, account, k.count)
		if err != nil {
			return err
		}
		if err := putCount(tx, account, k.count, n-1); err != nil {
			return err
		}
		if err := tx.Delete(k.nameKey(account, k.name(&old.Config))); err != nil {
			return err
		}
		return tx.Delete(k.key(account, id))
	})
	return err
}

// relink moves the distribution id's use of the account's own policies of
// this kind from those old's behaviors name to those new's (nil: none),
// refusing names of policies that do not exist.
func (k *policyKind[C]) relink(tx Tx, account, id string, old, new *edgefn.DistributionConfig, policyID func(*edgefn.CacheBehavior) string) error {
	return relinkUsers(tx, id, k.usedBy(old, policyID), k.usedBy(new, policyID),
		func(pid string) string { return k.usersKey(account, pid) },
		func(pid string, _ users) error {
			_, _, err := k.load(tx, account, pid)
			return err
		})
}

// usedBy returns the ids of the account's own policies cfg's behaviors
// use, once each.
func (k *policyKind[C]) usedBy(cfg *edgefn.DistributionConfig, policyID func(*edgefn.CacheBehavior) string) []string {
	if cfg == nil {
		return nil
	}
	var ids []string
	for _, b := range behaviorsOf(cfg) {
		id := policyID(b)
		if id != "" && !k.isManaged(id) && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// itemsRule is what a policy's headers, cookies or query strings part may
// hold: one of behaviors, names exactly with those of listing, at most max
// of them (0: no bound; more is ErrTooLarge about tooMany, for the
// TooMany…In…Policy codes).
type itemsRule struct {
	what               string // HeaderBehavior, CookieBehavior, QueryStringBehavior
	behaviors, listing []string
	max                int
	tooMany            edgefn.Resource
}

// checkItems applies r to items of a policy of res.
func (r *itemsRule) check(res edgefn.Resource, items edgefn.CacheKeyItems) error {
	what, behaviors, listing, max := r.what, r.behaviors, r.listing, r.max
	b := items.Behavior
	lists := slices.Contains(listing, b)
	switch {
	case !slices.Contains(behaviors, b):
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res, "The %s %q is not valid: use one of %v.", what, b, behaviors)
	case lists && b != edgefn.OriginHeadersAllViewerAndCloudFront && len(items.Items) == 0:
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res, "The %s %s needs the names it applies to.", what, b)
	case !lists && len(items.Items) > 0:
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res, "The %s %s takes no names.", what, b)
	case max > 0 && len(items.Items) > max:
		return edgefn.Errorf(edgefn.ErrTooLarge, r.tooMany, "The %s lists %d names; the maximum is %d.", what, len(items.Items), max)
	}
	return nil
}

// distributionsUsing lists the ids of the account's distributions that have
// a behavior using the policy id (a managed one or the account's: else the
// kind's not-found error), in id order, max (<= 0: 100) after marker.
func distributionsUsing[C any](ctx context.Context, s *Store, k *policyKind[C], account, id, marker string, max int, policyID func(*edgefn.CacheBehavior) string) ([]string, string, error) {
	if _, err := getPolicy(ctx, s, k, account, id); err != nil {
		return nil, "", err
	}
	ds, next, err := s.distributionsWhere(ctx, "list distributions by "+k.noun, account, marker, max, func(cfg *edgefn.DistributionConfig) bool {
		return slices.ContainsFunc(behaviorsOf(cfg), func(b *edgefn.CacheBehavior) bool { return policyID(b) == id })
	})
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids, next, err
}

// distributionsWhere lists the account's distributions whose configuration
// satisfies match, in id order, max (<= 0: 100) after marker.
func (s *Store) distributionsWhere(ctx context.Context, op, account, marker string, max int, match func(*edgefn.DistributionConfig) bool) ([]*edgefn.Distribution, string, error) {
	if max <= 0 {
		max = defaultListDistributions
	}
	var ds []*edgefn.Distribution
	err := s.view(ctx, op, func(tx Tx) error {
		prefix := distKey(account, "")
		return tx.Range(prefix, "", 0, func(kv KV) error {
			did := kv.Key[len(prefix):]
			if did <= marker {
				return nil
			}
			var rec distributionRecord
			if err := jsonValue(kv, &rec); err != nil {
				return err
			}
			if match(&rec.Config) {
				ds = append(ds, rec.distribution(account, did, kv.ModRev))
			}
			return nil
		})
	})
	if err != nil || len(ds) <= max {
		return ds, "", err
	}
	return ds[:max], ds[max-1].ID, nil
}
