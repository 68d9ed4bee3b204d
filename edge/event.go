package edge

import (
	"slices"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// Headers the edge never copies between viewer and origin, whatever a
// function does: fasthttp frames bodies itself, and Host is the origin's.
func framing(lower string) bool {
	return lower == "content-length" || lower == "transfer-encoding"
}

// lowerName lower-cases a header name into buf (names are short: a name that
// does not fit is returned lower-cased in a new string).
func lowerName(buf *[64]byte, name []byte) string { return string(event.LowerName(buf, name)) }

// eventRequest is event.request for the viewer's request (event.WireRequest).
func eventRequest(h *fasthttp.RequestHeader, uri, query string, hasQuery bool) event.Request {
	var buf [16]event.HeaderLine
	return event.WireRequest(h.Method(), uri, query, hasQuery, h.RawHeaders(), event.AppendHeaderLines(buf[:0], h.AllInOrder()))
}

// eventResponse is event.response for what the origin answered.
func eventResponse(resp *fasthttp.Response) *event.Response {
	desc := string(resp.Header.StatusMessage())
	if desc == "" {
		desc = fasthttp.StatusMessage(resp.StatusCode())
	}
	var buf [16]event.HeaderLine
	return event.WireResponse(resp.StatusCode(), desc, event.AppendHeaderLines(buf[:0], resp.Header.All()))
}

// copyViewerHeaders forwards the viewer's headers that o lets go to the
// origin as they came, less the ones CloudFront hides (hop-by-hop and its
// own) and Host.
func copyViewerHeaders(dst, src *fasthttp.RequestHeader, o originFilter) {
	var buf [64]byte
	var cookies []string // when some are left out
	for k, v := range src.AllInOrder() {
		switch name := lowerName(&buf, k); {
		case name == "host" || framing(name) || event.DisallowedHeader(name):
		case name == "cookie" && o.allCookies():
			addCookie(dst, v)
		case name == "cookie":
			cookies = append(cookies, string(v))
		case o.header(name):
			dst.AddBytesKV(k, v)
		}
	}
	if cookies != nil {
		addCookieHeader(dst, o.cookieHeader(event.ParseCookieHeader(cookies)))
	}
}

// addCookieHeader adds a Cookie header of the given value, none if empty.
func addCookieHeader(h *fasthttp.RequestHeader, v string) {
	if v != "" {
		addCookie(h, []byte(v))
	}
}

var cookieName = []byte(fasthttp.HeaderCookie)

// addCookie adds a Cookie header that goes out exactly as given. Added the
// usual way, fasthttp parses it and writes the pairs back its own way: on one
// line, re-spaced, quotes stripped, pairs whose value has '"' or '\' dropped.
// As an ordinary header it is written as it is.
func addCookie(h *fasthttp.RequestHeader, v []byte) {
	if !h.DisableSpecialHeader() {
		defer h.EnableSpecialHeader()
	}
	h.AddBytesKV(cookieName, v)
}

// writeRequestHeaders forwards the headers of a request a viewer-request
// function returned (out; orig is what it received), following the
// write-back rules of spec/runtime.md §2.6, those o lets go. Cookies the
// function left alone go out as the viewer sent them when all go.
func writeRequestHeaders(dst, viewer *fasthttp.RequestHeader, orig, out *event.Request, o originFilter) {
	// wire gives back the viewer's own bytes only for values that were not
	// UTF-8, and there are none when the whole header block is.
	transcoded := !utf8.Valid(viewer.RawHeaders())
	var vals [4]event.Value
	for i := range out.Headers {
		f := &out.Headers[i]
		if f.Name == "host" || framing(f.Name) || !o.header(f.Name) {
			continue
		}
		for _, v := range event.AppendWireValues(vals[:0], received(orig.Headers, i, f.Name), f) {
			if transcoded {
				v.Value = wire(v.Value, f.Name, viewer)
			}
			// The name is a lower-case token (Validate) that fasthttp
			// re-cases as §2.6 has it, Example-Header-Name: what
			// event.CanonicalHeaderName makes (TestWriteRequestHeaders).
			dst.Add(f.Name, v.Value)
		}
	}
	if !o.allCookies() {
		addCookieHeader(dst, o.cookieHeader(event.WriteBack(orig.Cookies, out.Cookies)))
		return
	}
	cookies, changed := sentCookies(orig, out)
	switch {
	case !changed:
		for _, v := range viewer.PeekAll(fasthttp.HeaderCookie) {
			addCookie(dst, v)
		}
	case cookies != "":
		addCookie(dst, []byte(cookies))
	}
}

// received is the entry of orig named name, which out's entry i was
// returned for, or nil. A function returns most entries where it received
// them: look there first.
func received(orig event.Fields, i int, name string) *event.Field {
	if i < len(orig) && orig[i].Name == name {
		return &orig[i]
	}
	f, _ := orig.Get(name)
	return f
}

// sentCookies is the Cookie header for the cookies of out, a request a
// viewer-request function returned for orig (§2.6); changed is false when
// they put on the wire what the viewer sent.
func sentCookies(orig, out *event.Request) (cookies string, changed bool) {
	if !event.FieldsChanged(orig.Cookies, out.Cookies) {
		return "", false
	}
	cookies = (&event.Request{Cookies: event.WriteBack(orig.Cookies, out.Cookies)}).CookieHeader()
	return cookies, cookies != (&event.Request{Cookies: orig.Cookies}).CookieHeader()
}

// writeResponse applies what a viewer-response function returned (out) for
// the origin's response (orig) to resp, following §2.6. A body the function
// set replaces the origin's.
func writeResponse(resp *fasthttp.Response, orig, out *event.Response) error {
	h := &resp.Header
	var del []string
	for i := range orig.Headers {
		if !framing(orig.Headers[i].Name) {
			del = append(del, orig.Headers[i].Name)
		}
	}
	var add []edgefn.Header
	for i := range out.Headers {
		f := &out.Headers[i]
		if framing(f.Name) {
			continue
		}
		o, _ := orig.Headers.Get(f.Name)
		name := event.CanonicalHeaderName(f.Name)
		for _, v := range event.WireValues(o, f) {
			add = append(add, edgefn.Header{Name: name, Value: wire(v.Value, name, h)})
		}
	}
	replaceHeaders(h, del, add)
	// Cookies the function left alone go out as the origin sent them.
	if lines := setCookieLines(event.WriteBack(orig.Cookies, out.Cookies)); !slices.Equal(lines, setCookieLines(orig.Cookies)) {
		h.DelAllCookies()
		addSetCookies(h, lines)
	}
	resp.SetStatusCode(out.StatusCode)
	switch {
	case out.StatusDescription != orig.StatusDescription:
		h.SetStatusMessage([]byte(out.StatusDescription))
	case out.StatusCode != orig.StatusCode:
		// A new code under the description received (404 with "OK") gets
		// the standard reason phrase for the code.
		h.SetStatusMessage(nil)
	}
	return setBody(resp, out.Body)
}

// writeGenerated replaces resp with a response a viewer-request function
// generated.
func writeGenerated(resp *fasthttp.Response, out *event.Response) error {
	resp.Reset()
	h := &resp.Header
	resp.SetStatusCode(out.StatusCode)
	if out.StatusDescription != "" {
		h.SetStatusMessage([]byte(out.StatusDescription))
	}
	for i := range out.Headers {
		f := &out.Headers[i]
		if framing(f.Name) {
			continue
		}
		name := event.CanonicalHeaderName(f.Name)
		for _, v := range event.WireValues(nil, f) {
			h.Add(name, v.Value)
		}
	}
	addSetCookies(h, setCookieLines(event.WriteBack(nil, out.Cookies)))
	if len(h.Server()) == 0 {
		h.SetServer("CloudFront")
	}
	return setBody(resp, out.Body)
}

// replaceHeaders removes the headers named in del from h, then adds add in
// order. fasthttp removes a header by moving the last one into its place,
// which would reorder repeated headers (whose order means something) if
// removals and additions were interleaved.
func replaceHeaders(h *fasthttp.ResponseHeader, del []string, add []edgefn.Header) {
	for _, name := range del {
		h.Del(name)
	}
	for _, kv := range add {
		h.Add(kv.Name, kv.Value)
	}
}

func setCookieLines(cookies event.Fields) []string {
	return (&event.Response{Cookies: cookies}).SetCookieLines()
}

func addSetCookies(h *fasthttp.ResponseHeader, lines []string) {
	for _, line := range lines {
		h.Add(fasthttp.HeaderSetCookie, line)
	}
}

func setBody(resp *fasthttp.Response, b *event.Body) error {
	if b == nil {
		return nil
	}
	data, err := b.Bytes()
	if err != nil {
		return err
	}
	resp.SetBody(data)
	return nil
}
