package jsval

import "github.com/dop251/goja"

// Bytes returns the bytes viewed by a typed array, DataView or ArrayBuffer.
// The slice aliases the JavaScript memory.
func Bytes(v goja.Value) ([]byte, bool) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	switch x := obj.Export().(type) {
	case []byte: // Uint8Array and Uint8ClampedArray, so every Buffer
		return x, true
	case goja.ArrayBuffer:
		return x.Bytes(), true
	}
	return viewBytes(obj)
}

// viewBytes handles the other typed arrays and DataView through their
// buffer, byteOffset and byteLength accessors.
func viewBytes(obj *goja.Object) ([]byte, bool) {
	tag := obj.GetSymbol(goja.SymToStringTag)
	if tag == nil || goja.IsUndefined(tag) {
		return nil, false
	}
	switch tag.String() {
	case "DataView", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array":
	default:
		return nil, false
	}
	ab, ok := Get(obj, "buffer").Export().(goja.ArrayBuffer)
	if !ok {
		return nil, false
	}
	data := ab.Bytes()
	off, n := Get(obj, "byteOffset").ToInteger(), Get(obj, "byteLength").ToInteger()
	if off < 0 || n < 0 || off+n > int64(len(data)) {
		return nil, false
	}
	return data[off : off+n], true
}
