package edge

import (
	"strings"
	"unicode/utf8"
)

// text is a header value as a function sees it: bytes that are not UTF-8
// are read as ISO-8859-1 and transcoded, as CloudFront does (§2.6).
func text(b []byte) string {
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

// wire is v, a value a function returned for the header name, as it goes
// out: the bytes received in h when v is one of them transcoded by text, so
// that a value the function left alone is forwarded byte for byte (§2.6);
// else v, UTF-8.
func wire(v, name string, h interface{ PeekAll(string) [][]byte }) string {
	if isASCII(v) {
		return v
	}
	for _, b := range h.PeekAll(name) {
		if !utf8.Valid(b) && text(b) == v {
			return string(b)
		}
	}
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
