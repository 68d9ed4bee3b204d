package cloudfront

import (
	"encoding/xml"

	"github.com/edgefn/edgefn"
)

// cachePolicyConfigXML is CachePolicyConfig, in requests and responses.
// Pointers tell a missing required member from a zero one.
type cachePolicyConfigXML struct {
	XMLName    xml.Name      `xml:"CachePolicyConfig"`
	Comment    string        `xml:"Comment,omitempty"`
	Name       string        `xml:"Name"`
	DefaultTTL *int64        `xml:"DefaultTTL"`
	MaxTTL     *int64        `xml:"MaxTTL"`
	MinTTL     *int64        `xml:"MinTTL"`
	Params     *keyParamsXML `xml:"ParametersInCacheKeyAndForwardedToOrigin"`

	cfg edgefn.CachePolicyConfig
}

// keyParamsXML is ParametersInCacheKeyAndForwardedToOrigin.
type keyParamsXML struct {
	EnableAcceptEncodingGzip   *bool        `xml:"EnableAcceptEncodingGzip"`
	EnableAcceptEncodingBrotli bool         `xml:"EnableAcceptEncodingBrotli"`
	HeadersConfig              *keyItemsXML `xml:"HeadersConfig"`
	CookiesConfig              *keyItemsXML `xml:"CookiesConfig"`
	QueryStringsConfig         *keyItemsXML `xml:"QueryStringsConfig"`
}

// keyItemsXML is HeadersConfig, CookiesConfig or QueryStringsConfig: the
// three name their behavior and list differently, and the response must
// too, so it reads them all and writes by kind (see newKeyItemsXML).
type keyItemsXML struct {
	HeaderBehavior      string    `xml:"HeaderBehavior,omitempty"`
	Headers             *namesXML `xml:"Headers"`
	CookieBehavior      string    `xml:"CookieBehavior,omitempty"`
	Cookies             *namesXML `xml:"Cookies"`
	QueryStringBehavior string    `xml:"QueryStringBehavior,omitempty"`
	QueryStrings        *namesXML `xml:"QueryStrings"`
}

// namesXML is a wrapped list of Name elements.
type namesXML struct {
	Quantity int      `xml:"Quantity"`
	Items    []string `xml:"Items>Name"`
}

func newNamesXML(names []string) *namesXML {
	if len(names) == 0 {
		return nil
	}
	return &namesXML{Quantity: len(names), Items: names}
}

// items reads the part; a Quantity that is not the number of names is
// InconsistentQuantities.
func (k *keyItemsXML) items() (edgefn.CacheKeyItems, error) {
	out := edgefn.CacheKeyItems{Behavior: k.HeaderBehavior + k.CookieBehavior + k.QueryStringBehavior}
	for _, l := range []*namesXML{k.Headers, k.Cookies, k.QueryStrings} {
		if l == nil {
			continue
		}
		if l.Quantity != len(l.Items) {
			return out, invalid(edgefn.ResourceQuantity, "Quantity is %d but Items holds %d names.", l.Quantity, len(l.Items))
		}
		out.Items = append(out.Items, l.Items...)
	}
	return out, nil
}

// policyParts reads the headers, cookies and query strings parts of a policy.
func policyParts(headers, cookies, query *keyItemsXML) (h, c, q edgefn.CacheKeyItems, err error) {
	if h, err = headers.items(); err != nil {
		return
	}
	if c, err = cookies.items(); err != nil {
		return
	}
	q, err = query.items()
	return
}

// newPartsXML writes the headers, cookies and query strings parts of a policy.
func newPartsXML(h, c, q edgefn.CacheKeyItems) (headers, cookies, query *keyItemsXML) {
	return &keyItemsXML{HeaderBehavior: h.Behavior, Headers: newNamesXML(h.Items)},
		&keyItemsXML{CookieBehavior: c.Behavior, Cookies: newNamesXML(c.Items)},
		&keyItemsXML{QueryStringBehavior: q.Behavior, QueryStrings: newNamesXML(q.Items)}
}

// Default TTLs of a cache policy that leaves them out.
const (
	policyDefaultTTL = 86400
	policyMaxTTL     = 31536000
)

func (c *cachePolicyConfigXML) validate(edgefn.Limits) error {
	p := c.Params
	switch {
	case c.Name == "":
		return invalid(edgefn.ResourceCachePolicy, "CachePolicyConfig.Name is required.")
	case c.MinTTL == nil:
		return invalid(edgefn.ResourceCachePolicy, "CachePolicyConfig.MinTTL is required.")
	case p == nil:
		return invalid(edgefn.ResourceCachePolicy, "CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin is required.")
	case p.EnableAcceptEncodingGzip == nil || p.HeadersConfig == nil || p.CookiesConfig == nil || p.QueryStringsConfig == nil:
		return invalid(edgefn.ResourceCachePolicy, "ParametersInCacheKeyAndForwardedToOrigin needs EnableAcceptEncodingGzip, HeadersConfig, CookiesConfig and QueryStringsConfig.")
	}
	cfg := edgefn.CachePolicyConfig{
		Name: c.Name, Comment: c.Comment, MinTTL: *c.MinTTL,
		DefaultTTL:                 max(policyDefaultTTL, *c.MinTTL),
		EnableAcceptEncodingGzip:   *p.EnableAcceptEncodingGzip,
		EnableAcceptEncodingBrotli: p.EnableAcceptEncodingBrotli,
	}
	var err error
	if cfg.Headers, cfg.Cookies, cfg.QueryStrings, err = policyParts(p.HeadersConfig, p.CookiesConfig, p.QueryStringsConfig); err != nil {
		return err
	}
	if c.DefaultTTL != nil {
		cfg.DefaultTTL = *c.DefaultTTL
	}
	cfg.MaxTTL = max(policyMaxTTL, cfg.DefaultTTL)
	if c.MaxTTL != nil {
		cfg.MaxTTL = *c.MaxTTL
	}
	c.cfg = cfg
	return nil
}

func (c *cachePolicyConfigXML) config() edgefn.CachePolicyConfig { return c.cfg }

func newCachePolicyConfigXML(c *edgefn.CachePolicyConfig) any {
	x := &cachePolicyConfigXML{Comment: c.Comment, Name: c.Name, DefaultTTL: &c.DefaultTTL, MaxTTL: &c.MaxTTL, MinTTL: &c.MinTTL}
	x.Params = &keyParamsXML{
		EnableAcceptEncodingGzip:   &c.EnableAcceptEncodingGzip,
		EnableAcceptEncodingBrotli: c.EnableAcceptEncodingBrotli,
	}
	x.Params.HeadersConfig, x.Params.CookiesConfig, x.Params.QueryStringsConfig = newPartsXML(c.Headers, c.Cookies, c.QueryStrings)
	return x
}

// invalidationBatchXML is InvalidationBatch, in requests and responses.
type invalidationBatchXML struct {
	XMLName         xml.Name `xml:"InvalidationBatch"`
	Paths           pathsXML `xml:"Paths"`
	CallerReference string   `xml:"CallerReference"`
}

type pathsXML struct {
	Quantity int      `xml:"Quantity"`
	Items    []string `xml:"Items>Path"`
}

func (b *invalidationBatchXML) validate(edgefn.Limits) error {
	if b.Paths.Quantity != len(b.Paths.Items) {
		return invalid(edgefn.ResourceQuantity, "Paths.Quantity is %d but Items holds %d paths.", b.Paths.Quantity, len(b.Paths.Items))
	}
	return nil
}

// invalidationXML is Invalidation.
type invalidationXML struct {
	XMLName    xml.Name             `xml:"Invalidation"`
	ID         string               `xml:"Id"`
	Status     string               `xml:"Status"`
	CreateTime string               `xml:"CreateTime"`
	Batch      invalidationBatchXML `xml:"InvalidationBatch"`
}

func newInvalidationXML(inv *edgefn.Invalidation) *invalidationXML {
	return &invalidationXML{
		ID: inv.ID, Status: edgefn.InvalidationCompleted, CreateTime: formatTime(inv.Created),
		Batch: invalidationBatchXML{Paths: pathsXML{Quantity: len(inv.Paths), Items: inv.Paths}, CallerReference: inv.CallerReference},
	}
}

// invalidationSummaryXML is an entry of InvalidationList.
type invalidationSummaryXML struct {
	XMLName    xml.Name `xml:"InvalidationSummary"`
	ID         string   `xml:"Id"`
	CreateTime string   `xml:"CreateTime"`
	Status     string   `xml:"Status"`
}
