package edge

import (
	"iter"
	"slices"

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
func lowerName(buf *[64]byte, name []byte) string {
	b := buf[:0]
	if len(name) > len(buf) {
		b = make([]byte, 0, len(name))
	}
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// addField adds one occurrence of a header to fs, folding a repeated name
// into multiValue as CloudFront does (spec/runtime.md §2.6).
func addField(fs event.Fields, name, value string) event.Fields {
	if f, ok := fs.Get(name); ok {
		if f.MultiValue == nil {
			f.MultiValue = []event.Value{{Value: f.Value}}
		}
		f.MultiValue = append(f.MultiValue, event.Value{Value: value})
		return fs
	}
	return append(fs, event.Field{Name: name, Value: value})
}

// eventRequest is event.request for the viewer's request: header names in
// lower case with repeated ones folded, Cookie headers parsed into cookies,
// and the headers CloudFront hides from functions left out.
func eventRequest(h *fasthttp.RequestHeader, uri, query string, hasQuery bool) event.Request {
	r := event.Request{
		Method:      string(h.Method()),
		URI:         uri,
		RawQuery:    query,
		HasQuery:    hasQuery,
		Querystring: event.ParseQuery(query),
	}
	headers, cookies := eventHeaders(h.AllInOrder(), "cookie")
	r.Headers, r.Cookies = headers, event.ParseCookieHeader(cookies)
	return r
}

// eventResponse is event.response for what the origin answered.
func eventResponse(resp *fasthttp.Response) *event.Response {
	r := &event.Response{StatusCode: resp.StatusCode(), StatusDescription: string(resp.Header.StatusMessage())}
	if r.StatusDescription == "" {
		r.StatusDescription = fasthttp.StatusMessage(r.StatusCode)
	}
	headers, cookies := eventHeaders(resp.Header.All(), "set-cookie")
	r.Headers, r.Cookies = headers, event.ParseSetCookie(cookies)
	return r
}

// eventHeaders turns wire headers into event headers, setting aside the lines
// of cookieHeader (Cookie or Set-Cookie), which the event models apart, and
// leaving out the headers CloudFront never shows functions.
func eventHeaders(all iter.Seq2[[]byte, []byte], cookieHeader string) (event.Fields, []string) {
	var (
		buf     [64]byte
		fields  event.Fields
		cookies []string
	)
	for k, v := range all {
		name := lowerName(&buf, k)
		switch {
		case name == cookieHeader:
			cookies = append(cookies, text(v))
		case !event.DisallowedHeader(name):
			fields = addField(fields, name, text(v))
		}
	}
	return fields, cookies
}

// copyViewerHeaders forwards the viewer's headers to the origin as they came,
// less the ones CloudFront hides (hop-by-hop and its own) and Host.
func copyViewerHeaders(dst, src *fasthttp.RequestHeader) {
	var buf [64]byte
	for k, v := range src.AllInOrder() {
		switch name := lowerName(&buf, k); {
		case name == "host" || framing(name) || event.DisallowedHeader(name):
		case name == "cookie":
			addCookie(dst, v)
		default:
			dst.AddBytesKV(k, v)
		}
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
// write-back rules of spec/runtime.md §2.6. Cookies the function left alone
// go out as the viewer sent them.
func writeRequestHeaders(dst, viewer *fasthttp.RequestHeader, orig, out *event.Request) {
	for i := range out.Headers {
		f := &out.Headers[i]
		if f.Name == "host" || framing(f.Name) {
			continue
		}
		o, _ := orig.Headers.Get(f.Name)
		name := event.CanonicalHeaderName(f.Name)
		for _, v := range event.WireValues(o, f) {
			dst.Add(name, wire(v.Value, name, viewer))
		}
	}
	cookies := (&event.Request{Cookies: event.WriteBack(orig.Cookies, out.Cookies)}).CookieHeader()
	if cookies == (&event.Request{Cookies: orig.Cookies}).CookieHeader() {
		for _, v := range viewer.PeekAll(fasthttp.HeaderCookie) {
			addCookie(dst, v)
		}
		return
	}
	if cookies != "" {
		addCookie(dst, []byte(cookies))
	}
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
