package store

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgefn/edgefn"
)

// CloudFront's tag quotas.
const (
	maxTags        = 50
	maxTagKeyChars = 128
	maxTagValChars = 256
)

// Tags are kept for every resource CloudFront lets one tag and edgefn has:
// distributions, functions and key value stores (the model's Create
// requests of cache policies and invalidations take no tags). They live
// apart from the resource, under a key of their own, so tagging does not
// change its ETag; the resource's deletion deletes them.

// tagged is a resource named by an ARN of the caller's account: the key
// its tags are under and the key whose presence says it exists.
type tagged struct {
	tagsKey, existsKey string
	missing            error
}

// taggedResource resolves the ARN of a taggable resource of account.
func taggedResource(account, arn string) (tagged, error) {
	missing := edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceTag, "The resource %s does not exist.", arn)
	if id, ok := strings.CutPrefix(arn, edgefn.DistributionARN(account, "")); ok && distIDPattern.MatchString(id) {
		return tagged{distTagsKey(account, id), distKey(account, id), missing}, nil
	}
	if name, ok := parseFunctionARN(account, arn); ok {
		return tagged{functionTagsKey(account, name), functionKey(account, name, edgefn.StageDevelopment), missing}, nil
	}
	if id, ok := parseStoreARN(account, arn); ok {
		return tagged{storeTagsKey(account, id), storeKey(account, id), missing}, nil
	}
	return tagged{}, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceTag,
		"The resource %q is not a distribution, function or key value store of this account.", arn)
}

// ListTags returns the tags of the resource arn names.
func (s *Store) ListTags(ctx context.Context, account, arn string) ([]edgefn.Tag, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	r, err := taggedResource(account, arn)
	if err != nil {
		return nil, err
	}
	var tags []edgefn.Tag
	err = s.view(ctx, "list tags", func(tx Tx) error {
		if _, ok, err := tx.Get(r.existsKey); err != nil {
			return err
		} else if !ok {
			return r.missing
		}
		_, _, err := getJSON(tx, r.tagsKey, &tags)
		return err
	})
	return tags, err
}

// TagResource adds tags to the resource arn names, replacing the values of
// keys it already has.
func (s *Store) TagResource(ctx context.Context, account, arn string, tags []edgefn.Tag) error {
	return s.retag(ctx, "tag resource", account, arn, func(cur []edgefn.Tag) []edgefn.Tag {
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

// UntagResource removes the tags with these keys; missing keys are fine.
func (s *Store) UntagResource(ctx context.Context, account, arn string, keys []string) error {
	return s.retag(ctx, "untag resource", account, arn, func(cur []edgefn.Tag) []edgefn.Tag {
		return slices.DeleteFunc(cur, func(t edgefn.Tag) bool { return slices.Contains(keys, t.Key) })
	})
}

func (s *Store) retag(ctx context.Context, op, account, arn string, change func([]edgefn.Tag) []edgefn.Tag) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	r, err := taggedResource(account, arn)
	if err != nil {
		return err
	}
	_, err = s.update(ctx, op, func(tx Tx) error {
		if _, ok, err := tx.Get(r.existsKey); err != nil {
			return err
		} else if !ok {
			return r.missing
		}
		var tags []edgefn.Tag
		if _, _, err := getJSON(tx, r.tagsKey, &tags); err != nil {
			return err
		}
		tags = change(tags)
		if err := checkTags(edgefn.ResourceTag, tags); err != nil {
			return err
		}
		return putTags(tx, r.tagsKey, tags)
	})
	return err
}

// checkTags applies CloudFront's tag rules; res is what a refusal is about:
// ResourceTag (InvalidTagging) where the model lists that code, the created
// resource (InvalidArgument) for CreateFunction and CreateKeyValueStore,
// whose model lists no InvalidTagging.
func checkTags(res edgefn.Resource, tags []edgefn.Tag) error {
	bad := func(format string, args ...any) error {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res, format, args...)
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

// putTags writes a resource's tags, deleting the key when there are none.
func putTags(tx Tx, key string, tags []edgefn.Tag) error {
	if len(tags) == 0 {
		return tx.Delete(key)
	}
	return putJSON(tx, key, tags)
}
