package store

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/edgefn/edgefn"
)

// CloudFront's tag quotas.
const (
	maxTags        = 50
	maxTagKeyChars = 128
	maxTagValChars = 256
)

// TagDistribution adds tags to a distribution, replacing the values of keys
// it already has. Tags are kept apart from the configuration: tagging does
// not change the distribution's ETag.
func (s *Store) TagDistribution(ctx context.Context, account, id string, tags []edgefn.Tag) error {
	return s.retag(ctx, "tag distribution", account, id, func(cur []edgefn.Tag) []edgefn.Tag {
		for _, t := range tags {
			i := slices.IndexFunc(cur, func(c edgefn.Tag) bool { return c.Key == t.Key })
			if i < 0 {
				cur = append(cur, t)
			} else {
				cur[i] = t
			}
		}
		return cur
	})
}

// UntagDistribution removes the tags with these keys; missing keys are fine.
func (s *Store) UntagDistribution(ctx context.Context, account, id string, keys []string) error {
	return s.retag(ctx, "untag distribution", account, id, func(cur []edgefn.Tag) []edgefn.Tag {
		return slices.DeleteFunc(cur, func(t edgefn.Tag) bool { return slices.Contains(keys, t.Key) })
	})
}

func (s *Store) retag(ctx context.Context, op, account, id string, change func([]edgefn.Tag) []edgefn.Tag) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	_, err := s.update(ctx, op, func(tx Tx) error {
		if _, _, err := loadDistribution(tx, account, id); err != nil {
			return err
		}
		var tags []edgefn.Tag
		if _, _, err := getJSON(tx, distTagsKey(account, id), &tags); err != nil {
			return err
		}
		tags = change(tags)
		if err := checkTags(tags); err != nil {
			return err
		}
		return putTags(tx, account, id, tags)
	})
	return err
}

func checkTags(tags []edgefn.Tag) error {
	bad := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceTag, format, args...)
	}
	if len(tags) > maxTags {
		return bad("A resource can have at most %d tags.", maxTags)
	}
	for i, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > maxTagKeyChars:
			return bad("The tag key %q must have 1 to %d characters.", t.Key, maxTagKeyChars)
		case utf8.RuneCountInString(t.Value) > maxTagValChars:
			return bad("The value of tag %q has more than %d characters.", t.Key, maxTagValChars)
		case slices.ContainsFunc(tags[:i], func(o edgefn.Tag) bool { return o.Key == t.Key }):
			return bad("The tag key %q is given twice.", t.Key)
		}
	}
	return nil
}

// putTags writes a distribution's tags, deleting the key when there are none.
func putTags(tx Tx, account, id string, tags []edgefn.Tag) error {
	if len(tags) == 0 {
		return tx.Delete(distTagsKey(account, id))
	}
	return putJSON(tx, distTagsKey(account, id), tags)
}
