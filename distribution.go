package edgefn

import (
	"slices"
	"time"
)

// Distribution is a CloudFront distribution: the parts of its configuration the
// edge acts on, parsed, plus the whole configuration document as the client
// sent it with CloudFront's defaults added, so everything else is stored and
// returned faithfully.
type Distribution struct {
	Account      string
	ID           string
	DomainName   string // <id-lower>.<suffix>; the edge also routes on Aliases
	Status       string // DistributionDeployed: edgefn deploys at once
	ETag         string
	LastModified time.Time
	Config       DistributionConfig
	// RawConfig is the DistributionConfig XML element as received, with the
	// members CloudFront fills in added.
	RawConfig []byte
	Tags      []Tag
}

// Distribution Status values.
const (
	DistributionInProgress = "InProgress"
	DistributionDeployed   = "Deployed"
)

// DistributionARN returns arn:aws:cloudfront::<account>:distribution/<id>.
func DistributionARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":distribution/" + id
}

// DistributionConfig is what the edge needs of a distribution's configuration.
type DistributionConfig struct {
	CallerReference      string
	Comment              string
	Enabled              bool
	Aliases              []string
	DefaultRootObject    string
	Origins              []Origin
	DefaultCacheBehavior CacheBehavior
	CacheBehaviors       []CacheBehavior // in order; the first PathPattern that matches wins
	CustomErrorResponses []CustomErrorResponse
	// ViewerMtls asks viewers on the HTTPS listener for client certificates
	// (nil: it does not).
	ViewerMtls *ViewerMtls
	// ConnectionFunctionID is the connection function whose LIVE copy runs
	// on every TLS handshake with the distribution ("": none).
	ConnectionFunctionID string
	// Logging is the standard (access) logging configuration; nil when
	// logging is disabled.
	Logging *Logging
}

// Logging is an enabled Logging member of a DistributionConfig: the edge
// writes the distribution's access logs as objects named
// <Prefix>/<distribution id>.YYYY-MM-DD-HH.<unique id>.gz in Bucket, an S3
// bucket endpoint ("logs.s3.amazonaws.com").
type Logging struct {
	IncludeCookies bool
	Bucket         string
	Prefix         string
}

// ViewerMtls is ViewerMtlsConfig.
type ViewerMtls struct {
	Mode         string // MtlsRequired or MtlsOptional
	TrustStoreID string
	// AdvertiseCANames lists the trust store's CA names in the handshake's
	// certificate request; IgnoreExpiry accepts expired client certificates.
	AdvertiseCANames, IgnoreExpiry bool
}

// ViewerMtlsMode values edgefn serves (the model's passthrough is refused).
const (
	MtlsRequired = "required"
	MtlsOptional = "optional"
)

// CustomErrorResponse is what the edge does with an error status: how long
// it caches it, and the page it answers with instead.
type CustomErrorResponse struct {
	ErrorCode int
	// ResponsePagePath is the object served instead ("" for none), with
	// ResponseCode (0: the origin's status).
	ResponsePagePath string
	ResponseCode     int
	// ErrorCachingMinTTL is in seconds; nil is CloudFront's default
	// (DefaultErrorCachingMinTTL).
	ErrorCachingMinTTL *int64
}

// DefaultErrorCachingMinTTL is how long, in seconds, CloudFront caches an
// origin's error when no CustomErrorResponse says otherwise.
const DefaultErrorCachingMinTTL = 10

// ErrorCodes are the statuses CustomErrorResponses may name, and
// ResponseCodes those they may answer with.
var (
	ErrorCodes    = []int{400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504}
	ResponseCodes = []int{200, 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504}
)

// Origin is where a cache behavior sends requests.
type Origin struct {
	ID            string
	DomainName    string
	OriginPath    string
	CustomHeaders []Header
	// Custom is set for custom origins; nil means an S3 origin.
	Custom *CustomOrigin
	// ConnectionAttempts (1-3) and ConnectionTimeout (seconds, 1-10); zero
	// means CloudFront's defaults, 3 and 10.
	ConnectionAttempts int
	ConnectionTimeout  int
}

// CustomOrigin is CustomOriginConfig.
type CustomOrigin struct {
	HTTPPort       int
	HTTPSPort      int
	ProtocolPolicy string // OriginHTTPOnly, OriginHTTPSOnly, OriginMatchViewer
	// ReadTimeout and KeepaliveTimeout are seconds; zero means CloudFront's
	// defaults, 30 and 5.
	ReadTimeout      int
	KeepaliveTimeout int
}

// OriginProtocolPolicy values.
const (
	OriginHTTPOnly    = "http-only"
	OriginHTTPSOnly   = "https-only"
	OriginMatchViewer = "match-viewer"
)

// Header is a name/value pair (origin custom headers).
type Header struct {
	Name, Value string
}

// Tag is a resource tag.
type Tag struct {
	Key, Value string
}

// CacheBehavior routes a path pattern to an origin and runs functions on it.
type CacheBehavior struct {
	PathPattern          string // empty for the default behavior
	TargetOriginID       string
	ViewerProtocolPolicy string // ViewerAllowAll, ViewerHTTPSOnly, ViewerRedirectToHTTPS
	// AllowedMethods are the methods viewers may use. It is nil in
	// distributions stored before edgefn read it; those allow every method.
	AllowedMethods []string
	// CachedMethods are the methods whose responses are cached: GET and
	// HEAD, with OPTIONS when listed.
	CachedMethods        []string
	FunctionAssociations []FunctionAssociation
	// CachePolicyID names the cache policy (a managed one or one of the
	// account's); when it is empty, Legacy says how to cache. Both are
	// unset in distributions stored before edgefn cached: those cache
	// nothing.
	CachePolicyID string
	Legacy        *LegacyCache
	// OriginRequestPolicyID names the origin request policy that adds to
	// what the cache policy forwards ("": none; only with a CachePolicyID).
	OriginRequestPolicyID string
	// Compress has the edge compress what it serves (gzip, and Brotli
	// under a cache policy that enables it).
	Compress bool
	// ResponseHeadersPolicyID names the response headers policy applied to
	// every response of the behavior ("": none).
	ResponseHeadersPolicyID string
}

// ViewerProtocolPolicy values.
const (
	ViewerAllowAll        = "allow-all"
	ViewerHTTPSOnly       = "https-only"
	ViewerRedirectToHTTPS = "redirect-to-https"
)

// The sets of AllowedMethods CloudFront accepts; GET and HEAD when a
// behavior names none.
var (
	MethodsGetHead        = []string{"GET", "HEAD"}
	MethodsGetHeadOptions = []string{"GET", "HEAD", "OPTIONS"}
	MethodsAll            = []string{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
	allowedMethodSets     = [][]string{MethodsGetHead, MethodsGetHeadOptions, MethodsAll}
)

// AllowedMethodSet returns the AllowedMethods set CloudFront knows that holds
// exactly methods (in any order), or nil if there is none.
func AllowedMethodSet(methods []string) []string {
	m := slices.Sorted(slices.Values(methods))
	for _, set := range allowedMethodSets {
		if slices.Equal(slices.Sorted(slices.Values(set)), m) {
			return set
		}
	}
	return nil
}

// Allows reports whether a viewer may use method on this behavior.
func (b *CacheBehavior) Allows(method string) bool {
	return b.AllowedMethods == nil || slices.Contains(b.AllowedMethods, method)
}

// Function returns the ARN of the function associated with eventType, or "".
func (b *CacheBehavior) Function(eventType string) string {
	for _, a := range b.FunctionAssociations {
		if a.EventType == eventType {
			return a.FunctionARN
		}
	}
	return ""
}

// FunctionAssociation attaches a LIVE function to a viewer event.
type FunctionAssociation struct {
	EventType   string // viewer-request, viewer-response
	FunctionARN string
}

// Resources of the distribution errors whose AWS codes are more specific
// than the error kind (see api/awserror).
const (
	// ResourceOrigin: a TargetOriginId names no origin (NoSuchOrigin), or an
	// origin is of no type (InvalidOrigin).
	ResourceOrigin Resource = "origin"
	// ResourceFunctionAssociation: an association names no LIVE function or a
	// non-viewer event (InvalidFunctionAssociation), or repeats an event type
	// (TooManyFunctionAssociations).
	ResourceFunctionAssociation Resource = "function-association"
	// ResourceFunctionDistributions: a function is associated with too many
	// distributions (TooManyDistributionsWithSingleFunctionARN).
	ResourceFunctionDistributions Resource = "function-distributions"
	// ResourceAlias: a CNAME another distribution already has (CNAMEAlreadyExists).
	ResourceAlias Resource = "alias"
	// ResourceQuantity: a Quantity that is not the number of Items (InconsistentQuantities).
	ResourceQuantity Resource = "quantity"
	// ResourceBody: a request without the document it needs (MissingBody).
	ResourceBody Resource = "body"
	// ResourceErrorCode: a CustomErrorResponse's ErrorCode CloudFront does
	// not take (InvalidErrorCode); ResourceResponseCode its ResponseCode
	// (InvalidResponseCode).
	ResourceErrorCode    Resource = "error-code"
	ResourceResponseCode Resource = "response-code"
	// ResourceDefaultRootObject: a DefaultRootObject that is too long or
	// holds a character CloudFront refuses (InvalidDefaultRootObject).
	ResourceDefaultRootObject Resource = "default-root-object"
	// ResourceTag: tags that break CloudFront's rules (InvalidTagging), or
	// a tagged resource that does not exist (NoSuchResource).
	ResourceTag Resource = "tag"
)
