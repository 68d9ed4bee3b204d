package cloudfront

import (
	"context"
	"net/http"

	"github.com/edgefn/edgefn"
)

// CachePolicyStore is the state the cache policy and invalidation operations
// use; *store.Store implements it.
type CachePolicyStore interface {
	CreateCachePolicy(ctx context.Context, account string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error)
	GetCachePolicy(ctx context.Context, account, id string) (*edgefn.CachePolicy, error)
	ListCachePolicies(ctx context.Context, account, typ, marker string, max int) ([]*edgefn.CachePolicy, string, error)
	UpdateCachePolicy(ctx context.Context, account, id, ifMatch string, cfg edgefn.CachePolicyConfig) (*edgefn.CachePolicy, error)
	DeleteCachePolicy(ctx context.Context, account, id, ifMatch string) error
	ListDistributionsByCachePolicyID(ctx context.Context, account, id, marker string, max int) ([]string, string, error)

	CreateInvalidation(ctx context.Context, account, dist, ref string, paths []string) (*edgefn.Invalidation, error)
	GetInvalidation(ctx context.Context, account, dist, id string) (*edgefn.Invalidation, error)
	ListInvalidations(ctx context.Context, account, dist, marker string, max int) ([]*edgefn.Invalidation, string, error)
}

// cachePolicyAPI serves the cache policy operations.
func (h *Handler) cachePolicyAPI() *policyAPI[edgefn.CachePolicyConfig] {
	return &policyAPI[edgefn.CachePolicyConfig]{
		path: "cache-policy", byPath: "distributionsByCachePolicyId", root: "CachePolicy", res: edgefn.ResourceCachePolicy,
		store: policyStore[edgefn.CachePolicyConfig]{
			create: h.store.CreateCachePolicy, get: h.store.GetCachePolicy, list: h.store.ListCachePolicies,
			update: h.store.UpdateCachePolicy, delete: h.store.DeleteCachePolicy,
			distributions: h.store.ListDistributionsByCachePolicyID,
		},
		decode:    decoder[edgefn.CachePolicyConfig, cachePolicyConfigXML](),
		configXML: newCachePolicyConfigXML,
	}
}

func (h *Handler) createInvalidation(w http.ResponseWriter, r *http.Request, account string) error {
	doc, err := decode[invalidationBatchXML](r, h.limits)
	if err != nil {
		return err
	}
	dist := r.PathValue("DistributionId")
	inv, err := h.store.CreateInvalidation(r.Context(), account, dist, doc.CallerReference, doc.Paths.Items)
	if err != nil {
		return err
	}
	w.Header().Set("Location", locationBase+"distribution/"+dist+"/invalidation/"+inv.ID)
	return writeXML(w, http.StatusCreated, "Invalidation", newInvalidationXML(inv))
}

func (h *Handler) getInvalidation(w http.ResponseWriter, r *http.Request, account string) error {
	inv, err := h.store.GetInvalidation(r.Context(), account, r.PathValue("DistributionId"), r.PathValue("Id"))
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, "Invalidation", newInvalidationXML(inv))
}

func (h *Handler) listInvalidations(w http.ResponseWriter, r *http.Request, account string) error {
	pg, err := pageParams(r, edgefn.ResourceInvalidation)
	if err != nil {
		return err
	}
	invs, next, err := h.store.ListInvalidations(r.Context(), account, r.PathValue("DistributionId"), pg.marker, pg.maxItems)
	if err != nil {
		return err
	}
	l := newMarkedList[itemsXML[*invalidationSummaryXML]](pg.marker, next, pg.maxItems, len(invs))
	if len(invs) > 0 {
		l.Items = &itemsXML[*invalidationSummaryXML]{}
		for _, inv := range invs {
			l.Items.Entries = append(l.Items.Entries, &invalidationSummaryXML{ID: inv.ID, CreateTime: formatTime(inv.Created), Status: edgefn.InvalidationCompleted})
		}
	}
	return writeXML(w, http.StatusOK, "InvalidationList", l)
}
