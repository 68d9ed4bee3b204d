package cloudfront

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
	"strings"

	"github.com/edgefn/edgefn"
)

// distributionConfigXML is the part of DistributionConfig edgefn acts on;
// the rest is kept in the document itself. Pointers tell a missing required
// member from an empty one.
type distributionConfigXML struct {
	CallerReference   *string           `xml:"CallerReference"`
	Aliases           listXMLOf[string] `xml:"Aliases"`
	DefaultRootObject string            `xml:"DefaultRootObject"`
	Origins           *struct {
		Items []originXML `xml:"Items>Origin"`
	} `xml:"Origins"`
	DefaultCacheBehavior *cacheBehaviorXML `xml:"DefaultCacheBehavior"`
	CacheBehaviors       struct {
		Items []cacheBehaviorXML `xml:"Items>CacheBehavior"`
	} `xml:"CacheBehaviors"`
	CustomErrorResponses struct {
		Items []customErrorResponseXML `xml:"Items>CustomErrorResponse"`
	} `xml:"CustomErrorResponses"`
	Comment *string `xml:"Comment"`
	Enabled *bool   `xml:"Enabled"`
	Logging *struct {
		Enabled        bool   `xml:"Enabled"`
		IncludeCookies bool   `xml:"IncludeCookies"`
		Bucket         string `xml:"Bucket"`
		Prefix         string `xml:"Prefix"`
	} `xml:"Logging"`
	ViewerMtlsConfig *struct {
		Mode             string `xml:"Mode"`
		TrustStoreConfig *struct {
			TrustStoreID               string `xml:"TrustStoreId"`
			AdvertiseTrustStoreCaNames bool   `xml:"AdvertiseTrustStoreCaNames"`
			IgnoreCertificateExpiry    bool   `xml:"IgnoreCertificateExpiry"`
		} `xml:"TrustStoreConfig"`
	} `xml:"ViewerMtlsConfig"`
	ConnectionFunctionAssociation *struct {
		ID string `xml:"Id"`
	} `xml:"ConnectionFunctionAssociation"`
}

// mtls reads ViewerMtlsConfig and ConnectionFunctionAssociation; the store
// checks that what they name exists.
func (c *distributionConfigXML) mtls(cfg *edgefn.DistributionConfig) error {
	if a := c.ConnectionFunctionAssociation; a != nil {
		if a.ID == "" {
			return invalidDist("ConnectionFunctionAssociation.Id is required.")
		}
		cfg.ConnectionFunctionID = a.ID
	}
	m := c.ViewerMtlsConfig
	if m == nil {
		return nil
	}
	switch m.Mode {
	case edgefn.MtlsRequired, edgefn.MtlsOptional:
	case "passthrough":
		return invalidDist("ViewerMtlsConfig.Mode passthrough is not supported by edgefn: use required or optional.")
	default:
		return invalidDist("ViewerMtlsConfig.Mode %q is not valid: use required or optional.", m.Mode)
	}
	if m.TrustStoreConfig == nil || m.TrustStoreConfig.TrustStoreID == "" {
		return invalidDist("ViewerMtlsConfig.TrustStoreConfig.TrustStoreId is required.")
	}
	ts := m.TrustStoreConfig
	cfg.ViewerMtls = &edgefn.ViewerMtls{Mode: m.Mode, TrustStoreID: ts.TrustStoreID,
		AdvertiseCANames: ts.AdvertiseTrustStoreCaNames, IgnoreExpiry: ts.IgnoreCertificateExpiry}
	return nil
}

type customErrorResponseXML struct {
	ErrorCode          *int   `xml:"ErrorCode"`
	ResponsePagePath   string `xml:"ResponsePagePath"`
	ResponseCode       string `xml:"ResponseCode"`
	ErrorCachingMinTTL *int64 `xml:"ErrorCachingMinTTL"`
}

// errorResponse reads a CustomErrorResponse; the store checks its codes.
func (r *customErrorResponseXML) errorResponse() (edgefn.CustomErrorResponse, error) {
	out := edgefn.CustomErrorResponse{ResponsePagePath: r.ResponsePagePath, ErrorCachingMinTTL: r.ErrorCachingMinTTL}
	if r.ErrorCode == nil {
		return out, invalidDist("CustomErrorResponse.ErrorCode is required.")
	}
	out.ErrorCode = *r.ErrorCode
	if code := strings.TrimSpace(r.ResponseCode); code != "" {
		n, err := strconv.Atoi(code)
		if err != nil {
			return out, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceResponseCode, "The ResponseCode %q is not a status code.", r.ResponseCode)
		}
		out.ResponseCode = n
	}
	return out, nil
}

// listXMLOf reads the Items of a wrapped list whatever its entries are named
// (Aliases holds CNAME elements).
type listXMLOf[T any] struct {
	Items struct {
		Entries []T `xml:",any"`
	} `xml:"Items"`
}

type originXML struct {
	ID            string `xml:"Id"`
	DomainName    string `xml:"DomainName"`
	OriginPath    string `xml:"OriginPath"`
	CustomHeaders struct {
		Items []struct {
			HeaderName  string `xml:"HeaderName"`
			HeaderValue string `xml:"HeaderValue"`
		} `xml:"Items>OriginCustomHeader"`
	} `xml:"CustomHeaders"`
	S3OriginConfig     *struct{} `xml:"S3OriginConfig"`
	VpcOriginConfig    *struct{} `xml:"VpcOriginConfig"`
	CustomOriginConfig *struct {
		HTTPPort               *int   `xml:"HTTPPort"`
		HTTPSPort              *int   `xml:"HTTPSPort"`
		OriginProtocolPolicy   string `xml:"OriginProtocolPolicy"`
		OriginReadTimeout      int    `xml:"OriginReadTimeout"`
		OriginKeepaliveTimeout int    `xml:"OriginKeepaliveTimeout"`
	} `xml:"CustomOriginConfig"`
	ConnectionAttempts int `xml:"ConnectionAttempts"`
	ConnectionTimeout  int `xml:"ConnectionTimeout"`
}

type cacheBehaviorXML struct {
	PathPattern          *string `xml:"PathPattern"`
	TargetOriginID       string  `xml:"TargetOriginId"`
	ViewerProtocolPolicy string  `xml:"ViewerProtocolPolicy"`
	AllowedMethods       *struct {
		Items         []string `xml:"Items>Method"`
		CachedMethods *struct {
			Items []string `xml:"Items>Method"`
		} `xml:"CachedMethods"`
	} `xml:"AllowedMethods"`
	CachePolicyID         string `xml:"CachePolicyId"`
	OriginRequestPolicyID string `xml:"OriginRequestPolicyId"`
	Compress              bool   `xml:"Compress"`
	// ResponseHeadersPolicyID goes with a cache policy or ForwardedValues.
	ResponseHeadersPolicyID string `xml:"ResponseHeadersPolicyId"`
	ForwardedValues         *struct {
		QueryString          bool     `xml:"QueryString"`
		QueryStringCacheKeys []string `xml:"QueryStringCacheKeys>Items>Name"`
		Headers              []string `xml:"Headers>Items>Name"`
		Cookies              struct {
			Forward          string   `xml:"Forward"`
			WhitelistedNames []string `xml:"WhitelistedNames>Items>Name"`
		} `xml:"Cookies"`
	} `xml:"ForwardedValues"`
	MinTTL               *int64 `xml:"MinTTL"`
	DefaultTTL           *int64 `xml:"DefaultTTL"`
	MaxTTL               *int64 `xml:"MaxTTL"`
	FunctionAssociations struct {
		Items []struct {
			FunctionARN string `xml:"FunctionARN"`
			EventType   string `xml:"EventType"`
		} `xml:"Items>FunctionAssociation"`
	} `xml:"FunctionAssociations"`
}

func invalidDist(format string, args ...any) error {
	return invalid(edgefn.ResourceDistribution, format, args...)
}

// config checks the wire-level rules (required members, one origin type)
// and returns the domain configuration; the store checks the rest.
func (c *distributionConfigXML) config() (edgefn.DistributionConfig, error) {
	switch {
	case c.CallerReference == nil:
		return edgefn.DistributionConfig{}, invalidDist("DistributionConfig.CallerReference is required.")
	case c.Origins == nil:
		return edgefn.DistributionConfig{}, invalidDist("DistributionConfig.Origins is required.")
	case c.DefaultCacheBehavior == nil:
		return edgefn.DistributionConfig{}, invalidDist("DistributionConfig.DefaultCacheBehavior is required.")
	case c.Comment == nil:
		return edgefn.DistributionConfig{}, invalidDist("DistributionConfig.Comment is required (it may be empty).")
	case c.Enabled == nil:
		return edgefn.DistributionConfig{}, invalidDist("DistributionConfig.Enabled is required.")
	}
	cfg := edgefn.DistributionConfig{
		CallerReference:   *c.CallerReference,
		Comment:           *c.Comment,
		Enabled:           *c.Enabled,
		Aliases:           c.Aliases.Items.Entries,
		DefaultRootObject: c.DefaultRootObject,
	}
	if l := c.Logging; l != nil && l.Enabled {
		cfg.Logging = &edgefn.Logging{IncludeCookies: l.IncludeCookies, Bucket: l.Bucket, Prefix: l.Prefix}
	}
	for _, o := range c.Origins.Items {
		origin, err := o.origin()
		if err != nil {
			return edgefn.DistributionConfig{}, err
		}
		cfg.Origins = append(cfg.Origins, origin)
	}
	for _, r := range c.CustomErrorResponses.Items {
		er, err := r.errorResponse()
		if err != nil {
			return edgefn.DistributionConfig{}, err
		}
		cfg.CustomErrorResponses = append(cfg.CustomErrorResponses, er)
	}
	if err := c.mtls(&cfg); err != nil {
		return edgefn.DistributionConfig{}, err
	}
	var err error
	if cfg.DefaultCacheBehavior, err = c.DefaultCacheBehavior.behavior(false); err != nil {
		return edgefn.DistributionConfig{}, err
	}
	for _, b := range c.CacheBehaviors.Items {
		cb, err := b.behavior(true)
		if err != nil {
			return edgefn.DistributionConfig{}, err
		}
		cfg.CacheBehaviors = append(cfg.CacheBehaviors, cb)
	}
	return cfg, nil
}

func (o *originXML) origin() (edgefn.Origin, error) {
	out := edgefn.Origin{
		ID:                 o.ID,
		DomainName:         o.DomainName,
		OriginPath:         o.OriginPath,
		ConnectionAttempts: o.ConnectionAttempts,
		ConnectionTimeout:  o.ConnectionTimeout,
	}
	for _, h := range o.CustomHeaders.Items {
		out.CustomHeaders = append(out.CustomHeaders, edgefn.Header{Name: h.HeaderName, Value: h.HeaderValue})
	}
	c := o.CustomOriginConfig
	switch {
	case o.VpcOriginConfig != nil:
		return out, invalidDist("The origin %q is a VPC origin; edgefn serves custom and S3 origins.", o.ID)
	case c == nil && o.S3OriginConfig == nil:
		return out, invalid(edgefn.ResourceOrigin, "The origin %q has neither S3OriginConfig nor CustomOriginConfig.", o.ID)
	case c != nil && o.S3OriginConfig != nil:
		return out, invalidDist("The origin %q needs exactly one of S3OriginConfig and CustomOriginConfig.", o.ID)
	case c == nil:
		return out, nil
	case c.HTTPPort == nil || c.HTTPSPort == nil || c.OriginProtocolPolicy == "":
		return out, invalidDist("The CustomOriginConfig of origin %q needs HTTPPort, HTTPSPort and OriginProtocolPolicy.", o.ID)
	}
	out.Custom = &edgefn.CustomOrigin{
		HTTPPort:         *c.HTTPPort,
		HTTPSPort:        *c.HTTPSPort,
		ProtocolPolicy:   c.OriginProtocolPolicy,
		ReadTimeout:      c.OriginReadTimeout,
		KeepaliveTimeout: c.OriginKeepaliveTimeout,
	}
	return out, nil
}

func (b *cacheBehaviorXML) behavior(ordered bool) (edgefn.CacheBehavior, error) {
	out := edgefn.CacheBehavior{TargetOriginID: b.TargetOriginID, ViewerProtocolPolicy: b.ViewerProtocolPolicy, Compress: b.Compress}
	if ordered {
		if b.PathPattern == nil {
			return out, invalidDist("CacheBehavior.PathPattern is required.")
		}
		out.PathPattern = *b.PathPattern
	}
	switch b.ViewerProtocolPolicy {
	case edgefn.ViewerAllowAll, edgefn.ViewerHTTPSOnly, edgefn.ViewerRedirectToHTTPS:
	default:
		return out, invalidDist("ViewerProtocolPolicy %q is not valid: use allow-all, https-only or redirect-to-https.", b.ViewerProtocolPolicy)
	}
	out.AllowedMethods = edgefn.MethodsGetHead
	if b.AllowedMethods != nil {
		if out.AllowedMethods = edgefn.AllowedMethodSet(b.AllowedMethods.Items); out.AllowedMethods == nil {
			return out, invalidDist("AllowedMethods %v is not valid: use GET, HEAD; GET, HEAD, OPTIONS; or GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE.", b.AllowedMethods.Items)
		}
	}
	out.CachedMethods = edgefn.MethodsGetHead
	if b.AllowedMethods != nil && b.AllowedMethods.CachedMethods != nil {
		cached := edgefn.AllowedMethodSet(b.AllowedMethods.CachedMethods.Items)
		if len(cached) > len(edgefn.MethodsGetHeadOptions) || !hasAll(out.AllowedMethods, cached) {
			return out, invalidDist("CachedMethods %v is not valid: use GET, HEAD or GET, HEAD, OPTIONS, within the AllowedMethods.", b.AllowedMethods.CachedMethods.Items)
		}
		out.CachedMethods = cached
	}
	for _, a := range b.FunctionAssociations.Items {
		out.FunctionAssociations = append(out.FunctionAssociations, edgefn.FunctionAssociation{EventType: a.EventType, FunctionARN: a.FunctionARN})
	}
	var err error
	if out.CachePolicyID, out.Legacy, err = b.caching(); err != nil {
		return out, err
	}
	if b.OriginRequestPolicyID != "" && out.CachePolicyID == "" {
		return out, invalidDist("The parameter OriginRequestPolicyId requires a CachePolicyId (ForwardedValues cannot take one).")
	}
	out.OriginRequestPolicyID = b.OriginRequestPolicyID
	out.ResponseHeadersPolicyID = b.ResponseHeadersPolicyID
	return out, nil
}

// caching reads how a behavior caches: by a cache policy, or by the legacy
// ForwardedValues and TTLs (CloudFront takes one or the other).
func (b *cacheBehaviorXML) caching() (string, *edgefn.LegacyCache, error) {
	fv := b.ForwardedValues
	switch {
	case b.CachePolicyID != "" && fv != nil:
		return "", nil, invalidDist("A cache behavior cannot have both a CachePolicyId and ForwardedValues.")
	case b.CachePolicyID != "" && (b.MinTTL != nil || b.DefaultTTL != nil || b.MaxTTL != nil):
		return "", nil, invalidDist("A cache behavior with a CachePolicyId takes its TTLs from the policy: remove MinTTL, DefaultTTL and MaxTTL.")
	case b.CachePolicyID != "":
		return b.CachePolicyID, nil, nil
	case fv == nil:
		return "", nil, nil
	}
	l := &edgefn.LegacyCache{
		QueryString:          fv.QueryString,
		QueryStringCacheKeys: fv.QueryStringCacheKeys,
		Headers:              fv.Headers,
		Cookies:              fv.Cookies.Forward,
		CookieNames:          fv.Cookies.WhitelistedNames,
		DefaultTTL:           edgefn.LegacyDefaultTTL,
		MaxTTL:               edgefn.LegacyMaxTTL,
	}
	if b.MinTTL == nil {
		return "", nil, invalidDist("A cache behavior with ForwardedValues needs a MinTTL.")
	}
	l.MinTTL = *b.MinTTL
	if b.DefaultTTL != nil {
		l.DefaultTTL = *b.DefaultTTL
	}
	if b.MaxTTL != nil {
		l.MaxTTL = *b.MaxTTL
	}
	switch l.Cookies {
	case edgefn.CacheKeyNone, edgefn.CacheKeyWhitelist, edgefn.CacheKeyAll:
	default:
		return "", nil, invalidDist("Cookies.Forward %q is not valid: use none, whitelist or all.", l.Cookies)
	}
	if err := checkTTLs(edgefn.ResourceDistribution, l.MinTTL, l.DefaultTTL, l.MaxTTL); err != nil {
		return "", nil, err
	}
	return "", l, nil
}

// checkTTLs applies CloudFront's rule MinTTL <= DefaultTTL <= MaxTTL.
func checkTTLs(res edgefn.Resource, minTTL, defaultTTL, maxTTL int64) error {
	if minTTL < 0 || minTTL > defaultTTL || defaultTTL > maxTTL {
		return invalid(res, "The TTLs must be 0 <= MinTTL (%d) <= DefaultTTL (%d) <= MaxTTL (%d).", minTTL, defaultTTL, maxTTL)
	}
	return nil
}

func hasAll(set, sub []string) bool {
	for _, m := range sub {
		if !slices.Contains(set, m) {
			return false
		}
	}
	return len(sub) > 0
}

// distributionDoc is a DistributionConfig read from a request: the domain
// configuration and the element as sent, with CloudFront's defaults added.
type distributionDoc struct {
	config edgefn.DistributionConfig
	raw    []byte
	tags   []edgefn.Tag
}

// readDistributionDoc reads a DistributionConfig document, or with withTags
// a DistributionConfigWithTags one.
func readDistributionDoc(body []byte, withTags bool) (*distributionDoc, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceBody, "The request body is empty: it must hold a DistributionConfig.")
	}
	root, err := parseTree(body)
	if err != nil {
		return nil, malformed("The request body is not well-formed XML: %v.", err)
	}
	cfgNode, tagsNode := root, (*element)(nil)
	want := "DistributionConfig"
	if withTags {
		want = "DistributionConfigWithTags"
		cfgNode, tagsNode = root.child("DistributionConfig"), root.child("Tags")
	}
	switch {
	case root.name != want:
		return nil, malformed("The request body's root element is %s, not %s.", root.name, want)
	case cfgNode == nil:
		return nil, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceBody, "DistributionConfigWithTags.DistributionConfig is required.")
	}
	if err := root.checkQuantities(body); err != nil {
		return nil, err
	}
	doc := &distributionDoc{}
	if doc.raw, err = withDefaults(cfgNode.raw(body)); err != nil {
		return nil, err
	}
	var c distributionConfigXML
	if err := xml.Unmarshal(doc.raw, &c); err != nil {
		return nil, malformed("The DistributionConfig is not valid: %v.", err)
	}
	if doc.config, err = c.config(); err != nil {
		return nil, err
	}
	if tagsNode != nil {
		var t tagsXML
		if err := xml.Unmarshal(tagsNode.raw(body), &t); err != nil {
			return nil, malformed("The Tags are not valid: %v.", err)
		}
		doc.tags = t.tags()
	}
	return doc, nil
}

// distributionXML is Distribution, the root of most distribution responses.
type distributionXML struct {
	ID                            string        `xml:"Id"`
	ARN                           string        `xml:"ARN"`
	Status                        string        `xml:"Status"`
	LastModifiedTime              string        `xml:"LastModifiedTime"`
	InProgressInvalidationBatches int           `xml:"InProgressInvalidationBatches"`
	DomainName                    string        `xml:"DomainName"`
	ActiveTrustedSigners          activeListXML `xml:"ActiveTrustedSigners"`
	ActiveTrustedKeyGroups        activeListXML `xml:"ActiveTrustedKeyGroups"`
	DistributionConfig            innerXML      `xml:"DistributionConfig"`
}

// activeListXML is an empty ActiveTrustedSigners or ActiveTrustedKeyGroups:
// edgefn has no signed URLs.
type activeListXML struct {
	Enabled  bool `xml:"Enabled"`
	Quantity int  `xml:"Quantity"`
}

// innerXML is an element whose content is written verbatim.
type innerXML struct {
	Content []byte `xml:",innerxml"`
}

// configContent returns the content of a stored DistributionConfig element.
func configContent(raw []byte) ([]byte, error) {
	root, err := parseTree(raw)
	if err != nil {
		return nil, err
	}
	return root.inner(raw), nil
}

func newDistributionXML(d *edgefn.Distribution) (*distributionXML, error) {
	content, err := configContent(d.RawConfig)
	if err != nil {
		return nil, err
	}
	return &distributionXML{
		ID:                 d.ID,
		ARN:                edgefn.DistributionARN(d.Account, d.ID),
		Status:             d.Status,
		LastModifiedTime:   formatTime(d.LastModified),
		DomainName:         d.DomainName,
		DistributionConfig: innerXML{content},
	}, nil
}

// distributionListXML is DistributionList.
type distributionListXML = markedListXML[struct {
	Summaries []innerXML `xml:"DistributionSummary"`
}]

// summaryMembers are the DistributionSummary members copied from the
// configuration, in the model's order. Configurations are stored with their
// defaults; one stored before that gets the default of a member it lacks.
var summaryMembers = []string{
	"Aliases", "Origins", "OriginGroups", "DefaultCacheBehavior", "CacheBehaviors", "CustomErrorResponses", "Comment",
	"PriceClass", "Enabled", "ViewerCertificate", "Restrictions", "WebACLId", "HttpVersion", "IsIPV6Enabled", "Staging", "AnycastIpListId",
	"ViewerMtlsConfig", "ConnectionFunctionAssociation",
}

// distributionSummary renders the content of a DistributionSummary.
func distributionSummary(d *edgefn.Distribution) (innerXML, error) {
	root, err := parseTree(d.RawConfig)
	if err != nil {
		return innerXML{}, err
	}
	var b bytes.Buffer
	text := func(name, v string) {
		b.WriteString("<" + name + ">")
		xml.EscapeText(&b, []byte(v))
		b.WriteString("</" + name + ">")
	}
	text("Id", d.ID)
	text("ARN", edgefn.DistributionARN(d.Account, d.ID))
	text("ETag", d.ETag)
	text("Status", d.Status)
	text("LastModifiedTime", formatTime(d.LastModified))
	text("DomainName", d.DomainName)
	for _, name := range summaryMembers {
		if n := root.child(name); n != nil {
			b.Write(n.raw(d.RawConfig))
		} else {
			b.WriteString(distributionConfigShape.absent(name))
		}
	}
	return innerXML{b.Bytes()}, nil
}

func newDistributionListXML(ds []*edgefn.Distribution, marker string, maxItems int, next string) (*distributionListXML, error) {
	l := newMarkedList[struct {
		Summaries []innerXML `xml:"DistributionSummary"`
	}](marker, next, maxItems, len(ds))
	if len(ds) == 0 {
		return l, nil
	}
	l.Items = &struct {
		Summaries []innerXML `xml:"DistributionSummary"`
	}{}
	for _, d := range ds {
		s, err := distributionSummary(d)
		if err != nil {
			return nil, err
		}
		l.Items.Summaries = append(l.Items.Summaries, s)
	}
	return l, nil
}
