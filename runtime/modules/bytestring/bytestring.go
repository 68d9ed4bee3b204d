// Package bytestring installs the nonstandard byte-string helpers of
// cloudfront-js-1.0 (../../../../shared/spec/runtime.md §3.5), after njs:
// String.bytesFrom and String.prototype.fromBytes, fromUTF8, toBytes and
// toUTF8.
//
// njs keeps byte strings and Unicode strings apart; goja has only UTF-16
// strings, so a byte string here is any string whose code units are all at
// most 0xFF, and the helpers decide by that: fromUTF8 decodes such a string
// and returns any other unchanged, toUTF8 always encodes.
package bytestring

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// maxLength bounds the byte strings bytesFrom builds from array-likes: a
// native loop cannot be interrupted, and nothing larger fits the 2 MB a
// function may use (spec §4.1).
const maxLength = 2 << 20

type module struct {
	vm   *goja.Runtime
	errs *jsval.Errors
}

// Install adds the helpers to String and String.prototype in vm.
func Install(vm *goja.Runtime) error {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		return fmt.Errorf("bytestring: %w", err)
	}
	m := &module{vm: vm, errs: errs}
	str, ok := vm.Get("String").(*goja.Object)
	if !ok {
		return fmt.Errorf("bytestring: global String is missing")
	}
	proto, ok := str.Get("prototype").(*goja.Object)
	if !ok {
		return fmt.Errorf("bytestring: String.prototype is missing")
	}
	jsval.Methods(vm, str, []jsval.Method{{Name: "bytesFrom", Length: 2, Fn: m.bytesFrom}})
	jsval.Methods(vm, proto, []jsval.Method{
		{Name: "fromBytes", Length: 2, Fn: m.fromBytes},
		{Name: "fromUTF8", Length: 2, Fn: m.fromUTF8},
		{Name: "toBytes", Length: 2, Fn: m.toBytes},
		{Name: "toUTF8", Length: 2, Fn: m.toUTF8},
	})
	return nil
}

// this converts the receiver to a string as njs does.
func (m *module) this(call goja.FunctionCall) goja.String {
	if jsval.IsNullish(call.This) {
		panic(m.errs.Type("cannot convert undefined to object"))
	}
	return codec.String(call.This)
}

// bounds resolves the optional (start, end) arguments against length n the
// way njs slices strings: negative values count from the end, an end past n
// is n, and a start at or past n gives an empty range.
func bounds(call goja.FunctionCall, n int) (int, int) {
	start := toInt(jsval.Arg(call, 0))
	if start < 0 {
		start = max(start+n, 0)
	}
	if start >= n {
		return 0, 0
	}
	end := n
	if v := jsval.Arg(call, 1); !jsval.IsUndefined(v) {
		if end = toInt(v); end < 0 {
			end += n
		}
		end = min(end, n)
	}
	if end < start {
		return 0, 0
	}
	return start, end
}

// toInt is ToIntegerOrInfinity, clamped to what a length can be.
func toInt(v goja.Value) int {
	f := v.ToFloat()
	switch {
	case math.IsNaN(f):
		return 0
	case f > math.MaxInt32:
		return math.MaxInt32
	case f < math.MinInt32:
		return math.MinInt32
	}
	return int(f)
}

// fromBytes turns a byte string into the string with the same code points:
// with UTF-16 strings that is the string itself.
func (m *module) fromBytes(call goja.FunctionCall) goja.Value {
	s := m.this(call)
	start, end := bounds(call, s.Length())
	return s.Substring(start, end)
}

// fromUTF8 decodes a byte string holding UTF-8; null if it is not valid.
func (m *module) fromUTF8(call goja.FunctionCall) goja.Value {
	s := m.this(call)
	start, end := bounds(call, s.Length())
	part := s.Substring(start, end)
	if !codec.IsByteString(s) {
		return part // already text, as njs treats its Unicode strings
	}
	b := codec.Latin1(part)
	if !utf8.Valid(b) {
		return goja.Null()
	}
	return m.vm.ToValue(string(b))
}

// toBytes returns the range as a byte string; null if a code unit in it is
// above 0xFF.
func (m *module) toBytes(call goja.FunctionCall) goja.Value {
	s := m.this(call)
	start, end := bounds(call, s.Length())
	part := s.Substring(start, end)
	if !codec.IsByteString(part) {
		return goja.Null()
	}
	return part
}

// toUTF8 encodes the string as UTF-8 and returns the byte range of that
// encoding as a byte string.
func (m *module) toUTF8(call goja.FunctionCall) goja.Value {
	b := []byte(m.this(call).String())
	start, end := bounds(call, len(b))
	return codec.ByteString(b[start:end])
}

// bytesFrom is String.bytesFrom(arrayLike) or String.bytesFrom(string,
// encoding) with encoding 'hex', 'base64' or 'base64url'.
func (m *module) bytesFrom(call goja.FunctionCall) goja.Value {
	v := jsval.Arg(call, 0)
	if obj, ok := v.(*goja.Object); ok && obj.ClassName() == "String" {
		v = obj.ToString()
	}
	if goja.IsString(v) {
		return m.fromString(codec.String(v), jsval.Arg(call, 1))
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		panic(m.errs.Type("value must be a string or array-like object"))
	}
	if b, ok := jsval.Bytes(obj); ok {
		return codec.ByteString(b)
	}
	f := jsval.Get(obj, "length").ToFloat()
	if math.IsNaN(f) || f < 0 {
		f = 0
	}
	if f > maxLength {
		panic(m.errs.Range("memory limit exceeded"))
	}
	out := make([]byte, int(f))
	for i := range out {
		out[i] = byte(jsval.ToUint32(jsval.Get(obj, strconv.Itoa(i)).ToFloat()))
	}
	return codec.ByteString(out)
}

func (m *module) fromString(s goja.String, enc goja.Value) goja.Value {
	if !goja.IsString(enc) {
		panic(m.errs.Type(`"encoding" must be a string`))
	}
	src := codec.Narrow(s)
	switch enc.String() {
	case "hex":
		return codec.ByteString(codec.DecodeHex(src))
	case "base64":
		return codec.ByteString(codec.DecodeBase64Prefix(src, false))
	case "base64url":
		return codec.ByteString(codec.DecodeBase64Prefix(src, true))
	}
	panic(m.errs.Type(fmt.Sprintf("Unknown encoding: %q", enc.String())))
}
