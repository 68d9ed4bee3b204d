package cloudfront

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/edgefn/edgefn"
)

// CloudFront fills in a DistributionConfig when it stores one: every
// response (Create, Get, GetConfig, Update, the summaries of List) carries
// the members a request left out, with their defaults, and clients rely on
// it. The Terraform provider dereferences OriginGroups, AllowedMethods,
// FunctionAssociations, TrustedSigners… without a nil check, and the
// documented update workflow (get the config, edit it, put it back) sends
// what it got. edgefn does the same, once, when a configuration is written:
// withDefaults adds to the document as received what it lacks, and leaves
// everything it has byte for byte.

// member is a member of a structure that CloudFront fills in. absent is the
// element returned when a request leaves the member out ("": none), and
// only when the sibling named by when is present ("": always); shape is
// what is filled in inside the member when it is present.
type member struct {
	name   string
	absent string
	when   string
	shape  *shape
}

// shape lists the members of a structure that have defaults or hold some.
// each, for the Items of a list, is the shape of every entry.
type shape struct {
	members []member
	each    *shape
}

// listOf is a wrapped list (Quantity, Items) whose entries have entry's shape.
func listOf(entry *shape) *shape {
	return &shape{members: []member{{name: "Items", shape: &shape{each: entry}}}}
}

// emptyList is a wrapped list member with no entries.
func emptyList(name string) string {
	return "<" + name + "><Quantity>0</Quantity></" + name + ">"
}

// text is an element holding v.
func text(name, v string) string { return "<" + name + ">" + v + "</" + name + ">" }

// getHead is the GET, HEAD method list, as CloudFront returns it.
const getHead = "<Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items>"

// behaviorShape is DefaultCacheBehavior and each CacheBehavior.
var behaviorShape = &shape{members: []member{
	{name: "TrustedSigners", absent: "<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>"},
	{name: "TrustedKeyGroups", absent: "<TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>"},
	{
		name:   "AllowedMethods",
		absent: "<AllowedMethods>" + getHead + "<CachedMethods>" + getHead + "</CachedMethods></AllowedMethods>",
		shape:  &shape{members: []member{{name: "CachedMethods", absent: "<CachedMethods>" + getHead + "</CachedMethods>"}}},
	},
	{name: "SmoothStreaming", absent: text("SmoothStreaming", "false")},
	{name: "Compress", absent: text("Compress", "false")},
	{name: "LambdaFunctionAssociations", absent: emptyList("LambdaFunctionAssociations")},
	{name: "FunctionAssociations", absent: emptyList("FunctionAssociations")},
	{name: "FieldLevelEncryptionId", absent: text("FieldLevelEncryptionId", "")},
	{name: "ForwardedValues", shape: &shape{members: []member{
		{name: "Headers", absent: emptyList("Headers")},
		{name: "QueryStringCacheKeys", absent: emptyList("QueryStringCacheKeys")},
	}}},
	// The legacy TTLs belong to ForwardedValues; a cache policy has its own.
	{name: "DefaultTTL", absent: text("DefaultTTL", strconv.FormatInt(edgefn.LegacyDefaultTTL, 10)), when: "ForwardedValues"},
	{name: "MaxTTL", absent: text("MaxTTL", strconv.FormatInt(edgefn.LegacyMaxTTL, 10)), when: "ForwardedValues"},
}}

var originShape = &shape{members: []member{
	{name: "OriginPath", absent: text("OriginPath", "")},
	{name: "CustomHeaders", absent: emptyList("CustomHeaders")},
	{name: "S3OriginConfig", shape: &shape{members: []member{
		{name: "OriginAccessIdentity", absent: text("OriginAccessIdentity", "")},
	}}},
	{name: "CustomOriginConfig", shape: &shape{members: []member{
		{name: "OriginReadTimeout", absent: text("OriginReadTimeout", "30")},
		{name: "OriginKeepaliveTimeout", absent: text("OriginKeepaliveTimeout", "5")},
	}}},
	{name: "ConnectionAttempts", absent: text("ConnectionAttempts", "3")},
	{name: "ConnectionTimeout", absent: text("ConnectionTimeout", "10")},
	{name: "OriginShield", absent: "<OriginShield><Enabled>false</Enabled></OriginShield>"},
	{name: "OriginAccessControlId", absent: text("OriginAccessControlId", "")},
}}

// distributionConfigShape is DistributionConfig.
var distributionConfigShape = &shape{members: []member{
	{name: "Aliases", absent: emptyList("Aliases")},
	{name: "DefaultRootObject", absent: text("DefaultRootObject", "")},
	{name: "Origins", shape: listOf(originShape)},
	{name: "OriginGroups", absent: emptyList("OriginGroups")},
	{name: "DefaultCacheBehavior", shape: behaviorShape},
	{name: "CacheBehaviors", absent: emptyList("CacheBehaviors"), shape: listOf(behaviorShape)},
	{name: "CustomErrorResponses", absent: emptyList("CustomErrorResponses")},
	{name: "Logging", absent: "<Logging><Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix></Logging>"},
	{name: "PriceClass", absent: text("PriceClass", "PriceClass_All")},
	{
		name: "ViewerCertificate",
		absent: "<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>" +
			"<MinimumProtocolVersion>TLSv1</MinimumProtocolVersion><CertificateSource>cloudfront</CertificateSource></ViewerCertificate>",
		shape: &shape{members: []member{{name: "MinimumProtocolVersion", absent: text("MinimumProtocolVersion", "TLSv1")}}},
	},
	{name: "Restrictions", absent: "<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>"},
	{name: "WebACLId", absent: text("WebACLId", "")},
	{name: "HttpVersion", absent: text("HttpVersion", "http2")},
	{name: "IsIPV6Enabled", absent: text("IsIPV6Enabled", "false")},
	{name: "Staging", absent: text("Staging", "false")},
	{name: "ViewerMtlsConfig", shape: &shape{members: []member{{name: "TrustStoreConfig", shape: &shape{members: []member{
		{name: "AdvertiseTrustStoreCaNames", absent: text("AdvertiseTrustStoreCaNames", "false")},
		{name: "IgnoreCertificateExpiry", absent: text("IgnoreCertificateExpiry", "false")},
	}}}}}},
}}

// absent returns what CloudFront returns for the member name of s when a
// configuration has none ("" when it returns nothing).
func (s *shape) absent(name string) string {
	for _, m := range s.members {
		if m.name == name {
			return m.absent
		}
	}
	return ""
}

// of returns the shape of s's child element name, or nil.
func (s *shape) of(name string) *shape {
	if s.each != nil {
		return s.each
	}
	for _, m := range s.members {
		if m.name == name {
			return m.shape
		}
	}
	return nil
}

// withDefaults returns the DistributionConfig element doc with every member
// CloudFront fills in that it lacks. New members go last in their parent
// (the SDKs match XML members by name, not position); doc must be
// well-formed.
func withDefaults(doc []byte) ([]byte, error) {
	root, err := parseTree(doc)
	if err != nil {
		return nil, fmt.Errorf("distribution config: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(doc) + 1024)
	fill(&b, doc, root, distributionConfigShape)
	return b.Bytes(), nil
}

// fill writes the element n of doc with the members of s it lacks.
func fill(b *bytes.Buffer, doc []byte, n *element, s *shape) {
	startTag := doc[n.start:n.from]
	selfClosing := n.end == n.from // <Name/>: no content, no end tag
	if selfClosing {
		b.Write(bytes.TrimRight(bytes.TrimSuffix(startTag, []byte(">")), "/ \t\r\n"))
		b.WriteByte('>')
	} else {
		b.Write(startTag)
	}
	pos := n.from
	for _, c := range n.children {
		b.Write(doc[pos:c.start])
		if cs := s.of(c.name); cs != nil {
			fill(b, doc, c, cs)
		} else {
			b.Write(c.raw(doc))
		}
		pos = c.end
	}
	b.Write(doc[pos:n.to])
	for _, m := range s.members {
		if m.absent != "" && n.child(m.name) == nil && (m.when == "" || n.child(m.when) != nil) {
			b.WriteString(m.absent)
		}
	}
	if selfClosing {
		b.WriteString("</" + qualifiedName(startTag) + ">")
	} else {
		b.Write(doc[n.to:n.end])
	}
}

// qualifiedName is the element name of a start tag as written (with its
// prefix, if any).
func qualifiedName(startTag []byte) string {
	name := bytes.TrimPrefix(startTag, []byte("<"))
	if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
		name = name[:i]
	}
	return string(name)
}
