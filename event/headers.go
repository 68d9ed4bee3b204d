package event

import "strings"

// CanonicalHeaderName re-cases a lower-case header name for the wire: the
// first letter of each '-'-separated word upper-cased, the rest left as is
// ("example-header-name" → "Example-Header-Name", §2.6).
func CanonicalHeaderName(lower string) string {
	var b strings.Builder
	b.Grow(len(lower))
	upper := true
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
		upper = c == '-'
	}
	return b.String()
}

// DisallowedHeader reports whether the header with this lower-case name is one
// CloudFront keeps away from functions (§2.8). The edge leaves such headers
// out of the events it builds; Validate rejects a result that carries one.
//
// A switch, not a map: the edge asks for every header of every request a
// function sees, and Go compares the few names of the same length faster
// than it hashes one.
func DisallowedHeader(lower string) bool {
	switch lower {
	case "connection",
		"expect",
		"keep-alive",
		"proxy-authenticate",
		"proxy-authorization",
		"proxy-connection",
		"trailer",
		"upgrade",
		"x-accel-buffering",
		"x-accel-charset",
		"x-accel-limit-rate",
		"x-accel-redirect",
		"x-amzn-auth",
		"x-amzn-cf-billing",
		"x-amzn-cf-id",
		"x-amzn-cf-xff",
		"x-amzn-errortype",
		"x-amzn-fle-profile",
		"x-amzn-header-count",
		"x-amzn-header-order",
		"x-amzn-lambda-integration-tag",
		"x-amzn-requestid",
		"x-cache",
		"x-forwarded-proto",
		"x-real-ip":
		return true
	}
	// Whole families.
	return strings.HasPrefix(lower, "x-amz-cf-") || strings.HasPrefix(lower, "x-edge-")
}

// readOnlyHeaders are the headers a function may read but not add, change or
// remove, per event type (§2.8; cdn-loop follows the current docs).
var readOnlyHeaders = map[string][]string{
	ViewerRequest:  {"cdn-loop", "content-length", "host", "transfer-encoding", "via"},
	ViewerResponse: {"via", "warning"},
}

// Classes of the bytes of a header name (see nameBytes).
const (
	tokenByte      = 1 << iota // may appear in an HTTP token (RFC 9110 §5.6.2)
	lowerTokenByte             // a token byte that is not an upper-case letter
)

// nameBytes classes every byte value: names are checked with a look-up per
// byte, for every header of every result.
var nameBytes = func() (t [256]uint8) {
	for c := range t {
		switch {
		case 'A' <= c && c <= 'Z':
			t[c] = tokenByte
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0:
			t[c] = tokenByte | lowerTokenByte
		}
	}
	return t
}()

// isToken reports whether s is a non-empty HTTP token, the only form a header
// name can take on the wire.
func isToken(s string) bool { return allBytes(s, tokenByte) }

// isLowerToken reports whether s is a token without upper-case letters, the
// form header names take in an event.
func isLowerToken(s string) bool { return allBytes(s, lowerTokenByte) }

func allBytes(s string, class uint8) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if nameBytes[s[i]]&class == 0 {
			return false
		}
	}
	return true
}
