package store

import (
	"regexp"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

var storeIDPattern = regexp.MustCompile(`^[0-9a-fA-F-]{36}$`)

// parseStoreARN returns the id of a KeyValueStore ARN of account. An ARN of
// another account is not valid here: accounts never see each other's stores.
func parseStoreARN(account, arn string) (id string, ok bool) {
	id, ok = strings.CutPrefix(arn, edgefn.KeyValueStoreARN(account, ""))
	return id, ok && storeIDPattern.MatchString(id)
}

// associate moves the references of one copy of a function from the stores
// of its old configuration to those of the new one. It keeps, per store, the
// set of copies using it: DeleteKeyValueStore refuses a store in use, and a
// store serves at most FunctionsPerKVS functions (both copies of a function
// count once). Stores are checked to exist in the account; CloudFront reports
// a bad association as InvalidArgument.
func (s *Store) associate(tx Tx, f family, account, name string, stage edgefn.Stage, old, new []string) error {
	name = f.ref + name
	ref := name + "/" + string(stage)
	for _, arn := range old {
		if slices.Contains(new, arn) {
			continue
		}
		id, ok := parseStoreARN(account, arn)
		if !ok {
			continue
		}
		key := storeUsersKey(account, id)
		u, err := getUsers(tx, key)
		if err != nil {
			return err
		}
		if err := putUsers(tx, key, u.remove(ref)); err != nil {
			return err
		}
	}
	for _, arn := range new {
		id, _ := parseStoreARN(account, arn)
		if _, ok, err := tx.Get(storeKey(account, id)); err != nil {
			return err
		} else if !ok {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res, "The key value store %s does not exist.", arn)
		}
		key := storeUsersKey(account, id)
		u, err := getUsers(tx, key)
		if err != nil {
			return err
		}
		if u.has(ref) {
			continue
		}
		if fns := u.functions(); !fns[name] && len(fns) >= s.limits.FunctionsPerKVS {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res,
				"The key value store %s is already associated with the maximum of %d functions.", arn, s.limits.FunctionsPerKVS)
		}
		if err := putUsers(tx, key, u.add(ref)); err != nil {
			return err
		}
	}
	return nil
}

// functions returns the function names in a store's users set.
func (u users) functions() map[string]bool {
	fns := make(map[string]bool, len(u))
	for _, ref := range u {
		name, _, _ := strings.Cut(ref, "/")
		fns[name] = true
	}
	return fns
}
