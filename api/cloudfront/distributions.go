package cloudfront

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/edgefn/edgefn"
)

// DistributionStore is the state the distribution operations use;
// *store.Store implements it.
type DistributionStore interface {
	CreateDistribution(ctx context.Context, account string, cfg edgefn.DistributionConfig, raw []byte, tags []edgefn.Tag) (*edgefn.Distribution, error)
	GetDistribution(ctx context.Context, account, id string) (*edgefn.Distribution, error)
	ListDistributions(ctx context.Context, account, marker string, max int) ([]*edgefn.Distribution, string, error)
	UpdateDistribution(ctx context.Context, account, id, ifMatch string, cfg edgefn.DistributionConfig, raw []byte) (*edgefn.Distribution, error)
	DeleteDistribution(ctx context.Context, account, id, ifMatch string) error
}

// readBody reads a request document, refusing one over maxRequestBytes.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxRequestBytes {
		return nil, edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRequest, "The request body is larger than %d bytes.", maxRequestBytes)
	}
	return body, nil
}

// createDistribution serves CreateDistribution and, with ?WithTags,
// CreateDistributionWithTags (one path, told apart by the query).
func (h *Handler) createDistribution(w http.ResponseWriter, r *http.Request, account string) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	doc, err := readDistributionDoc(body, r.URL.Query().Has("WithTags"))
	if err != nil {
		return err
	}
	d, err := h.store.CreateDistribution(r.Context(), account, doc.config, doc.raw, doc.tags)
	if err != nil {
		return err
	}
	w.Header().Set("Location", locationBase+"distribution/"+d.ID)
	return writeDistribution(w, http.StatusCreated, d)
}

func (h *Handler) getDistribution(w http.ResponseWriter, r *http.Request, account string) error {
	d, err := h.store.GetDistribution(r.Context(), account, r.PathValue("Id"))
	if err != nil {
		return err
	}
	return writeDistribution(w, http.StatusOK, d)
}

// getDistributionConfig answers with the DistributionConfig as it was sent.
func (h *Handler) getDistributionConfig(w http.ResponseWriter, r *http.Request, account string) error {
	d, err := h.store.GetDistribution(r.Context(), account, r.PathValue("Id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", d.ETag)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(d.RawConfig)))
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, xml.Header)
	w.Write(d.RawConfig) // an error here is a client gone away
	return nil
}

func (h *Handler) updateDistribution(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, edgefn.ResourceDistribution)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	doc, err := readDistributionDoc(body, false)
	if err != nil {
		return err
	}
	d, err := h.store.UpdateDistribution(r.Context(), account, r.PathValue("Id"), etag, doc.config, doc.raw)
	if err != nil {
		return err
	}
	return writeDistribution(w, http.StatusOK, d)
}

func (h *Handler) listDistributions(w http.ResponseWriter, r *http.Request, account string) error {
	p, err := pageParams(r, edgefn.ResourceDistribution)
	if err != nil {
		return err
	}
	ds, next, err := h.store.ListDistributions(r.Context(), account, p.marker, p.maxItems)
	if err != nil {
		return err
	}
	l, err := newDistributionListXML(ds, p.marker, p.maxItems, next)
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, "DistributionList", l)
}

func writeDistribution(w http.ResponseWriter, status int, d *edgefn.Distribution) error {
	doc, err := newDistributionXML(d)
	if err != nil {
		return fmt.Errorf("distribution %s: stored configuration: %w", d.ID, err)
	}
	w.Header().Set("ETag", d.ETag)
	return writeXML(w, status, "Distribution", doc)
}
