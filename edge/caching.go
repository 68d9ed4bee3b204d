package edge

import (
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
	method := string(x.ctx.Method())
	if s.cache == nil || !x.behavior.Caches(method) {
		return s.forward(x, rt, orig, out)
	}
	req := out
	if req == nil {
		r := x.viewerRequest()
		req = &r
	}
	key := cacheKey(x.behavior.Cache, x.dist.ID, method, req)
	now := time.Now()
	c := s.cache.get(key)
	if c != nil && x.dist.Invalidated(c.rev, c.path) {
		s.cache.drop(key)
		c = nil
	}
	if c != nil && c.fresh(now) {
		s.hit(x, c, resultHit, now)
		return true
	}
	if c != nil && !c.revalidable() {
		c = nil
	}
	led, ok := false, false
	v, _, _ := s.cache.flight.Do(key, func() (any, error) {
		led = true
		x.revalidate = c
		ok = s.forward(x, rt, orig, out)
		x.revalidate = nil
		if !ok {
			return (*cached)(nil), nil
		}
		return s.store(x, key, req.URI, c, method), nil
	})
	if led {
		return ok
	}
	// A request that waited for another's miss shares its object, if it
	// was one to share: an uncacheable response may be meant for that
	// viewer alone.
	if shared := v.(*cached); shared != nil {
		s.hit(x, shared, resultHit, time.Now())
		return true
	}
	s.metrics.cacheMisses.Inc()
	return s.forward(x, rt, orig, out)
}

// store caches the origin's response to x, for path, when CloudFront would,
// and returns what it cached (nil: nothing). A 304 to a revalidation of stale refreshes
// it and answers the viewer with it, a RefreshHit.
func (s *Server) store(x *exchange, key, path string, stale *cached, method string) *cached {
	resp := &x.ctx.Response
	now := time.Now()
	p := x.behavior.Cache
	if stale != nil && resp.StatusCode() == fasthttp.StatusNotModified {
		ttl := cacheTTL(p, originCaching{
			status:       stale.status,
			cacheControl: string(resp.Header.Peek(fasthttp.HeaderCacheControl)),
			expires:      string(resp.Header.Peek(fasthttp.HeaderExpires)),
		}, now)
		c := stale.refreshed(ttl, now, x.rev)
		if ttl > 0 {
			s.cache.set(key, c)
		} else {
			s.cache.drop(key)
		}
		s.hit(x, c, resultRefreshHit, now)
		return c
	}
	s.metrics.cacheMisses.Inc()
	// A HEAD response has no body to serve a GET with.
	if method == fasthttp.MethodHead || resp.IsBodyStream() {
		return nil
	}
	// An object that sets a cookie is the viewer's own unless cookies are
	// in the key.
	if p.Cookies.Behavior == edgefn.CacheKeyNone && resp.Header.Peek(fasthttp.HeaderSetCookie) != nil {
		return nil
	}
	ttl := cacheTTL(p, originCaching{
		status:       resp.StatusCode(),
		cacheControl: string(resp.Header.Peek(fasthttp.HeaderCacheControl)),
		expires:      string(resp.Header.Peek(fasthttp.HeaderExpires)),
	}, now)
	if ttl <= 0 {
		return nil
	}
	c := newCached(resp, key, ttl, now, x.rev, path)
	s.cache.set(key, c)
	return c
}

// hit answers x with a cached object.
func (s *Server) hit(x *exchange, c *cached, result string, now time.Time) {
	c.writeTo(&x.ctx.Response, now)
	x.result, x.detail = result, result
	if result == resultRefreshHit {
		s.metrics.cacheRefreshHits.Inc()
	} else {
		s.metrics.cacheHits.Inc()
	}
	s.metrics.cacheHitBytes.Add(float64(len(c.body)))
}
