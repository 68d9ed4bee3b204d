package codec

import (
	"unicode/utf16"

	"github.com/dop251/goja"
)

// String converts v with JavaScript's ToString and returns it as a goja
// string, whose code units the helpers below read. (goja's own ToString
// leaves numbers, booleans and the like as they are.)
func String(v goja.Value) goja.String {
	p := v.ToString()
	if s, ok := p.(goja.String); ok {
		return s
	}
	return goja.StringFromUTF16(utf16.Encode([]rune(p.String())))
}

// ASCII returns s as Go bytes when every code unit is below 0x80.
func ASCII(s goja.String) ([]byte, bool) {
	str := s.String()
	if len(str) != s.Length() { // any non-ASCII unit grows in UTF-8
		return nil, false
	}
	return []byte(str), true
}

// Units returns the UTF-16 code units of s.
func Units(s goja.String) []uint16 {
	n := s.Length()
	u := make([]uint16, n)
	for i := range n {
		u[i] = s.CharAt(i)
	}
	return u
}

// Narrow returns one byte per code unit for the ASCII-alphabet decoders (hex,
// base64): units outside ASCII become 0x80, which no alphabet contains, so a
// unit such as U+012B can never pass for '+'.
func Narrow(s goja.String) []byte {
	if b, ok := ASCII(s); ok {
		return b
	}
	n := s.Length()
	b := make([]byte, n)
	for i := range n {
		if c := s.CharAt(i); c < 0x80 {
			b[i] = byte(c)
		} else {
			b[i] = 0x80
		}
	}
	return b
}

// Latin1 returns the low byte of every code unit of s (Node's 'latin1').
func Latin1(s goja.String) []byte {
	if b, ok := ASCII(s); ok {
		return b
	}
	n := s.Length()
	b := make([]byte, n)
	for i := range n {
		b[i] = byte(s.CharAt(i))
	}
	return b
}

// ByteString returns the string whose code units are the bytes of b: a byte
// string in njs's sense, or Node's 'latin1' decoding.
func ByteString(b []byte) goja.String {
	u := make([]uint16, len(b))
	for i, c := range b {
		u[i] = uint16(c)
	}
	return goja.StringFromUTF16(u)
}

// IsByteString reports whether every code unit of s is at most 0xFF.
func IsByteString(s goja.String) bool {
	n := s.Length()
	for i := range n {
		if s.CharAt(i) > 0xFF {
			return false
		}
	}
	return true
}
