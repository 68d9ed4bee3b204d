package kvs

import (
	"context"
	"unicode/utf8"

	"github.com/edgefn/edgefn"
)

const (
	maxKeyChars = 1024 // Key in the model; the Store applies the smaller byte quota.
	// jsonSlack covers a body's JSON syntax around its keys and values.
	jsonSlack = 64 << 10
)

func (h *Handler) putKey(ctx context.Context, c *call) (result, error) {
	ifMatch, err := requireIfMatch(c)
	if err != nil {
		return result{}, err
	}
	var in putKeyInput
	// Every value byte may arrive as a six-byte \u escape.
	if err := decodeBody(c.r, 6*int64(h.limits.KVSValueBytes)+jsonSlack, &in); err != nil {
		return result{}, err
	}
	if in.Value == nil {
		return result{}, missing("Value")
	}
	return h.update(ctx, c, ifMatch, []edgefn.Item{{Key: c.key, Value: *in.Value}}, nil)
}

func (h *Handler) deleteKey(ctx context.Context, c *call) (result, error) {
	ifMatch, err := requireIfMatch(c)
	if err != nil {
		return result{}, err
	}
	return h.update(ctx, c, ifMatch, nil, []string{c.key})
}

func (h *Handler) updateKeys(ctx context.Context, c *call) (result, error) {
	ifMatch, err := requireIfMatch(c)
	if err != nil {
		return result{}, err
	}
	var in updateKeysInput
	if err := decodeBody(c.r, int64(h.limits.KVSBatchBytes)+jsonSlack, &in); err != nil {
		return result{}, err
	}
	puts := make([]edgefn.Item, len(in.Puts))
	for i, p := range in.Puts {
		if p.Key == nil {
			return result{}, missing("Puts.Key")
		}
		if p.Value == nil {
			return result{}, missing("Puts.Value")
		}
		if err := validateKey(*p.Key); err != nil {
			return result{}, err
		}
		puts[i] = edgefn.Item{Key: *p.Key, Value: *p.Value}
	}
	deletes := make([]string, len(in.Deletes))
	for i, d := range in.Deletes {
		if d.Key == nil {
			return result{}, missing("Deletes.Key")
		}
		if err := validateKey(*d.Key); err != nil {
			return result{}, err
		}
		deletes[i] = *d.Key
	}
	return h.update(ctx, c, ifMatch, puts, deletes)
}

// update applies one atomic change and reports the store's totals after it.
func (h *Handler) update(ctx context.Context, c *call, ifMatch string, puts []edgefn.Item, deletes []string) (result, error) {
	kvs, err := h.store.UpdateKeys(ctx, c.account, c.id, ifMatch, puts, deletes)
	if err != nil {
		return result{}, err
	}
	return result{etag: kvs.DataETag, body: writeOutput{ItemCount: kvs.ItemCount, TotalSizeInBytes: kvs.TotalSize}}, nil
}

func requireIfMatch(c *call) (string, error) {
	v := c.r.Header.Get("If-Match")
	if v == "" {
		return "", missing("If-Match")
	}
	return v, nil
}

// validateKey applies the model's Key constraint: 1 to 1024 characters.
func validateKey(key string) error {
	if !utf8.ValidString(key) {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey, "Key must be valid UTF-8.")
	}
	if n := utf8.RuneCountInString(key); n < 1 || n > maxKeyChars {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKey,
			"Key must be 1 to %d characters long; got %d.", maxKeyChars, n)
	}
	return nil
}

func missing(member string) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "%s is required.", member)
}
