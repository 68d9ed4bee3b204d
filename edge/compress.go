package edge

import (
	"bytes"
	"slices"
	"strings"

	"github.com/valyala/fasthttp"
)

// The sizes of the objects CloudFront compresses, in bytes.
const (
	minCompressed = 1000
	maxCompressed = 10_000_000
)

// compressedTypes are the media types CloudFront compresses (its guide's
// list), lower case and without parameters.
var compressedTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range strings.Fields(`
		application/dash+xml application/eot application/font application/font-sfnt
		application/javascript application/json application/opentype application/otf
		application/pdf application/pkcs7-mime application/protobuf application/rss+xml
		application/truetype application/ttf application/vnd.apple.mpegurl
		application/vnd.mapbox-vector-tile application/vnd.ms-fontobject application/wasm
		application/xhtml+xml application/xml application/x-font-opentype
		application/x-font-truetype application/x-font-ttf application/x-httpd-cgi
		application/x-javascript application/x-mpegurl application/x-opentype
		application/x-otf application/x-perl application/x-ttf
		font/eot font/opentype font/otf font/ttf image/svg+xml
		text/css text/csv text/html text/javascript text/js text/plain text/richtext
		text/tab-separated-values text/xml text/x-component text/x-java-source text/x-script`) {
		m[t] = true
	}
	return m
}()

// compressedStatuses are the statuses whose responses CloudFront compresses.
var compressedStatuses = []int{fasthttp.StatusOK, fasthttp.StatusForbidden, fasthttp.StatusNotFound}

// compress encodes an origin's response for a viewer whose normalised
// Accept-Encoding is accepted ("br,gzip", "br", "gzip" or ""), Brotli first,
// when CloudFront would: a status it compresses, a type it compresses, a
// size in its range, no Content-Encoding from the origin and no
// Cache-Control no-transform. A strong ETag becomes weak, as CloudFront
// makes it: the bytes are no longer the origin's.
func compress(resp *fasthttp.Response, accepted string) {
	coding := ""
	switch {
	case strings.Contains(accepted, "br"):
		coding = "br"
	case strings.Contains(accepted, "gzip"):
		coding = "gzip"
	default:
		return
	}
	if !compressible(resp) {
		return
	}
	var out []byte
	if coding == "br" {
		out = fasthttp.AppendBrotliBytesLevel(nil, resp.Body(), fasthttp.CompressBrotliDefaultCompression)
	} else {
		out = fasthttp.AppendGzipBytesLevel(nil, resp.Body(), fasthttp.CompressDefaultCompression)
	}
	resp.SetBodyRaw(out)
	resp.Header.Set(fasthttp.HeaderContentEncoding, coding)
	if tag := resp.Header.Peek(fasthttp.HeaderETag); len(tag) > 0 && !bytes.HasPrefix(tag, []byte("W/")) {
		resp.Header.Set(fasthttp.HeaderETag, "W/"+string(tag))
	}
	// Caches between the edge and the viewer must keep the encodings apart.
	if vary := string(resp.Header.Peek(fasthttp.HeaderVary)); !varies(vary, "accept-encoding") {
		if vary != "" {
			vary += ", "
		}
		resp.Header.Set(fasthttp.HeaderVary, vary+"Accept-Encoding")
	}
}

func compressible(resp *fasthttp.Response) bool {
	if !slices.Contains(compressedStatuses, resp.StatusCode()) {
		return false
	}
	if resp.IsBodyStream() || len(resp.Header.Peek(fasthttp.HeaderContentEncoding)) > 0 {
		return false
	}
	if n := len(resp.Body()); n < minCompressed || n > maxCompressed {
		return false
	}
	if parseCacheControl(string(resp.Header.Peek(fasthttp.HeaderCacheControl))).noTransform {
		return false
	}
	media, _, _ := strings.Cut(string(resp.Header.ContentType()), ";")
	return compressedTypes[strings.ToLower(strings.TrimSpace(media))]
}

// varies reports whether a Vary value names header (lower case), or is "*".
func varies(vary, header string) bool {
	for tok := range strings.SplitSeq(vary, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "*" || strings.EqualFold(tok, header) {
			return true
		}
	}
	return false
}
