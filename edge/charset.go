package edge

import (
	"unicode/utf8"

	"github.com/edgefn/edgefn/event"
)

// wire is v, a value a function returned for the header name, as it goes
// out: the bytes received in h when v is one of them transcoded by
// event.HeaderText, so that a value the function left alone is forwarded
// byte for byte (§2.6); else v, UTF-8.
func wire(v, name string, h interface{ PeekAll(string) [][]byte }) string {
	if isASCII(v) {
		return v
	}
	for _, b := range h.PeekAll(name) {
		if !utf8.Valid(b) && event.HeaderText(b) == v {
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
