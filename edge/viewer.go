package edge

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime/multipart"
	"net/textproto"
	"slices"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/event"
)

// viewerConditionals are the request headers the edge answers itself on
// the cache's path, from the whole object, instead of passing them on.
var viewerConditionals = []string{
	fasthttp.HeaderIfNoneMatch, fasthttp.HeaderIfModifiedSince, fasthttp.HeaderIfMatch,
	fasthttp.HeaderIfUnmodifiedSince, fasthttp.HeaderIfRange, fasthttp.HeaderRange,
}

// maxRanges bounds the ranges of one request: a request for many (or
// overlapping) ranges of one object would make the edge send it many times
// over; such a Range is ignored, as RFC 9110 §14.2 allows.
const maxRanges = 32

// answerViewer applies the viewer's conditional and range headers (in req,
// as the viewer-request function left them) to the 200 response the edge
// holds: a 304 when the viewer's copy is current (RFC 9110 §13.2.2), else
// the ranges a GET asks for, a 206 (multipart/byteranges for more than one)
// or a 416.
func answerViewer(x *exchange, req *event.Request) {
	resp := &x.ctx.Response
	if resp.StatusCode() != fasthttp.StatusOK {
		return
	}
	if notModified(req.Headers, &resp.Header) {
		resp.ResetBody()
		resp.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	spec, ok := fieldValue(req.Headers, "range")
	if !ok || !x.ctx.IsGet() || !ifRangeHolds(req.Headers, &resp.Header) {
		return
	}
	serveRanges(resp, spec)
}

// fieldValue is the value of a request header, its lines joined.
func fieldValue(fs event.Fields, name string) (string, bool) {
	f, ok := fs.Get(name)
	if !ok {
		return "", false
	}
	if f.MultiValue == nil {
		return f.Value, true
	}
	vs := make([]string, len(f.MultiValue))
	for i, v := range f.MultiValue {
		vs[i] = v.Value
	}
	return strings.Join(vs, ", "), true
}

// notModified evaluates If-None-Match (weak comparison), else
// If-Modified-Since, against a response.
func notModified(h event.Fields, resp *fasthttp.ResponseHeader) bool {
	if inm, ok := fieldValue(h, "if-none-match"); ok {
		tag := weakTag(string(resp.Peek(fasthttp.HeaderETag)))
		if tag == "" {
			return false
		}
		for t := range strings.SplitSeq(inm, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || weakTag(t) == tag {
				return true
			}
		}
		return false
	}
	ims, ok := fieldValue(h, "if-modified-since")
	if !ok {
		return false
	}
	since, err := fasthttp.ParseHTTPDate([]byte(ims))
	if err != nil {
		return false
	}
	modified, err := fasthttp.ParseHTTPDate(resp.Peek(fasthttp.HeaderLastModified))
	return err == nil && !modified.After(since)
}

// weakTag is an entity tag without its weakness marker.
func weakTag(t string) string { return strings.TrimPrefix(t, "W/") }

// ifRangeHolds reports whether the ranges apply: no If-Range, or one equal
// to the response's strong ETag or its Last-Modified.
func ifRangeHolds(h event.Fields, resp *fasthttp.ResponseHeader) bool {
	v, ok := fieldValue(h, "if-range")
	if !ok {
		return true
	}
	if strings.HasPrefix(v, `"`) {
		return v == string(resp.Peek(fasthttp.HeaderETag))
	}
	return v != "" && v == string(resp.Peek(fasthttp.HeaderLastModified))
}

// byteRange is [start, end] of a body, inclusive.
type byteRange struct{ start, end int }

func (r byteRange) contentRange(size int) string {
	return "bytes " + strconv.Itoa(r.start) + "-" + strconv.Itoa(r.end) + "/" + strconv.Itoa(size)
}

// parseRanges reads a Range value for a body of size bytes and returns the
// satisfiable ranges; ok is false when the value is not one the edge
// serves (another unit, bad syntax, too many or overlapping ranges), to be
// ignored.
func parseRanges(spec string, size int) (ranges []byteRange, ok bool) {
	unit, set, found := strings.Cut(spec, "=")
	if !found || !strings.EqualFold(strings.TrimSpace(unit), "bytes") {
		return nil, false
	}
	parts := strings.Split(set, ",")
	if len(parts) > maxRanges {
		return nil, false
	}
	for _, part := range parts {
		first, last, found := strings.Cut(strings.TrimSpace(part), "-")
		if !found {
			return nil, false
		}
		var r byteRange
		if first == "" {
			// A suffix: the last n bytes.
			n, err := strconv.Atoi(last)
			if err != nil || n < 0 || last[0] == '+' {
				return nil, false
			}
			if n == 0 || size == 0 {
				continue
			}
			r = byteRange{max(size-n, 0), size - 1}
		} else {
			start, err := strconv.Atoi(first)
			if err != nil || start < 0 || first[0] == '+' {
				return nil, false
			}
			end := size - 1
			if last != "" {
				if end, err = strconv.Atoi(last); err != nil || end < start || last[0] == '+' {
					return nil, false
				}
			}
			if start >= size {
				continue
			}
			r = byteRange{start, min(end, size-1)}
		}
		ranges = append(ranges, r)
	}
	sorted := slices.Clone(ranges)
	slices.SortFunc(sorted, func(a, b byteRange) int { return a.start - b.start })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].start <= sorted[i-1].end {
			return nil, false
		}
	}
	return ranges, true
}

// serveRanges turns a 200 response into the answer to a Range request.
func serveRanges(resp *fasthttp.Response, spec string) {
	body := resp.Body()
	size := len(body)
	ranges, ok := parseRanges(spec, size)
	switch {
	case !ok:
		return
	case len(ranges) == 0:
		resp.SetStatusCode(fasthttp.StatusRequestedRangeNotSatisfiable)
		resp.Header.Set(fasthttp.HeaderContentRange, "bytes */"+strconv.Itoa(size))
		resp.ResetBody()
		return
	case len(ranges) == 1:
		r := ranges[0]
		resp.SetStatusCode(fasthttp.StatusPartialContent)
		resp.Header.Set(fasthttp.HeaderContentRange, r.contentRange(size))
		// A slice of the stored body, which nothing writes into.
		resp.SetBodyRaw(body[r.start : r.end+1])
		return
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	var b [12]byte
	rand.Read(b[:])
	boundary := hex.EncodeToString(b[:])
	_ = w.SetBoundary(boundary) // hex is always a valid boundary
	contentType := string(resp.Header.ContentType())
	for _, r := range ranges {
		part, _ := w.CreatePart(textproto.MIMEHeader{
			"Content-Type":  {contentType},
			"Content-Range": {r.contentRange(size)},
		})
		part.Write(body[r.start : r.end+1]) // a bytes.Buffer does not fail
	}
	w.Close()
	resp.SetStatusCode(fasthttp.StatusPartialContent)
	resp.Header.SetContentType("multipart/byteranges; boundary=" + boundary)
	resp.SetBodyRaw(buf.Bytes())
}
