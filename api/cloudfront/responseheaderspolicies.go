package cloudfront

import (
	"context"
	"encoding/xml"

	"github.com/edgefn/edgefn"
)

// ResponseHeadersPolicyStore is the state the response headers policy
// operations use; *store.Store implements it.
type ResponseHeadersPolicyStore interface {
	CreateResponseHeadersPolicy(ctx context.Context, account string, cfg edgefn.ResponseHeadersPolicyConfig) (*edgefn.ResponseHeadersPolicy, error)
	GetResponseHeadersPolicy(ctx context.Context, account, id string) (*edgefn.ResponseHeadersPolicy, error)
	ListResponseHeadersPolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.ResponseHeadersPolicy, string, error)
	UpdateResponseHeadersPolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.ResponseHeadersPolicyConfig) (*edgefn.ResponseHeadersPolicy, error)
	DeleteResponseHeadersPolicy(ctx context.Context, account, id, ifMatch string) error
	ListDistributionsByResponseHeadersPolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error)
}

// responseHeadersPolicyAPI serves the response headers policy operations.
func (h *Handler) responseHeadersPolicyAPI() *policyAPI[edgefn.ResponseHeadersPolicyConfig] {
	return &policyAPI[edgefn.ResponseHeadersPolicyConfig]{
		path: "response-headers-policy", byPath: "distributionsByResponseHeadersPolicyId", root: "ResponseHeadersPolicy", res: edgefn.ResourceResponseHeadersPolicy,
		store: policyStore[edgefn.ResponseHeadersPolicyConfig]{
			create: h.store.CreateResponseHeadersPolicy, get: h.store.GetResponseHeadersPolicy, list: h.store.ListResponseHeadersPolicies,
			update: h.store.UpdateResponseHeadersPolicy, delete: h.store.DeleteResponseHeadersPolicy,
			distributions: h.store.ListDistributionsByResponseHeadersPolicyID,
		},
		decode:    decoder[edgefn.ResponseHeadersPolicyConfig, responseHeadersPolicyConfigXML](),
		configXML: newResponseHeadersPolicyConfigXML,
	}
}

// responseHeadersPolicyConfigXML is ResponseHeadersPolicyConfig, in
// requests and responses. Pointers tell a missing member from a zero one.
type responseHeadersPolicyConfigXML struct {
	XMLName      xml.Name            `xml:"ResponseHeadersPolicyConfig"`
	Comment      string              `xml:"Comment,omitempty"`
	Name         string              `xml:"Name"`
	CORS         *corsConfigXML      `xml:"CorsConfig"`
	Security     *securityHeadersXML `xml:"SecurityHeadersConfig"`
	ServerTiming *serverTimingXML    `xml:"ServerTimingHeadersConfig"`
	Custom       *customHeadersXML   `xml:"CustomHeadersConfig"`
	Remove       *removeHeadersXML   `xml:"RemoveHeadersConfig"`

	cfg edgefn.ResponseHeadersPolicyConfig
}

type corsConfigXML struct {
	AllowOrigins     *quantityListXML `xml:"AccessControlAllowOrigins"`
	AllowHeaders     *quantityListXML `xml:"AccessControlAllowHeaders"`
	AllowMethods     *quantityListXML `xml:"AccessControlAllowMethods"`
	AllowCredentials *bool            `xml:"AccessControlAllowCredentials"`
	ExposeHeaders    *quantityListXML `xml:"AccessControlExposeHeaders"`
	MaxAgeSec        *int64           `xml:"AccessControlMaxAgeSec"`
	OriginOverride   *bool            `xml:"OriginOverride"`
}

// quantityListXML is a Quantity and the Items it counts, whose elements
// the list names (Origin, Header, Method).
type quantityListXML struct {
	Quantity *int `xml:"Quantity"`
	Items    *struct {
		Entries []entryXML `xml:",any"`
	} `xml:"Items"`
}

type entryXML struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func newQuantityListXML(element string, values []string) *quantityListXML {
	n := len(values)
	l := &quantityListXML{Quantity: &n}
	if n > 0 {
		l.Items = &struct {
			Entries []entryXML `xml:",any"`
		}{}
		for _, v := range values {
			l.Items.Entries = append(l.Items.Entries, entryXML{XMLName: xml.Name{Local: element}, Value: v})
		}
	}
	return l
}

// values reads the list of what (its name in messages); a Quantity that is
// not the number of Items is InconsistentQuantities.
func (l *quantityListXML) values(what string) ([]string, error) {
	if l == nil {
		return nil, nil
	}
	var out []string
	if l.Items != nil {
		for _, e := range l.Items.Entries {
			out = append(out, e.Value)
		}
	}
	if err := checkQuantity(what, l.Quantity, len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// checkQuantity is InconsistentQuantities unless what's Quantity is given
// and is n, the number of its Items.
func checkQuantity(what string, quantity *int, n int) error {
	if quantity == nil || *quantity != n {
		return invalid(edgefn.ResourceQuantity, "%s.Quantity does not match the %d Items.", what, n)
	}
	return nil
}

type securityHeadersXML struct {
	XSSProtection           *xssProtectionXML `xml:"XSSProtection"`
	FrameOptions            *frameOptionsXML  `xml:"FrameOptions"`
	ReferrerPolicy          *referrerXML      `xml:"ReferrerPolicy"`
	ContentSecurityPolicy   *cspXML           `xml:"ContentSecurityPolicy"`
	ContentTypeOptions      *overrideXML      `xml:"ContentTypeOptions"`
	StrictTransportSecurity *hstsXML          `xml:"StrictTransportSecurity"`
}

type overrideXML struct {
	Override *bool `xml:"Override"`
}

type xssProtectionXML struct {
	Override   *bool  `xml:"Override"`
	Protection *bool  `xml:"Protection"`
	ModeBlock  bool   `xml:"ModeBlock"`
	ReportURI  string `xml:"ReportUri,omitempty"`
}

type frameOptionsXML struct {
	Override    *bool  `xml:"Override"`
	FrameOption string `xml:"FrameOption"`
}

type referrerXML struct {
	Override       *bool  `xml:"Override"`
	ReferrerPolicy string `xml:"ReferrerPolicy"`
}

type cspXML struct {
	Override              *bool  `xml:"Override"`
	ContentSecurityPolicy string `xml:"ContentSecurityPolicy"`
}

type hstsXML struct {
	Override          *bool  `xml:"Override"`
	IncludeSubdomains bool   `xml:"IncludeSubdomains"`
	Preload           bool   `xml:"Preload"`
	MaxAgeSec         *int64 `xml:"AccessControlMaxAgeSec"`
}

type serverTimingXML struct {
	Enabled      *bool    `xml:"Enabled"`
	SamplingRate *float64 `xml:"SamplingRate"`
}

type customHeadersXML struct {
	Quantity *int              `xml:"Quantity"`
	Items    []customHeaderXML `xml:"Items>ResponseHeadersPolicyCustomHeader"`
}

type customHeaderXML struct {
	Header   string `xml:"Header"`
	Value    string `xml:"Value"`
	Override *bool  `xml:"Override"`
}

type removeHeadersXML struct {
	Quantity *int              `xml:"Quantity"`
	Items    []removeHeaderXML `xml:"Items>ResponseHeadersPolicyRemoveHeader"`
}

type removeHeaderXML struct {
	Header string `xml:"Header"`
}

func invalidRHP(format string, args ...any) error {
	return invalid(edgefn.ResourceResponseHeadersPolicy, format, args...)
}

// required reports the first of the named members that is missing.
func required(members ...any) bool {
	for _, m := range members {
		switch v := m.(type) {
		case *bool:
			if v == nil {
				return true
			}
		case *int64:
			if v == nil {
				return true
			}
		}
	}
	return false
}

func (c *responseHeadersPolicyConfigXML) validate(edgefn.Limits) error {
	if c.Name == "" {
		return invalidRHP("ResponseHeadersPolicyConfig.Name is required.")
	}
	cfg := edgefn.ResponseHeadersPolicyConfig{Name: c.Name, Comment: c.Comment}
	var err error
	if x := c.CORS; x != nil {
		if x.AllowOrigins == nil || x.AllowHeaders == nil || x.AllowMethods == nil || required(x.AllowCredentials, x.OriginOverride) {
			return invalidRHP("CorsConfig needs AccessControlAllowOrigins, AccessControlAllowHeaders, AccessControlAllowMethods, AccessControlAllowCredentials and OriginOverride.")
		}
		cors := &edgefn.ResponseCORS{AllowCredentials: *x.AllowCredentials, OriginOverride: *x.OriginOverride, MaxAgeSec: x.MaxAgeSec}
		if cors.AllowOrigins, err = x.AllowOrigins.values("AccessControlAllowOrigins"); err != nil {
			return err
		}
		if cors.AllowHeaders, err = x.AllowHeaders.values("AccessControlAllowHeaders"); err != nil {
			return err
		}
		if cors.AllowMethods, err = x.AllowMethods.values("AccessControlAllowMethods"); err != nil {
			return err
		}
		if cors.ExposeHeaders, err = x.ExposeHeaders.values("AccessControlExposeHeaders"); err != nil {
			return err
		}
		cfg.CORS = cors
	}
	if x := c.Security; x != nil {
		if cfg.Security, err = x.config(); err != nil {
			return err
		}
	}
	if x := c.ServerTiming; x != nil {
		if x.Enabled == nil {
			return invalidRHP("ServerTimingHeadersConfig.Enabled is required.")
		}
		cfg.ServerTiming = &edgefn.ServerTimingHeaders{Enabled: *x.Enabled}
		if x.SamplingRate != nil {
			cfg.ServerTiming.SamplingRate = *x.SamplingRate
		}
	}
	if x := c.Custom; x != nil {
		if err := checkQuantity("CustomHeadersConfig", x.Quantity, len(x.Items)); err != nil {
			return err
		}
		for _, h := range x.Items {
			if h.Header == "" || h.Override == nil {
				return invalidRHP("A custom header needs Header, Value and Override.")
			}
			cfg.CustomHeaders = append(cfg.CustomHeaders, edgefn.CustomResponseHeader{Header: h.Header, Value: h.Value, Override: *h.Override})
		}
	}
	if x := c.Remove; x != nil {
		if err := checkQuantity("RemoveHeadersConfig", x.Quantity, len(x.Items)); err != nil {
			return err
		}
		for _, h := range x.Items {
			cfg.RemoveHeaders = append(cfg.RemoveHeaders, h.Header)
		}
	}
	c.cfg = cfg
	return nil
}

// config reads SecurityHeadersConfig; each header's Override, and its
// value where it has one, are required.
func (x *securityHeadersXML) config() (*edgefn.SecurityHeaders, error) {
	s := &edgefn.SecurityHeaders{}
	missing := func(header string) error {
		return invalidRHP("SecurityHeadersConfig.%s is missing a required member.", header)
	}
	if h := x.XSSProtection; h != nil {
		if required(h.Override, h.Protection) {
			return nil, missing("XSSProtection")
		}
		s.XSSProtection = &edgefn.XSSProtection{Override: *h.Override, Protection: *h.Protection, ModeBlock: h.ModeBlock, ReportURI: h.ReportURI}
	}
	if h := x.FrameOptions; h != nil {
		if required(h.Override) {
			return nil, missing("FrameOptions")
		}
		s.FrameOptions = &edgefn.FrameOptions{Override: *h.Override, FrameOption: h.FrameOption}
	}
	if h := x.ReferrerPolicy; h != nil {
		if required(h.Override) {
			return nil, missing("ReferrerPolicy")
		}
		s.ReferrerPolicy = &edgefn.ReferrerPolicy{Override: *h.Override, ReferrerPolicy: h.ReferrerPolicy}
	}
	if h := x.ContentSecurityPolicy; h != nil {
		if required(h.Override) {
			return nil, missing("ContentSecurityPolicy")
		}
		s.ContentSecurityPolicy = &edgefn.ContentSecurityPolicy{Override: *h.Override, ContentSecurityPolicy: h.ContentSecurityPolicy}
	}
	if h := x.ContentTypeOptions; h != nil {
		if required(h.Override) {
			return nil, missing("ContentTypeOptions")
		}
		s.ContentTypeOptions = &edgefn.ContentTypeOptions{Override: *h.Override}
	}
	if h := x.StrictTransportSecurity; h != nil {
		if required(h.Override, h.MaxAgeSec) {
			return nil, missing("StrictTransportSecurity")
		}
		s.StrictTransportSecurity = &edgefn.StrictTransportSecurity{
			Override: *h.Override, IncludeSubdomains: h.IncludeSubdomains, Preload: h.Preload, MaxAgeSec: *h.MaxAgeSec,
		}
	}
	return s, nil
}

func (c *responseHeadersPolicyConfigXML) config() edgefn.ResponseHeadersPolicyConfig { return c.cfg }

func newResponseHeadersPolicyConfigXML(c *edgefn.ResponseHeadersPolicyConfig) any {
	x := &responseHeadersPolicyConfigXML{Comment: c.Comment, Name: c.Name}
	if cors := c.CORS; cors != nil {
		x.CORS = &corsConfigXML{
			AllowOrigins:     newQuantityListXML("Origin", cors.AllowOrigins),
			AllowHeaders:     newQuantityListXML("Header", cors.AllowHeaders),
			AllowMethods:     newQuantityListXML("Method", cors.AllowMethods),
			AllowCredentials: &cors.AllowCredentials,
			MaxAgeSec:        cors.MaxAgeSec,
			OriginOverride:   &cors.OriginOverride,
		}
		if len(cors.ExposeHeaders) > 0 {
			x.CORS.ExposeHeaders = newQuantityListXML("Header", cors.ExposeHeaders)
		}
	}
	if s := c.Security; s != nil {
		x.Security = newSecurityHeadersXML(s)
	}
	if st := c.ServerTiming; st != nil {
		x.ServerTiming = &serverTimingXML{Enabled: &st.Enabled, SamplingRate: &st.SamplingRate}
	}
	if len(c.CustomHeaders) > 0 {
		x.Custom = &customHeadersXML{}
		for i := range c.CustomHeaders {
			h := &c.CustomHeaders[i]
			x.Custom.Items = append(x.Custom.Items, customHeaderXML{h.Header, h.Value, &h.Override})
		}
		n := len(c.CustomHeaders)
		x.Custom.Quantity = &n
	}
	if len(c.RemoveHeaders) > 0 {
		n := len(c.RemoveHeaders)
		x.Remove = &removeHeadersXML{Quantity: &n}
		for _, h := range c.RemoveHeaders {
			x.Remove.Items = append(x.Remove.Items, removeHeaderXML{h})
		}
	}
	return x
}

func newSecurityHeadersXML(s *edgefn.SecurityHeaders) *securityHeadersXML {
	x := &securityHeadersXML{}
	if h := s.XSSProtection; h != nil {
		x.XSSProtection = &xssProtectionXML{&h.Override, &h.Protection, h.ModeBlock, h.ReportURI}
	}
	if h := s.FrameOptions; h != nil {
		x.FrameOptions = &frameOptionsXML{&h.Override, h.FrameOption}
	}
	if h := s.ReferrerPolicy; h != nil {
		x.ReferrerPolicy = &referrerXML{&h.Override, h.ReferrerPolicy}
	}
	if h := s.ContentSecurityPolicy; h != nil {
		x.ContentSecurityPolicy = &cspXML{&h.Override, h.ContentSecurityPolicy}
	}
	if h := s.ContentTypeOptions; h != nil {
		x.ContentTypeOptions = &overrideXML{&h.Override}
	}
	if h := s.StrictTransportSecurity; h != nil {
		x.StrictTransportSecurity = &hstsXML{&h.Override, h.IncludeSubdomains, h.Preload, &h.MaxAgeSec}
	}
	return x
}
