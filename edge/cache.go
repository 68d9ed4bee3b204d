package edge

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/singleflight"
)

// cached is a stored response. It is never changed once stored: a hit
// copies the header and shares the body, which fasthttp never writes into
// (a viewer-response function's new body replaces it).
type cached struct {
	status int
	header fasthttp.ResponseHeader
	body   []byte
	// stored is when the origin sent it (Age counts from there); expires
	// is the end of its TTL.
	stored, expires time.Time
	// How long past expires it may still be served while it is refreshed,
	// or when the origin fails (RFC 5861); -1 when the origin did not say.
	staleWhileRevalidate, staleIfError time.Duration
	// rev is the store revision the request that fetched it saw:
	// invalidations after it apply. path and query are what they match:
	// the uri and the query strings of the key.
	rev         int64
	path, query string
	// The origin's validators a stale object is revalidated with (the
	// origin's ETag, even when the edge compressed the body and serves a
	// weak one).
	etag, lastModified string
	weight             uint32
	// refreshing is set while a background refresh of this copy is under
	// way, so that the viewers it serves meanwhile start no other.
	refreshing atomic.Bool
}

func (c *cached) fresh(now time.Time) bool { return now.Before(c.expires) }

func (c *cached) revalidable() bool { return c.etag != "" || c.lastModified != "" }

// servableWhileRevalidating reports whether a stale c may be served at now
// while the origin is asked for a fresh one (stale-while-revalidate).
func (c *cached) servableWhileRevalidating(now time.Time) bool {
	return c.staleWhileRevalidate > 0 && now.Before(c.expires.Add(c.staleWhileRevalidate))
}

// servableOnError reports whether a stale c may stand in for an origin that
// failed at now: always, as CloudFront serves an expired object when its
// origin errs, unless the origin bounded that with stale-if-error.
func (c *cached) servableOnError(now time.Time) bool {
	return c.staleIfError < 0 || now.Before(c.expires.Add(c.staleIfError))
}

// entryOverhead approximates what an entry costs beyond its key, header
// and body (the struct, otter's node); BenchmarkCacheEntry measures it.
const entryOverhead = 1024

// entry is what newCached needs besides the response.
type entry struct {
	key         string
	ttl         time.Duration
	rev         int64
	path, query string
	// etag is the origin's ETag (before any compression).
	etag string
}

// newCached copies resp for the cache.
func newCached(resp *fasthttp.Response, o entry, now time.Time) *cached {
	d := parseCacheControl(string(resp.Header.Peek(fasthttp.HeaderCacheControl)))
	c := &cached{
		status:               resp.StatusCode(),
		body:                 append([]byte(nil), resp.Body()...),
		stored:               now,
		expires:              now.Add(o.ttl),
		staleWhileRevalidate: directiveAge(d.staleWhileRevalidate),
		staleIfError:         directiveAge(d.staleIfError),
		rev:                  o.rev,
		path:                 o.path,
		query:                o.query,
		etag:                 o.etag,
		lastModified:         string(resp.Header.Peek(fasthttp.HeaderLastModified)),
	}
	resp.Header.CopyTo(&c.header)
	size := len(o.key) + len(c.body) + len(c.header.Header()) + len(o.path) + len(o.query) + entryOverhead
	c.weight = uint32(min(size, 1<<32-1))
	return c
}

// directiveAge is a directive's n seconds, -1 when absent (n < 0).
func directiveAge(n int64) time.Duration {
	if n < 0 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// notUpdated are the header fields a 304 does not change in a stored
// response (RFC 9111 §3.2): they describe the stored body.
var notUpdated = map[string]bool{
	"content-length": true, "content-encoding": true, "content-range": true, "transfer-encoding": true, "etag": true,
}

// refreshed is c confirmed at now by the origin's 304 notModified, fresh
// for ttl more, with the header fields the 304 carries (RFC 9111 §4.3.4).
func (c *cached) refreshed(notModified *fasthttp.ResponseHeader, ttl time.Duration, now time.Time, rev int64) *cached {
	r := c.extended(ttl, now)
	r.stored, r.rev = now, rev
	for k, v := range notModified.All() {
		if name := string(k); !notUpdated[strings.ToLower(name)] {
			r.header.Set(name, string(v))
		}
	}
	if lm := r.header.Peek(fasthttp.HeaderLastModified); len(lm) > 0 {
		r.lastModified = string(lm)
	}
	if cc := notModified.Peek(fasthttp.HeaderCacheControl); len(cc) > 0 {
		d := parseCacheControl(string(cc))
		r.staleWhileRevalidate = directiveAge(d.staleWhileRevalidate)
		r.staleIfError = directiveAge(d.staleIfError)
	}
	return r
}

// extended is c, stale, served for ttl more in place of an origin that
// fails (CloudFront keeps serving it for the error caching minimum TTL).
func (c *cached) extended(ttl time.Duration, now time.Time) *cached {
	r := &cached{
		status: c.status, body: c.body, stored: c.stored, expires: now.Add(ttl), rev: c.rev, path: c.path, query: c.query,
		staleWhileRevalidate: c.staleWhileRevalidate, staleIfError: c.staleIfError,
		etag: c.etag, lastModified: c.lastModified, weight: c.weight,
	}
	c.header.CopyTo(&r.header)
	return r
}

// writeTo puts c in resp as CloudFront serves a cached object, with its Age.
func (c *cached) writeTo(resp *fasthttp.Response, now time.Time) {
	c.header.CopyTo(&resp.Header)
	resp.SetStatusCode(c.status)
	resp.SetBodyRaw(c.body)
	resp.Header.Set(fasthttp.HeaderAge, strconv.FormatInt(int64(now.Sub(c.stored)/time.Second), 10))
}

// responseCache holds responses up to a number of bytes. Otter evicts with
// S3-FIFO weighted by entry size, which keeps one-hit objects (most of a
// CDN's long tail) from pushing out the popular ones. Objects do not expire
// from it: a stale one is still what the edge serves when the origin fails,
// or revalidates with a 304, so only the byte bound evicts.
type responseCache struct {
	objects *otter.Cache[string, *cached]
	// flight sends concurrent misses of one key to the origin once.
	flight singleflight.Group
	// maxObject is the largest entry kept: one object may not take much of
	// the cache.
	maxObject uint32
}

// newResponseCache returns a cache of maxBytes, nil for 0.
func newResponseCache(maxBytes int64) (*responseCache, error) {
	if maxBytes <= 0 {
		return nil, nil
	}
	objects, err := otter.New(&otter.Options[string, *cached]{
		MaximumWeight: uint64(maxBytes),
		Weigher:       func(_ string, c *cached) uint32 { return c.weight },
	})
	if err != nil {
		return nil, fmt.Errorf("edge: cache: %w", err)
	}
	return &responseCache{objects: objects, maxObject: uint32(min(maxBytes/8, 1<<32-1))}, nil
}

func (rc *responseCache) get(key string) *cached {
	c, _ := rc.objects.GetIfPresent(key)
	return c
}

func (rc *responseCache) set(key string, c *cached) {
	if c.weight <= rc.maxObject {
		rc.objects.Set(key, c)
	}
}

func (rc *responseCache) drop(key string) { rc.objects.Invalidate(key) }

// size is the bytes the cache holds.
func (rc *responseCache) size() uint64 { return rc.objects.WeightedSize() }
