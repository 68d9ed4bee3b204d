package cloudfront

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/edgefn/edgefn"
)

// TagStore keeps the tags of distributions, functions and key value
// stores, each named by its ARN; *store.Store implements it.
type TagStore interface {
	ListTags(ctx context.Context, account, arn string) ([]edgefn.Tag, error)
	TagResource(ctx context.Context, account, arn string, tags []edgefn.Tag) error
	UntagResource(ctx context.Context, account, arn string, keys []string) error
}

// tagsXML is Tags, in requests and responses.
type tagsXML struct {
	Items []tagXML `xml:"Items>Tag"`
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func (t tagsXML) tags() []edgefn.Tag {
	out := make([]edgefn.Tag, len(t.Items))
	for i, tag := range t.Items {
		out[i] = edgefn.Tag{Key: tag.Key, Value: tag.Value}
	}
	return out
}

func newTagsXML(tags []edgefn.Tag) *tagsXML {
	doc := &tagsXML{}
	for _, t := range tags {
		doc.Items = append(doc.Items, tagXML{Key: t.Key, Value: t.Value})
	}
	return doc
}

func (h *Handler) listTagsForResource(w http.ResponseWriter, r *http.Request, account string) error {
	tags, err := h.store.ListTags(r.Context(), account, r.URL.Query().Get("Resource"))
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, "Tags", newTagsXML(tags))
}

// tagKeysXML is TagKeys, the body of UntagResource.
type tagKeysXML struct {
	Keys []string `xml:"Items>Key"`
}

// tagResource serves TagResource and UntagResource: one path, told apart
// by the Operation parameter.
func (h *Handler) tagResource(w http.ResponseWriter, r *http.Request, account string) error {
	arn := r.URL.Query().Get("Resource")
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
		err = h.store.TagResource(r.Context(), account, arn, doc.tags())
	case "Untag":
		var doc tagKeysXML
		if err := xml.Unmarshal(body, &doc); err != nil {
			return malformed("The TagKeys document is not valid: %v.", err)
		}
		err = h.store.UntagResource(r.Context(), account, arn, doc.Keys)
	default:
		return edgefn.Errorf(edgefn.ErrUnsupported, edgefn.ResourceRequest, "The tagging operation %q is not supported.", op)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
