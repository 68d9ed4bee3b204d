package edge

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// cacheKey is the key of a request's response under policy p (header names
// in lower case, as replica.Behavior has them): the
// distribution, the method (HEAD shares GET's objects), the path and the
// query strings, headers and cookies p names, as the viewer-request function
// left them, and encoding, the normalised Accept-Encoding (see
// normalisedEncoding). Parts are separated by bytes no URI or header value
// holds.
func cacheKey(p *edgefn.CachePolicyConfig, distID, method string, req *event.Request, query, encoding string) string {
	var b strings.Builder
	b.Grow(len(distID) + len(req.URI) + len(req.RawQuery) + 32)
	if method == "HEAD" {
		method = "GET"
	}
	b.WriteString(distID)
	b.WriteByte(0)
	b.WriteString(method)
	b.WriteByte(0)
	b.WriteString(req.URI)
	b.WriteByte(0)
	b.WriteString(query)
	b.WriteByte(0)
	writeFields(&b, req.Headers, p.Headers, '\n')
	b.WriteByte(0)
	// Cookies are in the key by name order, as CloudFront forwards them.
	cookies := slices.Clone(req.Cookies)
	slices.SortStableFunc(cookies, func(a, b event.Field) int { return strings.Compare(a.Name, b.Name) })
	writeFields(&b, cookies, p.Cookies, ';')
	b.WriteByte(0)
	b.WriteString(encoding)
	return b.String()
}

// keyQuery is the query strings of req that p puts in the key, as
// invalidations match them. All query strings are the query as sent:
// CloudFront caches "a=1&b=2" and "b=2&a=1" apart, which is what a function
// that sorts them improves on.
func keyQuery(p *edgefn.CachePolicyConfig, req *event.Request) string {
	switch p.QueryStrings.Behavior {
	case edgefn.CacheKeyAll:
		return req.RawQuery
	case edgefn.CacheKeyNone, "":
		return ""
	}
	var b strings.Builder
	writeFields(&b, req.Querystring, p.QueryStrings, '&')
	return strings.TrimSuffix(b.String(), "&")
}

// writeFields writes the fields that which selects: none, those it lists
// (whitelist), those it does not (allExcept), or all.
func writeFields(b *strings.Builder, fs event.Fields, which edgefn.CacheKeyItems, sep byte) {
	for i := range fs {
		f := &fs[i]
		listed := slices.Contains(which.Items, f.Name)
		switch which.Behavior {
		case edgefn.CacheKeyWhitelist:
			if !listed {
				continue
			}
		case edgefn.CacheKeyAllExcept:
			if listed {
				continue
			}
		case edgefn.CacheKeyAll:
		default:
			return
		}
		values := f.MultiValue
		if values == nil {
			values = []event.Value{{Value: f.Value}}
		}
		for _, v := range values {
			b.WriteString(f.Name)
			b.WriteByte('=')
			b.WriteString(v.Value)
			b.WriteByte(sep)
		}
	}
}

// normalisedEncoding is the Accept-Encoding CloudFront puts in the key, and
// sends to the origin, when a policy caches compressed objects: only the
// encodings it enables, "br,gzip", "br", "gzip" or none. Without them in the
// policy it is none: the origin is not asked for an encoding the key would
// not tell apart.
func normalisedEncoding(p *edgefn.CachePolicyConfig, headers event.Fields) string {
	return normaliseEncoding(p.EnableAcceptEncodingGzip, p.EnableAcceptEncodingBrotli, fieldValues(headers, "accept-encoding"))
}

// fieldValues are the values of the entry name of fs, every occurrence.
func fieldValues(fs event.Fields, name string) []string {
	f, ok := fs.Get(name)
	if !ok {
		return nil
	}
	if f.MultiValue == nil {
		return []string{f.Value}
	}
	all := make([]string, len(f.MultiValue))
	for i, v := range f.MultiValue {
		all[i] = v.Value
	}
	return all
}

// normaliseEncoding reduces Accept-Encoding values to the enabled ones of
// br and gzip, in that order ("" for neither).
func normaliseEncoding(gzipOK, brOK bool, values []string) string {
	var br, gzip bool
	for _, v := range values {
		for tok := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(tok), ";")
			br = br || (brOK && strings.EqualFold(name, "br"))
			gzip = gzip || (gzipOK && strings.EqualFold(name, "gzip"))
		}
	}
	switch {
	case br && gzip:
		return "br,gzip"
	case br:
		return "br"
	case gzip:
		return "gzip"
	}
	return ""
}

// The status codes whose responses CloudFront caches under the TTL rules,
// and the errors it caches for errorCachingMinTTL.
var (
	cachedStatuses = []int{200, 203, 300, 301, 302, 307, 410}
	cachedErrors   = []int{400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504}
)

// originCaching is what an origin's response says about its caching.
type originCaching struct {
	status                int
	cacheControl, expires string // header values
	// errorMinTTL is the distribution's error caching minimum TTL for
	// status (replica.Distribution.ErrorCachingMinTTL).
	errorMinTTL time.Duration
}

// cacheTTL is how long CloudFront keeps a response under policy p (0: it is
// not cached): s-maxage, else max-age, else Expires, bounded by MinTTL and
// MaxTTL, else DefaultTTL; no-store, no-cache and private keep it out unless
// MinTTL is above 0, in which case MinTTL applies.
func cacheTTL(p *edgefn.CachePolicyConfig, o originCaching, now time.Time) time.Duration {
	if p.MaxTTL <= 0 && p.DefaultTTL <= 0 {
		return 0
	}
	d := parseCacheControl(o.cacheControl)
	if slices.Contains(cachedErrors, o.status) {
		if d.noStore || d.private || d.noCache {
			return 0
		}
		// An error is kept for its own max-age when that is longer.
		age := d.maxAge
		if d.sMaxAge >= 0 {
			age = d.sMaxAge
		}
		return max(o.errorMinTTL, time.Duration(age)*time.Second)
	}
	if !slices.Contains(cachedStatuses, o.status) {
		return 0
	}
	if d.noStore || d.private || d.noCache {
		return seconds(int(p.MinTTL), 0)
	}
	ttl := time.Duration(p.DefaultTTL) * time.Second
	switch {
	case d.sMaxAge >= 0:
		ttl = time.Duration(d.sMaxAge) * time.Second
	case d.maxAge >= 0:
		ttl = time.Duration(d.maxAge) * time.Second
	case o.expires != "":
		exp, err := time.Parse(time.RFC1123, o.expires)
		if err != nil {
			// An Expires that does not parse is in the past (RFC 9111 §5.3).
			exp = time.Time{}
		}
		ttl = max(exp.Sub(now), 0).Truncate(time.Second)
	default:
		return ttl
	}
	return min(max(ttl, time.Duration(p.MinTTL)*time.Second), time.Duration(p.MaxTTL)*time.Second)
}

// cacheDirectives are the Cache-Control directives CloudFront acts on;
// the ages are -1 when absent.
type cacheDirectives struct {
	noStore, noCache, private, noTransform bool
	maxAge, sMaxAge                        int64
	// How long past its TTL an object may be served while it is
	// refreshed, or when the origin fails (RFC 5861).
	staleWhileRevalidate, staleIfError int64
}

func parseCacheControl(v string) cacheDirectives {
	d := cacheDirectives{maxAge: -1, sMaxAge: -1, staleWhileRevalidate: -1, staleIfError: -1}
	for tok := range strings.SplitSeq(v, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(tok), "=")
		age := func() int64 {
			n, err := strconv.ParseInt(strings.Trim(arg, `"`), 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			return n
		}
		switch strings.ToLower(name) {
		case "no-store":
			d.noStore = true
		case "no-cache":
			d.noCache = true
		case "private":
			d.private = true
		case "max-age":
			d.maxAge = age()
		case "s-maxage":
			d.sMaxAge = age()
		case "no-transform":
			d.noTransform = true
		case "stale-while-revalidate":
			d.staleWhileRevalidate = age()
		case "stale-if-error":
			d.staleIfError = age()
		}
	}
	return d
}
