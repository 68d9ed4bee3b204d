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

// disallowedHeaders are the headers CloudFront never shows a function and
// refuses in its result (§2.8), by lower-case name; disallowedPrefixes extend
// the list to whole families.
var (
	disallowedHeaders = map[string]bool{
		"connection":                    true,
		"expect":                        true,
		"keep-alive":                    true,
		"proxy-authenticate":            true,
		"proxy-authorization":           true,
		"proxy-connection":              true,
		"trailer":                       true,
		"upgrade":                       true,
		"x-accel-buffering":             true,
		"x-accel-charset":               true,
		"x-accel-limit-rate":            true,
		"x-accel-redirect":              true,
		"x-amzn-auth":                   true,
		"x-amzn-cf-billing":             true,
		"x-amzn-cf-id":                  true,
		"x-amzn-cf-xff":                 true,
		"x-amzn-errortype":              true,
		"x-amzn-fle-profile":            true,
		"x-amzn-header-count":           true,
		"x-amzn-header-order":           true,
		"x-amzn-lambda-integration-tag": true,
		"x-amzn-requestid":              true,
		"x-cache":                       true,
		"x-forwarded-proto":             true,
		"x-real-ip":                     true,
	}
	disallowedPrefixes = []string{"x-amz-cf-", "x-edge-"}
)

// DisallowedHeader reports whether the header with this lower-case name is one
// CloudFront keeps away from functions (§2.8). The edge leaves such headers
// out of the events it builds; Validate rejects a result that carries one.
func DisallowedHeader(lower string) bool {
	if disallowedHeaders[lower] {
		return true
	}
	for _, p := range disallowedPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// readOnlyHeaders are the headers a function may read but not add, change or
// remove, per event type (§2.8; cdn-loop follows the current docs).
var readOnlyHeaders = map[string][]string{
	ViewerRequest:  {"cdn-loop", "content-length", "host", "transfer-encoding", "via"},
	ViewerResponse: {"via", "warning"},
}

// isToken reports whether s is a non-empty HTTP token (RFC 9110 §5.6.2), the
// only form a header name can take on the wire.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
