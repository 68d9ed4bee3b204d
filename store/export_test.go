package store

import "context"

// AddFunctionUser records that distribution distID uses a function, as the
// distributions code will; the tests use it to drive DEPLOYED and ErrInUse.
func (s *Store) AddFunctionUser(ctx context.Context, account, name, distID string) error {
	_, err := s.update(ctx, "add function user", func(tx Tx) error {
		key := functionUsersKey(account, name)
		u, err := getUsers(tx, key)
		if err != nil {
			return err
		}
		return putUsers(tx, key, u.add(distID))
	})
	return err
}
