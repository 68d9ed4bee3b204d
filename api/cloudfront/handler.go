// Package cloudfront serves the CloudFront 2020-05-31 REST-XML API for
// CloudFront Functions and the KeyValueStore resource (control plane), so that
// unmodified AWS SDKs, the AWS CLI and Terraform can manage edgefn.
//
// The Handler expects the caller already authenticated: the API root verifies
// the signature and puts the sigv4.Identity in the request context; every
// resource is scoped to that identity's account.
package cloudfront

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/runtime"
)

// Store is the state the handler reads and changes. *store.Store implements it;
// errors are *edgefn.Error (mapped to AWS codes by awserror) or internal.
type Store interface {
	CreateFunction(ctx context.Context, account, name string, cfg edgefn.FunctionConfig, code []byte, tags ...edgefn.Tag) (*edgefn.Function, error)
	GetFunction(ctx context.Context, account, name string, stage edgefn.Stage) (*edgefn.Function, error)
	ListFunctions(ctx context.Context, account string, stage edgefn.Stage, marker string, max int) ([]*edgefn.Function, string, error)
	UpdateFunction(ctx context.Context, account, name, ifMatch string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error)
	PublishFunction(ctx context.Context, account, name, ifMatch string) (*edgefn.Function, error)
	DeleteFunction(ctx context.Context, account, name, ifMatch string) error

	CreateKeyValueStore(ctx context.Context, account, name, comment string, importing bool, tags ...edgefn.Tag) (*edgefn.KeyValueStore, error)
	CompleteImport(ctx context.Context, account, id string, items []edgefn.Item, failure string) (*edgefn.KeyValueStore, error)
	GetKeyValueStore(ctx context.Context, account, name string) (*edgefn.KeyValueStore, error)
	ListKeyValueStores(ctx context.Context, account, status, marker string, max int) ([]*edgefn.KeyValueStore, string, error)
	UpdateKeyValueStore(ctx context.Context, account, name, ifMatch, comment string) (*edgefn.KeyValueStore, error)
	DeleteKeyValueStore(ctx context.Context, account, name, ifMatch string) error

	// The reads of a function's associated store, for TestFunction.
	KeyValueStoreByID(ctx context.Context, account, id string) (*edgefn.KeyValueStore, error)
	GetKey(ctx context.Context, account, id, key string) (edgefn.Item, *edgefn.KeyValueStore, error)

	DistributionStore
	CachePolicyStore
	OriginRequestPolicyStore
	TagStore
	ConnectionFunctionStore
	ResponseHeadersPolicyStore
}

// ConnectionFunctionStore keeps connection functions (mTLS); *store.Store
// implements it. Update, Publish and Delete take the id, Get either.
type ConnectionFunctionStore interface {
	CreateConnectionFunction(ctx context.Context, account, name string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error)
	GetConnectionFunction(ctx context.Context, account, identifier string, stage edgefn.Stage) (*edgefn.Function, error)
	ListConnectionFunctions(ctx context.Context, account string, stage edgefn.Stage, marker string, max int) ([]*edgefn.Function, string, error)
	UpdateConnectionFunction(ctx context.Context, account, id, ifMatch string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error)
	PublishConnectionFunction(ctx context.Context, account, id, ifMatch string) (*edgefn.Function, error)
	DeleteConnectionFunction(ctx context.Context, account, id, ifMatch string) error
}

// Engine compiles function code. A *runtime.CompileError is code the runtime
// refuses to load. RuntimeEngine adapts *runtime.Engine.
type Engine interface {
	Compile(code []byte, rt edgefn.Runtime) (Program, error)
	CompileConnection(code []byte) (Program, error)
}

// Program is compiled function code; *runtime.Program implements it. It must be
// safe for concurrent use: compiled programs are cached and shared.
type Program interface {
	Run(ctx context.Context, ev *event.Event, kvs runtime.KeyValueStore) *runtime.Result
	RunConnection(ctx context.Context, conn *event.Connection, kvs runtime.KeyValueStore) *runtime.Result
}

// RuntimeEngine adapts *runtime.Engine, whose Compile returns the concrete
// *runtime.Program, to Engine.
type RuntimeEngine struct{ *runtime.Engine }

// Compile compiles code with the wrapped engine.
func (e RuntimeEngine) Compile(code []byte, rt edgefn.Runtime) (Program, error) {
	return program(e.Engine.Compile(code, rt))
}

// CompileConnection compiles a connection function with the wrapped engine.
func (e RuntimeEngine) CompileConnection(code []byte) (Program, error) {
	return program(e.Engine.CompileConnection(code))
}

func program(p *runtime.Program, err error) (Program, error) {
	if err != nil {
		return nil, err // not p: a nil *runtime.Program would make a non-nil Program
	}
	return p, nil
}

// Config configures a Handler.
type Config struct {
	Store  Store
	Engine Engine
	// Importer reads the objects named by CreateKeyValueStore's ImportSource
	// (kvsimport.Dir, *kvsimport.S3). Nil refuses imports with UnsupportedOperation.
	Importer kvsimport.Opener
	// Limits are the quotas; the zero value means edgefn.DefaultLimits().
	Limits edgefn.Limits
	// Logger receives server faults and import outcomes; nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the CloudFront API. It owns the goroutines that import
// KeyValueStore data: call Close before closing the Store.
type Handler struct {
	store    Store
	engine   Engine
	importer kvsimport.Opener
	limits   edgefn.Limits
	log      *slog.Logger
	mux      *http.ServeMux
	programs *programCache
	imports  imports
}

// New returns a Handler serving cfg.Store.
func New(cfg Config) *Handler {
	h := &Handler{
		store:    cfg.Store,
		engine:   cfg.Engine,
		importer: cfg.Importer,
		limits:   cfg.Limits,
		log:      cfg.Logger,
		mux:      http.NewServeMux(),
		programs: newProgramCache(programCacheSize),
	}
	if h.limits == (edgefn.Limits{}) {
		h.limits = edgefn.DefaultLimits()
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.imports.ctx, h.imports.cancel = context.WithCancel(context.Background())
	h.routes()
	return h
}

// requestIDHeader carries the request id on every response; error bodies repeat it.
const requestIDHeader = "x-amzn-RequestId"

// ServeHTTP serves one API request. Paths may carry a base path before
// /2020-05-31/ (an endpoint URL with a path, as the SDKs allow).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if w.Header().Get(requestIDHeader) == "" {
		w.Header().Set(requestIDHeader, uuid.NewString())
	}
	h.mux.ServeHTTP(w, stripBasePath(r))
}
