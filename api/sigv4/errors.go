package sigv4

import (
	"fmt"
	"net/http"
)

// AWS error codes Verify returns in Error.Code.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeRequestExpired             = "RequestExpired"
	CodeContentSHA256Mismatch      = "XAmzContentSHA256Mismatch"
)

// Error is an authentication failure in AWS terms. Status is the HTTP status to
// answer with; Code and Message go into the protocol's error body.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// signatureMismatchMessage is the text AWS services send with SignatureDoesNotMatch.
const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func errMissingAuth() *Error {
	return &Error{CodeMissingAuthenticationToken, "Request is missing Authentication Token", http.StatusForbidden}
}

func errIncomplete(format string, args ...any) *Error {
	return &Error{CodeIncompleteSignature, fmt.Sprintf(format, args...), http.StatusBadRequest}
}

func errUnknownKey() *Error {
	return &Error{CodeInvalidClientTokenID, "The security token included in the request is invalid.", http.StatusForbidden}
}

// errMismatch is SignatureDoesNotMatch with a specific message; AWS uses this
// code for scope problems and clock skew too, and the SDKs' clock-skew
// correction keys on it.
func errMismatch(format string, args ...any) *Error {
	return &Error{CodeSignatureDoesNotMatch, fmt.Sprintf(format, args...), http.StatusForbidden}
}

func errSignature() *Error {
	return &Error{CodeSignatureDoesNotMatch, signatureMismatchMessage, http.StatusForbidden}
}

func errExpired() *Error {
	return &Error{CodeRequestExpired, "Request has expired", http.StatusForbidden}
}

func errContentHash() *Error {
	return &Error{CodeContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.", http.StatusBadRequest}
}
