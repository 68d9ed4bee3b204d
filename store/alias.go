package store

import (
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/edgefn/edgefn"
)

// Aliases (CNAMEs) follow CloudFront's alternate domain name rules, with one
// difference: CloudFront lets an account claim a name only with a
// certificate that covers it, and lets a wildcard overlap names of other
// accounts because of that proof. edgefn has no certificates, so a name
// belongs to the first account that claims it or a wildcard over it:
//
//   - an alias is a host name, or "*." and a host name (the wildcard only as
//     the whole leftmost label), and a wildcard is not directly over a public
//     suffix ("*.com", "*.co.uk" would reach every site under it);
//   - no alias is, or covers, the distribution domain or a name under it: the
//     generated <id>.<domain> names belong to their distributions;
//   - an exact name is claimed once across all accounts (da/<alias>);
//   - a wildcard and a name it covers (at any depth, as the edge matches)
//     may belong to two distributions of one account, never of two.

// errAliasTaken is CloudFront's CNAMEAlreadyExists.
func errAliasTaken(alias string) error {
	return edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceAlias,
		"One or more of the CNAMEs you provided are already associated with a different resource: %s.", alias)
}

// checkAlias applies the rules that need no read: syntax, public suffixes
// and the distribution domain.
func (s *Store) checkAlias(alias string) error {
	a := strings.ToLower(alias)
	base, wild := strings.CutPrefix(a, "*.")
	if !edgefn.ValidHostname(base) {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDistribution,
			"The alias %q is not valid: use a host name, or *. and a host name.", alias)
	}
	// The distribution domain and every name under it are edgefn's own;
	// a wildcard over any ancestor of it would cover them.
	d := s.distDomain
	if a == d || strings.HasSuffix(a, "."+d) || wild && (base == d || strings.HasSuffix(d, "."+base)) {
		return errAliasTaken(alias)
	}
	if wild {
		if ps, _ := publicsuffix.PublicSuffix(base); ps == base {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceDistribution,
				"The alias %q is not valid: a wildcard cannot cover a whole public suffix.", alias)
		}
	}
	return nil
}

// aliasGuardKey is a key every claim and release of an alias under the same
// registrable domain writes: a transaction that checks overlaps by Range
// reads it, so a concurrent claim under the same domain conflicts with it.
// Names that overlap always share their registrable domain, because no
// wildcard sits directly over a public suffix.
func aliasGuardKey(alias string) string {
	base := strings.TrimPrefix(alias, "*.")
	zone, err := publicsuffix.EffectiveTLDPlusOne(base)
	if err != nil {
		zone = base
	}
	return prefixAliasGuard + zone
}

// relinkAliases moves the alias claims of distribution id of account from
// the old aliases to the new ones (lower case, checked by checkAlias).
func relinkAliases(tx Tx, account, id string, old, new []string) error {
	ref := account + "/" + id
	var added, removed []string
	for _, a := range old {
		if !slices.Contains(new, a) {
			removed = append(removed, a)
		}
	}
	for _, a := range new {
		kv, ok, err := tx.Get(aliasKey(a))
		switch {
		case err != nil:
			return err
		case ok && string(kv.Value) == ref:
			continue
		case ok:
			return errAliasTaken(a)
		}
		if err := checkCoveringWildcards(tx, account, a); err != nil {
			return err
		}
		added = append(added, a)
	}
	for _, a := range append(added, removed...) {
		if err := touch(tx, aliasGuardKey(a)); err != nil {
			return err
		}
	}
	// Ranging must come before this transaction's own writes under da/.
	if err := checkCoveredNames(tx, account, added); err != nil {
		return err
	}
	for _, a := range removed {
		if err := tx.Delete(aliasKey(a)); err != nil {
			return err
		}
	}
	for _, a := range added {
		if err := tx.Put(aliasKey(a), []byte(ref)); err != nil {
			return err
		}
	}
	return nil
}

// checkCoveringWildcards refuses alias when a wildcard of another account
// covers it: for "a.b.example.com" or "*.a.b.example.com", the claims
// "*.b.example.com", "*.example.com" and "*.com" (these by point reads, which
// the backend guards against concurrent writers).
func checkCoveringWildcards(tx Tx, account, alias string) error {
	name := strings.TrimPrefix(alias, "*.")
	for i := strings.IndexByte(name, '.'); i >= 0; i = strings.IndexByte(name, '.') {
		name = name[i+1:]
		kv, ok, err := tx.Get(aliasKey("*." + name))
		if err != nil {
			return err
		}
		if ok && ownerOf(kv.Value) != account {
			return errAliasTaken(alias)
		}
	}
	return nil
}

// checkCoveredNames refuses the new wildcards among added that cover a name
// (exact or wildcard) claimed by another account.
func checkCoveredNames(tx Tx, account string, added []string) error {
	var suffixes []string
	for _, a := range added {
		if base, ok := strings.CutPrefix(a, "*."); ok {
			suffixes = append(suffixes, "."+base)
		}
	}
	if len(suffixes) == 0 {
		return nil
	}
	var taken error
	err := tx.Range(prefixAlias, "", 0, func(kv KV) error {
		name := strings.TrimPrefix(strings.TrimPrefix(kv.Key, prefixAlias), "*.")
		if ownerOf(kv.Value) == account {
			return nil
		}
		for _, s := range suffixes {
			if strings.HasSuffix(name, s) {
				taken = errAliasTaken("*" + s)
				return errStop
			}
		}
		return nil
	})
	if taken != nil {
		return taken
	}
	return err // errStop only comes with taken
}

// touch reads and rewrites key, so that the transaction conflicts with any
// other that does the same.
func touch(tx Tx, key string) error {
	if _, _, err := tx.Get(key); err != nil {
		return err
	}
	return tx.Put(key, []byte{})
}

func ownerOf(ref []byte) string {
	account, _, _ := strings.Cut(string(ref), "/")
	return account
}
