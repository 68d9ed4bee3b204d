package event

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// HeaderLine is a header as received, name and value pointing into the
// caller's buffer. Callers collect them into a slice (on their stack) for
// WireRequest and WireResponse: handing these an iterator instead put the
// loop's state on the heap on every event, as a range over a func value
// must.
type HeaderLine struct{ Name, Value []byte }

// AppendHeaderLines appends the headers all yields to lines. Inlined where
// all is a known iterator (fasthttp's header methods), it allocates nothing.
func AppendHeaderLines(lines []HeaderLine, all iter.Seq2[[]byte, []byte]) []HeaderLine {
	for k, v := range all {
		lines = append(lines, HeaderLine{Name: k, Value: v})
	}
	return lines
}

// WireRequest is event.request for a viewer's request as received: the
// method and the header lines in the order the viewer sent them (rawHeaders
// is the whole header block), uri and query the request target split at
// '?'. Header names are lower-cased with repeated ones folded into
// multiValue, Cookie lines parsed into cookies, and the headers CloudFront
// hides from functions left out; query parameters, headers and cookies keep
// the viewer's order. The edge builds every event from a request this way,
// and so does `edgefn test` from a raw HTTP request, so that a test sees
// what the edge would.
func WireRequest(method []byte, uri, query string, hasQuery bool, rawHeaders []byte, headers []HeaderLine) Request {
	// The raw header block bounds the text and the number of the headers,
	// and when it is UTF-8 as a whole, so is every value in it.
	t := wireText{utf8: utf8.Valid(rawHeaders)}
	t.Grow(len(method) + len(rawHeaders))
	t.Write(method) // as received: it is no header value
	r := Request{
		Method:      t.String(),
		URI:         uri,
		RawQuery:    query,
		HasQuery:    hasQuery,
		Querystring: ParseQuery(query),
	}
	fields, cookies := t.headers(headers, "cookie")
	r.Headers, r.Cookies = fields, ParseCookieHeader(cookies)
	return r
}

// WireResponse is event.response for an origin's response as received, its
// headers in the origin's order.
func WireResponse(statusCode int, statusDescription string, headers []HeaderLine) *Response {
	r := &Response{StatusCode: statusCode, StatusDescription: statusDescription}
	var t wireText
	size := 0
	for _, h := range headers {
		size += len(h.Name) + len(h.Value)
	}
	t.Grow(size)
	fields, cookies := t.headers(headers, "set-cookie")
	r.Headers, r.Cookies = fields, ParseSetCookie(cookies)
	return r
}

// AddField adds one occurrence of a header to fs, folding a repeated name
// into multiValue as CloudFront does (spec/runtime.md §2.6).
func AddField(fs Fields, name, value string) Fields {
	if f, ok := fs.Get(name); ok {
		if f.MultiValue == nil {
			f.MultiValue = []Value{{Value: f.Value}}
		}
		f.MultiValue = append(f.MultiValue, Value{Value: value})
		return fs
	}
	return append(fs, Field{Name: name, Value: value})
}

// HeaderText is a header value as a function sees it: bytes that are not
// UTF-8 are read as ISO-8859-1 and transcoded, as CloudFront does (§2.6).
func HeaderText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var s strings.Builder
	s.Grow(2 * len(b))
	for _, c := range b {
		s.WriteRune(rune(c))
	}
	return s.String()
}

// LowerName is name lower-cased (ASCII), in buf when it fits: header names
// are short, and the edge lowers every one it looks at.
func LowerName(buf *[64]byte, name []byte) []byte {
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

// wireText holds the text of an event's names and values, which are handed
// out as pieces of it: one allocation for all of them. A strings.Builder
// never writes again the bytes it holds, so each piece stays valid as it
// grows. Nothing points into the caller's buffers, which a server's next
// request reuses while the event's strings may live on (in logs, in a
// function's state).
type wireText struct {
	strings.Builder
	utf8 bool // every value is known to be UTF-8
}

// headers turns wire headers into event headers, setting
// aside the lines of cookieHeader (Cookie or Set-Cookie), which the event
// models apart, and leaving out the headers CloudFront never shows
// functions.
func (t *wireText) headers(all []HeaderLine, cookieHeader string) (Fields, []string) {
	var (
		fields  = make(Fields, 0, len(all))
		cookies []string
	)
	for _, h := range all {
		name := t.lower(h.Name)
		switch {
		case name == cookieHeader:
			cookies = append(cookies, t.value(h.Value))
		case !DisallowedHeader(name):
			fields = AddField(fields, name, t.value(h.Value))
		}
	}
	return fields, cookies
}

// lower appends name lower-cased and returns it.
func (t *wireText) lower(name []byte) string {
	start := t.Len()
	var buf [64]byte
	t.Write(LowerName(&buf, name))
	return t.String()[start:]
}

// value appends v as a function sees it (see HeaderText) and returns it.
func (t *wireText) value(v []byte) string {
	start := t.Len()
	if t.utf8 || utf8.Valid(v) {
		t.Write(v)
	} else {
		t.WriteString(HeaderText(v))
	}
	return t.String()[start:]
}
