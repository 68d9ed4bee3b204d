package buffer

import (
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// The argument checks below follow Node's lib/buffer.js validators, so
// scripts see the same error types, codes and messages.

func (m *module) invalidType(name, want string, v goja.Value) *goja.Object {
	return m.errs.NodeType("ERR_INVALID_ARG_TYPE", fmt.Sprintf("The %q argument must be %s.%s", name, want, jsval.Received(v)))
}

func (m *module) outOfRange(name, want string, v goja.Value) *goja.Object {
	return m.errs.NodeRange("ERR_OUT_OF_RANGE", fmt.Sprintf("The value of %q is out of range. It must be %s.%s", name, want, jsval.ReceivedNumber(v)))
}

func (m *module) unknownEncoding(v goja.Value) *goja.Object {
	return m.errs.NodeType("ERR_UNKNOWN_ENCODING", "Unknown encoding: "+v.String())
}

func (m *module) outOfBounds(what string) *goja.Object {
	if what == "" {
		return m.errs.NodeRange("ERR_BUFFER_OUT_OF_BOUNDS", "Attempt to access memory outside buffer bounds")
	}
	return m.errs.NodeRange("ERR_BUFFER_OUT_OF_BOUNDS", fmt.Sprintf("%q is outside of buffer bounds", what))
}

// number requires v to be of type number.
func (m *module) number(v goja.Value, name string) float64 {
	if !goja.IsNumber(v) {
		panic(m.invalidType(name, "of type number", v))
	}
	return v.ToFloat()
}

// size validates an allocation size (Node: validateNumber(size, 'size', 0,
// kMaxLength)) and truncates it as the typed array constructor would.
func (m *module) size(v goja.Value) int {
	f := m.number(v, "size")
	if math.IsNaN(f) || f < 0 || f > kMaxLength {
		panic(m.outOfRange("size", fmt.Sprintf(">= 0 && <= %d", kMaxLength), v))
	}
	if f > float64(m.maxAlloc) {
		panic(m.errs.Range("memory limit exceeded"))
	}
	return int(f)
}

// integer is Node's validateOffset: an integer number within [lo, hi].
func (m *module) integer(v goja.Value, name string, lo, hi int) int {
	f := m.number(v, name)
	if f != math.Trunc(f) || math.IsInf(f, 0) {
		panic(m.outOfRange(name, "an integer", v))
	}
	if f < float64(lo) || f > float64(hi) {
		panic(m.outOfRange(name, fmt.Sprintf(">= %d && <= %d", lo, hi), v))
	}
	return int(f)
}

// offset validates where a width-byte read or write starts in a buffer of n
// bytes (Node's checkBounds and boundsError); undefined means 0.
func (m *module) offset(v goja.Value, width, n int) int {
	if jsval.IsUndefined(v) {
		v = m.vm.ToValue(0)
	}
	f := m.number(v, "offset")
	if f == math.Trunc(f) && f >= 0 && f+float64(width) <= float64(n) {
		return int(f)
	}
	if f != math.Floor(f) {
		panic(m.outOfRange("offset", "an integer", v))
	}
	if n-width < 0 {
		panic(m.outOfBounds(""))
	}
	panic(m.outOfRange("offset", fmt.Sprintf(">= 0 and <= %d", n-width), v))
}

// byteLength validates the width of readUIntBE and friends: 1 to 6 bytes.
func (m *module) byteLength(v goja.Value) int {
	f := v.ToFloat()
	if goja.IsNumber(v) && f == math.Trunc(f) && f >= 1 && f <= 6 {
		return int(f)
	}
	if !goja.IsNumber(v) || f != math.Floor(f) {
		m.number(v, "byteLength")
		panic(m.outOfRange("byteLength", "an integer", v))
	}
	panic(m.outOfRange("byteLength", ">= 1 and <= 6", v))
}

// toInteger is Node's toInteger(n, default) used by copy: NaN and values
// beyond the safe integers give the default, others are floored.
func toInteger(v goja.Value, def int) int {
	f := v.ToFloat()
	if math.IsNaN(f) || f < -(1<<53-1) || f > 1<<53-1 {
		return def
	}
	return int(math.Floor(f))
}

// relative resolves a subarray/slice index against length n: negative counts
// from the end, the result is clamped to [0, n], NaN and undefined are 0.
func relative(v goja.Value, n int) int {
	f := math.Trunc(v.ToFloat())
	switch {
	case math.IsNaN(f):
		return 0
	case f < 0:
		return int(math.Max(f+float64(n), 0))
	case f > float64(n):
		return n
	}
	return int(f)
}

// encodingArg resolves an optional encoding argument; undefined means UTF-8.
func (m *module) encodingArg(v goja.Value) encoding {
	if jsval.IsUndefined(v) {
		return encUTF8
	}
	enc, ok := lookupEncoding(v.String())
	if !ok {
		panic(m.unknownEncoding(v))
	}
	return enc
}
