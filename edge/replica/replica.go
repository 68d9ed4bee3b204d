// Package replica keeps, in memory, what the edge serves: every distribution,
// the LIVE functions its behaviors run (compiled once per published version)
// and the KeyValueStores those functions read. It follows the store's change
// feed (a Snapshot, then Follow) and publishes each new version as an
// immutable State with one atomic swap, so a publish or a KVS write reaches
// the next request within milliseconds and never disturbs one in flight.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
)

// Source is the state the replica follows; *store.Store implements it.
type Source interface {
	Snapshot(ctx context.Context) (*store.Snapshot, error)
	Follow(ctx context.Context, fromRev int64) (<-chan store.Batch, error)
}

// Compiler compiles LIVE code; *runtime.Engine implements it.
type Compiler interface {
	Compile(code []byte, rt edgefn.Runtime) (*runtime.Program, error)
	CompileConnection(code []byte) (*runtime.Program, error)
}

// Retry delays after the feed breaks (the backend closed, a watch fell
// behind compaction): the first retry is quick, repeated ones back off.
const (
	minRetry = 50 * time.Millisecond
	maxRetry = 5 * time.Second
)

var errFeedClosed = errors.New("replica: change feed closed")

// Replica follows a Source. Run does the following; State may be called
// from any goroutine.
type Replica struct {
	src      Source
	compiler Compiler
	log      *slog.Logger

	current   atomic.Pointer[State]
	ready     chan struct{}
	readyOnce sync.Once

	// Owned by Run: the store's state as of the last batch, the compiled
	// programs and the store copies the current State uses.
	mirror   *store.Snapshot
	programs map[string]*compiled  // by function ARN
	views    map[string]*kvs       // by store ARN
	pools    map[string]*trustPool // by store.CachePolicyKey of the trust store
	touched  map[string]bool       // store ARNs changed since the last publish
	dirty    bool                  // functions or distributions changed
}

// compiled is the outcome of compiling one LIVE version.
type compiled struct {
	etag string
	prog *runtime.Program
	err  error
	// runs is Function.Runs of this version.
	runs Runs
}

// New returns a Replica of src; nothing is served until Run has loaded the
// first snapshot (Ready).
func New(src Source, c Compiler, log *slog.Logger) *Replica {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Replica{
		src:      src,
		compiler: c,
		log:      log,
		ready:    make(chan struct{}),
		programs: map[string]*compiled{},
		views:    map[string]*kvs{},
		pools:    map[string]*trustPool{},
		touched:  map[string]bool{},
	}
}

// State returns the current state, nil before the first snapshot.
func (r *Replica) State() *State { return r.current.Load() }

// Ready is closed once State is not nil.
func (r *Replica) Ready() <-chan struct{} { return r.ready }

// Run keeps the replica current until ctx ends. A broken feed is followed by
// a new snapshot, after a short delay.
func (r *Replica) Run(ctx context.Context) error {
	retry := minRetry
	for {
		progressed, err := r.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if progressed {
			retry = minRetry
		}
		r.log.Warn("replica: resynchronising", "rev", r.rev(), "retry_in", retry, "err", err)
		select {
		case <-time.After(retry):
		case <-ctx.Done():
			return nil
		}
		retry = min(2*retry, maxRetry)
	}
}

func (r *Replica) rev() int64 {
	if r.mirror == nil {
		return 0
	}
	return r.mirror.Rev
}

// follow loads a snapshot and applies the feed from it until the feed ends.
// progressed reports whether a snapshot was loaded.
func (r *Replica) follow(ctx context.Context) (progressed bool, err error) {
	snap, err := r.src.Snapshot(ctx)
	if err != nil {
		return false, fmt.Errorf("snapshot: %w", err)
	}
	r.mirror = snap
	clear(r.views)
	r.dirty = true
	r.publish()
	feed, err := r.src.Follow(ctx, snap.Rev)
	if err != nil {
		return true, err
	}
	for {
		select {
		case b, ok := <-feed:
			if !ok {
				return true, errFeedClosed
			}
			r.apply(b)
		case <-ctx.Done():
			return true, ctx.Err()
		}
		// Apply whatever else is already waiting before building a State:
		// under a burst of writes one State serves many revisions.
	drain:
		for {
			select {
			case b, ok := <-feed:
				if !ok {
					r.publish()
					return true, errFeedClosed
				}
				r.apply(b)
			default:
				break drain
			}
		}
		r.publish()
	}
}

// apply moves the mirror forward and notes what the next State must rebuild.
func (r *Replica) apply(b store.Batch) {
	for _, e := range b.Events {
		switch e.Kind {
		case store.EventStorePut, store.EventStoreDataPut, store.EventStoreDeleted, store.EventItemPut, store.EventItemDeleted:
			r.touched[edgefn.KeyValueStoreARN(e.Account, e.StoreID)] = true
		default:
			r.dirty = true
		}
	}
	r.mirror.Apply(b)
}

// publish swaps in a State for the mirror's revision. When nothing served
// changed, the current State is reused under the new revision.
func (r *Replica) publish() {
	for arn := range r.touched {
		delete(r.views, arn)
	}
	if cur := r.current.Load(); cur != nil && !r.dirty && len(r.touched) == 0 {
		next := *cur
		next.Rev = r.mirror.Rev
		r.current.Store(&next)
		return
	}
	clear(r.touched)
	r.dirty = false
	r.current.Store(r.build())
	r.readyOnce.Do(func() { close(r.ready) })
}

// build makes a State of the mirror, compiling only functions that some
// behavior runs and that changed, and copying only stores those functions
// read and that changed.
func (r *Replica) build() *State {
	st := &State{Rev: r.mirror.Rev, hosts: map[string]*Distribution{}, wildcards: map[string]*Distribution{}}
	usedFns := map[string]*Function{}
	usedViews := map[string]bool{}
	fn := func(arn string) *Function {
		if f, ok := usedFns[arn]; ok {
			return f
		}
		f := r.function(arn, r.mirror.Functions[arn], usedViews)
		usedFns[arn] = f
		return f
	}
	byID := map[string]*edgefn.Function{}
	for _, f := range r.mirror.ConnectionFunctions {
		byID[edgefn.ConnectionFunctionARN(f.Account, f.ID)] = f
	}
	usedPools := map[string]bool{}
	res := resolver{
		function: fn,
		connectionFunction: func(account, id string) *Function {
			arn := edgefn.ConnectionFunctionARN(account, id)
			if f, ok := usedFns[arn]; ok {
				return f
			}
			f := r.function(arn, byID[arn], usedViews)
			usedFns[arn] = f
			return f
		},
		trustStore: func(account, id string) *TrustPool {
			key := store.CachePolicyKey(account, id)
			usedPools[key] = true
			return r.pool(key)
		},
		cachePolicy:           policyConfig(r.mirror.CachePolicies),
		originRequestPolicy:   policyConfig(r.mirror.OriginRequestPolicies),
		responseHeadersPolicy: policyConfig(r.mirror.ResponseHeadersPolicies),
		invalidations: func(account, id string) []*edgefn.Invalidation {
			return r.mirror.Invalidations[edgefn.DistributionARN(account, id)]
		},
	}
	ds := make([]*Distribution, 0, len(r.mirror.Distributions))
	for _, d := range r.mirror.Distributions {
		ds = append(ds, newDistribution(d, res))
	}
	if dup := st.hostTable(ds); len(dup) > 0 {
		r.log.Warn("replica: hosts claimed by more than one distribution; each goes to the first by ARN", "hosts", dup)
	}
	for arn := range r.programs {
		if _, ok := usedFns[arn]; !ok {
			delete(r.programs, arn)
		}
	}
	for arn := range r.views {
		if !usedViews[arn] {
			delete(r.views, arn)
		}
	}
	for key := range r.pools {
		if !usedPools[key] {
			delete(r.pools, key)
		}
	}
	return st
}

// trustPool is a trust store's bundle, parsed once per version.
type trustPool struct {
	etag string
	pool *TrustPool
}

// pool returns the parsed bundle of the trust store at key, parsing it if
// it changed; nil when there is no such store or its bundle does not parse
// (the store checked it, so that is data from before the check).
func (r *Replica) pool(key string) *TrustPool {
	ts := r.mirror.TrustStores[key]
	if ts == nil {
		return nil
	}
	if p := r.pools[key]; p != nil && p.etag == ts.ETag {
		return p.pool
	}
	p := &trustPool{etag: ts.ETag}
	if roots, _, err := ts.Config.Pool(); err != nil {
		r.log.Error("replica: trust store bundle does not parse; its distributions refuse client certificates", "trust_store", ts.ID, "account", ts.Account, "err", err)
	} else {
		p.pool = &TrustPool{ID: ts.ID, Roots: roots}
	}
	r.pools[key] = p
	return p.pool
}

// policyConfig looks up the configuration of an account's policy in m (by
// store.CachePolicyKey), nil when there is none.
func policyConfig[C any](m map[string]*edgefn.Policy[C]) func(account, id string) *C {
	return func(account, id string) *C {
		if p := m[store.CachePolicyKey(account, id)]; p != nil {
			return &p.Config
		}
		return nil
	}
}

// function resolves the LIVE function src (nil: none) of arn for the State
// being built.
func (r *Replica) function(arn string, src *edgefn.Function, usedViews map[string]bool) *Function {
	if src == nil {
		// The store keeps an associated function from being deleted; this is
		// a distribution read before the function it names.
		return &Function{ARN: arn, Err: fmt.Errorf("the function %s has no LIVE copy", arn)}
	}
	c := r.programs[arn]
	if c == nil || c.etag != src.ETag {
		c = &compiled{etag: src.ETag}
		if src.ID != "" { // connection functions have ids, viewer functions not
			c.prog, c.err = r.compiler.CompileConnection(src.Code)
		} else {
			c.prog, c.err = r.compiler.Compile(src.Code, src.Config.Runtime)
		}
		if c.err != nil {
			r.log.Error("replica: LIVE function does not compile; its requests fail with 503",
				"function", src.Name, "account", src.Account, "etag", src.ETag, "err", c.err)
		}
		r.programs[arn] = c
	}
	f := &Function{ARN: arn, Name: src.Name, ETag: src.ETag, Program: c.prog, Err: c.err, Runs: &c.runs}
	if arns := src.Config.KeyValueStoreARNs; len(arns) > 0 {
		if v := r.view(arns[0]); v != nil {
			usedViews[arns[0]] = true
			f.KVS = v
		}
	}
	return f
}

// view returns the copy of a store, making it if the store changed.
func (r *Replica) view(arn string) *kvs {
	if v, ok := r.views[arn]; ok {
		return v
	}
	sc := r.mirror.Stores[arn]
	if sc == nil {
		return nil
	}
	v := newKVS(sc)
	r.views[arn] = v
	return v
}
