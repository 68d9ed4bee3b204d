package cloudfront

import (
	"net/http"

	"github.com/edgefn/edgefn"
)

// createKeyValueStore creates a READY store, or with an ImportSource a
// PROVISIONING one that a background import fills (see importInto).
func (h *Handler) createKeyValueStore(w http.ResponseWriter, r *http.Request, account string) error {
	req, err := decode[createKeyValueStoreRequest](r, h.limits)
	if err != nil {
		return err
	}
	var k *edgefn.KeyValueStore
	if req.source == nil {
		k, err = h.store.CreateKeyValueStore(r.Context(), account, *req.Name, req.Comment, false, req.Tags.tags()...)
	} else {
		k, err = h.importInto(r.Context(), account, *req.Name, req.Comment, req.Tags.tags(), *req.source)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", locationBase+"key-value-store/"+k.ARN())
	return writeKeyValueStore(w, http.StatusCreated, k)
}

func (h *Handler) describeKeyValueStore(w http.ResponseWriter, r *http.Request, account string) error {
	name, err := pathName(r, edgefn.ResourceKeyValueStore)
	if err != nil {
		return err
	}
	k, err := h.store.GetKeyValueStore(r.Context(), account, name)
	if err != nil {
		return err
	}
	return writeKeyValueStore(w, http.StatusOK, k)
}

// listKeyValueStores lists the account's stores; Status (PROVISIONING, READY,
// IMPORT_FAILURE) filters them, checked by the store.
func (h *Handler) listKeyValueStores(w http.ResponseWriter, r *http.Request, account string) error {
	p, err := pageParams(r, edgefn.ResourceKeyValueStore)
	if err != nil {
		return err
	}
	stores, next, err := h.store.ListKeyValueStores(r.Context(), account, r.URL.Query().Get("Status"), p.marker, p.maxItems)
	if err != nil {
		return err
	}
	entries := make([]keyValueStoreXML, len(stores))
	for i, k := range stores {
		entries[i] = storeXML(k)
	}
	return writeXML(w, http.StatusOK, "KeyValueStoreList", newList(entries, p.maxItems, next))
}

func (h *Handler) updateKeyValueStore(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceKeyValueStore)
	if err != nil {
		return err
	}
	req, err := decode[updateKeyValueStoreRequest](r, h.limits)
	if err != nil {
		return err
	}
	k, err := h.store.UpdateKeyValueStore(r.Context(), account, name, etag, *req.Comment)
	if err != nil {
		return err
	}
	return writeKeyValueStore(w, http.StatusOK, k)
}

func (h *Handler) deleteKeyValueStore(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceKeyValueStore)
	if err != nil {
		return err
	}
	if err := h.store.DeleteKeyValueStore(r.Context(), account, name, etag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeKeyValueStore sends a KeyValueStore document with the store's
// control-plane ETag (the data plane versions the items with another).
func writeKeyValueStore(w http.ResponseWriter, status int, k *edgefn.KeyValueStore) error {
	w.Header().Set("ETag", k.ETag)
	return writeXML(w, status, "KeyValueStore", storeXML(k))
}
