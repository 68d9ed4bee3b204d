package kvs

import (
	"strings"

	"github.com/edgefn/edgefn"
)

const (
	arnPrefix   = "arn:aws:cloudfront::"
	arnResource = ":key-value-store/"
	maxARNLen   = 2048 // KvsARN in the model
)

// parseARN splits arn:aws:cloudfront::<12-digit account>:key-value-store/<id>.
// Whether the id names a store is the Store's question.
func parseARN(arn string) (account, id string, err error) {
	rest, ok := strings.CutPrefix(arn, arnPrefix)
	if ok && len(arn) <= maxARNLen {
		account, id, ok = strings.Cut(rest, arnResource)
	}
	if !ok || !isAccountID(account) || id == "" || strings.Contains(id, "/") {
		return "", "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore,
			"KvsARN %q is not a valid key value store ARN (arn:aws:cloudfront::<account>:key-value-store/<id>).", arn)
	}
	return account, id, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
