package querystring

import (
	"errors"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
)

var errLoneSurrogate = errors.New("lone surrogate")

// unreserved are the ASCII characters escape leaves alone, as Node does:
// those of encodeURIComponent.
func unreserved(c uint16) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '\'', '(', ')', '*':
		return true
	}
	return false
}

const upperHex = "0123456789ABCDEF"

// escape percent-encodes the UTF-8 form of ToString(v) (Node's qsEscape); a
// lone surrogate is an error.
func escape(v goja.Value) (goja.Value, error) {
	s := codec.String(v)
	n := s.Length()
	out := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if c < 0x80 && unreserved(c) {
			out = append(out, byte(c))
			continue
		}
		r := rune(c)
		if c >= 0xD800 && c <= 0xDFFF {
			if c >= 0xDC00 || i+1 >= n {
				return nil, errLoneSurrogate
			}
			lo := s.CharAt(i + 1)
			if lo < 0xDC00 || lo > 0xDFFF {
				return nil, errLoneSurrogate
			}
			r = 0x10000 + (rune(c)-0xD800)<<10 + rune(lo) - 0xDC00
			i++
		}
		var buf [4]byte
		for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
			out = append(out, '%', upperHex[b>>4], upperHex[b&15])
		}
	}
	return goja.StringFromUTF16(widen(out)), nil
}

func widen(b []byte) []uint16 {
	u := make([]uint16, len(b))
	for i, c := range b {
		u[i] = uint16(c)
	}
	return u
}

func hexDigit(c uint16) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return byte(c - '0'), true
	case c >= 'a' && c <= 'f':
		return byte(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return byte(c-'A') + 10, true
	}
	return 0, false
}

// unescape is Node's qsUnescape: decodeURIComponent when the escapes form
// valid UTF-8, otherwise a byte-wise decoding whose invalid UTF-8 becomes
// U+FFFD. decodeSpaces turns '+' into a space in the fallback only, as in
// Node.
func unescape(s goja.String, decodeSpaces bool) goja.Value {
	if v, ok := decodeURIComponent(s); ok {
		return v
	}
	return goja.StringFromUTF16(utf16Of(codec.DecodeUTF8(unescapeBytes(s, decodeSpaces))))
}

// decodeURIComponent decodes like the JavaScript global of that name; false
// means it would throw URIError.
func decodeURIComponent(s goja.String) (goja.Value, bool) {
	n := s.Length()
	var out []uint16
	var run []byte // consecutive escaped bytes, decoded together
	flush := func() bool {
		if len(run) == 0 {
			return true
		}
		if !utf8.Valid(run) {
			return false
		}
		out = append(out, utf16Of(string(run))...)
		run = run[:0]
		return true
	}
	escaped := false
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if c != '%' {
			if !flush() {
				return nil, false
			}
			out = append(out, c)
			continue
		}
		if i+2 >= n {
			return nil, false
		}
		hi, ok1 := hexDigit(s.CharAt(i + 1))
		lo, ok2 := hexDigit(s.CharAt(i + 2))
		if !ok1 || !ok2 {
			return nil, false
		}
		b := hi<<4 | lo
		if b < 0x80 { // an ASCII escape always stands alone
			if !flush() {
				return nil, false
			}
			out = append(out, uint16(b))
		} else {
			if utf8.RuneStart(b) && !flush() {
				return nil, false
			}
			run = append(run, b)
		}
		escaped = true
		i += 2
	}
	if !flush() {
		return nil, false
	}
	if !escaped {
		return s, true
	}
	return goja.StringFromUTF16(out), true
}

// unescapeBytes is Node's unescapeBuffer: valid %XX escapes become bytes,
// anything else keeps the low byte of its code unit.
func unescapeBytes(s goja.String, decodeSpaces bool) []byte {
	n := s.Length()
	out := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		c := s.CharAt(i)
		if c == '+' && decodeSpaces {
			out = append(out, ' ')
			continue
		}
		if c == '%' && i+2 < n {
			hi, ok1 := hexDigit(s.CharAt(i + 1))
			lo, ok2 := hexDigit(s.CharAt(i + 2))
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, byte(c))
	}
	return out
}

func utf16Of(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			u = append(u, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
		} else {
			u = append(u, uint16(r))
		}
	}
	return u
}
