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

	CreateInvalidation(ctx context.Context, account, dist, ref string, paths []string) (*edgefn.Invalidation, error)
	GetInvalidation(ctx context.Context, account, dist, id string) (*edgefn.Invalidation, error)
	ListInvalidations(ctx context.Context, account, dist, marker string, max int) ([]*edgefn.Invalidation, string, error)
}

func (h *Handler) createCachePolicy(w http.ResponseWriter, r *http.Request, account string) error {
	doc, err := decode[cachePolicyConfigXML](r, h.limits)
	if err != nil {
		return err
	}
	p, err := h.store.CreateCachePolicy(r.Context(), account, doc.config)
	if err != nil {
		return err
	}
	w.Header().Set("Location", locationBase+"cache-policy/"+p.ID)
	return writeCachePolicy(w, http.StatusCreated, p)
}

func (h *Handler) getCachePolicy(w http.ResponseWriter, r *http.Request, account string) error {
	p, err := h.store.GetCachePolicy(r.Context(), account, r.PathValue("Id"))
	if err != nil {
		return err
	}
	return writeCachePolicy(w, http.StatusOK, p)
}

func (h *Handler) getCachePolicyConfig(w http.ResponseWriter, r *http.Request, account string) error {
	p, err := h.store.GetCachePolicy(r.Context(), account, r.PathValue("Id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", p.ETag)
	return writeXML(w, http.StatusOK, "CachePolicyConfig", newCachePolicyConfigXML(&p.Config))
}

func (h *Handler) listCachePolicies(w http.ResponseWriter, r *http.Request, account string) error {
	pg, err := pageParams(r, edgefn.ResourceCachePolicy)
	if err != nil {
		return err
	}
	ps, next, err := h.store.ListCachePolicies(r.Context(), account, r.URL.Query().Get("Type"), pg.marker, pg.maxItems)
	if err != nil {
		return err
	}
	entries := make([]*cachePolicySummaryXML, len(ps))
	for i, p := range ps {
		typ := "custom"
		if p.Managed() {
			typ = "managed"
		}
		entries[i] = &cachePolicySummaryXML{Type: typ, Policy: newCachePolicyXML(p)}
	}
	return writeXML(w, http.StatusOK, "CachePolicyList", newList(entries, pg.maxItems, next))
}

func (h *Handler) updateCachePolicy(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, edgefn.ResourceCachePolicy)
	if err != nil {
		return err
	}
	doc, err := decode[cachePolicyConfigXML](r, h.limits)
	if err != nil {
		return err
	}
	p, err := h.store.UpdateCachePolicy(r.Context(), account, r.PathValue("Id"), etag, doc.config)
	if err != nil {
		return err
	}
	return writeCachePolicy(w, http.StatusOK, p)
}

func (h *Handler) deleteCachePolicy(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, edgefn.ResourceCachePolicy)
	if err != nil {
		return err
	}
	if err := h.store.DeleteCachePolicy(r.Context(), account, r.PathValue("Id"), etag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func writeCachePolicy(w http.ResponseWriter, status int, p *edgefn.CachePolicy) error {
	w.Header().Set("ETag", p.ETag)
	return writeXML(w, status, "CachePolicy", newCachePolicyXML(p))
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
	l := invalidationListXML{Marker: pg.marker, NextMarker: next, MaxItems: pg.maxItems, IsTruncated: next != "", Quantity: len(invs)}
	if len(invs) > 0 {
		l.Items = &itemsXML[*invalidationSummaryXML]{}
		for _, inv := range invs {
			l.Items.Entries = append(l.Items.Entries, &invalidationSummaryXML{ID: inv.ID, CreateTime: formatTime(inv.Created), Status: edgefn.InvalidationCompleted})
		}
	}
	return writeXML(w, http.StatusOK, "InvalidationList", l)
}
