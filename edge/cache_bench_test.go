package edge

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// BenchmarkCacheEntry measures the heap a cached object costs beyond its
// body: 10,000 objects of a typical header and a 1 KiB body are stored and
// the heap growth per object reported (bytes/object), against the weight
// the cache charges for them (weight/object).
func BenchmarkCacheEntry(b *testing.B) {
	const objects = 10_000
	body := make([]byte, 1024)
	for b.Loop() {
		rc, err := newResponseCache(1 << 30)
		if err != nil {
			b.Fatal(err)
		}
		var resp fasthttp.Response
		resp.Header.SetContentType("text/html; charset=utf-8")
		resp.Header.Set("Cache-Control", "max-age=3600")
		resp.Header.Set("ETag", `"0123456789abcdef"`)
		resp.Header.Set("Last-Modified", "Mon, 01 Jun 2026 00:00:00 GMT")
		resp.SetBody(body)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		now := time.Now()
		var weight uint64
		for i := range objects {
			key := "E1ABCDEFGHIJKL\x00GET\x00/assets/page-" + strconv.Itoa(i) + ".html\x00\x00\x00\x00br,gzip"
			c := newCached(&resp, entry{key: key, ttl: time.Hour, path: key[19:40]}, now)
			weight += uint64(c.weight)
			rc.set(key, c)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/objects-float64(len(body)), "bytes/object")
		b.ReportMetric(float64(weight)/objects-float64(len(body)), "weight/object")
		runtime.KeepAlive(rc)
	}
}
