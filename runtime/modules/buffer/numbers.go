package buffer

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// intKind is one fixed-width integer accessor pair, e.g. readInt16LE and
// writeInt16LE.
type intKind struct {
	width  int
	signed bool
	little bool
}

func (k intKind) name() string {
	s := fmt.Sprintf("Int%d", 8*k.width)
	if !k.signed {
		s = "U" + s
	}
	if k.width > 1 {
		if k.little {
			s += "LE"
		} else {
			s += "BE"
		}
	}
	return s
}

// limits are the values a write accepts.
func (k intKind) limits() (lo, hi float64) {
	bits := 8 * k.width
	if k.signed {
		return -math.Ldexp(1, bits-1), math.Ldexp(1, bits-1) - 1
	}
	return 0, math.Ldexp(1, bits) - 1
}

// rangeText is how Node's messages describe the accepted values.
func (k intKind) rangeText() string {
	lo, hi := k.limits()
	bits := 8 * k.width
	switch {
	case k.width <= 4:
		return fmt.Sprintf(">= %.0f and <= %.0f", lo, hi)
	case k.signed:
		return fmt.Sprintf(">= -(2 ** %d) and < 2 ** %d", bits-1, bits-1)
	}
	return fmt.Sprintf(">= 0 and < 2 ** %d", bits)
}

func (k intKind) read(b []byte) float64 {
	var u uint64
	for i := range k.width {
		j := i
		if k.little {
			j = k.width - 1 - i
		}
		u = u<<8 | uint64(b[j])
	}
	if k.signed {
		shift := 64 - 8*k.width
		return float64(int64(u<<shift) >> shift)
	}
	return float64(u)
}

// write stores v the way Node's arithmetic does: the low 32 bits are
// ToUint32(v), anything wider comes from floor(v / 2**32).
func (k intKind) write(b []byte, v float64) {
	var u uint64
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		u = uint64(jsval.ToUint32(v))
		if k.width > 4 {
			u |= uint64(int64(math.Floor(v/(1<<32)))) << 32
		}
	}
	for i := range k.width {
		j := k.width - 1 - i
		if k.little {
			j = i
		}
		b[j] = byte(u >> (8 * i))
	}
}

func (m *module) numberMethods() []jsval.Method {
	var ms []jsval.Method
	add := func(names []string, length int, fn func(goja.FunctionCall) goja.Value) {
		for _, n := range names {
			ms = append(ms, jsval.Method{Name: n, Length: length, Fn: fn})
		}
	}
	for _, width := range []int{1, 2, 4} {
		for _, signed := range []bool{false, true} {
			for _, little := range []bool{false, true} {
				if width == 1 && little {
					continue
				}
				k := intKind{width: width, signed: signed, little: little}
				name := k.name()
				add(aliases("read", name), 1, m.readInt(k))
				add(aliases("write", name), 2, m.writeInt(k))
			}
		}
	}
	for _, signed := range []bool{false, true} {
		for _, little := range []bool{false, true} {
			name := "IntBE"
			if little {
				name = "IntLE"
			}
			if !signed {
				name = "U" + name
			}
			add(aliases("read", name), 2, m.readVarInt(signed, little))
			add(aliases("write", name), 3, m.writeVarInt(signed, little))
		}
	}
	for _, little := range []bool{false, true} {
		suffix := "BE"
		if little {
			suffix = "LE"
		}
		add([]string{"readFloat" + suffix}, 1, m.readFloat(4, little))
		add([]string{"readDouble" + suffix}, 1, m.readFloat(8, little))
		add([]string{"writeFloat" + suffix}, 2, m.writeFloat(4, little))
		add([]string{"writeDouble" + suffix}, 2, m.writeFloat(8, little))
	}
	return ms
}

// aliases adds Node's lower-case spelling (readUint8) next to readUInt8.
func aliases(prefix, name string) []string {
	names := []string{prefix + name}
	if name[0] == 'U' {
		names = append(names, prefix+"Ui"+name[2:])
	}
	return names
}

func (m *module) readInt(k intKind) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		off := m.offset(jsval.Arg(call, 0), k.width, len(b))
		return m.vm.ToValue(k.read(b[off:]))
	}
}

func (m *module) writeInt(k intKind) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		return m.vm.ToValue(m.storeInt(b, k, jsval.Arg(call, 0), jsval.Arg(call, 1)))
	}
}

func (m *module) storeInt(b []byte, k intKind, value, offset goja.Value) int {
	v := value.ToFloat()
	if !jsval.IsUndefined(offset) {
		m.number(offset, "offset")
	}
	if lo, hi := k.limits(); v < lo || v > hi {
		panic(m.outOfRange("value", k.rangeText(), m.vm.ToValue(v)))
	}
	off := m.offset(offset, k.width, len(b))
	k.write(b[off:], v)
	return off + k.width
}

func (m *module) readVarInt(signed, little bool) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		k := intKind{width: m.byteLength(jsval.Arg(call, 1)), signed: signed, little: little}
		off := m.offset(jsval.Arg(call, 0), k.width, len(b))
		return m.vm.ToValue(k.read(b[off:]))
	}
}

func (m *module) writeVarInt(signed, little bool) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		k := intKind{width: m.byteLength(jsval.Arg(call, 2)), signed: signed, little: little}
		return m.vm.ToValue(m.storeInt(b, k, jsval.Arg(call, 0), jsval.Arg(call, 1)))
	}
}

func order(little bool) binary.ByteOrder {
	if little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

func (m *module) readFloat(width int, little bool) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		off := m.offset(jsval.Arg(call, 0), width, len(b))
		if width == 4 {
			return m.vm.ToValue(float64(math.Float32frombits(order(little).Uint32(b[off:]))))
		}
		return m.vm.ToValue(math.Float64frombits(order(little).Uint64(b[off:])))
	}
}

func (m *module) writeFloat(width int, little bool) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		b := m.this(call)
		v := jsval.Arg(call, 0).ToFloat()
		off := m.offset(jsval.Arg(call, 1), width, len(b))
		switch {
		case width == 4 && math.IsNaN(v):
			order(little).PutUint32(b[off:], 0x7FC00000) // the canonical NaN V8 writes
		case width == 4:
			order(little).PutUint32(b[off:], math.Float32bits(float32(v)))
		case math.IsNaN(v):
			order(little).PutUint64(b[off:], 0x7FF8000000000000)
		default:
			order(little).PutUint64(b[off:], math.Float64bits(v))
		}
		return m.vm.ToValue(off + width)
	}
}
