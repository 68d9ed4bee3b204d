package edge

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// originFilter decides what of a viewer's request (as the viewer-request
// function left it) goes to the origin, by the behavior's OriginForwarding
// and CloudFront's rules for particular headers ("HTTP request headers and
// CloudFront behavior"). A nil f forwards everything: distributions stored
// before edgefn read their cache settings.
type originFilter struct {
	f *edgefn.OriginForwarding
	// unsafe is set for the methods CloudFront never caches (and OPTIONS
	// when not cached): their Authorization header always goes.
	unsafe bool
}

func (s *Server) originFilter(x *exchange) originFilter {
	m := x.ctx.Method()
	cached := string(m) == fasthttp.MethodGet || string(m) == fasthttp.MethodHead ||
		(string(m) == fasthttp.MethodOptions && slices.Contains(x.behavior.CachedMethods, fasthttp.MethodOptions))
	return originFilter{f: x.behavior.Forward, unsafe: !cached}
}

// removedHeaders are the viewer headers CloudFront removes unless a policy
// (or ForwardedValues) names them; the hop-by-hop and CloudFront's own are
// dropped before (event.DisallowedHeader).
var removedHeaders = []string{
	"accept", "accept-charset", "accept-language", "authorization", "referer", "te", "user-agent", "x-http-method-override",
}

// header reports whether the header lower (lower case) goes. Host, Cookie
// and the framing headers are decided apart.
func (o originFilter) header(lower string) bool {
	f := o.f
	switch {
	case f == nil:
		return true
	case edgefn.IsCloudFrontHeader(lower):
		// CloudFront's to add (cloudFrontHeaders), never a viewer's.
		return false
	case lower == "accept-encoding":
		// Normalised when the key has it (acceptEncoding).
		return !f.Gzip && !f.Brotli && f.Header(lower)
	case lower == "content-type", lower == "content-encoding", lower == "content-md5":
		// They describe the body, which always goes.
		return true
	case lower == "x-forwarded-for", lower == "via":
		// The edge appends to them.
		return true
	case lower == "authorization" && o.unsafe:
		return true
	case f.Header(lower):
		return true
	}
	// ForwardedValues forward the headers CloudFront has no rule for;
	// policies only what they name.
	return f.Legacy && !slices.Contains(removedHeaders, lower)
}

// cookies reports whether the Cookie headers go as the viewer sent them
// (every cookie selected).
func (o originFilter) allCookies() bool { return o.f == nil || o.f.AllCookies() }

// cookieHeader is the Cookie header for the selected ones of cookies ("":
// none).
func (o originFilter) cookieHeader(cookies event.Fields) string {
	kept := make(event.Fields, 0, len(cookies))
	for _, c := range cookies {
		if o.f.Cookie(c.Name) {
			kept = append(kept, c)
		}
	}
	return (&event.Request{Cookies: kept}).CookieHeader()
}

// query is the query string that goes: the parameters selected, in their
// order and spelling (names are matched as sent, as the cache key matches
// them).
func (o originFilter) query(raw string, has bool) (string, bool) {
	if o.f == nil || !has || o.f.AllQueryStrings() {
		return raw, has
	}
	var b strings.Builder
	for piece := range strings.SplitSeq(raw, "&") {
		name, _, _ := strings.Cut(piece, "=")
		if piece == "" || !o.f.QueryString(name) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(piece)
	}
	return b.String(), b.Len() > 0
}

// edgeHeaders sets what CloudFront sets in place of the viewer's values
// under a policy: the Host (the origin's unless forwarded), User-Agent
// "Amazon CloudFront" unless forwarded, the normalised Accept-Encoding of
// the request (out, as a function returned it, else the viewer's), and the
// CloudFront-* headers the policy asks for.
func (o originFilter) edgeHeaders(x *exchange, h *fasthttp.RequestHeader, t *target, out *event.Request) {
	f := o.f
	if f == nil {
		return
	}
	if f.Header("host") && !t.hostOverride {
		h.SetHostBytes(x.ctx.Request.Header.Host())
	}
	if !f.Header("user-agent") {
		h.SetUserAgent("Amazon CloudFront")
	}
	if f.Gzip || f.Brotli {
		var values []string
		if out != nil {
			values = fieldValues(out.Headers, "accept-encoding")
		} else {
			for _, v := range x.ctx.Request.Header.PeekAll(fasthttp.HeaderAcceptEncoding) {
				values = append(values, string(v))
			}
		}
		if ae := normaliseEncoding(f.Gzip, f.Brotli, values); ae != "" {
			h.Set(fasthttp.HeaderAcceptEncoding, ae)
		}
	}
	for _, name := range f.CloudFront {
		if v, ok := cloudFrontHeader(x, name); ok {
			h.Set(event.CanonicalHeaderName(name), v)
		}
	}
}

// cloudFrontHeader is the value of a CloudFront-* header (lower case) for
// x, when edgefn knows it: the protocol, the viewer's address and HTTP
// version. Geolocation and device detection are not done.
func cloudFrontHeader(x *exchange, name string) (string, bool) {
	switch name {
	case "cloudfront-forwarded-proto":
		if x.ctx.IsTLS() {
			return "https", true
		}
		return "http", true
	case "cloudfront-viewer-address":
		// CloudFront writes ip:port, IPv6 addresses without brackets.
		port := 0
		if a, ok := x.ctx.RemoteAddr().(*net.TCPAddr); ok {
			port = a.Port
		}
		return x.viewerIP() + ":" + strconv.Itoa(port), true
	case "cloudfront-viewer-http-version":
		return strings.TrimPrefix(string(x.ctx.Request.Header.Protocol()), "HTTP/"), true
	}
	if strings.HasPrefix(name, certHeaderPrefix) {
		return mtlsHeader(x, name)
	}
	return "", false
}
