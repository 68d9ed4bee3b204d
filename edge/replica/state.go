package replica

import (
	"cmp"
	"crypto/x509"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

// State is one version of what the edge serves: distributions by host, their
// behaviors with compiled LIVE functions and the KeyValueStores those read.
// It is never modified once published, so a request that took it keeps a
// consistent view however the replica moves on.
type State struct {
	Rev int64
	// hosts holds DomainNames and exact aliases, lower-case; wildcards the
	// aliases "*.<suffix>" by suffix.
	hosts     map[string]*Distribution
	wildcards map[string]*Distribution
}

// Distribution returns the distribution serving host (a DomainName or an
// alias; case and any port ignored), or nil: an exact name first, else the
// most specific wildcard, which covers names of any depth under it (as
// CloudFront's "*.example.com" covers "a.b.example.com").
func (s *State) Distribution(host string) *Distribution {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	if d, ok := s.hosts[host]; ok {
		return d
	}
	host = strings.ToLower(host)
	if d, ok := s.hosts[host]; ok {
		return d
	}
	for i := strings.IndexByte(host, '.'); i >= 0; i = strings.IndexByte(host, '.') {
		host = host[i+1:]
		if d, ok := s.wildcards[host]; ok {
			return d
		}
	}
	return nil
}

// hostTable routes hosts to ds whatever the order of ds, which comes from a
// map: generated DomainNames first, so no alias can take one, then aliases,
// each to the first distribution in ARN order that claims it. The store
// lets no two distributions claim one name; this keeps the edge's choice
// fixed for data stored before it did. It returns the names claimed twice.
func (s *State) hostTable(ds []*Distribution) (conflicts []string) {
	slices.SortFunc(ds, func(a, b *Distribution) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.ID, b.ID))
	})
	claim := func(name string, d *Distribution) {
		m, key := s.hosts, name
		if suffix, ok := strings.CutPrefix(name, "*."); ok {
			m, key = s.wildcards, suffix
		}
		if other, taken := m[key]; taken && other != d {
			conflicts = append(conflicts, name)
			return
		}
		m[key] = d
	}
	for _, d := range ds {
		claim(strings.ToLower(d.DomainName), d)
	}
	for _, d := range ds {
		for _, a := range d.Aliases {
			claim(strings.ToLower(a), d)
		}
	}
	return conflicts
}

// Distribution is a distribution ready to route requests.
type Distribution struct {
	Account    string
	ID         string
	DomainName string
	Aliases    []string
	Enabled    bool
	// Via is the Via value of the edge's hop for this distribution.
	Via string
	// DefaultRootObject replaces a request for "/" at the origin.
	DefaultRootObject string
	// Logging is where the distribution's access logs go; nil when off.
	Logging *edgefn.Logging
	origins map[string]*edgefn.Origin
	// behaviors are the ordered cache behaviors, then the default one.
	behaviors []*Behavior
	// invalidations are the distribution's, oldest first.
	invalidations []*edgefn.Invalidation
	// errorResponses are the CustomErrorResponses by ErrorCode.
	errorResponses map[int]*edgefn.CustomErrorResponse
	// Mtls is the viewer mTLS configuration, nil when there is none; its
	// Roots are nil when the trust store is gone or does not parse, and
	// then no client certificate verifies.
	Mtls *Mtls
	// Connection is the LIVE connection function run on every TLS
	// handshake, nil when none is associated.
	Connection *Function
}

// Mtls is a distribution's ViewerMtlsConfig with its trust store resolved.
type Mtls struct {
	edgefn.ViewerMtls
	Trust *TrustPool
}

// TrustPool is a trust store's CA certificates.
type TrustPool struct {
	ID    string
	Roots *x509.CertPool
}

// ErrorResponse returns the CustomErrorResponse for an error status, or nil.
func (d *Distribution) ErrorResponse(status int) *edgefn.CustomErrorResponse {
	return d.errorResponses[status]
}

// HasErrorResponses reports whether the distribution has CustomErrorResponses.
func (d *Distribution) HasErrorResponses() bool { return len(d.errorResponses) > 0 }

// ErrorCachingMinTTL is how long the edge caches an error status: its
// CustomErrorResponse's ErrorCachingMinTTL, else CloudFront's 10 s.
func (d *Distribution) ErrorCachingMinTTL(status int) time.Duration {
	ttl := int64(edgefn.DefaultErrorCachingMinTTL)
	if r := d.errorResponses[status]; r != nil && r.ErrorCachingMinTTL != nil {
		ttl = *r.ErrorCachingMinTTL
	}
	return time.Duration(ttl) * time.Second
}

// Behavior returns the cache behavior for a request path: the first whose
// PathPattern matches, else the default.
func (d *Distribution) Behavior(path string) *Behavior {
	last := len(d.behaviors) - 1
	for _, b := range d.behaviors[:last] {
		if MatchPath(b.PathPattern, path) {
			return b
		}
	}
	return d.behaviors[last]
}

// Origin returns the distribution's origin with this id, or nil.
func (d *Distribution) Origin(id string) *edgefn.Origin { return d.origins[id] }

// Behavior is a cache behavior with its functions resolved.
type Behavior struct {
	// CacheBehavior is the configuration: PathPattern ("" for the default
	// behavior), ViewerProtocolPolicy, AllowedMethods.
	*edgefn.CacheBehavior
	Origin *edgefn.Origin
	// ViewerRequest and ViewerResponse are nil when no function is associated.
	ViewerRequest  *Function
	ViewerResponse *Function
	// Cache is the behavior's cache policy, or the one equivalent to its
	// legacy settings, with its header names in lower case, as events have
	// them; nil caches nothing (no policy, or one that is gone).
	Cache *edgefn.CachePolicyConfig
	// Forward is what of the viewer's request goes to the origin: the
	// cache key's query strings, headers and cookies with those of the
	// origin request policy, or the legacy settings' (header names in lower
	// case). nil, for distributions stored before edgefn read either,
	// forwards everything.
	Forward *edgefn.OriginForwarding
	// ResponseHeaders is the response headers policy applied to every
	// response, nil for none (or one that is gone).
	ResponseHeaders *edgefn.ResponseHeaderRules
}

// Caches reports whether the behavior caches responses to method: GET and
// HEAD, and OPTIONS when CachedMethods lists it.
func (b *Behavior) Caches(method string) bool {
	switch method {
	case "GET", "HEAD":
		return b.Cache != nil
	case "OPTIONS":
		return b.Cache != nil && slices.Contains(b.CachedMethods, method)
	}
	return false
}

// Invalidated reports whether an invalidation created after rev covers the
// object of path and query (the query strings of its cache key).
func (d *Distribution) Invalidated(rev int64, path, query string) bool {
	// Newest first: most objects are younger than most invalidations.
	for i := len(d.invalidations) - 1; i >= 0 && d.invalidations[i].Rev > rev; i-- {
		for _, p := range d.invalidations[i].Paths {
			if InvalidationCovers(p, path, query) {
				return true
			}
		}
	}
	return false
}

// InvalidationCovers reports whether an invalidation path covers an object,
// as CloudFront matches them: against the path and, when there is one, '?'
// and the query strings of the cache key; equal, or starting with the
// invalidation path when it ends with '*'. So "/a" is the object without
// query strings, "/a?v=2" that one version, and "/a*" or "/a?*" every one.
func InvalidationCovers(pattern, path, query string) bool {
	prefix, wildcard := strings.CutSuffix(pattern, "*")
	p, rest, ok := strings.Cut(prefix, "?")
	if !ok {
		// The pattern ends within the path.
		if wildcard {
			return strings.HasPrefix(path, p)
		}
		return p == path && query == ""
	}
	if p != path {
		return false
	}
	if wildcard {
		return strings.HasPrefix(query, rest)
	}
	return rest == query
}

// Function is a LIVE function as the edge runs it.
type Function struct {
	ARN  string
	Name string
	ETag string
	// Program is nil when Err is set: the LIVE code does not compile, or the
	// function is gone. Every run of such a function fails (503).
	Program *runtime.Program
	Err     error
	// KVS is the associated store, nil when there is none.
	KVS runtime.KeyValueStore
	// Runs records this code's long runs, for the edge to keep it off its
	// event loops; one per compiled version, kept as states change. Nil
	// for a function with no code.
	Runs *Runs
}

// Runs is what the edge remembers of a function's long runs.
type Runs struct {
	// Streak counts the long runs in a row; Slow is when (Unix
	// nanoseconds) the function was last found slow, 0 for never.
	Streak atomic.Int32
	Slow   atomic.Int64
}

// resolver gives newDistribution what a distribution refers to: the
// Function of an ARN, the account's cache, origin request and response
// headers policies of an id (nil when there is none) and the
// distribution's invalidations.
type resolver struct {
	function              func(arn string) *Function
	connectionFunction    func(account, id string) *Function
	trustStore            func(account, id string) *TrustPool
	cachePolicy           func(account, id string) *edgefn.CachePolicyConfig
	originRequestPolicy   func(account, id string) *edgefn.OriginRequestPolicyConfig
	responseHeadersPolicy func(account, id string) *edgefn.ResponseHeadersPolicyConfig
	invalidations         func(account, id string) []*edgefn.Invalidation
}

// newDistribution resolves d's behaviors.
func newDistribution(d *edgefn.Distribution, r resolver) *Distribution {
	cfg := &d.Config
	out := &Distribution{
		Account:           d.Account,
		ID:                d.ID,
		DomainName:        d.DomainName,
		Via:               "1.1 " + d.DomainName + " (CloudFront)",
		Aliases:           cfg.Aliases,
		Enabled:           cfg.Enabled,
		DefaultRootObject: cfg.DefaultRootObject,
		Logging:           cfg.Logging,
		origins:           make(map[string]*edgefn.Origin, len(cfg.Origins)),
		behaviors:         make([]*Behavior, 0, len(cfg.CacheBehaviors)+1),
		invalidations:     r.invalidations(d.Account, d.ID),
		errorResponses:    make(map[int]*edgefn.CustomErrorResponse, len(cfg.CustomErrorResponses)),
	}
	if m := cfg.ViewerMtls; m != nil {
		out.Mtls = &Mtls{ViewerMtls: *m, Trust: r.trustStore(d.Account, m.TrustStoreID)}
	}
	if cfg.ConnectionFunctionID != "" {
		out.Connection = r.connectionFunction(d.Account, cfg.ConnectionFunctionID)
	}
	for i := range cfg.CustomErrorResponses {
		e := &cfg.CustomErrorResponses[i]
		out.errorResponses[e.ErrorCode] = e
	}
	for i := range cfg.Origins {
		out.origins[cfg.Origins[i].ID] = &cfg.Origins[i]
	}
	behavior := func(b *edgefn.CacheBehavior) *Behavior {
		rb := &Behavior{CacheBehavior: b, Origin: out.origins[b.TargetOriginID]}
		if arn := b.Function("viewer-request"); arn != "" {
			rb.ViewerRequest = r.function(arn)
		}
		if arn := b.Function("viewer-response"); arn != "" {
			rb.ViewerResponse = r.function(arn)
		}
		switch {
		case b.CachePolicyID != "":
			if p := edgefn.ManagedCachePolicy(b.CachePolicyID); p != nil {
				rb.Cache = lowerHeaders(p.Config)
			} else if p := r.cachePolicy(d.Account, b.CachePolicyID); p != nil {
				rb.Cache = lowerHeaders(*p)
			}
			// A policy that is gone forwards what an empty key would.
			key := rb.Cache
			if key == nil {
				key = &edgefn.CachePolicyConfig{}
			}
			rb.Forward = edgefn.PolicyForwarding(key, resolvePolicy(edgefn.ManagedOriginRequestPolicy, r.originRequestPolicy, d.Account, b.OriginRequestPolicyID))
		case b.Legacy != nil:
			p := b.Legacy.Policy()
			// Legacy settings compress with gzip only (Brotli needs a
			// cache policy), and the key then holds the encoding.
			p.EnableAcceptEncodingGzip = b.Compress
			rb.Cache = lowerHeaders(p)
			rb.Forward = b.Legacy.Forwarding()
		}
		if p := resolvePolicy(edgefn.ManagedResponseHeadersPolicy, r.responseHeadersPolicy, d.Account, b.ResponseHeadersPolicyID); p != nil {
			rb.ResponseHeaders = p.Rules()
		}
		return rb
	}
	for i := range cfg.CacheBehaviors {
		out.behaviors = append(out.behaviors, behavior(&cfg.CacheBehaviors[i]))
	}
	out.behaviors = append(out.behaviors, behavior(&cfg.DefaultCacheBehavior))
	return out
}

// resolvePolicy returns the configuration of the policy id names: a
// managed one or the account's (own); nil for none.
func resolvePolicy[C any](managed func(id string) *edgefn.Policy[C], own func(account, id string) *C, account, id string) *C {
	if id == "" {
		return nil
	}
	if p := managed(id); p != nil {
		return &p.Config
	}
	return own(account, id)
}

// lowerHeaders is p with its header names in lower case, once per State
// rather than per request.
func lowerHeaders(p edgefn.CachePolicyConfig) *edgefn.CachePolicyConfig {
	names := make([]string, len(p.Headers.Items))
	for i, n := range p.Headers.Items {
		names[i] = strings.ToLower(n)
	}
	p.Headers.Items = names
	return &p
}
