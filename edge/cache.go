package edge

import (
	"fmt"
	"strconv"
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
	stored time.Time
	ttl    time.Duration
	// rev is the store revision the request that fetched it saw:
	// invalidations after it apply. path is the uri they match.
	rev  int64
	path string
	// The validators a stale object is revalidated with.
	etag, lastModified string
	weight             uint32
}

func (c *cached) fresh(now time.Time) bool { return now.Sub(c.stored) < c.ttl }

func (c *cached) revalidable() bool { return c.etag != "" || c.lastModified != "" }

// staleKept is how long past its TTL an object with validators stays, for
// the origin to confirm with a 304 (a RefreshHit); eviction by size still
// applies.
const staleKept = time.Hour

// entryOverhead approximates what an entry costs beyond its key, header
// and body (the struct, otter's node).
const entryOverhead = 256

// newCached copies resp for the cache.
func newCached(resp *fasthttp.Response, key string, ttl time.Duration, now time.Time, rev int64, path string) *cached {
	c := &cached{
		status:       resp.StatusCode(),
		body:         append([]byte(nil), resp.Body()...),
		stored:       now,
		ttl:          ttl,
		rev:          rev,
		path:         path,
		etag:         string(resp.Header.Peek(fasthttp.HeaderETag)),
		lastModified: string(resp.Header.Peek(fasthttp.HeaderLastModified)),
	}
	resp.Header.CopyTo(&c.header)
	size := len(key) + len(c.body) + len(c.header.Header()) + len(path) + entryOverhead
	c.weight = uint32(min(size, 1<<32-1))
	return c
}

// refreshed is c confirmed by a 304 at now, for ttl more.
func (c *cached) refreshed(ttl time.Duration, now time.Time, rev int64) *cached {
	r := &cached{
		status: c.status, body: c.body, stored: now, ttl: ttl, rev: rev, path: c.path,
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
// CDN's long tail) from pushing out the popular ones.
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
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *cached]) time.Duration {
			if e.Value.revalidable() {
				return e.Value.ttl + staleKept
			}
			return e.Value.ttl
		}),
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
