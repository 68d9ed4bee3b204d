package buffer

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
)

// encoding is one of the character encodings Node's Buffer knows.
type encoding int

const (
	encUTF8 encoding = iota
	encHex
	encBase64
	encBase64URL
	encLatin1
	encASCII
	encUTF16LE
)

// lookupEncoding resolves an encoding name case-insensitively, with Node's
// aliases.
func lookupEncoding(name string) (encoding, bool) {
	switch strings.ToLower(name) {
	case "utf8", "utf-8":
		return encUTF8, true
	case "hex":
		return encHex, true
	case "base64":
		return encBase64, true
	case "base64url":
		return encBase64URL, true
	case "latin1", "binary":
		return encLatin1, true
	case "ascii":
		return encASCII, true
	case "ucs2", "ucs-2", "utf16le", "utf-16le":
		return encUTF16LE, true
	}
	return 0, false
}

// encode converts a string to bytes.
func (e encoding) encode(s goja.String) []byte {
	switch e {
	case encHex:
		return codec.DecodeHex(codec.Narrow(s))
	case encBase64, encBase64URL:
		return codec.DecodeBase64(codec.Narrow(s))
	case encLatin1, encASCII: // Node writes the low byte for 'ascii' too
		return codec.Latin1(s)
	case encUTF16LE:
		n := s.Length()
		b := make([]byte, 2*n)
		for i := range n {
			c := s.CharAt(i)
			b[2*i], b[2*i+1] = byte(c), byte(c>>8)
		}
		return b
	}
	return []byte(s.String()) // goja turns lone surrogates into U+FFFD, as Node does
}

// byteLength is Node's Buffer.byteLength for a string: an estimate from the
// length for hex and base64, exact otherwise.
func (e encoding) byteLength(s goja.String) int {
	n := s.Length()
	switch e {
	case encHex:
		return n >> 1
	case encBase64, encBase64URL:
		if n > 0 && s.CharAt(n-1) == '=' {
			n--
		}
		if n > 1 && s.CharAt(n-1) == '=' {
			n--
		}
		return n * 3 >> 2
	case encLatin1, encASCII:
		return n
	case encUTF16LE:
		return 2 * n
	}
	return len(s.String())
}

// decodedLength is how many characters decode produces for n bytes.
func (e encoding) decodedLength(n int) int {
	switch e {
	case encHex:
		return 2 * n
	case encBase64, encBase64URL:
		return (n + 2) / 3 * 4
	case encUTF16LE:
		return n / 2
	}
	return n
}

// decode converts bytes to a string.
func (e encoding) decode(vm *goja.Runtime, b []byte) goja.Value {
	switch e {
	case encHex:
		return vm.ToValue(hex.EncodeToString(b))
	case encBase64:
		return vm.ToValue(base64.StdEncoding.EncodeToString(b))
	case encBase64URL:
		return vm.ToValue(base64.RawURLEncoding.EncodeToString(b))
	case encLatin1:
		return codec.ByteString(b)
	case encASCII:
		a := make([]byte, len(b))
		for i, c := range b {
			a[i] = c & 0x7F
		}
		return vm.ToValue(string(a))
	case encUTF16LE:
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return goja.StringFromUTF16(u)
	}
	return vm.ToValue(codec.DecodeUTF8(b))
}
