package edge

import (
	"bytes"
	"iter"
	"slices"
	"strings"
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
func lowerName(buf *[64]byte, name []byte) string { return string(lowerBytes(buf, name)) }

// lowerBytes is name lower-cased, in buf when it fits.
func lowerBytes(buf *[64]byte, name []byte) []byte {
	b := buf[:]
	if len(name) > len(buf) {
		b = make([]byte, len(name))
	}
	b = b[:copy(b, name)]
	for i, c := range b {
		b[i] = lowerByte[c]
	}
	return b
}

var lowerByte = func() (t [256]byte) {
	for c := range t {
		t[c] = byte(c)
		if 'A' <= c && c <= 'Z' {
			t[c] += 'a' - 'A'
		}
	}
	return t
}()

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
	// The raw header block bounds the text and the number of the headers,
	// and when it is UTF-8 as a whole, so is every value in it.
	raw := h.RawHeaders()
	t := eventText{utf8: utf8.Valid(raw)}
	t.Grow(len(h.Method()) + len(raw))
	t.Write(h.Method()) // as received: it is no header value
	r := event.Request{
		Method:      t.String(),
		URI:         uri,
		RawQuery:    query,
		HasQuery:    hasQuery,
		Querystring: event.ParseQuery(query),
	}
	headers, cookies := eventHeaders(&t, h.AllInOrder(), bytes.Count(raw, []byte("\n")), "cookie")
	r.Headers, r.Cookies = headers, event.ParseCookieHeader(cookies)
	return r
}

// eventResponse is event.response for what the origin answered.
func eventResponse(resp *fasthttp.Response) *event.Response {
	r := &event.Response{StatusCode: resp.StatusCode(), StatusDescription: string(resp.Header.StatusMessage())}
	if r.StatusDescription == "" {
		r.StatusDescription = fasthttp.StatusMessage(r.StatusCode)
	}
	n, size := 0, 0
	for k, v := range resp.Header.All() {
		n, size = n+1, size+len(k)+len(v)
	}
	var t eventText
	t.Grow(size)
	headers, cookies := eventHeaders(&t, resp.Header.All(), n, "set-cookie")
	r.Headers, r.Cookies = headers, event.ParseSetCookie(cookies)
	return r
}

// eventHeaders turns wire headers (about n of them) into event headers,
// setting aside the lines of cookieHeader (Cookie or Set-Cookie), which the
// event models apart, and leaving out the headers CloudFront never shows
// functions.
func eventHeaders(t *eventText, all iter.Seq2[[]byte, []byte], n int, cookieHeader string) (event.Fields, []string) {
	var (
		fields  = make(event.Fields, 0, n)
		cookies []string
	)
	for k, v := range all {
		name := t.lower(k)
		switch {
		case name == cookieHeader:
			cookies = append(cookies, t.value(v))
		case !event.DisallowedHeader(name):
			fields = addField(fields, name, t.value(v))
		}
	}
	return fields, cookies
}

// eventText holds the text of an event's names and values, which are handed
// out as pieces of it: one allocation for all of them. A strings.Builder
// never writes again the bytes it holds, so each piece stays valid as it
// grows. Nothing points into fasthttp's buffers, which the connection's next
// request reuses while the event's strings may live on (in logs, in a
// function's state).
type eventText struct {
	strings.Builder
	utf8 bool // every value is known to be UTF-8
}

// lower appends name lower-cased and returns it.
func (t *eventText) lower(name []byte) string {
	start := t.Len()
	var buf [64]byte
	t.Write(lowerBytes(&buf, name))
	return t.String()[start:]
}

// value appends v as a function sees it (see text) and returns it.
func (t *eventText) value(v []byte) string {
	start := t.Len()
	if t.utf8 || utf8.Valid(v) {
		t.Write(v)
	} else {
		t.WriteString(text(v))
	}
	return t.String()[start:]
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
