package textcodec

import (
	"encoding/base64"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// btoa encodes a byte string as base64; a code unit above 0xFF throws.
func (m *module) btoa(call goja.FunctionCall) goja.Value {
	s := codec.String(jsval.Arg(call, 0))
	if !codec.IsByteString(s) {
		panic(m.errs.Type("invalid character (>= U+00FF)"))
	}
	return m.vm.ToValue(base64.StdEncoding.EncodeToString(codec.Latin1(s)))
}

// atob is the WHATWG forgiving-base64 decode: ASCII whitespace is ignored,
// padding is optional, anything else outside the alphabet throws. The result
// is a byte string.
func (m *module) atob(call goja.FunctionCall) goja.Value {
	s := codec.String(jsval.Arg(call, 0))
	n := s.Length()
	clean := make([]byte, 0, n)
	for i := range n {
		switch c := s.CharAt(i); c {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			if c > 0x7F {
				panic(m.invalidBase64())
			}
			clean = append(clean, byte(c))
		}
	}
	if len(clean)%4 == 0 {
		for range 2 {
			if len(clean) > 0 && clean[len(clean)-1] == '=' {
				clean = clean[:len(clean)-1]
			}
		}
	}
	// RawStdEncoding rejects '=' and any other character outside the
	// alphabet, and a length of 1 mod 4; it ignores leftover bits as the
	// standard asks.
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		panic(m.invalidBase64())
	}
	return codec.ByteString(out)
}

func (m *module) invalidBase64() *goja.Object {
	return m.errs.Type("the string to be decoded is not correctly encoded")
}
