package store

import (
	"context"
	"crypto/rand"
	"regexp"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

// DefaultDistributionDomain ends a distribution's DomainName unless
// WithDistributionDomain says otherwise.
const DefaultDistributionDomain = "cloudfront.net"

// WithDistributionDomain sets the suffix of new distributions' DomainName
// (<lower-case id>.<suffix>). A distribution keeps its name when it changes.
func WithDistributionDomain(suffix string) Option {
	return func(s *Store) { s.distDomain = strings.Trim(suffix, ".") }
}

// spaceDist versions distributions; it continues the spaces of etag.go.
const spaceDist = spaceData + 1

const defaultListDistributions = 100

// Distribution ids look like AWS's: "E" and 13 upper-case letters and digits.
var distIDPattern = regexp.MustCompile(`^E[A-Z0-9]{13}$`)

const distIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func newDistributionID() string { return newResourceID('E') }

// newResourceID is an id in the form of AWS's distribution and invalidation
// ids: first, then 13 random upper-case letters and digits.
func newResourceID(first byte) string {
	var b [14]byte
	rand.Read(b[1:])
	b[0] = first
	for i := 1; i < len(b); i++ {
		b[i] = distIDAlphabet[int(b[i])%len(distIDAlphabet)]
	}
	return string(b[:])
}

// errNoDistribution is AWS's NoSuchDistribution, word for word: it names no
// id, for a distribution or for an invalidation of one.
func errNoDistribution() error {
	return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceDistribution, "The specified distribution does not exist.")
}

// CreateDistribution creates a distribution from cfg; raw is the
// DistributionConfig document cfg was read from, kept to be returned as is.
// Functions named by its behaviors become DEPLOYED.
func (s *Store) CreateDistribution(ctx context.Context, account string, cfg edgefn.DistributionConfig, raw []byte, tags []edgefn.Tag) (*edgefn.Distribution, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := s.checkDistribution(account, &cfg); err != nil {
		return nil, err
	}
	if err := checkTags(edgefn.ResourceTag, tags); err != nil {
		return nil, err
	}
	rec := &distributionRecord{Config: cfg, Raw: slices.Clone(raw), Modified: s.clock()}
	var id string
	rev, err := s.update(ctx, "create distribution", func(tx Tx) error {
		refKey := distRefKey(account, cfg.CallerReference)
		if kv, ok, err := tx.Get(refKey); err != nil {
			return err
		} else if ok {
			// SDK users parse the existing distribution's id from the end of
			// the message, as AWS writes it.
			return edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceDistribution,
				"The caller reference %q is already used by another distribution of this account. Already exists: %s", cfg.CallerReference, kv.Value)
		}
		n, err := getCount(tx, account, countDists)
		if err != nil {
			return err
		}
		if n >= s.limits.DistributionsPerAccount {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceDistribution,
				"You have reached the maximum number of distributions (%d) for this account.", s.limits.DistributionsPerAccount)
		}
		for {
			id = newDistributionID()
			if _, ok, err := tx.Get(distKey(account, id)); err != nil {
				return err
			} else if !ok {
				break
			}
		}
		rec.Domain = strings.ToLower(id) + "." + s.distDomain
		if err := s.link(tx, account, id, nil, &rec.Config); err != nil {
			return err
		}
		if err := tx.Put(refKey, []byte(id)); err != nil {
			return err
		}
		if err := putCount(tx, account, countDists, n+1); err != nil {
			return err
		}
		if err := putTags(tx, distTagsKey(account, id), tags); err != nil {
			return err
		}
		return putJSON(tx, distKey(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	d := rec.distribution(account, id, rev)
	d.Tags = slices.Clone(tags)
	return d, nil
}

// GetDistribution returns a distribution with its configuration document
// and tags.
func (s *Store) GetDistribution(ctx context.Context, account, id string) (*edgefn.Distribution, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	var d *edgefn.Distribution
	err := s.view(ctx, "get distribution", func(tx Tx) error {
		rec, modRev, err := loadDistribution(tx, account, id)
		if err != nil {
			return err
		}
		d = rec.distribution(account, id, modRev)
		_, _, err = getJSON(tx, distTagsKey(account, id), &d.Tags)
		return err
	})
	return d, err
}

// ListDistributions lists the account's distributions by id. marker is the
// id the previous page ended with; max <= 0 means 100.
func (s *Store) ListDistributions(ctx context.Context, account, marker string, max int) ([]*edgefn.Distribution, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if marker != "" && !distIDPattern.MatchString(marker) {
		return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDistribution, "The marker %q is not valid.", marker)
	}
	if max <= 0 {
		max = defaultListDistributions
	}
	var ds []*edgefn.Distribution
	err := s.view(ctx, "list distributions", func(tx Tx) error {
		prefix := distKey(account, "")
		after := ""
		if marker != "" {
			after = prefix + marker
		}
		return tx.Range(prefix, after, max+1, func(kv KV) error {
			var rec distributionRecord
			if err := jsonValue(kv, &rec); err != nil {
				return err
			}
			ds = append(ds, rec.distribution(account, strings.TrimPrefix(kv.Key, prefix), kv.ModRev))
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	if len(ds) <= max {
		return ds, "", nil
	}
	ds = ds[:max]
	return ds, ds[max-1].ID, nil
}

// UpdateDistribution replaces a distribution's configuration; ifMatch must be
// its current ETag and the CallerReference cannot change.
func (s *Store) UpdateDistribution(ctx context.Context, account, id, ifMatch string, cfg edgefn.DistributionConfig, raw []byte) (*edgefn.Distribution, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := requireIfMatch(edgefn.ResourceDistribution, ifMatch); err != nil {
		return nil, err
	}
	if err := s.checkDistribution(account, &cfg); err != nil {
		return nil, err
	}
	var rec *distributionRecord
	rev, err := s.update(ctx, "update distribution", func(tx Tx) error {
		old, err := loadCurrentDistribution(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		if cfg.CallerReference != old.Config.CallerReference {
			return edgefn.Errorf(edgefn.ErrConflict, edgefn.ResourceDistribution,
				"The CallerReference of a distribution cannot change (it is %q).", old.Config.CallerReference)
		}
		if err := s.link(tx, account, id, &old.Config, &cfg); err != nil {
			return err
		}
		rec = &distributionRecord{Domain: old.Domain, Config: cfg, Raw: slices.Clone(raw), Modified: s.clock()}
		return putJSON(tx, distKey(account, id), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.distribution(account, id, rev), nil
}

// DeleteDistribution deletes a disabled distribution; ifMatch must be its
// current ETag. Its functions stop counting it as a user.
func (s *Store) DeleteDistribution(ctx context.Context, account, id, ifMatch string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if err := requireIfMatch(edgefn.ResourceDistribution, ifMatch); err != nil {
		return err
	}
	_, err := s.update(ctx, "delete distribution", func(tx Tx) error {
		old, err := loadCurrentDistribution(tx, account, id, ifMatch)
		if err != nil {
			return err
		}
		if old.Config.Enabled {
			return edgefn.Errorf(edgefn.ErrInUse, edgefn.ResourceDistribution,
				"The distribution you are trying to delete has not been disabled.")
		}
		if err := s.link(tx, account, id, &old.Config, nil); err != nil {
			return err
		}
		n, err := getCount(tx, account, countDists)
		if err != nil {
			return err
		}
		if err := putCount(tx, account, countDists, n-1); err != nil {
			return err
		}
		if err := tx.Delete(distRefKey(account, old.Config.CallerReference)); err != nil {
			return err
		}
		if err := tx.Delete(distTagsKey(account, id)); err != nil {
			return err
		}
		if err := tx.DeletePrefix(invalPrefix(account, id)); err != nil {
			return err
		}
		if err := tx.DeletePrefix(invalRefPrefix(account, id)); err != nil {
			return err
		}
		return tx.Delete(distKey(account, id))
	})
	return err
}

func loadDistribution(tx Tx, account, id string) (*distributionRecord, int64, error) {
	return load[distributionRecord](tx, distKey(account, id), distIDPattern.MatchString(id), errNoDistribution())
}

// loadCurrentDistribution reads a distribution and checks ifMatch against its ETag.
func loadCurrentDistribution(tx Tx, account, id, ifMatch string) (*distributionRecord, error) {
	rec, modRev, err := loadDistribution(tx, account, id)
	return current(rec, modRev, err, edgefn.ResourceDistribution, spaceDist, ifMatch)
}

// link moves what a distribution references from its old configuration to
// its new one (nil: none): its aliases, claimed across all accounts, the
// fu/ users sets that make functions DEPLOYED and keep them from deletion,
// and the cpu/, opu/ and rpu/ ones that keep policies from deletion.
func (s *Store) link(tx Tx, account, id string, old, new *edgefn.DistributionConfig) error {
	if err := relinkAliases(tx, account, id, aliasesOf(old), aliasesOf(new)); err != nil {
		return err
	}
	err := relinkUsers(tx, id, functionsOf(account, old), functionsOf(account, new),
		func(name string) string { return functionUsersKey(account, name) },
		func(name string, u users) error {
			if _, ok, err := tx.Get(functionKey(account, name, edgefn.StageLive)); err != nil {
				return err
			} else if !ok {
				return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation,
					"The function %s does not exist or has not been published (only LIVE functions can be associated).",
					edgefn.FunctionARN(account, name))
			}
			if !u.has(id) && len(u) >= s.limits.DistributionsPerFunc {
				return edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceFunctionDistributions,
					"The function %s is already associated with the maximum of %d distributions.", name, s.limits.DistributionsPerFunc)
			}
			return nil
		})
	if err != nil {
		return err
	}
	if err := cachePolicies.relink(tx, account, id, old, new, func(b *edgefn.CacheBehavior) string { return b.CachePolicyID }); err != nil {
		return err
	}
	if err := originRequestPolicies.relink(tx, account, id, old, new, func(b *edgefn.CacheBehavior) string { return b.OriginRequestPolicyID }); err != nil {
		return err
	}
	return responseHeadersPolicies.relink(tx, account, id, old, new, responseHeadersPolicyOf)
}

// relinkUsers moves the distribution id from the users sets (at key(name))
// of the old names to those of the new ones. check vets every new name,
// given its users (which may hold id already).
func relinkUsers(tx Tx, id string, old, new []string, key func(string) string, check func(name string, u users) error) error {
	for _, name := range old {
		if slices.Contains(new, name) {
			continue
		}
		u, err := getUsers(tx, key(name))
		if err != nil {
			return err
		}
		if err := putUsers(tx, key(name), u.remove(id)); err != nil {
			return err
		}
	}
	for _, name := range new {
		u, err := getUsers(tx, key(name))
		if err != nil {
			return err
		}
		if err := check(name, u); err != nil {
			return err
		}
		if u.has(id) {
			continue
		}
		if err := putUsers(tx, key(name), u.add(id)); err != nil {
			return err
		}
	}
	return nil
}

// aliasesOf returns the aliases of cfg in lower case (checkDistribution
// has made them unique).
func aliasesOf(cfg *edgefn.DistributionConfig) []string {
	if cfg == nil {
		return nil
	}
	out := make([]string, len(cfg.Aliases))
	for i, a := range cfg.Aliases {
		out[i] = strings.ToLower(a)
	}
	return out
}

// functionsOf returns the names of the functions cfg associates, once each.
func functionsOf(account string, cfg *edgefn.DistributionConfig) []string {
	if cfg == nil {
		return nil
	}
	var names []string
	for _, b := range behaviorsOf(cfg) {
		for _, a := range b.FunctionAssociations {
			if name, ok := parseFunctionARN(account, a.FunctionARN); ok && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// behaviorsOf lists the default behavior and then the ordered ones.
func behaviorsOf(cfg *edgefn.DistributionConfig) []*edgefn.CacheBehavior {
	bs := make([]*edgefn.CacheBehavior, 0, 1+len(cfg.CacheBehaviors))
	bs = append(bs, &cfg.DefaultCacheBehavior)
	for i := range cfg.CacheBehaviors {
		bs = append(bs, &cfg.CacheBehaviors[i])
	}
	return bs
}

// parseFunctionARN returns the name in a function ARN of account.
func parseFunctionARN(account, arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, edgefn.FunctionARN(account, ""))
	return name, ok && namePattern.MatchString(name)
}
