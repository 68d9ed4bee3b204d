package edgefn

import "time"

// Distribution is a CloudFront distribution: the parts of its configuration the
// edge acts on, parsed, plus the whole configuration document as the client
// sent it, so everything else is stored and returned faithfully.
type Distribution struct {
	Account      string
	ID           string
	DomainName   string // <id-lower>.cloudfront.net style; the edge also routes on Aliases
	Status       string // InProgress, Deployed
	ETag         string
	LastModified time.Time
	Config       DistributionConfig
	// RawConfig is the DistributionConfig XML document as received.
	RawConfig []byte
	Tags      []Tag
}

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
	CacheBehaviors       []CacheBehavior // in order; PathPattern decides
}

// Origin is where a cache behavior sends requests.
type Origin struct {
	ID            string
	DomainName    string
	OriginPath    string
	CustomHeaders []Header
	// Custom is set for custom origins; nil means an S3 origin.
	Custom *CustomOrigin
}

// CustomOrigin is CustomOriginConfig.
type CustomOrigin struct {
	HTTPPort       int
	HTTPSPort      int
	ProtocolPolicy string // http-only, https-only, match-viewer
}

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
	ViewerProtocolPolicy string
	FunctionAssociations []FunctionAssociation
}

// FunctionAssociation attaches a LIVE function to a viewer event.
type FunctionAssociation struct {
	EventType   string // viewer-request, viewer-response
	FunctionARN string
}
