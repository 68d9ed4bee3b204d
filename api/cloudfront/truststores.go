package cloudfront

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgefn/edgefn"
)

// Trust stores (viewer mTLS): CA bundles read from S3 (the S3 directory of
// the importer) when a store is created or updated, kept in the store.

const resTrust = edgefn.ResourceTrustStore

// TrustStoreStore keeps trust stores; *store.Store implements it.
type TrustStoreStore interface {
	CreateTrustStore(ctx context.Context, account string, cfg edgefn.TrustStoreConfig, tags []edgefn.Tag) (*edgefn.TrustStore, error)
	GetTrustStore(ctx context.Context, account, id string) (*edgefn.TrustStore, error)
	ListTrustStores(ctx context.Context, account, marker string, max int) ([]*edgefn.TrustStore, string, error)
	UpdateTrustStore(ctx context.Context, account, id, ifMatch string, cfg edgefn.TrustStoreConfig) (*edgefn.TrustStore, error)
	DeleteTrustStore(ctx context.Context, account, id, ifMatch string) error
	ListDistributionsByTrustStore(ctx context.Context, account, id, marker string, max int) ([]*edgefn.Distribution, string, error)
}

func (h *Handler) createTrustStore(w http.ResponseWriter, r *http.Request, account string) error {
	req, err := decode[createTrustStoreRequest](r, h.limits)
	if err != nil {
		return err
	}
	cfg := edgefn.TrustStoreConfig{Name: req.Name, Source: req.Source.Location.location(), UseOCSP: req.UseOCSP}
	if cfg.Bundle, err = h.readCABundle(r.Context(), cfg.Source); err != nil {
		return err
	}
	ts, err := h.store.CreateTrustStore(r.Context(), account, cfg, req.Tags.tags())
	if err != nil {
		return err
	}
	w.Header().Set("Location", locationBase+"trust-store/"+ts.ID)
	return writeTrustStore(w, http.StatusCreated, ts)
}

// readCABundle reads the bundle at loc through the importer, which serves
// only files under its directory (kvsimport.Dir: os.Root, no empty, "." or
// ".." segment) or a real S3 endpoint. The location is checked first, so no
// name an account chooses reaches the file system unchecked.
func (h *Handler) readCABundle(ctx context.Context, loc edgefn.CABundleLocation) ([]byte, error) {
	if err := loc.Check(); err != nil {
		return nil, err
	}
	if h.importer == nil {
		return nil, edgefn.Errorf(edgefn.ErrUnsupported, resTrust, "This server is not configured to read CA bundles from S3.")
	}
	rc, err := h.importer.Open(ctx, loc.Bucket, loc.Key)
	var e *edgefn.Error
	switch {
	case errors.As(err, &e) && e.Kind == edgefn.ErrNotFound:
		return nil, edgefn.Errorf(edgefn.ErrNotFound, resTrust, "The CA certificates bundle s3://%s/%s does not exist.", loc.Bucket, loc.Key)
	case errors.As(err, &e):
		return nil, edgefn.Errorf(e.Kind, resTrust, "The CA certificates bundle s3://%s/%s cannot be read: %s", loc.Bucket, loc.Key, e.Message)
	case err != nil:
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, edgefn.MaxCABundleBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read CA bundle: %w", err)
	}
	return b, nil
}

func (h *Handler) getTrustStore(w http.ResponseWriter, r *http.Request, account string) error {
	ts, err := h.store.GetTrustStore(r.Context(), account, trustStoreID(account, r.PathValue("Identifier")))
	if err != nil {
		return err
	}
	return writeTrustStore(w, http.StatusOK, ts)
}

// trustStoreID takes an id or the account's ARN of one.
func trustStoreID(account, identifier string) string {
	id, _ := strings.CutPrefix(identifier, edgefn.TrustStoreARN(account, ""))
	return id
}

// listTrustStores takes its Marker and MaxItems in the body, as the model says.
func (h *Handler) listTrustStores(w http.ResponseWriter, r *http.Request, account string) error {
	req := &listTrustStoresRequest{}
	if r.ContentLength != 0 {
		var err error
		if req, err = decode[listTrustStoresRequest](r, h.limits); err != nil {
			return err
		}
	}
	max := maxPageItems
	if req.MaxItems != nil {
		if *req.MaxItems <= 0 {
			return invalid(resTrust, "MaxItems %d is not valid: it must be a positive integer.", *req.MaxItems)
		}
		max = min(*req.MaxItems, maxPageItems)
	}
	ts, next, err := h.store.ListTrustStores(r.Context(), account, req.Marker, max)
	if err != nil {
		return err
	}
	out := trustStoreListXML{NextMarker: next}
	for _, t := range ts {
		out.Items = append(out.Items, trustStoreSummaryXML{trustStoreDoc: newTrustStoreDoc(t), ETag: t.ETag})
	}
	return writeXML(w, http.StatusOK, "ListTrustStoresResult", out)
}

// updateTrustStore replaces the bundle (when the body names a source) and
// the OCSP setting (the UseClientCertificateOCSPEndpoint header; absent
// keeps it). The name stays.
func (h *Handler) updateTrustStore(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, resTrust)
	if err != nil {
		return err
	}
	id := r.PathValue("Id")
	old, err := h.store.GetTrustStore(r.Context(), account, id)
	if err != nil {
		return err
	}
	cfg := old.Config
	if v := r.Header.Get("UseClientCertificateOCSPEndpoint"); v != "" {
		if cfg.UseOCSP, err = strconv.ParseBool(v); err != nil {
			return invalid(resTrust, "UseClientCertificateOCSPEndpoint %q is not a Boolean.", v)
		}
	}
	if r.ContentLength != 0 {
		src, err := decode[bundleSourceXML](r, h.limits)
		if err != nil {
			return err
		}
		cfg.Source = src.Location.location()
		if cfg.Bundle, err = h.readCABundle(r.Context(), cfg.Source); err != nil {
			return err
		}
	}
	ts, err := h.store.UpdateTrustStore(r.Context(), account, id, etag, cfg)
	if err != nil {
		return err
	}
	return writeTrustStore(w, http.StatusOK, ts)
}

func writeTrustStore(w http.ResponseWriter, status int, ts *edgefn.TrustStore) error {
	w.Header().Set("ETag", ts.ETag)
	return writeXML(w, status, "TrustStore", trustStoreXML{trustStoreDoc: newTrustStoreDoc(ts), UseOCSP: ts.Config.UseOCSP})
}

type createTrustStoreRequest struct {
	XMLName xml.Name        `xml:"CreateTrustStoreRequest"`
	Name    string          `xml:"Name"`
	Source  bundleSourceXML `xml:"CaCertificatesBundleSource"`
	UseOCSP bool            `xml:"UseClientCertificateOCSPEndpoint"`
	// Tags are checked (InvalidTagging) and not kept, as for connection functions.
	Tags tagsXML `xml:"Tags"`
}

func (c *createTrustStoreRequest) validate(l edgefn.Limits) error {
	if c.Name == "" {
		return invalid(resTrust, "Name is required.")
	}
	if err := checkName(resTrust, c.Name); err != nil {
		return err
	}
	return c.Source.validate(l)
}

// bundleSourceXML is CaCertificatesBundleSource, a union of one member; it
// is also UpdateTrustStore's payload.
type bundleSourceXML struct {
	Location *bundleLocationXML `xml:"CaCertificatesBundleS3Location"`
}

func (s *bundleSourceXML) validate(edgefn.Limits) error {
	if s.Location == nil {
		return invalid(resTrust, "CaCertificatesBundleSource.CaCertificatesBundleS3Location is required.")
	}
	return nil
}

type bundleLocationXML struct {
	Bucket  string `xml:"Bucket"`
	Key     string `xml:"Key"`
	Region  string `xml:"Region"`
	Version string `xml:"Version"`
}

func (l *bundleLocationXML) location() edgefn.CABundleLocation {
	if l == nil {
		return edgefn.CABundleLocation{}
	}
	return edgefn.CABundleLocation{Bucket: l.Bucket, Key: l.Key, Region: l.Region, Version: l.Version}
}

type listTrustStoresRequest struct {
	XMLName  xml.Name `xml:"ListTrustStoresRequest"`
	Marker   string   `xml:"Marker"`
	MaxItems *int     `xml:"MaxItems"`
}

func (*listTrustStoresRequest) validate(edgefn.Limits) error { return nil }

// trustStoreDoc is what TrustStore and TrustStoreSummary share. Status is
// always active: edgefn reads the bundle before it answers.
type trustStoreDoc struct {
	ID                     string `xml:"Id"`
	ARN                    string `xml:"Arn"`
	Name                   string `xml:"Name"`
	Status                 string `xml:"Status"`
	NumberOfCaCertificates int    `xml:"NumberOfCaCertificates"`
	LastModifiedTime       string `xml:"LastModifiedTime"`
}

func newTrustStoreDoc(ts *edgefn.TrustStore) trustStoreDoc {
	return trustStoreDoc{
		ID: ts.ID, ARN: edgefn.TrustStoreARN(ts.Account, ts.ID), Name: ts.Config.Name, Status: "active",
		NumberOfCaCertificates: ts.Config.Certificates, LastModifiedTime: formatTime(ts.LastModified),
	}
}

type trustStoreXML struct {
	trustStoreDoc
	UseOCSP bool `xml:"UseClientCertificateOCSPEndpoint"`
}

type trustStoreSummaryXML struct {
	trustStoreDoc
	ETag string `xml:"ETag"`
}

// trustStoreListXML is ListTrustStoresResult.
type trustStoreListXML struct {
	NextMarker string                 `xml:"NextMarker,omitempty"`
	Items      []trustStoreSummaryXML `xml:"TrustStoreList>TrustStoreSummary"`
}

// distributionsBy serves ListDistributionsByTrustStore and
// ListDistributionsByConnectionFunction: the distributions that name the
// resource given in the query parameter param, as DistributionList.
func (h *Handler) distributionsBy(param string, res edgefn.Resource, list func(ctx context.Context, account, identifier, marker string, max int) ([]*edgefn.Distribution, string, error)) operation {
	return func(w http.ResponseWriter, r *http.Request, account string) error {
		ident := r.URL.Query().Get(param)
		if ident == "" {
			return invalid(res, "%s is required.", param)
		}
		p, err := pageParams(r, edgefn.ResourceDistribution)
		if err != nil {
			return err
		}
		ds, next, err := list(r.Context(), account, ident, p.marker, p.maxItems)
		if err != nil {
			return err
		}
		l, err := newDistributionListXML(ds, p.marker, p.maxItems, next)
		if err != nil {
			return err
		}
		return writeXML(w, http.StatusOK, "DistributionList", l)
	}
}

func (h *Handler) listDistributionsByTrustStore(ctx context.Context, account, identifier, marker string, max int) ([]*edgefn.Distribution, string, error) {
	return h.store.ListDistributionsByTrustStore(ctx, account, trustStoreID(account, identifier), marker, max)
}
