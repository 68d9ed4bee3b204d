package store

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/edgefn/edgefn"
)

// invalidationRecord is an invalidation batch (iv/…). Its revision is the
// key's ModRev: invalidations are never rewritten.
type invalidationRecord struct {
	CallerReference string    `json:"reference"`
	Paths           []string  `json:"paths"`
	Created         time.Time `json:"created"`
}

func (r *invalidationRecord) invalidation(account, dist, id string, modRev int64) *edgefn.Invalidation {
	return &edgefn.Invalidation{
		Account: account, DistributionID: dist, ID: id,
		CallerReference: r.CallerReference, Paths: r.Paths, Created: r.Created, Rev: modRev,
	}
}

// Invalidation ids look like AWS's: "I" and 13 upper-case letters and digits.
var invalIDPattern = regexp.MustCompile(`^I[A-Z0-9]{13}$`)

// CreateInvalidation records an invalidation of a distribution's paths;
// every edge applies it as the change feed brings it. A CallerReference used
// before with the same paths returns that invalidation.
func (s *Store) CreateInvalidation(ctx context.Context, account, dist, ref string, paths []string) (*edgefn.Invalidation, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := s.checkInvalidation(ref, paths); err != nil {
		return nil, err
	}
	rec := &invalidationRecord{CallerReference: ref, Paths: slices.Clone(paths), Created: s.clock()}
	var (
		id       string
		existing *edgefn.Invalidation
	)
	rev, err := s.update(ctx, "create invalidation", func(tx Tx) error {
		existing = nil
		if _, _, err := loadDistribution(tx, account, dist); err != nil {
			return err
		}
		if kv, ok, err := tx.Get(invalRefKey(account, dist, ref)); err != nil {
			return err
		} else if ok {
			var old invalidationRecord
			oldID := string(kv.Value)
			modRev, _, err := getJSON(tx, invalKey(account, dist, oldID), &old)
			if err != nil {
				return err
			}
			if !slices.Equal(old.Paths, paths) {
				return edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceInvalidation,
					"The CallerReference %q is already used by an invalidation with other paths.", ref)
			}
			existing = old.invalidation(account, dist, oldID, modRev)
			return nil
		}
		id = newResourceID('I')
		if err := tx.Put(invalRefKey(account, dist, ref), []byte(id)); err != nil {
			return err
		}
		return putJSON(tx, invalKey(account, dist, id), rec)
	})
	switch {
	case err != nil:
		return nil, err
	case existing != nil:
		return existing, nil
	}
	return rec.invalidation(account, dist, id, rev), nil
}

func (s *Store) checkInvalidation(ref string, paths []string) error {
	invalid := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceInvalidation, format, args...)
	}
	switch {
	case ref == "":
		return invalid("CallerReference is required.")
	case len(paths) == 0:
		return invalid("An invalidation needs at least one path.")
	case len(paths) > s.limits.InvalidationPaths:
		return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceInvalidation, "An invalidation can have at most %d paths.", s.limits.InvalidationPaths)
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") || strings.Contains(strings.TrimSuffix(p, "*"), "*") {
			return invalid("The path %q is not valid: it must start with '/', and may end with one '*'.", p)
		}
	}
	return nil
}

// GetInvalidation returns an invalidation of a distribution.
func (s *Store) GetInvalidation(ctx context.Context, account, dist, id string) (*edgefn.Invalidation, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	var inv *edgefn.Invalidation
	err := s.view(ctx, "get invalidation", func(tx Tx) error {
		if _, _, err := loadDistribution(tx, account, dist); err != nil {
			return err
		}
		rec, modRev, err := load[invalidationRecord](tx, invalKey(account, dist, id), invalIDPattern.MatchString(id), errNoInvalidation())
		if err == nil {
			inv = rec.invalidation(account, dist, id, modRev)
		}
		return err
	})
	return inv, err
}

func errNoInvalidation() error {
	return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceInvalidation, "The specified invalidation does not exist.")
}

// ListInvalidations lists a distribution's invalidations, newest first.
// marker is the id the previous page ended with; max <= 0 means 100.
func (s *Store) ListInvalidations(ctx context.Context, account, dist, marker string, max int) ([]*edgefn.Invalidation, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if max <= 0 {
		max = defaultListDistributions
	}
	var all []*edgefn.Invalidation
	err := s.view(ctx, "list invalidations", func(tx Tx) error {
		if _, _, err := loadDistribution(tx, account, dist); err != nil {
			return err
		}
		prefix := invalPrefix(account, dist)
		return tx.Range(prefix, "", 0, func(kv KV) error {
			var rec invalidationRecord
			if err := jsonValue(kv, &rec); err != nil {
				return err
			}
			all = append(all, rec.invalidation(account, dist, kv.Key[len(prefix):], kv.ModRev))
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(all, func(a, b *edgefn.Invalidation) int { return int(b.Rev - a.Rev) })
	return page(all, func(inv *edgefn.Invalidation) string { return inv.ID }, marker, max, edgefn.ResourceInvalidation)
}
