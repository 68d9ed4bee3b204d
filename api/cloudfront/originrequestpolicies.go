package cloudfront

import (
	"context"
	"encoding/xml"

	"github.com/edgefn/edgefn"
)

// OriginRequestPolicyStore is the state the origin request policy
// operations use; *store.Store implements it.
type OriginRequestPolicyStore interface {
	CreateOriginRequestPolicy(ctx context.Context, account string, cfg edgefn.OriginRequestPolicyConfig) (*edgefn.OriginRequestPolicy, error)
	GetOriginRequestPolicy(ctx context.Context, account, id string) (*edgefn.OriginRequestPolicy, error)
	ListOriginRequestPolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.OriginRequestPolicy, string, error)
	UpdateOriginRequestPolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.OriginRequestPolicyConfig) (*edgefn.OriginRequestPolicy, error)
	DeleteOriginRequestPolicy(ctx context.Context, account, id, ifMatch string) error
	ListDistributionsByOriginRequestPolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error)
}

// originRequestPolicyAPI serves the origin request policy operations.
func (h *Handler) originRequestPolicyAPI() *policyAPI[edgefn.OriginRequestPolicyConfig] {
	return &policyAPI[edgefn.OriginRequestPolicyConfig]{
		path: "origin-request-policy", byPath: "distributionsByOriginRequestPolicyId", root: "OriginRequestPolicy", res: edgefn.ResourceOriginRequestPolicy,
		store: policyStore[edgefn.OriginRequestPolicyConfig]{
			create: h.store.CreateOriginRequestPolicy, get: h.store.GetOriginRequestPolicy, list: h.store.ListOriginRequestPolicies,
			update: h.store.UpdateOriginRequestPolicy, delete: h.store.DeleteOriginRequestPolicy,
			distributions: h.store.ListDistributionsByOriginRequestPolicyID,
		},
		decode:    decoder[edgefn.OriginRequestPolicyConfig, originRequestPolicyConfigXML](),
		configXML: newOriginRequestPolicyConfigXML,
	}
}

// originRequestPolicyConfigXML is OriginRequestPolicyConfig, in requests
// and responses.
type originRequestPolicyConfigXML struct {
	XMLName            xml.Name     `xml:"OriginRequestPolicyConfig"`
	Comment            string       `xml:"Comment,omitempty"`
	Name               string       `xml:"Name"`
	HeadersConfig      *keyItemsXML `xml:"HeadersConfig"`
	CookiesConfig      *keyItemsXML `xml:"CookiesConfig"`
	QueryStringsConfig *keyItemsXML `xml:"QueryStringsConfig"`

	cfg edgefn.OriginRequestPolicyConfig
}

func (c *originRequestPolicyConfigXML) validate(edgefn.Limits) error {
	switch {
	case c.Name == "":
		return invalid(edgefn.ResourceOriginRequestPolicy, "OriginRequestPolicyConfig.Name is required.")
	case c.HeadersConfig == nil || c.CookiesConfig == nil || c.QueryStringsConfig == nil:
		return invalid(edgefn.ResourceOriginRequestPolicy, "OriginRequestPolicyConfig needs HeadersConfig, CookiesConfig and QueryStringsConfig.")
	}
	cfg := edgefn.OriginRequestPolicyConfig{Name: c.Name, Comment: c.Comment}
	var err error
	cfg.Headers, cfg.Cookies, cfg.QueryStrings, err = policyParts(c.HeadersConfig, c.CookiesConfig, c.QueryStringsConfig)
	c.cfg = cfg
	return err
}

func (c *originRequestPolicyConfigXML) config() edgefn.OriginRequestPolicyConfig { return c.cfg }

func newOriginRequestPolicyConfigXML(c *edgefn.OriginRequestPolicyConfig) any {
	x := &originRequestPolicyConfigXML{Comment: c.Comment, Name: c.Name}
	x.HeadersConfig, x.CookiesConfig, x.QueryStringsConfig = newPartsXML(c.Headers, c.Cookies, c.QueryStrings)
	return x
}
