package edge

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/evloop"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
)

// x-edge-result-type values of the access log (and X-Cache for the viewer):
// a forwarded request is a Miss, or an Error when the origin answers with
// one; caching.go adds the hits.
const (
	resultMiss      = "Miss"
	resultError     = "Error"
	resultGenerated = "FunctionGeneratedResponse"
	resultRedirect  = "Redirect"
)

// exchange is one viewer request on its way through the edge.
type exchange struct {
	ctx *fasthttp.RequestCtx
	// lx is the event loop's exchange when a loop serves the viewer.
	lx       *evloop.Exchange
	id       string
	start    time.Time
	dist     *replica.Distribution
	behavior *replica.Behavior
	// rev is the revision of the State the request was served from.
	rev int64
	// keyed is set for a request on the cache's path; encoding is then the
	// normalised Accept-Encoding of its key, the one the origin gets.
	keyed    bool
	encoding string
	// revalidate is the stale object the origin request asks to confirm;
	// originETag the ETag of the origin's response, before compression.
	revalidate *cached
	originETag string
	// background is set for the edge's own requests (see detached).
	background bool
	// uri is the request path as received; query the text after '?'.
	uri      string
	query    string
	hasQuery bool
	// result is x-edge-result-type, detail x-edge-detailed-result-type.
	result string
	detail string
	// viewerGone: the viewer's connection closed before the response.
	viewerGone bool
	// logData is what cf.logCustomData() recorded, per event type.
	requestLogData, responseLogData string
	ip                              string // see viewerIP
	// runCtx is the context functions run in: an event loop's (see
	// loopHandler.ForLoop), nil elsewhere.
	runCtx context.Context
	// The events of the functions run, held here rather than allocated
	// (exchanges are pooled).
	requestEvent, responseEvent event.Event
	// targets backs the route of requestPhase (an origin group's two
	// targets fit).
	targets [2]target
	// The viewer's body for the origin (see body.go): small is a body read
	// whole (its buffer kept across requests), body a streamed one.
	small    []byte
	body     viewerBody
	streamed bool
}

// newExchange takes an exchange from the server's pool (one per request is
// garbage the viewer path can do without); releaseExchange gives it back.
func (s *Server) newExchange(ctx *fasthttp.RequestCtx) *exchange {
	x, _ := s.exchanges.Get().(*exchange)
	if x == nil {
		x = new(exchange)
	}
	x.ctx, x.id, x.start, x.result, x.detail = ctx, newRequestID(), time.Now(), resultMiss, resultMiss
	return x
}

// releaseExchange returns x to the pool; nothing may use it afterwards.
func (s *Server) releaseExchange(x *exchange) {
	*x = exchange{small: x.small[:0]}
	s.exchanges.Put(x)
}

// newRequestID makes an id in the form of CloudFront's: 56 URL-safe base64
// characters. It must be unique, not secret: math/rand/v2's per-thread
// generator costs a fraction of crypto/rand's system call.
func newRequestID() string {
	var b [48]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	// Encoded on the stack: one allocation, the string.
	var id [56]byte
	base64.URLEncoding.Encode(id[:], b[:42])
	return string(id[:])
}

// viaValue is the Via value the edge adds (to what there may already be).
func (x *exchange) viaValue(prev []byte) string {
	if len(prev) == 0 {
		return x.dist.Via
	}
	return string(prev) + ", " + x.dist.Via
}

// serve handles one viewer request: its request phase (checks and the
// viewer-request function), the origin (or cache), its response phase.
func (s *Server) serve(ctx *fasthttp.RequestCtx) {
	x := s.newExchange(ctx)
	defer func() {
		s.logAccess(x)
		s.releaseExchange(x)
	}()
	rt, orig, out, ok := s.requestPhase(x)
	if ok {
		s.finish(x, s.respond(x, &rt, orig, out), out)
	}
}

// requestPhase runs what comes before the origin: the request's limits, the
// distribution and behavior, the viewer policies (admit) and the
// viewer-request function (routeRequest). It returns where the request goes,
// with the requests of runViewerRequest, or false when it has answered the
// viewer.
func (s *Server) requestPhase(x *exchange) (rt route, orig, out *event.Request, ok bool) {
	if !s.admit(x) {
		return rt, nil, nil, false
	}
	return s.routeRequest(x)
}

// admit checks the request's limits, finds its distribution and behavior
// and applies the viewer policies. It returns false when it has answered
// the viewer.
func (s *Server) admit(x *exchange) bool {
	ctx := x.ctx
	rawURI := ctx.Request.Header.RequestURI()
	switch {
	case !servedVersion(ctx.Request.Header.Protocol()):
		s.fail(x, failVersion)
		return false
	case len(rawURI) > maxURLBytes:
		s.fail(x, failURLTooLong)
		return false
	case len(ctx.Request.Header.RawHeaders()) > maxHeaderBytes, s.declaredTooLarge(ctx):
		s.fail(x, failTooLarge)
		return false
	case !validHeaderNames(ctx.Request.Header.RawHeaders()):
		s.fail(x, failMalformed)
		return false
	}
	// Before any refusal, so that its access log line has the path.
	x.splitURI(rawURI)
	state := s.cfg.States.State()
	if state == nil {
		s.fail(x, failStarting)
		return false
	}
	x.rev = state.Rev
	x.dist = state.Distribution(string(ctx.Request.Header.Host()))
	if x.dist == nil || !x.dist.Enabled {
		s.fail(x, failBadRequest)
		return false
	}
	if !s.mtlsRequest(x, state) {
		return false
	}
	x.behavior = x.dist.Behavior(x.uri)
	return s.viewerAllowed(x)
}

// routeRequest runs the viewer-request function of an admitted request and
// returns where it goes, as requestPhase does.
func (s *Server) routeRequest(x *exchange) (rt route, orig, out *event.Request, ok bool) {
	rt = route{targets: append(x.targets[:0], originTarget(x.behavior.Origin))}
	orig, out, ok = s.runViewerRequest(x, &rt)
	return rt, orig, out, ok
}

// finish runs the response phase on what the origin (or the cache)
// answered, or on the distribution's custom error page for an error status
// (the origin's or the edge's own). answered is false when the edge has
// answered the viewer itself.
func (s *Server) finish(x *exchange, answered bool, out *event.Request) {
	errorPage := s.customErrorPage(x)
	if answered || errorPage {
		s.responsePhase(x, out, errorPage)
	}
	s.holdResponse(x)
}

// responsePhase finishes a response the origin (or the cache, or a custom
// error page) gave: Via, the viewer-response function, the edge's headers.
// out is the request the viewer-request function returned, if any.
func (s *Server) responsePhase(x *exchange, out *event.Request, errorPage bool) {
	resp := &x.ctx.Response
	resp.Header.Set(fasthttp.HeaderVia, x.viaValue(resp.Header.Peek(fasthttp.HeaderVia)))
	failed := resp.StatusCode() >= 400 || errorPage
	if failed {
		// CloudFront reports an origin's error status as an Error (X-Cache
		// and access log), and runs no viewer-response function on it.
		x.result, x.detail = resultError, resultError
	}
	s.responseHeaders(x)
	if f := x.behavior.ViewerResponse; f != nil && !failed && !s.viewerResponse(x, f, out) {
		return
	}
	s.edgeHeaders(x)
}

// viewerAllowed applies the behavior's ViewerProtocolPolicy and
// AllowedMethods, which CloudFront checks before any function runs. It
// returns false when it has answered the viewer.
func (s *Server) viewerAllowed(x *exchange) bool {
	if !x.ctx.IsTLS() {
		switch x.behavior.ViewerProtocolPolicy {
		case edgefn.ViewerRedirectToHTTPS:
			s.redirectToHTTPS(x)
			return false
		case edgefn.ViewerHTTPSOnly:
			s.fail(x, failHTTPSOnly)
			return false
		}
	}
	if !x.behavior.Allows(string(x.ctx.Method())) {
		s.fail(x, failMethodNotAllowed)
		return false
	}
	// CloudFront refuses a GET with a body.
	// Declared, not read: the body may be streaming.
	if n := x.ctx.Request.Header.ContentLength(); x.ctx.IsGet() && (n > 0 || n == -1) {
		s.fail(x, failGetWithBody)
		return false
	}
	return true
}

// redirectToHTTPS answers a request over HTTP with the 301 CloudFront sends
// to the same URL over HTTPS (on the edge's HTTPS port).
func (s *Server) redirectToHTTPS(x *exchange) {
	host := string(x.ctx.Request.Header.Host())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if p := s.cfg.HTTPSPort; p != 0 && p != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(p))
	}
	location := "https://" + host + x.uri
	if x.hasQuery {
		location += "?" + x.query
	}
	x.result, x.detail = resultRedirect, resultRedirect
	s.page(x, fasthttp.StatusMovedPermanently, movedPage)
	x.ctx.Response.Header.Set(fasthttp.HeaderLocation, location)
}

const movedPage = `<html>
<head><title>301 Moved Permanently</title></head>
<body>
<center><h1>301 Moved Permanently</h1></center>
<hr><center>CloudFront</center>
</body>
</html>
`

// runViewerRequest runs the behavior's viewer-request function, if any, and
// returns the request it received (orig) and the one to send on (out), both
// nil without a function; a call of an origin helper changes rt. It returns
// false when it has answered the viewer: with a generated response, or with
// an error.
func (s *Server) runViewerRequest(x *exchange, rt *route) (orig, out *event.Request, ok bool) {
	f := x.behavior.ViewerRequest
	if f == nil {
		return nil, nil, true
	}
	ev := x.event(event.ViewerRequest, x.viewerRequest(), nil)
	res := s.run(x, f, ev)
	if res == nil {
		return nil, nil, false
	}
	if gen := res.Output.Response; gen != nil {
		s.generated(x, gen)
		return nil, nil, false
	}
	orig, out = &ev.Request, sentRequest(&ev.Request, res.Output.Request)
	if res.Origin != nil {
		if err := rt.apply(res.Origin, x.dist, out); err != nil {
			s.refused(x, f, err)
			return nil, nil, false
		}
	}
	return orig, out, true
}

// splitURI takes the path and query of the request line. The path is kept
// as the viewer wrote it, percent-escapes and all.
func (x *exchange) splitURI(raw []byte) {
	if len(raw) == 0 || raw[0] != '/' {
		// An absolute-form target (http://host/path): fasthttp parses it.
		u := x.ctx.URI()
		raw = u.RequestURI()
	}
	// One string for both parts: the query is the uri's tail.
	target := string(raw)
	x.uri, x.query, x.hasQuery = strings.Cut(target, "?")
}

// appendViewerIP appends the viewer's address, as viewerIP has it, to dst
// without making it a string first.
func (x *exchange) appendViewerIP(dst []byte) []byte {
	if x.ip == "" {
		if a, ok := x.ctx.RemoteAddr().(*net.TCPAddr); ok {
			return a.AddrPort().Addr().Unmap().WithZone("").AppendTo(dst)
		}
	}
	return append(dst, x.viewerIP()...)
}

// viewerIP is the address the viewer connects from (event.viewer.ip).
func (x *exchange) viewerIP() string {
	if x.ip == "" {
		// Through netip: RemoteIP builds a net.IP on the heap first.
		if a, ok := x.ctx.RemoteAddr().(*net.TCPAddr); ok {
			x.ip = a.AddrPort().Addr().Unmap().WithZone("").String()
		} else {
			x.ip = x.ctx.RemoteIP().String()
		}
	}
	return x.ip
}

// The names of the headers the edge sets on every request and response,
// in fasthttp's canonical form: set with SetCanonical, they skip the
// normalization Set does on every call.
var (
	headerXCache  = []byte("X-Cache")
	headerCfPop   = []byte("X-Amz-Cf-Pop")
	headerCfID    = []byte("X-Amz-Cf-Id")
	headerVia     = []byte(fasthttp.HeaderVia)
	headerForward = []byte(fasthttp.HeaderXForwardedFor)
)

// xCacheValue is X-Cache for a result type, without building it each time.
func xCacheValue(result string) string {
	switch result {
	case resultMiss:
		return "Miss from cloudfront"
	case resultHit:
		return "Hit from cloudfront"
	case resultError:
		return "Error from cloudfront"
	}
	return result + " from cloudfront"
}

// edgeHeaders adds what CloudFront adds to every response it forwards;
// X-Cache tells the result type.
func (s *Server) edgeHeaders(x *exchange) {
	h := &x.ctx.Response.Header
	h.SetCanonical(headerXCache, s2b(xCacheValue(x.result)))
	h.SetCanonical(headerCfPop, s2b(s.cfg.Location))
	h.SetCanonical(headerCfID, s2b(x.id))
}

// s2b is a string's bytes, for fasthttp calls that copy them.
func s2b(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// fail answers the viewer with an error page.
func (s *Server) fail(x *exchange, f failure) {
	x.result, x.detail = resultError, f.detail
	s.page(x, f.status, f.page(x.id))
}

// page replaces the response with a page the edge makes itself (an error,
// a redirect), with CloudFront's Server, the distribution's Via when there
// is one, and the headers of edgeHeaders.
func (s *Server) page(x *exchange, status int, body string) {
	resp := &x.ctx.Response
	resp.Reset()
	resp.SetStatusCode(status)
	resp.Header.SetServer("CloudFront")
	resp.Header.SetContentType("text/html")
	if x.dist != nil {
		resp.Header.Set(fasthttp.HeaderVia, x.viaValue(nil))
	}
	resp.SetBodyString(body)
	s.edgeHeaders(x)
}

// serveError answers a request fasthttp could not read.
func (s *Server) serveError(ctx *fasthttp.RequestCtx, err error) {
	x := &exchange{ctx: ctx, id: newRequestID(), start: time.Now()}
	s.fail(x, viewerFailure(err))
	s.logAccess(x)
}
