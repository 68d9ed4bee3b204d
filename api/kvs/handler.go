// Package kvs serves the CloudFront KeyValueStore data-plane API
// (cloudfront-keyvaluestore 2022-07-26, REST-JSON): DescribeKeyValueStore, GetKey,
// ListKeys, PutKey, DeleteKey and UpdateKeys, addressed by store ARN.
//
// The handler expects the caller to be authenticated already: it reads the
// account from sigv4.IdentityFrom(ctx). Accounts are isolated, so a store ARN
// naming another account is refused with AccessDeniedException even when the
// store exists (AWS would need a resource policy for that; edgefn has none).
package kvs

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/awserror"
	"github.com/edgefn/edgefn/api/sigv4"
)

// Prefix starts the path of every data-plane operation, possibly after a base
// path (an endpoint URL with a path keeps it as a prefix).
const Prefix = "/key-value-stores/"

// Store is the data plane of the state store. Errors are *edgefn.Error; ifMatch
// is the store's data ETag and UpdateKeys applies all changes or none.
type Store interface {
	KeyValueStoreByID(ctx context.Context, account, id string) (*edgefn.KeyValueStore, error)
	GetKey(ctx context.Context, account, id, key string) (edgefn.Item, *edgefn.KeyValueStore, error)
	ListKeys(ctx context.Context, account, id, nextToken string, max int) ([]edgefn.Item, string, error)
	UpdateKeys(ctx context.Context, account, id, ifMatch string, puts []edgefn.Item, deletes []string) (*edgefn.KeyValueStore, error)
}

// Config configures a Handler.
type Config struct {
	Store Store
	// Limits bound request sizes and ListKeys pages; the zero value means
	// edgefn.DefaultLimits(). Item and store quotas are the Store's to enforce.
	Limits edgefn.Limits
	// Logger receives one record per failed request; nil discards.
	Logger *slog.Logger
}

// Handler is the http.Handler of the data plane. It accepts any Host: the
// SDKs prepend the account id to the endpoint's host name.
type Handler struct {
	store  Store
	limits edgefn.Limits
	log    *slog.Logger
}

// New returns a Handler serving cfg.Store.
func New(cfg Config) *Handler {
	h := &Handler{
		store:  cfg.Store,
		limits: cfg.Limits,
		log:    cfg.Logger,
	}
	if h.limits == (edgefn.Limits{}) {
		h.limits = edgefn.DefaultLimits()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// call is one routed request: the operation's inputs taken from the path.
type call struct {
	r       *http.Request
	account string
	id      string // store id from the ARN
	arn     string
	key     string // GetKey, PutKey, DeleteKey only
}

// result is what a successful operation sends: a JSON body and, for writes
// and Describe, the store's new data ETag.
type result struct {
	etag string
	body any
}

type operation func(ctx context.Context, c *call) (result, error)

// ServeHTTP serves one data-plane operation. Every response carries
// x-amzn-RequestId; failures are logged with it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	name, res, err := h.serve(r)
	if err != nil {
		code, msg := awserror.KeyValueStore(err)
		awserror.WriteJSON(w, reqID, code, msg)
		level := slog.LevelDebug
		if code.Fault() {
			level = slog.LevelError
		}
		h.log.Log(r.Context(), level, "kvs request failed", "op", name, "method", r.Method,
			"path", r.URL.EscapedPath(), "status", code.Status, "code", code.Name,
			"request_id", reqID, "duration", time.Since(start), "err", err)
		return
	}
	w.Header().Set(awserror.RequestIDHeader, reqID)
	if res.etag != "" {
		w.Header().Set("ETag", res.etag)
	}
	writeJSON(w, res.body)
}

// serve routes r, checks the caller may address the store and runs the
// operation. name is the operation's AWS name, for logs.
func (h *Handler) serve(r *http.Request) (name string, res result, err error) {
	name, op, arn, key, err := h.route(r)
	if err != nil {
		return name, res, err
	}
	account, id, err := parseARN(arn)
	if err != nil {
		return name, res, err
	}
	caller, ok := sigv4.IdentityFrom(r.Context())
	if !ok || caller.AccountID == "" {
		return name, res, edgefn.Errorf(edgefn.ErrAccessDenied, edgefn.ResourceRequest, "The request is not authenticated.")
	}
	if caller.AccountID != account {
		return name, res, edgefn.Errorf(edgefn.ErrAccessDenied, edgefn.ResourceKeyValueStore,
			"Account %s is not authorized to access key value store %s.", caller.AccountID, arn)
	}
	res, err = op(r.Context(), &call{r: r, account: account, id: id, arn: arn, key: key})
	return name, res, err
}

// route picks the operation from the method and the escaped path. It splits
// the escaped path itself rather than using http.ServeMux: ARNs and keys carry
// %2F, and the SDKs send the keys "." and ".." unescaped, which ServeMux would
// "clean" into a redirect to a different operation.
func (h *Handler) route(r *http.Request) (name string, op operation, arn, key string, err error) {
	p := r.URL.EscapedPath()
	i := strings.Index(p, Prefix)
	if i < 0 {
		return "", nil, "", "", unknownOperation(r)
	}
	segs := strings.Split(p[i+len(Prefix):], "/")
	var shape string
	switch {
	case len(segs) == 1:
		shape = "store"
	case len(segs) == 2 && segs[1] == "keys":
		shape = "keys"
	case len(segs) == 3 && segs[1] == "keys":
		shape = "key"
	}
	switch r.Method + " " + shape {
	case "GET store":
		name, op = "DescribeKeyValueStore", h.describe
	case "GET keys":
		name, op = "ListKeys", h.listKeys
	case "POST keys":
		name, op = "UpdateKeys", h.updateKeys
	case "GET key":
		name, op = "GetKey", h.getKey
	case "PUT key":
		name, op = "PutKey", h.putKey
	case "DELETE key":
		name, op = "DeleteKey", h.deleteKey
	default:
		return "", nil, "", "", unknownOperation(r)
	}
	if arn, err = unescape(segs[0], "KvsARN"); err != nil {
		return name, nil, "", "", err
	}
	if shape == "key" {
		if key, err = unescape(segs[2], "Key"); err != nil {
			return name, nil, "", "", err
		}
		if err = validateKey(key); err != nil {
			return name, nil, "", "", err
		}
	}
	return name, op, arn, key, nil
}

func unescape(seg, member string) (string, error) {
	s, err := url.PathUnescape(seg)
	if err != nil {
		return "", edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "%s is not a valid percent-encoded path segment.", member)
	}
	return s, nil
}

func unknownOperation(r *http.Request) error {
	return edgefn.Errorf(edgefn.ErrUnsupported, edgefn.ResourceRequest,
		"No operation matches %s %s.", r.Method, r.URL.EscapedPath())
}
