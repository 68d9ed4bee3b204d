package store

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/edgefn/edgefn"
)

// Names of functions and stores share CloudFront's pattern.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

const maxCommentChars = 128

func checkAccount(account string) error {
	if account == "" || strings.Contains(account, "/") {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "The account id %q is not valid.", account)
	}
	return nil
}

func checkName(res edgefn.Resource, name string) error {
	if !namePattern.MatchString(name) {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res,
			"The name %q is not valid: use 1 to 64 characters from a-z, A-Z, 0-9, hyphen and underscore.", name)
	}
	return nil
}

func checkComment(res edgefn.Resource, comment string) error {
	if utf8.RuneCountInString(comment) > maxCommentChars {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, res, "The parameter Comment is too big.")
	}
	return nil
}

// The two If-Match outcomes CloudFront distinguishes. A missing If-Match is
// refused before anything is read; any other value that is not the current
// version (an old one, another stage's, garbage) is a failed precondition.
func requireIfMatch(res edgefn.Resource, ifMatch string) error {
	if ifMatch == "" {
		return edgefn.Errorf(edgefn.ErrInvalidIfMatch, res, "The If-Match version is missing or not valid for the resource.")
	}
	return nil
}

func checkIfMatch(res edgefn.Resource, ifMatch, current string) error {
	if ifMatch != current {
		return edgefn.Errorf(edgefn.ErrPreconditionFailed, res,
			"The request failed because it didn't meet the preconditions in one or more request-header fields.")
	}
	return nil
}
