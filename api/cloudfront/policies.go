package cloudfront

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/edgefn/edgefn"
)

// policyStore is the store's side of one kind of policy (cache, origin
// request, response headers): *store.Store has a set of these methods per kind.
type policyStore[C any] struct {
	create func(ctx context.Context, account string, cfg C) (*edgefn.Policy[C], error)
	get    func(ctx context.Context, account, id string) (*edgefn.Policy[C], error)
	list   func(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.Policy[C], string, error)
	update func(ctx context.Context, account, id, ifMatch string, cfg C) (*edgefn.Policy[C], error)
	delete func(ctx context.Context, account, id, ifMatch string) error
	// distributions lists the ids of the distributions using a policy.
	distributions func(ctx context.Context, account, id, marker string, max int) ([]string, string, error)
}

// policyAPI serves the six operations of one kind of policy, which differ
// only in their path, their documents and their store calls.
type policyAPI[C any] struct {
	path string // under /2020-05-31/: "cache-policy"
	// byPath lists the distributions using one: "distributionsByCachePolicyId".
	byPath string
	// root names the documents: <root>, <root>Config, <root>List, <root>Summary.
	root  string
	res   edgefn.Resource
	store policyStore[C]
	// decode reads and checks a <root>Config request document; configXML
	// makes one for a response.
	decode    func(r *http.Request, limits edgefn.Limits) (C, error)
	configXML func(*C) any
}

// routePolicies registers the operations of a.
func routePolicies[C any](h *Handler, a *policyAPI[C]) {
	base := "/2020-05-31/" + a.path
	h.handle("POST "+base, func(w http.ResponseWriter, r *http.Request, account string) error {
		cfg, err := a.decode(r, h.limits)
		if err != nil {
			return err
		}
		p, err := a.store.create(r.Context(), account, cfg)
		if err != nil {
			return err
		}
		w.Header().Set("Location", locationBase+a.path+"/"+p.ID)
		return a.write(w, http.StatusCreated, p)
	})
	h.handle("GET "+base+"/{Id}", func(w http.ResponseWriter, r *http.Request, account string) error {
		p, err := a.store.get(r.Context(), account, r.PathValue("Id"))
		if err != nil {
			return err
		}
		return a.write(w, http.StatusOK, p)
	})
	h.handle("GET "+base+"/{Id}/config", func(w http.ResponseWriter, r *http.Request, account string) error {
		p, err := a.store.get(r.Context(), account, r.PathValue("Id"))
		if err != nil {
			return err
		}
		w.Header().Set("ETag", p.ETag)
		return writeXML(w, http.StatusOK, a.root+"Config", a.configXML(&p.Config))
	})
	h.handle("GET "+base, func(w http.ResponseWriter, r *http.Request, account string) error {
		pg, err := pageParams(r, a.res)
		if err != nil {
			return err
		}
		ps, next, err := a.store.list(r.Context(), account, r.URL.Query().Get("Type"), pg.marker, pg.maxItems)
		if err != nil {
			return err
		}
		entries := make([]*policySummaryXML, len(ps))
		for i, p := range ps {
			typ := "custom"
			if p.Managed() {
				typ = "managed"
			}
			entries[i] = &policySummaryXML{XMLName: xml.Name{Local: a.root + "Summary"}, Type: typ, Policy: a.policyXML(p)}
		}
		return writeXML(w, http.StatusOK, a.root+"List", newList(entries, pg.maxItems, next))
	})
	h.handle("PUT "+base+"/{Id}", func(w http.ResponseWriter, r *http.Request, account string) error {
		etag, err := ifMatch(r, a.res)
		if err != nil {
			return err
		}
		cfg, err := a.decode(r, h.limits)
		if err != nil {
			return err
		}
		p, err := a.store.update(r.Context(), account, r.PathValue("Id"), etag, cfg)
		if err != nil {
			return err
		}
		return a.write(w, http.StatusOK, p)
	})
	routeDistributionsUsing(h, a)
	h.handle("DELETE "+base+"/{Id}", deleteByID(a.res, a.store.delete))
}

// routeDistributionsUsing registers ListDistributionsBy…PolicyId.
func routeDistributionsUsing[C any](h *Handler, a *policyAPI[C]) {
	h.handle("GET /2020-05-31/"+a.byPath+"/{Id}", func(w http.ResponseWriter, r *http.Request, account string) error {
		pg, err := pageParams(r, edgefn.ResourceDistribution)
		if err != nil {
			return err
		}
		ids, next, err := a.store.distributions(r.Context(), account, r.PathValue("Id"), pg.marker, pg.maxItems)
		if err != nil {
			return err
		}
		l := newMarkedList[distributionIDsXML](pg.marker, next, pg.maxItems, len(ids))
		if len(ids) > 0 {
			l.Items = &distributionIDsXML{ids}
		}
		return writeXML(w, http.StatusOK, "DistributionIdList", l)
	})
}

// distributionIDsXML are the Items of DistributionIdList.
type distributionIDsXML struct {
	IDs []string `xml:"DistributionId"`
}

func (a *policyAPI[C]) write(w http.ResponseWriter, status int, p *edgefn.Policy[C]) error {
	w.Header().Set("ETag", p.ETag)
	return writeXML(w, status, a.root, a.policyXML(p))
}

// policyXML is CachePolicy, OriginRequestPolicy or ResponseHeadersPolicy: its configuration is
// written under the name the config document carries.
type policyXML struct {
	XMLName          xml.Name
	ID               string `xml:"Id"`
	LastModifiedTime string `xml:"LastModifiedTime"`
	Config           any
}

func (a *policyAPI[C]) policyXML(p *edgefn.Policy[C]) *policyXML {
	return &policyXML{XMLName: xml.Name{Local: a.root}, ID: p.ID, LastModifiedTime: formatTime(p.LastModified), Config: a.configXML(&p.Config)}
}

// policySummaryXML is an entry of CachePolicyList, OriginRequestPolicyList
// or ResponseHeadersPolicyList.
type policySummaryXML struct {
	XMLName xml.Name
	Type    string `xml:"Type"`
	Policy  *policyXML
}

// decoder returns the decode of a policyAPI for the request document D.
func decoder[C, D any, P interface {
	*D
	request
	config() C
}]() func(r *http.Request, limits edgefn.Limits) (C, error) {
	return func(r *http.Request, limits edgefn.Limits) (C, error) {
		doc, err := decode[D, P](r, limits)
		if err != nil {
			var zero C
			return zero, err
		}
		return doc.config(), nil
	}
}
