package cloudfront

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/edgefn/edgefn"
)

// edgefn keeps tags for distributions (Terraform reads and writes them with
// every distribution); other resources accept tags at creation and drop them.

// taggedDistribution returns the id of the distribution the Resource
// parameter names, which must be one of the caller's.
func taggedDistribution(r *http.Request, account string) (string, error) {
	arn := r.URL.Query().Get("Resource")
	id, ok := strings.CutPrefix(arn, edgefn.DistributionARN(account, ""))
	if arn == "" || !ok || id == "" {
		return "", invalid(edgefn.ResourceTag, "The resource %q is not a distribution of this account: edgefn keeps tags for distributions only.", arn)
	}
	return id, nil
}

// noSuchResource reports a missing distribution the way the tagging
// operations do.
func noSuchResource(err error) error {
	var de *edgefn.Error
	if errors.As(err, &de) && de.Kind == edgefn.ErrNotFound {
		return edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceTag, "%s", de.Message)
	}
	return err
}

func (h *Handler) listTagsForResource(w http.ResponseWriter, r *http.Request, account string) error {
	id, err := taggedDistribution(r, account)
	if err != nil {
		return err
	}
	d, err := h.store.GetDistribution(r.Context(), account, id)
	if err != nil {
		return noSuchResource(err)
	}
	var doc tagsXML
	for _, t := range d.Tags {
		doc.Items = append(doc.Items, tagXML{Key: t.Key, Value: t.Value})
	}
	return writeXML(w, http.StatusOK, "Tags", &doc)
}

// tagKeysXML is TagKeys, the body of UntagResource.
type tagKeysXML struct {
	Keys []string `xml:"Items>Key"`
}

// tagResource serves TagResource and UntagResource: one path, told apart
// by the Operation parameter.
func (h *Handler) tagResource(w http.ResponseWriter, r *http.Request, account string) error {
	id, err := taggedDistribution(r, account)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	switch op := r.URL.Query().Get("Operation"); op {
	case "Tag":
		var doc tagsXML
		if err := xml.Unmarshal(body, &doc); err != nil {
			return malformed("The Tags document is not valid: %v.", err)
		}
		tags := make([]edgefn.Tag, len(doc.Items))
		for i, t := range doc.Items {
			tags[i] = edgefn.Tag{Key: t.Key, Value: t.Value}
		}
		err = h.store.TagDistribution(r.Context(), account, id, tags)
	case "Untag":
		var doc tagKeysXML
		if err := xml.Unmarshal(body, &doc); err != nil {
			return malformed("The TagKeys document is not valid: %v.", err)
		}
		err = h.store.UntagDistribution(r.Context(), account, id, doc.Keys)
	default:
		return edgefn.Errorf(edgefn.ErrUnsupported, edgefn.ResourceRequest, "The tagging operation %q is not supported.", op)
	}
	if err != nil {
		return noSuchResource(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
