package edgefn

import "fmt"

// ErrorKind classifies a domain error. The API layers turn a kind (and the resource
// it concerns) into the AWS error code of their protocol, in one table each.
type ErrorKind int

const (
	ErrInternal ErrorKind = iota
	ErrNotFound
	ErrAlreadyExists
	ErrInvalidArgument
	// ErrInvalidIfMatch: If-Match missing or not a version of the resource.
	ErrInvalidIfMatch
	// ErrPreconditionFailed: a well-formed If-Match that is no longer current.
	ErrPreconditionFailed
	// ErrTooLarge: code, value, file or store over its size limit.
	ErrTooLarge
	// ErrLimitExceeded: a count quota (functions per account, stores, keys per batch).
	ErrLimitExceeded
	// ErrInUse: the resource is referenced by another and cannot be deleted.
	ErrInUse
	// ErrConflict: the resource is not in a state that allows the operation.
	ErrConflict
	ErrUnsupported
	ErrAccessDenied
	// ErrTestFailed: TestFunction could not run the function at all.
	ErrTestFailed
	// ErrUnavailable: the store cannot be reached now; the call may be retried.
	ErrUnavailable
)

// Resource names what an error is about; it picks the AWS code for a kind
// (NoSuchFunctionExists vs EntityNotFound vs NoSuchDistribution).
type Resource string

const (
	ResourceFunction Resource = "function"
	// ResourceConnectionFunction: connection functions answer with the
	// Entity* codes (EntityNotFound, EntityAlreadyExists, …).
	ResourceConnectionFunction Resource = "connection-function"
	ResourceKeyValueStore      Resource = "key-value-store"
	ResourceKey                Resource = "key"
	ResourceDistribution       Resource = "distribution"
	ResourceRequest            Resource = "request"
)

// Error is a domain error with the message the client will see.
type Error struct {
	Kind     ErrorKind
	Resource Resource
	Message  string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error.
func Errorf(kind ErrorKind, res Resource, format string, args ...any) *Error {
	return &Error{Kind: kind, Resource: res, Message: fmt.Sprintf(format, args...)}
}
