package kvs

import (
	"context"
	"strconv"

	"github.com/edgefn/edgefn"
)

// defaultMaxResults is ListKeys' page size when MaxResults is absent (model doc).
const defaultMaxResults = 10

func (h *Handler) describe(ctx context.Context, c *call) (result, error) {
	kvs, err := h.store.KeyValueStoreByID(ctx, c.account, c.id)
	if err != nil {
		return result{}, err
	}
	return result{etag: kvs.DataETag, body: describeOutput{
		ItemCount:        kvs.ItemCount,
		TotalSizeInBytes: kvs.TotalSize,
		KvsARN:           c.arn,
		Created:          epochSeconds(kvs.Created),
		LastModified:     optionalTime(kvs.LastModified),
		Status:           kvs.Status,
		FailureReason:    kvs.FailureReason,
	}}, nil
}

func (h *Handler) getKey(ctx context.Context, c *call) (result, error) {
	item, kvs, err := h.store.GetKey(ctx, c.account, c.id, c.key)
	if err != nil {
		return result{}, err
	}
	return result{body: getKeyOutput{
		Key:              item.Key,
		Value:            item.Value,
		ItemCount:        kvs.ItemCount,
		TotalSizeInBytes: kvs.TotalSize,
	}}, nil
}

func (h *Handler) listKeys(ctx context.Context, c *call) (result, error) {
	q := c.r.URL.Query()
	limit := min(defaultMaxResults, h.limits.ListKeysMaxResults)
	if s := q.Get("MaxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > h.limits.ListKeysMaxResults {
			return result{}, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest,
				"MaxResults must be an integer from 1 to %d.", h.limits.ListKeysMaxResults)
		}
		limit = n
	}
	items, next, err := h.store.ListKeys(ctx, c.account, c.id, q.Get("NextToken"), limit)
	if err != nil {
		return result{}, err
	}
	out := listKeysOutput{Items: make([]listItem, len(items)), NextToken: next}
	for i, it := range items {
		out.Items[i] = listItem(it)
	}
	return result{body: out}, nil
}
