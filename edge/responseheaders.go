package edge

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
)

// responseHeaders applies the behavior's response headers policy to the
// response about to go to the viewer, from the cache, the origin or a
// function. It runs before the viewer-response function, which sees the
// policy's headers (as CloudFront's functions do).
func (s *Server) responseHeaders(x *exchange) {
	rules := x.behavior.ResponseHeaders
	if rules == nil {
		return
	}
	h := &x.ctx.Response.Header
	applyResponseHeaders(rules, &x.ctx.Request.Header, h)
	if rate := rules.ServerTiming; rate != nil && (rand.Float64()*100 < *rate || askedServerTiming(&x.ctx.Request.Header)) {
		h.Set("Server-Timing", x.serverTiming(s.cfg.Location, h.Peek("Server-Timing")))
	}
}

// applyResponseHeaders removes the policy's headers, then sets its security
// and custom headers, then its CORS headers: a header the policy both
// removes and sets is the policy's.
func applyResponseHeaders(r *edgefn.ResponseHeaderRules, req *fasthttp.RequestHeader, resp *fasthttp.ResponseHeader) {
	for _, name := range r.Remove {
		resp.Del(name)
		if strings.EqualFold(name, fasthttp.HeaderServer) {
			// CloudFront puts its own in place of the origin's.
			resp.SetServer("CloudFront")
		}
	}
	for _, h := range r.Set {
		setPolicyHeader(resp, h.Name, h.Value, h.Override)
	}
	if c := r.CORS; c != nil {
		applyCORS(c, req, resp)
	}
}

// setPolicyHeader sets name unless the response has it and the policy does
// not override it.
func setPolicyHeader(resp *fasthttp.ResponseHeader, name, value string, override bool) {
	if !override && len(resp.PeekAll(name)) > 0 {
		return
	}
	resp.Set(name, value)
}

// applyCORS adds the CORS headers to the response to a CORS request: one
// with an Origin the policy allows. A preflight (OPTIONS with
// Access-Control-Request-Method) also gets the allowed methods and headers
// and the max age.
func applyCORS(c *edgefn.CORSRules, req *fasthttp.RequestHeader, resp *fasthttp.ResponseHeader) {
	origin := req.Peek("Origin")
	if len(origin) == 0 {
		return
	}
	allow, ok := c.AllowOrigin(string(origin))
	if !ok {
		return
	}
	set := func(name, value string) {
		if value != "" {
			setPolicyHeader(resp, name, value, c.OriginOverride)
		}
	}
	set("Access-Control-Allow-Origin", allow)
	if allow != "*" && !hasToken(resp.Peek(fasthttp.HeaderVary), "origin") {
		// The answer depends on the Origin: say so to the viewer's caches.
		if v := resp.Peek(fasthttp.HeaderVary); len(v) > 0 {
			resp.Set(fasthttp.HeaderVary, string(v)+", Origin")
		} else {
			resp.Set(fasthttp.HeaderVary, "Origin")
		}
	}
	if c.AllowCredentials {
		set("Access-Control-Allow-Credentials", "true")
	}
	set("Access-Control-Expose-Headers", c.ExposeHeaders)
	if req.IsOptions() && len(req.Peek("Access-Control-Request-Method")) > 0 {
		set("Access-Control-Allow-Methods", c.AllowMethods)
		set("Access-Control-Allow-Headers", c.AllowHeaders)
		set("Access-Control-Max-Age", c.MaxAge)
	}
}

// askedServerTiming reports a request with Pragma: server-timing, which
// gets the header whatever the sampling rate.
func askedServerTiming(req *fasthttp.RequestHeader) bool {
	return hasToken(req.Peek("Pragma"), "server-timing")
}

// hasToken reports whether a comma-separated header value lists token
// (ASCII case-insensitively).
func hasToken(value []byte, token string) bool {
	for part := range bytes.SplitSeq(value, []byte(",")) {
		if strings.EqualFold(string(bytes.TrimSpace(part)), token) {
			return true
		}
	}
	return false
}

// serverTiming is the Server-Timing value of the exchange's response with
// the metrics the edge has: the cache result, where it was served, the
// request id and the time to the response. A miss keeps the origin's
// metrics (origin) after the edge's; a hit has the edge's alone.
func (x *exchange) serverTiming(pop string, origin []byte) string {
	var b strings.Builder
	switch x.result {
	case resultHit:
		b.WriteString(`cdn-cache-hit,`)
	case resultRefreshHit:
		b.WriteString(`cdn-cache-refresh,`)
	case resultMiss, resultError:
		b.WriteString(`cdn-upstream-layer;desc="EDGE",cdn-cache-miss,`)
	}
	b.WriteString(`cdn-pop;desc="` + pop + `",cdn-rid;desc="` + x.id + `"`)
	if x.result == resultHit {
		b.WriteString(`,cdn-hit-layer;desc="EDGE"`)
	}
	b.WriteString(`,cdn-downstream-fbl;dur=` + strconv.FormatInt(time.Since(x.start).Milliseconds(), 10))
	if len(origin) > 0 && (x.result == resultMiss || x.result == resultError) {
		b.WriteString(",")
		b.Write(origin)
	}
	return b.String()
}
