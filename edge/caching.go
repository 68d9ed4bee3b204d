package edge

import (
	"slices"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// x-edge-result-type values of cached responses.
const (
	resultHit        = "Hit"
	resultRefreshHit = "RefreshHit"
)

// respond leaves the response in the viewer's: from the cache when the
// behavior caches the request and holds a fresh object for it, else from
// the origin (see forward), storing what CloudFront would store. The key is
// the request as the viewer-request function left it (out, else the
// viewer's). It returns false when it has answered the viewer with an error.
func (s *Server) respond(x *exchange, rt *route, orig, out *event.Request) bool {
	if !s.caches(x) {
		return s.forward(x, rt, orig, out)
	}
	k := s.keyOf(x, out)
	return s.respondKeyed(x, rt, orig, out, &k)
}

// caches reports whether x goes by the cache.
func (s *Server) caches(x *exchange) bool {
	return s.cache != nil && x.behavior.Caches(string(x.ctx.Method()))
}

// cacheLookup is a cacheable request's place in the cache.
type cacheLookup struct {
	// req is the request the key is made of; query its query strings in
	// the key, as invalidations match them.
	req        *event.Request
	key, query string
}

// keyOf computes the key of x, a request the cache serves (see respond).
func (s *Server) keyOf(x *exchange, out *event.Request) cacheLookup {
	req := out
	if req == nil {
		r := x.viewerRequest()
		req = &r
	}
	p := x.behavior.Cache
	x.keyed, x.encoding = true, normalisedEncoding(p, req.Headers)
	query := keyQuery(p, req)
	return cacheLookup{req: req, key: cacheKey(p, x.dist.ID, string(x.ctx.Method()), req, query, x.encoding), query: query}
}

// lookUp is what the cache holds for k, nil when nothing or an object an
// invalidation covers (which it drops).
func (s *Server) lookUp(x *exchange, k *cacheLookup) *cached {
	c := s.cache.get(k.key)
	if c != nil && x.dist.Invalidated(c.rev, c.path, c.query) {
		s.cache.drop(k.key)
		c = nil
	}
	return c
}

// answerCached answers x with c (nil: none) when the origin need not be
// asked first: c is fresh, or stale but servable while it is refreshed in
// the background (one refresh per copy, on a goroutine of its own). It
// never waits, which lets the event loops answer hits themselves; it
// returns false, having done nothing, when the origin must be asked.
func (s *Server) answerCached(x *exchange, rt *route, orig, out *event.Request, k *cacheLookup, c *cached) bool {
	if c == nil {
		return false
	}
	now := time.Now()
	switch {
	case c.fresh(now):
	case c.servableWhileRevalidating(now):
		s.refreshLater(x, rt, orig, out, k.key, c)
	default:
		return false
	}
	s.hit(x, c, resultHit, now)
	answerViewer(x, k.req)
	return true
}

// respondKeyed is respond for the request of k: from the cache when it may
// (answerCached), else from the origin, once for all the requests of the
// key that miss together.
func (s *Server) respondKeyed(x *exchange, rt *route, orig, out *event.Request, k *cacheLookup) bool {
	c := s.lookUp(x, k)
	if s.answerCached(x, rt, orig, out, k, c) {
		return true
	}
	led, ok := false, false
	v, _, _ := s.cache.flight.Do(k.key, func() (any, error) {
		led = true
		var shared *cached
		shared, ok = s.fill(x, rt, orig, out, entry{key: k.key, path: k.req.URI, query: k.query}, c)
		return shared, nil
	})
	if !led {
		// A request that waited for another's miss shares its object, if
		// it was one to share: an uncacheable response may be meant for
		// that viewer alone.
		if shared := v.(*cached); shared != nil {
			s.hit(x, shared, resultHit, time.Now())
			ok = true
		} else {
			s.stats(x).misses.Add(1)
			if ok = s.fetch(x, rt, orig, out); !ok {
				return false
			}
		}
	}
	if ok {
		answerViewer(x, k.req)
	}
	return ok
}

// fill asks the origin for the object of o, revalidating the stale object
// when it has validators, and answers the viewer: with the stale object,
// refreshed, on a 304 (RefreshHit); with it as it is when the origin fails
// and it may stand in (see cached.servableOnError); else with the origin's
// response, stored when CloudFront would store it. It returns the object the
// viewer got, for the requests waiting on the same key (nil: none to
// share), and false when the viewer got the edge's error page.
func (s *Server) fill(x *exchange, rt *route, orig, out *event.Request, o entry, stale *cached) (*cached, bool) {
	if stale != nil && stale.revalidable() {
		x.revalidate = stale
	}
	ok := s.fetch(x, rt, orig, out)
	x.revalidate = nil
	now := time.Now()
	resp := &x.ctx.Response
	status := resp.StatusCode()
	if stale != nil && (!ok || status >= fasthttp.StatusInternalServerError) && stale.servableOnError(now) {
		// CloudFront serves the expired object while its origin fails, for
		// the error caching minimum TTL of the error before it asks again.
		if !ok {
			status = resp.StatusCode() // the edge's own 502 or 504
		}
		c := stale.extended(x.dist.ErrorCachingMinTTL(status), now)
		s.cache.set(o.key, c)
		s.hit(x, c, resultHit, now)
		return c, true
	}
	if !ok {
		return nil, false
	}
	if stale != nil && stale.revalidable() && status == fasthttp.StatusNotModified {
		c := stale.refreshed(&resp.Header, s.ttl(x, stale.status, &resp.Header, now), now, x.rev)
		s.cache.set(o.key, c)
		s.hit(x, c, resultRefreshHit, now)
		return c, true
	}
	s.stats(x).misses.Add(1)
	return s.store(x, o, now), true
}

// fetch forwards x to the origin and compresses the response as the
// behavior says; on the cache's path it notes the origin's ETag first, the
// validator a stale copy is revalidated with.
func (s *Server) fetch(x *exchange, rt *route, orig, out *event.Request) bool {
	if !s.forward(x, rt, orig, out) {
		return false
	}
	resp := &x.ctx.Response
	x.originETag = string(resp.Header.Peek(fasthttp.HeaderETag))
	if x.behavior.Compress && !x.ctx.IsHead() {
		compress(resp, x.encoding)
	}
	return true
}

// store caches the origin's response to x when CloudFront would, and
// returns what it cached (nil: nothing).
func (s *Server) store(x *exchange, o entry, now time.Time) *cached {
	resp := &x.ctx.Response
	p := x.behavior.Cache
	// A HEAD response has no body to serve a GET with.
	if x.ctx.IsHead() || resp.IsBodyStream() {
		return nil
	}
	// An object that sets a cookie is the viewer's own unless cookies are
	// in the key.
	if p.Cookies.Behavior == edgefn.CacheKeyNone && resp.Header.Peek(fasthttp.HeaderSetCookie) != nil {
		return nil
	}
	// Vary: * says no two requests get the same answer (RFC 9111 §4.1).
	// Vary: Accept-Encoding is what the key holds already: the origin only
	// ever sees the normalised Accept-Encoding of the key.
	if varies(string(resp.Header.Peek(fasthttp.HeaderVary)), "*") {
		return nil
	}
	o.ttl = s.ttl(x, resp.StatusCode(), &resp.Header, now)
	if o.ttl <= 0 {
		return nil
	}
	o.rev, o.etag = x.rev, x.originETag
	c := newCached(resp, o, now)
	s.cache.set(o.key, c)
	return c
}

// ttl is how long the behavior keeps a response of status with header h.
func (s *Server) ttl(x *exchange, status int, h *fasthttp.ResponseHeader, now time.Time) time.Duration {
	return cacheTTL(x.behavior.Cache, originCaching{
		status:       status,
		cacheControl: string(h.Peek(fasthttp.HeaderCacheControl)),
		expires:      string(h.Peek(fasthttp.HeaderExpires)),
		errorMinTTL:  x.dist.ErrorCachingMinTTL(status),
	}, now)
}

// hit answers x with a cached object.
func (s *Server) hit(x *exchange, c *cached, result string, now time.Time) {
	c.writeTo(&x.ctx.Response, now)
	x.result, x.detail = result, result
	st := s.stats(x)
	if result == resultRefreshHit {
		st.refreshHits.Add(1)
	} else {
		st.hits.Add(1)
	}
	st.hitBytes.Add(uint64(len(c.body)))
}

// stats are the cache statistics x counts in: its distribution's, or none
// for the edge's own requests.
func (s *Server) stats(x *exchange) *cacheStats {
	if x.background {
		return &s.metrics.uncounted
	}
	return s.metrics.cache(x.dist.ID)
}

// detached is x's request on an exchange of its own, for a request the edge
// makes by itself (a refresh in the background, a custom error page), which
// may outlive x and counts in no statistics.
func (x *exchange) detached(uri, query string, hasQuery bool) *exchange {
	ctx := new(fasthttp.RequestCtx)
	x.ctx.Request.CopyTo(&ctx.Request)
	return &exchange{
		ctx: ctx, id: newRequestID(), start: time.Now(), dist: x.dist, behavior: x.behavior, rev: x.rev,
		uri: uri, query: query, hasQuery: hasQuery, ip: x.viewerIP(), keyed: x.keyed, encoding: x.encoding,
		result: resultMiss, detail: resultMiss, background: true,
	}
}

// keyedOriginHeaders makes the origin request of a cacheable request one
// whose answer fits every viewer of its key: with the normalised
// Accept-Encoding of the key (none when the policy leaves encodings out),
// and without the viewer's conditional and range headers: the edge fetches
// the whole object, stores it, and answers those itself (answerViewer).
func keyedOriginHeaders(h *fasthttp.RequestHeader, encoding string) {
	for _, name := range viewerConditionals {
		h.Del(name)
	}
	if encoding == "" {
		h.Del(fasthttp.HeaderAcceptEncoding)
	} else {
		h.Set(fasthttp.HeaderAcceptEncoding, encoding)
	}
}

// refreshLater asks the origin for a fresh copy of the stale c in the
// background while the viewer gets c (stale-while-revalidate). The
// background request is the viewer's, on its own exchange; it joins a miss
// of the same key already under way rather than making another.
func (s *Server) refreshLater(x *exchange, rt *route, orig, out *event.Request, key string, c *cached) {
	// singleflight joins refreshes that overlap; this also stops one that
	// would start just after another ended, before the cache held its copy.
	if !c.refreshing.CompareAndSwap(false, true) {
		return
	}
	bg := x.detached(x.uri, x.query, x.hasQuery)
	route := *rt
	// The targets live in x, which goes back to its pool before this ends.
	route.targets = slices.Clone(rt.targets)
	var o, u *event.Request
	if out != nil {
		oc, uc := *orig, *out
		o, u = &oc, &uc
	}
	obj := entry{key: key, path: c.path, query: c.query}
	go func() {
		s.cache.flight.Do(key, func() (any, error) {
			shared, _ := s.fill(bg, &route, o, u, obj, c)
			return shared, nil
		})
		// A failed refresh leaves c in the cache, to be tried again.
		c.refreshing.Store(false)
	}()
}
