package sigv4

import (
	"cmp"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// rawTarget returns the path and query exactly as the client sent them, still
// percent-encoded. RequestURI survives handlers that rewrite r.URL (prefix
// stripping); requests built in-process have none and fall back to r.URL.
func rawTarget(r *http.Request) (path, query string) {
	if strings.HasPrefix(r.RequestURI, "/") {
		path, query, _ = strings.Cut(r.RequestURI, "?")
		return path, query
	}
	return r.URL.EscapedPath(), r.URL.RawQuery
}

// canonicalRequest builds the SigV4 canonical request: method, URI, query,
// headers, signed header names and payload hash, one per line.
func canonicalRequest(r *http.Request, uri, rawQuery string, a *authInfo, payloadHash string) string {
	var b strings.Builder
	b.Grow(len(r.Method) + len(uri) + 2*len(rawQuery) + 64*len(a.headerNames) + len(a.signedHeaders) + len(payloadHash) + 8)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	writeCanonicalQuery(&b, rawQuery, a.presigned)
	b.WriteByte('\n')
	for _, name := range a.headerNames {
		b.WriteString(name)
		b.WriteByte(':')
		writeHeaderValue(&b, r, name)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(a.signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI encodes the already-escaped path once more: CloudFront and
// KeyValueStore are not S3, so clients sign a double-encoded path.
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	return escape(path, true)
}

// normalizedPath applies the dot-segment and empty-segment removal that the
// JavaScript and Python signers perform before encoding (the Go signer does
// not). It reports false when normalizing changes nothing.
func normalizedPath(path string) (string, bool) {
	if !strings.Contains(path, "//") && !strings.Contains(path, "/.") {
		return "", false
	}
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	n := "/" + strings.Join(out, "/")
	if len(out) > 0 && strings.HasSuffix(path, "/") {
		n += "/"
	}
	return n, n != path
}

type queryPair struct{ name, value string }

// writeCanonicalQuery decodes each name and value, re-encodes them strictly
// and sorts the encoded pairs (AWS sorts after encoding). A presigned request's
// own signature is not part of what it signed.
func writeCanonicalQuery(b *strings.Builder, rawQuery string, presigned bool) {
	if rawQuery == "" {
		return
	}
	pairs := make([]queryPair, 0, strings.Count(rawQuery, "&")+1)
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		name = unescapeQuery(name)
		if presigned && name == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, queryPair{escape(name, false), escape(unescapeQuery(value), false)})
	}
	slices.SortFunc(pairs, func(x, y queryPair) int {
		return cmp.Or(strings.Compare(x.name, y.name), strings.Compare(x.value, y.value))
	})
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
}

// unescapeQuery decodes like url.ParseQuery ('+' is a space). A malformed
// escape is kept literally; the strict re-encoding then differs from what any
// signer produced and the signature check fails, which is the right outcome.
func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// writeHeaderValue writes the canonical value of one signed header: Host from
// r.Host (Go keeps it out of r.Header), repeated headers joined with ',', each
// value trimmed with inner runs of spaces collapsed.
func writeHeaderValue(b *strings.Builder, r *http.Request, name string) {
	var values []string
	switch name {
	case "host":
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		values = []string{host}
	default:
		values = r.Header[textproto.CanonicalMIMEHeaderKey(name)]
		if len(values) == 0 && name == "content-length" && r.ContentLength > 0 {
			// Requests built in-process carry the length only in the field.
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		writeCollapsed(b, strings.Trim(v, " \t"))
	}
}

func writeCollapsed(b *strings.Builder, v string) {
	if !strings.Contains(v, "  ") {
		b.WriteString(v)
		return
	}
	space := false
	for i := range len(v) {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(v[i])
	}
}

// escape percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ (and '/' when
// keepSlash) as %XX with upper-case hex.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := range len(s) {
		if !unreserved(s[i], keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(s)+2*n)
	for i := range len(s) {
		c := s[i]
		if unreserved(c, keepSlash) {
			out = append(out, c)
		} else {
			out = append(out, '%', hex[c>>4], hex[c&0xF])
		}
	}
	return string(out)
}

func unreserved(c byte, keepSlash bool) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')
}
