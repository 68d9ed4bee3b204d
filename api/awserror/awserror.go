// Package awserror maps edgefn's typed domain errors to the error codes and HTTP
// statuses of the two AWS protocols edgefn speaks. It is the one place where a
// (kind, resource) pair becomes "NoSuchFunctionExists 404" or
// "ResourceNotFoundException 404"; the API packages only render what it returns.
package awserror

import (
	"errors"

	"github.com/edgefn/edgefn"
)

// Code is an AWS error code with the HTTP status it travels with.
type Code struct {
	Name   string
	Status int
}

// Fault reports whether the error is the server's (XML <Type>Receiver</Type>).
func (c Code) Fault() bool { return c.Status >= 500 }

type key struct {
	kind edgefn.ErrorKind
	res  edgefn.Resource
}

// any resource
const anyRes edgefn.Resource = ""

// cloudFront is the table for the CloudFront 2020-05-31 REST-XML API.
var cloudFront = map[key]Code{
	{edgefn.ErrNotFound, edgefn.ResourceFunction}:           {"NoSuchFunctionExists", 404},
	{edgefn.ErrNotFound, edgefn.ResourceKeyValueStore}:      {"EntityNotFound", 404},
	{edgefn.ErrNotFound, edgefn.ResourceDistribution}:       {"NoSuchDistribution", 404},
	{edgefn.ErrAlreadyExists, edgefn.ResourceFunction}:      {"FunctionAlreadyExists", 409},
	{edgefn.ErrAlreadyExists, edgefn.ResourceKeyValueStore}: {"EntityAlreadyExists", 409},
	{edgefn.ErrAlreadyExists, edgefn.ResourceDistribution}:  {"DistributionAlreadyExists", 409},
	{edgefn.ErrTooLarge, edgefn.ResourceFunction}:           {"FunctionSizeLimitExceeded", 413},
	{edgefn.ErrTooLarge, edgefn.ResourceKeyValueStore}:      {"EntitySizeLimitExceeded", 413},
	{edgefn.ErrLimitExceeded, edgefn.ResourceFunction}:      {"TooManyFunctions", 400},
	{edgefn.ErrLimitExceeded, edgefn.ResourceKeyValueStore}: {"EntityLimitExceeded", 400},
	{edgefn.ErrLimitExceeded, edgefn.ResourceDistribution}:  {"TooManyDistributions", 400},
	{edgefn.ErrInUse, edgefn.ResourceFunction}:              {"FunctionInUse", 409},
	{edgefn.ErrInUse, edgefn.ResourceKeyValueStore}:         {"CannotDeleteEntityWhileInUse", 409},
	{edgefn.ErrInUse, edgefn.ResourceDistribution}:          {"DistributionNotDisabled", 409},
	{edgefn.ErrInvalidArgument, anyRes}:                     {"InvalidArgument", 400},
	{edgefn.ErrInvalidIfMatch, anyRes}:                      {"InvalidIfMatchVersion", 400},
	{edgefn.ErrPreconditionFailed, anyRes}:                  {"PreconditionFailed", 412},
	{edgefn.ErrConflict, anyRes}:                            {"IllegalUpdate", 400},
	{edgefn.ErrUnsupported, anyRes}:                         {"UnsupportedOperation", 400},
	{edgefn.ErrAccessDenied, anyRes}:                        {"AccessDenied", 403},
	{edgefn.ErrTestFailed, anyRes}:                          {"TestFunctionFailed", 500},
	{edgefn.ErrInternal, anyRes}:                            {"InternalError", 500},
	// Neither model lists an outage error: these are the generic AWS codes,
	// and 503 is a status every SDK retries.
	{edgefn.ErrUnavailable, anyRes}:                          {"ServiceUnavailable", 503},
	{edgefn.ErrInvalidArgument, edgefn.ResourceRequest}:      {"MalformedXML", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceRequest}:             {"InvalidArgument", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceDistribution}: {"InvalidArgument", 400},
	{edgefn.ErrConflict, edgefn.ResourceFunction}:            {"InvalidFunctionAssociation", 400},

	{edgefn.ErrNotFound, edgefn.ResourceConnectionFunction}:      {"EntityNotFound", 404},
	{edgefn.ErrAlreadyExists, edgefn.ResourceConnectionFunction}: {"EntityAlreadyExists", 409},
	{edgefn.ErrTooLarge, edgefn.ResourceConnectionFunction}:      {"EntitySizeLimitExceeded", 413},
	{edgefn.ErrLimitExceeded, edgefn.ResourceConnectionFunction}: {"EntityLimitExceeded", 400},
	{edgefn.ErrInUse, edgefn.ResourceConnectionFunction}:         {"CannotDeleteEntityWhileInUse", 409},
	{edgefn.ErrTestFailed, edgefn.ResourceConnectionFunction}:    {"TestFunctionFailed", 500},

	{edgefn.ErrNotFound, edgefn.ResourceOrigin}:                     {"NoSuchOrigin", 404},
	{edgefn.ErrInvalidArgument, edgefn.ResourceOrigin}:              {"InvalidOrigin", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation}: {"InvalidFunctionAssociation", 400},
	{edgefn.ErrLimitExceeded, edgefn.ResourceFunctionAssociation}:   {"TooManyFunctionAssociations", 400},
	{edgefn.ErrLimitExceeded, edgefn.ResourceFunctionDistributions}: {"TooManyDistributionsWithSingleFunctionARN", 400},
	{edgefn.ErrAlreadyExists, edgefn.ResourceAlias}:                 {"CNAMEAlreadyExists", 409},
	{edgefn.ErrInvalidArgument, edgefn.ResourceQuantity}:            {"InconsistentQuantities", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceBody}:                {"MissingBody", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceTag}:                 {"InvalidTagging", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceErrorCode}:           {"InvalidErrorCode", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceResponseCode}:        {"InvalidResponseCode", 400},
	{edgefn.ErrInvalidArgument, edgefn.ResourceDefaultRootObject}:   {"InvalidDefaultRootObject", 400},
	{edgefn.ErrNotFound, edgefn.ResourceTag}:                        {"NoSuchResource", 404},
	{edgefn.ErrNotFound, edgefn.ResourceCachePolicy}:                {"NoSuchCachePolicy", 404},
	{edgefn.ErrAlreadyExists, edgefn.ResourceCachePolicy}:           {"CachePolicyAlreadyExists", 409},
	{edgefn.ErrLimitExceeded, edgefn.ResourceCachePolicy}:           {"TooManyCachePolicies", 400},
	{edgefn.ErrInUse, edgefn.ResourceCachePolicy}:                   {"CachePolicyInUse", 409},
	{edgefn.ErrUnsupported, edgefn.ResourceCachePolicy}:             {"IllegalDelete", 400},
	{edgefn.ErrNotFound, edgefn.ResourceOriginRequestPolicy}:        {"NoSuchOriginRequestPolicy", 404},
	{edgefn.ErrAlreadyExists, edgefn.ResourceOriginRequestPolicy}:   {"OriginRequestPolicyAlreadyExists", 409},
	{edgefn.ErrLimitExceeded, edgefn.ResourceOriginRequestPolicy}:   {"TooManyOriginRequestPolicies", 400},
	{edgefn.ErrInUse, edgefn.ResourceOriginRequestPolicy}:           {"OriginRequestPolicyInUse", 409},
	{edgefn.ErrUnsupported, edgefn.ResourceOriginRequestPolicy}:     {"IllegalDelete", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceORPHeaders}:                 {"TooManyHeadersInOriginRequestPolicy", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceORPCookies}:                 {"TooManyCookiesInOriginRequestPolicy", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceORPQueryStrings}:            {"TooManyQueryStringsInOriginRequestPolicy", 400},
	{edgefn.ErrNotFound, edgefn.ResourceResponseHeadersPolicy}:      {"NoSuchResponseHeadersPolicy", 404},
	{edgefn.ErrAlreadyExists, edgefn.ResourceResponseHeadersPolicy}: {"ResponseHeadersPolicyAlreadyExists", 409},
	{edgefn.ErrLimitExceeded, edgefn.ResourceResponseHeadersPolicy}: {"TooManyResponseHeadersPolicies", 400},
	{edgefn.ErrInUse, edgefn.ResourceResponseHeadersPolicy}:         {"ResponseHeadersPolicyInUse", 409},
	{edgefn.ErrUnsupported, edgefn.ResourceResponseHeadersPolicy}:   {"IllegalDelete", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceRHPCustomHeaders}:           {"TooManyCustomHeadersInResponseHeadersPolicy", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceRHPRemoveHeaders}:           {"TooManyRemoveHeadersInResponseHeadersPolicy", 400},
	{edgefn.ErrTooLarge, edgefn.ResourceRHPCSP}:                     {"TooLongCSPInResponseHeadersPolicy", 400},
	{edgefn.ErrNotFound, edgefn.ResourceInvalidation}:               {"NoSuchInvalidation", 404},
	{edgefn.ErrTooLarge, edgefn.ResourceInvalidation}:               {"BatchTooLarge", 413},
	// The model lists no code for a CallerReference reused with other paths.
	{edgefn.ErrAlreadyExists, edgefn.ResourceInvalidation}: {"InvalidArgument", 400},
}

// keyValueStore is the table for the cloudfront-keyvaluestore 2022-07-26 REST-JSON API.
var keyValueStore = map[key]Code{
	{edgefn.ErrNotFound, anyRes}:           {"ResourceNotFoundException", 404},
	{edgefn.ErrInvalidArgument, anyRes}:    {"ValidationException", 400},
	{edgefn.ErrTooLarge, anyRes}:           {"ValidationException", 400},
	{edgefn.ErrInvalidIfMatch, anyRes}:     {"ConflictException", 409},
	{edgefn.ErrPreconditionFailed, anyRes}: {"ConflictException", 409},
	{edgefn.ErrConflict, anyRes}:           {"ConflictException", 409},
	{edgefn.ErrLimitExceeded, anyRes}:      {"ServiceQuotaExceededException", 402},
	{edgefn.ErrAccessDenied, anyRes}:       {"AccessDeniedException", 403},
	{edgefn.ErrUnsupported, anyRes}:        {"ValidationException", 400},
	{edgefn.ErrInternal, anyRes}:           {"InternalServerException", 500},
	{edgefn.ErrUnavailable, anyRes}:        {"ServiceUnavailableException", 503},
	// No route: what Smithy REST services answer for an unknown method and path.
	{edgefn.ErrUnsupported, edgefn.ResourceRequest}: {"UnknownOperationException", 404},
}

// CloudFront returns the CloudFront REST-XML code for err and the message to send.
// Errors that are not *edgefn.Error are internal: their text is not shown.
func CloudFront(err error) (Code, string) { return lookup(cloudFront, err) }

// KeyValueStore returns the cloudfront-keyvaluestore REST-JSON code for err.
func KeyValueStore(err error) (Code, string) { return lookup(keyValueStore, err) }

func lookup(table map[key]Code, err error) (Code, string) {
	var e *edgefn.Error
	if !errors.As(err, &e) {
		return table[key{edgefn.ErrInternal, anyRes}], "We encountered an internal error. Please try again."
	}
	if c, ok := table[key{e.Kind, e.Resource}]; ok {
		return c, e.Message
	}
	if c, ok := table[key{e.Kind, anyRes}]; ok {
		return c, e.Message
	}
	return table[key{edgefn.ErrInternal, anyRes}], e.Message
}
