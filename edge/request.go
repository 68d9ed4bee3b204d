package edge

import "bytes"

// The viewer request's head, checked before anything acts on it: what
// fasthttp accepts but HTTP does not is the viewer's error, and must not
// reach a function (whose result would then be refused, a 502 charged to
// it) or an origin.

var (
	http10 = []byte("HTTP/1.0")
	// http11 is also what the edge answers with (see cleanOriginResponse).
	http11 = []byte("HTTP/1.1")
)

// servedVersion reports whether the edge serves the request's HTTP version:
// 1.0 and 1.1 on its listeners. fasthttp parses any HTTP/d.d; the others are
// answered 505.
func servedVersion(proto []byte) bool {
	return bytes.Equal(proto, http11) || bytes.Equal(proto, http10)
}

// validHeaderNames reports whether every header name is an RFC 9110 token
// (§5.1, §5.6.2): fasthttp takes names with spaces and other separators. It
// reads the raw head: iterating the parsed headers would make fasthttp
// parse the Cookie lines and rewrite them, and cookies go to the origin as
// the viewer sent them.
func validHeaderNames(raw []byte) bool {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		name, _, found := bytes.Cut(line, []byte{':'})
		if !found || !isToken(name) {
			return false
		}
	}
	return true
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar[c] {
			return false
		}
	}
	return true
}

// tchar marks the bytes a token may hold: ALPHA, DIGIT and
// !#$%&'*+-.^_`|~ (RFC 9110 §5.6.2).
var tchar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
