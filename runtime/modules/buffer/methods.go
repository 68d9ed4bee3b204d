package buffer

import (
	"bytes"
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

func (m *module) methods() []jsval.Method {
	return []jsval.Method{
		{Name: "compare", Length: 5, Fn: m.compare},
		{Name: "copy", Length: 4, Fn: m.copy},
		{Name: "equals", Length: 1, Fn: m.equals},
		{Name: "fill", Length: 4, Fn: m.fillMethod},
		{Name: "includes", Length: 3, Fn: func(call goja.FunctionCall) goja.Value {
			return m.vm.ToValue(m.indexOf(call, true) != -1)
		}},
		{Name: "indexOf", Length: 3, Fn: func(call goja.FunctionCall) goja.Value {
			return m.vm.ToValue(m.indexOf(call, true))
		}},
		{Name: "lastIndexOf", Length: 3, Fn: func(call goja.FunctionCall) goja.Value {
			return m.vm.ToValue(m.indexOf(call, false))
		}},
		{Name: "slice", Length: 2, Fn: m.subarray},
		{Name: "subarray", Length: 2, Fn: m.subarray},
		{Name: "swap16", Length: 0, Fn: m.swap(2)},
		{Name: "swap32", Length: 0, Fn: m.swap(4)},
		{Name: "swap64", Length: 0, Fn: m.swap(8)},
		{Name: "toJSON", Length: 0, Fn: m.toJSON},
		{Name: "toString", Length: 3, Fn: m.toString},
		{Name: "toLocaleString", Length: 3, Fn: m.toString},
		{Name: "write", Length: 4, Fn: m.write},
	}
}

func (m *module) compare(call goja.FunctionCall) goja.Value {
	src := m.this(call)
	target, ok := uint8s(jsval.Arg(call, 0))
	if !ok {
		panic(m.invalidType("target", "an instance of Buffer or Uint8Array", jsval.Arg(call, 0)))
	}
	bound := func(i int, name string, def, hi int) int {
		v := jsval.Arg(call, i)
		if jsval.IsUndefined(v) {
			return def
		}
		return m.integer(v, name, 0, hi)
	}
	tStart := bound(1, "targetStart", 0, kMaxLength)
	tEnd := bound(2, "targetEnd", len(target), len(target))
	sStart := bound(3, "sourceStart", 0, kMaxLength)
	sEnd := bound(4, "sourceEnd", len(src), len(src))
	switch {
	case sStart >= sEnd:
		if tStart >= tEnd {
			return m.vm.ToValue(0)
		}
		return m.vm.ToValue(-1)
	case tStart >= tEnd:
		return m.vm.ToValue(1)
	}
	return m.vm.ToValue(bytes.Compare(src[sStart:sEnd], target[tStart:tEnd]))
}

func (m *module) copy(call goja.FunctionCall) goja.Value {
	src := m.this(call)
	target, ok := uint8s(jsval.Arg(call, 0))
	if !ok {
		panic(m.invalidType("target", "an instance of Buffer or Uint8Array", jsval.Arg(call, 0)))
	}
	tStart, sStart, sEnd := 0, 0, len(src)
	if v := jsval.Arg(call, 1); !jsval.IsUndefined(v) {
		if tStart = toInteger(v, 0); tStart < 0 {
			panic(m.outOfRange("targetStart", ">= 0", v))
		}
	}
	if v := jsval.Arg(call, 2); !jsval.IsUndefined(v) {
		if sStart = toInteger(v, 0); sStart < 0 || sStart > len(src) {
			panic(m.outOfRange("sourceStart", fmt.Sprintf(">= 0 && <= %d", len(src)), v))
		}
	}
	if v := jsval.Arg(call, 3); !jsval.IsUndefined(v) {
		if sEnd = toInteger(v, 0); sEnd < 0 {
			panic(m.outOfRange("sourceEnd", ">= 0", v))
		}
	}
	if tStart >= len(target) || sStart >= sEnd {
		return m.vm.ToValue(0)
	}
	sEnd = min(sEnd, len(src))
	return m.vm.ToValue(copy(target[tStart:], src[sStart:sEnd]))
}

func (m *module) equals(call goja.FunctionCall) goja.Value {
	b := m.this(call)
	other, ok := uint8s(jsval.Arg(call, 0))
	if !ok {
		panic(m.invalidType("otherBuffer", "an instance of Buffer or Uint8Array", jsval.Arg(call, 0)))
	}
	return m.vm.ToValue(bytes.Equal(b, other))
}

func (m *module) fillMethod(call goja.FunctionCall) goja.Value {
	m.fill(m.this(call), jsval.Arg(call, 0), jsval.Arg(call, 1), jsval.Arg(call, 2), jsval.Arg(call, 3))
	return call.This
}

// fill is Node's _fill: value is a string (in encoding), bytes, or a number
// taken modulo 256; offset may stand for the encoding.
func (m *module) fill(b []byte, value, offsetArg, endArg, encArg goja.Value) {
	var pattern []byte
	if goja.IsString(value) {
		if jsval.IsUndefined(offsetArg) || goja.IsString(offsetArg) {
			encArg, offsetArg, endArg = offsetArg, goja.Undefined(), goja.Undefined()
		} else if goja.IsString(endArg) {
			encArg, endArg = endArg, goja.Undefined()
		}
		enc := encUTF8
		if !jsval.IsNullish(encArg) {
			if !goja.IsString(encArg) {
				panic(m.invalidType("encoding", "of type string", encArg))
			}
			var ok bool
			if enc, ok = lookupEncoding(encArg.String()); !ok {
				panic(m.unknownEncoding(encArg))
			}
		}
		s := codec.String(value)
		if s.Length() == 0 {
			pattern = []byte{0}
		} else if pattern = enc.encode(s); len(pattern) == 0 {
			panic(m.errs.NodeType("ERR_INVALID_ARG_VALUE", "The argument 'value' is invalid. Received "+jsval.Inspect(value)))
		}
	} else if p, ok := Bytes(value); ok {
		if len(p) == 0 {
			panic(m.errs.NodeType("ERR_INVALID_ARG_VALUE", "The argument 'value' is invalid."+jsval.Received(value)))
		}
		pattern = p
	} else {
		pattern = []byte{byte(jsval.ToUint32(value.ToFloat()))}
	}
	start, end := 0, len(b)
	if !jsval.IsUndefined(offsetArg) {
		start = m.integer(offsetArg, "offset", 0, kMaxLength)
		if !jsval.IsUndefined(endArg) {
			end = m.integer(endArg, "end", 0, len(b))
		}
		if start >= end {
			return
		}
	}
	dst := b[start:end]
	if len(pattern) == 1 {
		for i := range dst {
			dst[i] = pattern[0]
		}
		return
	}
	pattern = append([]byte(nil), pattern...) // value may view b itself
	for i := 0; i < len(dst); i += copy(dst[i:], pattern) {
	}
}

// indexOf is Node's bidirectionalIndexOf.
func (m *module) indexOf(call goja.FunctionCall, forward bool) int {
	b := m.this(call)
	val, offArg, encArg := jsval.Arg(call, 0), jsval.Arg(call, 1), jsval.Arg(call, 2)
	if goja.IsString(offArg) {
		encArg, offArg = offArg, goja.Undefined()
	}
	off := offArg.ToFloat()
	if math.IsNaN(off) {
		off = 0
		if !forward {
			off = float64(len(b))
		}
	}
	off = math.Max(math.Min(math.Trunc(off), 0x7fffffff), -0x80000000)
	var needle []byte
	switch {
	case goja.IsNumber(val):
		needle = []byte{byte(jsval.ToUint32(val.ToFloat()))}
	case goja.IsString(val):
		needle = m.encodingArg(encArg).encode(codec.String(val))
	default:
		var ok bool
		if needle, ok = uint8s(val); !ok {
			panic(m.invalidType("value", "one of type number or string or an instance of Buffer or Uint8Array", val))
		}
	}
	return search(b, needle, int(off), forward)
}

// search finds needle in b from offset the way Node's IndexOfOffset and
// memmem logic do, including their treatment of out-of-range offsets and
// empty needles.
func search(b, needle []byte, off int, forward bool) int {
	n, k := len(b), len(needle)
	start := off
	switch {
	case off < 0 && off+n >= 0:
		start = n + off
	case off < 0 && (forward || k == 0):
		start = 0
	case off < 0:
		return -1
	case off+k <= n:
	case k == 0:
		start = n
	case forward:
		return -1
	default:
		start = n - 1
	}
	if k == 0 {
		return start
	}
	if n == 0 || k > n {
		return -1
	}
	if forward {
		if i := bytes.Index(b[start:], needle); i >= 0 {
			return start + i
		}
		return -1
	}
	return bytes.LastIndex(b[:min(start+k, n)], needle)
}

func (m *module) subarray(call goja.FunctionCall) goja.Value {
	b := m.this(call)
	this := call.This.(*goja.Object)
	start := relative(jsval.Arg(call, 0), len(b))
	end := len(b)
	if v := jsval.Arg(call, 1); !jsval.IsUndefined(v) {
		end = relative(v, len(b))
	}
	end = max(end, start)
	off := int(this.Get("byteOffset").ToInteger())
	return m.view(this.Get("buffer"), off+start, end-start)
}

func (m *module) swap(width int) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		if len(b)%width != 0 {
			panic(m.errs.NodeRange("ERR_INVALID_BUFFER_SIZE", fmt.Sprintf("Buffer size must be a multiple of %d-bits", 8*width)))
		}
		for i := 0; i < len(b); i += width {
			for j, k := i, i+width-1; j < k; j, k = j+1, k-1 {
				b[j], b[k] = b[k], b[j]
			}
		}
		return call.This
	}
}

func (m *module) toJSON(call goja.FunctionCall) goja.Value {
	b := m.this(call)
	data := make([]any, len(b))
	for i, c := range b {
		data[i] = int(c)
	}
	obj := m.vm.NewObject()
	_ = obj.Set("type", "Buffer")
	_ = obj.Set("data", m.vm.NewArray(data...))
	return obj
}

func (m *module) toString(call goja.FunctionCall) goja.Value {
	b := m.this(call)
	if len(call.Arguments) == 0 {
		return encUTF8.decode(m.vm, b)
	}
	n := float64(len(b))
	start, end := 0.0, n
	if v := jsval.Arg(call, 1); !jsval.IsUndefined(v) {
		if start = math.Trunc(v.ToFloat()); !(start > 0) {
			start = 0
		} else if start >= n {
			return m.vm.ToValue("")
		}
	}
	if v := jsval.Arg(call, 2); !jsval.IsUndefined(v) {
		if f := v.ToFloat(); !(f > n) {
			if end = math.Trunc(f); math.IsNaN(end) {
				end = 0
			}
		}
	}
	if end <= start {
		return m.vm.ToValue("")
	}
	enc := encUTF8
	if v := jsval.Arg(call, 0); !jsval.IsUndefined(v) {
		var ok bool
		if enc, ok = lookupEncoding(v.String()); !ok {
			panic(m.unknownEncoding(v))
		}
	}
	part := b[int(start):int(end)]
	if enc.decodedLength(len(part)) > m.maxAlloc {
		panic(m.errs.Range("memory limit exceeded"))
	}
	return enc.decode(m.vm, part)
}

// write is buf.write(string[, offset[, length]][, encoding]); it never
// writes part of a character.
func (m *module) write(call goja.FunctionCall) goja.Value {
	b := m.this(call)
	str := jsval.Arg(call, 0)
	if !goja.IsString(str) {
		panic(m.errs.NodeType("ERR_INVALID_ARG_TYPE", "argument must be a string"))
	}
	offArg, lenArg, encArg := jsval.Arg(call, 1), jsval.Arg(call, 2), jsval.Arg(call, 3)
	off, n := 0, len(b)
	if goja.IsString(offArg) && jsval.IsUndefined(lenArg) {
		encArg = offArg
	} else if !jsval.IsUndefined(offArg) {
		off = m.integer(offArg, "offset", 0, len(b))
		n = len(b) - off
		if goja.IsString(lenArg) {
			encArg = lenArg
		} else if !jsval.IsUndefined(lenArg) {
			n = min(m.integer(lenArg, "length", 0, len(b)), n)
		}
	}
	enc := encUTF8
	if !jsval.IsUndefined(encArg) && encArg.ToBoolean() {
		var ok bool
		if enc, ok = lookupEncoding(encArg.String()); !ok {
			panic(m.unknownEncoding(encArg))
		}
	}
	data := enc.encode(codec.String(str))
	switch enc {
	case encUTF8:
		n = codec.PrefixUTF8(data, n)
	case encUTF16LE:
		n = min(n, len(data)) &^ 1
	}
	return m.vm.ToValue(copy(b[off:off+n], data))
}
