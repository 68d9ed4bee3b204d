package edge

import (
	"github.com/valyala/fasthttp"

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
	var (
		buf     [64]byte
		cookies []string
	)
	for k, v := range h.AllInOrder() {
		name := lowerName(&buf, k)
		switch {
		case name == "cookie":
			cookies = append(cookies, string(v))
		case !event.DisallowedHeader(name):
			r.Headers = addField(r.Headers, name, string(v))
		}
	}
	r.Cookies = event.ParseCookieHeader(cookies)
	return r
}

// eventResponse is event.response for what the origin answered.
func eventResponse(resp *fasthttp.Response) *event.Response {
	r := &event.Response{StatusCode: resp.StatusCode(), StatusDescription: string(resp.Header.StatusMessage())}
	if r.StatusDescription == "" {
		r.StatusDescription = fasthttp.StatusMessage(r.StatusCode)
	}
	var (
		buf     [64]byte
		cookies []string
	)
	for k, v := range resp.Header.All() {
		name := lowerName(&buf, k)
		switch {
		case name == "set-cookie":
			cookies = append(cookies, string(v))
		case !event.DisallowedHeader(name):
			r.Headers = addField(r.Headers, name, string(v))
		}
	}
	r.Cookies = event.ParseSetCookie(cookies)
	return r
}

// copyViewerHeaders forwards the viewer's headers to the origin as they came,
// less the ones CloudFront hides (hop-by-hop and its own) and Host.
func copyViewerHeaders(dst, src *fasthttp.RequestHeader) {
	var buf [64]byte
	for k, v := range src.AllInOrder() {
		name := lowerName(&buf, k)
		if name == "host" || framing(name) || event.DisallowedHeader(name) {
			continue
		}
		dst.AddBytesKV(k, v)
	}
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
			dst.Add(name, v.Value)
		}
	}
	cookies := (&event.Request{Cookies: event.WriteBack(orig.Cookies, out.Cookies)}).CookieHeader()
	if cookies == (&event.Request{Cookies: orig.Cookies}).CookieHeader() {
		for _, v := range viewer.PeekAll(fasthttp.HeaderCookie) {
			dst.AddBytesV(fasthttp.HeaderCookie, v)
		}
		return
	}
	if cookies != "" {
		dst.Set(fasthttp.HeaderCookie, cookies)
	}
}

// writeResponse applies what a viewer-response function returned (out) for
// the origin's response (orig) to resp, following §2.6. A body the function
// set replaces the origin's.
func writeResponse(resp *fasthttp.Response, orig, out *event.Response) error {
	h := &resp.Header
	for i := range orig.Headers {
		if _, kept := out.Headers.Get(orig.Headers[i].Name); !kept && !framing(orig.Headers[i].Name) {
			h.Del(event.CanonicalHeaderName(orig.Headers[i].Name))
		}
	}
	for i := range out.Headers {
		f := &out.Headers[i]
		if framing(f.Name) {
			continue
		}
		o, _ := orig.Headers.Get(f.Name)
		name := event.CanonicalHeaderName(f.Name)
		h.Del(name)
		for _, v := range event.WireValues(o, f) {
			h.Add(name, v.Value)
		}
	}
	h.DelAllCookies()
	setCookies(h, event.WriteBack(orig.Cookies, out.Cookies))
	resp.SetStatusCode(out.StatusCode)
	if out.StatusDescription != orig.StatusDescription {
		h.SetStatusMessage([]byte(out.StatusDescription))
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
	setCookies(h, event.WriteBack(nil, out.Cookies))
	if len(h.Server()) == 0 {
		h.SetServer("CloudFront")
	}
	return setBody(resp, out.Body)
}

func setCookies(h *fasthttp.ResponseHeader, cookies event.Fields) {
	for _, line := range (&event.Response{Cookies: cookies}).SetCookieLines() {
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
