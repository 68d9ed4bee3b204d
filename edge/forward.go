package edge

import (
	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// forward sends the request to the route's targets in turn until one
// answers with a status that does not fail over, leaving its response in
// the viewer's. out is the request a viewer-request function returned, as
// sentRequest made it, orig the one it received (both nil without a
// function). It answers the viewer itself and returns false when no target
// could be reached.
func (s *Server) forward(x *exchange, rt *route, orig, out *event.Request) bool {
	uri, query, hasQuery := x.originURI(out)
	fail, ok := s.readBody(x)
	if !ok {
		s.fail(x, fail)
		return false
	}
	req := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(req)
	for i := range rt.targets {
		t := &rt.targets[i]
		t.forViewer(x.ctx.IsTLS())
		if t.s3 {
			if s.cfg.S3Dir == "" {
				fail = failNoS3
				continue
			}
			serveS3(&x.ctx.Response, s.cfg.S3Dir, t.bucket, x.ctx.Method(), t.path+uri)
		} else {
			req.Reset()
			s.originRequest(x, req, t, uri, query, hasQuery, orig, out)
			setScheme(req, t.tls)
			// A burst beyond the origin's ceiling waits for a slot (never
			// past the origin's read timeout), then is the origin's timeout.
			p := s.origins.pool(t)
			err := fasthttp.ErrNoFreeConns
			if p.acquire(min(s.cfg.OriginConnWait, t.read)) {
				err = p.client.DoTimeout(req, &x.ctx.Response, t.read)
				p.release()
			}
			if x.body.err != nil {
				// The viewer's upload failed, not the origin.
				s.fail(x, viewerFailure(x.body.err))
				return false
			}
			if err != nil {
				fail = originFailure(err)
				s.log.Debug("edge: origin request failed", "request_id", x.id, "origin", t.addr(), "err", err)
				if !x.replayable() {
					break
				}
				continue
			}
			cleanOriginResponse(&x.ctx.Response)
		}
		// A streamed body went to this origin and cannot go to another.
		if i == len(rt.targets)-1 || !x.replayable() || !rt.failsOver(x.ctx.Response.StatusCode()) {
			return true
		}
	}
	s.fail(x, fail)
	return false
}

// originURI is the path and query to ask the origin for: the viewer's, or
// the function's when it returned a request (out), with the distribution's
// default root object for "/".
func (x *exchange) originURI(out *event.Request) (uri, query string, hasQuery bool) {
	uri, query, hasQuery = x.uri, x.query, x.hasQuery
	if out != nil {
		uri, query, hasQuery = out.URI, out.RawQuery, out.HasQuery
	}
	if uri == "/" && x.dist.DefaultRootObject != "" {
		uri += x.dist.DefaultRootObject
	}
	return uri, query, hasQuery
}

// originRequest builds the request to a custom origin: the viewer's method
// and body, what the behavior forwards of its query string, headers and
// cookies (as the function left them), the origin's Host, path and custom
// headers, and the forwarding headers CloudFront adds.
func (s *Server) originRequest(x *exchange, req *fasthttp.Request, t *target, uri, query string, hasQuery bool, orig, out *event.Request) {
	viewer := &x.ctx.Request
	o := s.originFilter(x)
	if out != nil {
		writeRequestHeaders(&req.Header, &viewer.Header, orig, out, o)
	} else {
		copyViewerHeaders(&req.Header, &viewer.Header, o)
	}
	query, hasQuery = o.query(query, hasQuery)
	req.Header.SetMethodBytes(viewer.Header.Method())
	target := make([]byte, 0, len(t.path)+len(uri)+1+len(query))
	target = append(append(target, t.path...), uri...)
	if hasQuery {
		target = append(append(target, '?'), query...)
	}
	req.Header.SetRequestURIBytes(target)
	req.Header.SetHost(t.host)
	req.UseHostHeader = true
	o.edgeHeaders(x, &req.Header, t, out)
	for _, h := range t.headers {
		req.Header.Set(h.Name, h.Value)
	}
	// The headers CloudFront adds, in place: SetCanonical with their
	// canonical names skips Set's normalization.
	var buf [128]byte
	xff := req.Header.PeekBytes(headerForward)
	if len(xff) > 0 {
		xff = append(append(buf[:0], xff...), ", "...)
	} else {
		xff = buf[:0]
	}
	req.Header.SetCanonical(headerForward, x.appendViewerIP(xff))
	req.Header.SetCanonical(headerVia, s2b(x.viaValue(req.Header.PeekBytes(headerVia))))
	req.Header.SetCanonical(headerCfID, s2b(x.id))
	if x.keyed {
		keyedOriginHeaders(&req.Header, x.encoding)
	}
	if c := x.revalidate; c != nil {
		if c.etag != "" {
			req.Header.Set(fasthttp.HeaderIfNoneMatch, c.etag)
		}
		if c.lastModified != "" {
			req.Header.Set(fasthttp.HeaderIfModifiedSince, c.lastModified)
		}
	}
	x.setBody(req)
}

// cleanOriginResponse drops what the origin sent that CloudFront never
// passes on: hop-by-hop headers and the ones the edge sets itself.
func cleanOriginResponse(resp *fasthttp.Response) {
	resp.Header.ResetConnectionClose()
	// The viewer speaks HTTP/1.1 with the edge whatever the origin spoke.
	resp.Header.SetProtocol(http11)
	var buf [64]byte
	// Most origins end with the ones to drop (Connection, Keep-Alive):
	// fasthttp's Del moves the last header into the gap, which keeps the
	// order of the others only when every header after the first one
	// dropped is dropped too.
	hidden, tail := 0, true
	for k := range resp.Header.All() {
		if event.DisallowedHeader(lowerName(&buf, k)) {
			hidden++
		} else if hidden > 0 {
			tail = false
		}
	}
	if hidden == 0 {
		return
	}
	if tail {
		for {
			var last []byte
			for k := range resp.Header.All() {
				last = k
			}
			if last == nil || !event.DisallowedHeader(lowerName(&buf, last)) {
				return
			}
			resp.Header.DelBytes(last)
		}
	}
	// All of them out, the others back in: see replaceHeaders.
	var (
		names []string
		kept  []edgefn.Header
	)
	for k, v := range resp.Header.All() {
		name := lowerName(&buf, k)
		names = append(names, name)
		if !event.DisallowedHeader(name) {
			kept = append(kept, edgefn.Header{Name: string(k), Value: string(v)})
		}
	}
	replaceHeaders(&resp.Header, names, kept)
}
