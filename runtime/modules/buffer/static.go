package buffer

import (
	"bytes"
	"strconv"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

func (m *module) statics() []jsval.Method {
	return []jsval.Method{
		{Name: "alloc", Length: 3, Fn: m.allocStatic},
		{Name: "allocUnsafe", Length: 1, Fn: m.allocUnsafe},
		{Name: "allocUnsafeSlow", Length: 1, Fn: m.allocUnsafe},
		{Name: "byteLength", Length: 2, Fn: m.byteLengthStatic},
		{Name: "compare", Length: 2, Fn: m.compareStatic},
		{Name: "concat", Length: 2, Fn: m.concat},
		{Name: "from", Length: 3, Fn: func(call goja.FunctionCall) goja.Value {
			return m.from(jsval.Arg(call, 0), jsval.Arg(call, 1), jsval.Arg(call, 2))
		}},
		{Name: "isBuffer", Length: 1, Fn: func(call goja.FunctionCall) goja.Value {
			return m.vm.ToValue(m.isBuffer(jsval.Arg(call, 0)))
		}},
		{Name: "isEncoding", Length: 1, Fn: func(call goja.FunctionCall) goja.Value {
			v := jsval.Arg(call, 0)
			_, ok := lookupEncoding(v.String())
			return m.vm.ToValue(goja.IsString(v) && ok)
		}},
	}
}

func (m *module) allocStatic(call goja.FunctionCall) goja.Value {
	n := m.size(jsval.Arg(call, 0))
	buf := m.allocZeroed(n)
	fill := jsval.Arg(call, 1)
	if !jsval.IsUndefined(fill) && n > 0 && !(goja.IsNumber(fill) && fill.ToFloat() == 0) {
		m.fill(buf.Export().([]byte), fill, m.vm.ToValue(0), goja.Undefined(), jsval.Arg(call, 2))
	}
	return buf
}

// allocUnsafe zeroes like alloc: Go memory always is, and handing out stale
// bytes would be a leak between invocations anyway.
func (m *module) allocUnsafe(call goja.FunctionCall) goja.Value {
	return m.allocZeroed(m.size(jsval.Arg(call, 0)))
}

func (m *module) byteLengthStatic(call goja.FunctionCall) goja.Value {
	v := jsval.Arg(call, 0)
	if !goja.IsString(v) {
		if b, ok := Bytes(v); ok {
			return m.vm.ToValue(len(b))
		}
		panic(m.invalidType("string", "of type string or an instance of Buffer or ArrayBuffer", v))
	}
	s := codec.String(v)
	enc, ok := encUTF8, true
	if e := jsval.Arg(call, 1); !jsval.IsUndefined(e) {
		if enc, ok = lookupEncoding(e.String()); !ok {
			enc = encUTF8 // Node falls back rather than throwing here
		}
	}
	return m.vm.ToValue(enc.byteLength(s))
}

func (m *module) compareStatic(call goja.FunctionCall) goja.Value {
	a, ok := uint8s(jsval.Arg(call, 0))
	if !ok {
		panic(m.invalidType("buf1", "an instance of Buffer or Uint8Array", jsval.Arg(call, 0)))
	}
	b, ok := uint8s(jsval.Arg(call, 1))
	if !ok {
		panic(m.invalidType("buf2", "an instance of Buffer or Uint8Array", jsval.Arg(call, 1)))
	}
	return m.vm.ToValue(bytes.Compare(a, b))
}

func (m *module) concat(call goja.FunctionCall) goja.Value {
	listArg := jsval.Arg(call, 0)
	list, ok := listArg.(*goja.Object)
	if !ok || list.ClassName() != "Array" {
		panic(m.invalidType("list", "an instance of Array", listArg))
	}
	n := int(list.Get("length").ToInteger())
	if n == 0 {
		return m.wrap(nil)
	}
	items := make([]goja.Value, n)
	for i := range items {
		items[i] = jsval.Get(list, strconv.Itoa(i))
	}
	var total int
	if lenArg := jsval.Arg(call, 1); jsval.IsUndefined(lenArg) {
		for _, it := range items {
			if obj, ok := it.(*goja.Object); ok {
				total += int(jsval.Get(obj, "length").ToInteger())
			} else if goja.IsString(it) {
				total += codec.String(it).Length()
			}
		}
	} else {
		total = m.integer(lenArg, "length", 0, kMaxLength)
	}
	out := m.alloc(total)
	pos := 0
	for i, it := range items {
		b, ok := uint8s(it)
		if !ok {
			panic(m.invalidType("list["+strconv.Itoa(i)+"]", "an instance of Buffer or Uint8Array", it))
		}
		pos += copy(out[pos:], b)
	}
	return m.wrap(out)
}

func (m *module) isBuffer(v goja.Value) bool {
	obj, ok := v.(*goja.Object)
	if !ok {
		return false
	}
	for p := obj.Prototype(); p != nil; p = p.Prototype() {
		if p == m.proto {
			return true
		}
	}
	return false
}

// from is Buffer.from(value[, encodingOrOffset[, length]]).
func (m *module) from(value, encOrOffset, length goja.Value) *goja.Object {
	// Wrapper objects such as new String('x') convert through valueOf; the
	// bound stops a valueOf that keeps returning new objects.
	for range 8 {
		if goja.IsString(value) {
			return m.fromString(codec.String(value), encOrOffset)
		}
		obj, ok := value.(*goja.Object)
		if !ok {
			break
		}
		if ab, ok := obj.Export().(goja.ArrayBuffer); ok {
			return m.fromArrayBuffer(obj, len(ab.Bytes()), encOrOffset, length)
		}
		if prim := m.call(obj, jsval.Get(obj, "valueOf")); prim != nil {
			if o, isObj := prim.(*goja.Object); goja.IsString(prim) || (isObj && o != obj) {
				value = prim
				continue
			}
		}
		if b := m.fromObject(obj); b != nil {
			return b
		}
		if prim := m.call(obj, obj.GetSymbol(goja.SymToPrimitive), m.vm.ToValue("string")); prim != nil && goja.IsString(prim) {
			return m.fromString(codec.String(prim), encOrOffset)
		}
		break
	}
	panic(m.invalidFirst(value))
}

// call calls fn on this if fn is a function; nil means it is not.
func (m *module) call(this *goja.Object, fn goja.Value, args ...goja.Value) goja.Value {
	f, ok := goja.AssertFunction(fn)
	if !ok {
		return nil
	}
	v, err := f(this, args...)
	if err != nil {
		panic(err) // rethrows the script's exception (or interrupt) unchanged
	}
	return v
}

func (m *module) invalidFirst(v goja.Value) *goja.Object {
	return m.errs.NodeType("ERR_INVALID_ARG_TYPE", "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object."+jsval.Received(v))
}

func (m *module) fromString(s goja.String, encArg goja.Value) *goja.Object {
	enc := encUTF8
	if goja.IsString(encArg) && encArg.String() != "" {
		var ok bool
		if enc, ok = lookupEncoding(encArg.String()); !ok {
			panic(m.unknownEncoding(encArg))
		}
	}
	data := enc.encode(s) // at most three times a string that already exists
	if len(data) > m.maxAlloc {
		panic(m.errs.Range("memory limit exceeded"))
	}
	return m.wrap(data)
}

// fromArrayBuffer returns a view sharing ab's memory.
func (m *module) fromArrayBuffer(ab *goja.Object, size int, offArg, lenArg goja.Value) *goja.Object {
	off := 0
	if !jsval.IsUndefined(offArg) {
		if f := offArg.ToFloat(); f == f { // NaN means 0
			off = int(f)
			if f < 0 {
				panic(m.errs.Range("Start offset " + offArg.String() + " is outside the bounds of the buffer"))
			}
		}
	}
	maxLen := size - off
	if maxLen < 0 {
		panic(m.outOfBounds("offset"))
	}
	n := maxLen
	if !jsval.IsUndefined(lenArg) {
		f := lenArg.ToFloat()
		switch {
		case f > float64(maxLen):
			panic(m.outOfBounds("length"))
		case f > 0:
			n = int(f)
		default:
			n = 0
		}
	}
	return m.view(ab, off, n)
}

// fromObject copies array-likes (arrays, typed arrays, {length}) and the
// {type: 'Buffer', data: [...]} form toJSON produces; nil means neither.
func (m *module) fromObject(obj *goja.Object) *goja.Object {
	if b, ok := uint8s(obj); ok {
		out := m.alloc(len(b))
		copy(out, b)
		return m.wrap(out)
	}
	length := jsval.Get(obj, "length")
	_, hasBuffer := jsval.Get(obj, "buffer").Export().(goja.ArrayBuffer)
	if !jsval.IsUndefined(length) || hasBuffer {
		if !goja.IsNumber(length) {
			return m.wrap(nil)
		}
		return m.fromArrayLike(obj)
	}
	if t := jsval.Get(obj, "type"); t != nil && goja.IsString(t) && t.String() == "Buffer" {
		if data, ok := jsval.Get(obj, "data").(*goja.Object); ok && data.ClassName() == "Array" {
			return m.fromArrayLike(data)
		}
	}
	return nil
}

func (m *module) fromArrayLike(obj *goja.Object) *goja.Object {
	f := jsval.Get(obj, "length").ToFloat()
	if !(f > 0) {
		return m.wrap(nil)
	}
	if f > float64(m.maxAlloc) {
		panic(m.errs.Range("memory limit exceeded"))
	}
	out := m.alloc(int(f))
	for i := range out {
		out[i] = byte(jsval.ToUint32(jsval.Get(obj, strconv.Itoa(i)).ToFloat()))
	}
	return m.wrap(out)
}
