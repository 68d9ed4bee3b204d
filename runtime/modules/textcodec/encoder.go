package textcodec

import (
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

type encoder struct{ noProps }

func (m *module) encoderClass() (*goja.Object, error) {
	return m.class("TextEncoder",
		func([]goja.Value) goja.DynamicObject { return &encoder{} },
		[]jsval.Method{
			{Name: "encode", Length: 0, Fn: m.encode},
			{Name: "encodeInto", Length: 2, Fn: m.encodeInto},
		},
		map[string]func(goja.Value) goja.Value{
			"encoding": func(this goja.Value) goja.Value {
				m.encoder(this)
				return m.vm.ToValue("utf-8")
			},
		})
}

func (m *module) encoder(this goja.Value) *encoder {
	if obj, ok := this.(*goja.Object); ok {
		if e, ok := obj.Export().(*encoder); ok {
			return e
		}
	}
	panic(m.errs.Type(`"this" is not a TextEncoder`))
}

// utf8Of converts the argument as a USVString: lone surrogates become
// U+FFFD, which goja's conversion to Go already does.
func utf8Of(v goja.Value) []byte {
	if jsval.IsUndefined(v) {
		return nil
	}
	return []byte(codec.String(v).String())
}

func (m *module) encode(call goja.FunctionCall) goja.Value {
	m.encoder(call.This)
	return m.newUint8Array(utf8Of(jsval.Arg(call, 0)))
}

// encodeInto writes the whole characters that fit and reports how many
// UTF-16 code units were read and bytes written.
func (m *module) encodeInto(call goja.FunctionCall) goja.Value {
	m.encoder(call.This)
	src := utf8Of(jsval.Arg(call, 0))
	dst, ok := uint8Array(jsval.Arg(call, 1))
	if !ok {
		panic(m.errs.Type(`The "destination" argument must be an instance of Uint8Array`))
	}
	read, written := 0, 0
	for written < len(src) {
		r, size := utf8.DecodeRune(src[written:])
		if written+size > len(dst) {
			break
		}
		written += copy(dst[written:], src[written:written+size])
		read++
		if r >= 0x10000 {
			read++ // a surrogate pair in the source
		}
	}
	res := m.vm.NewObject()
	_ = res.Set("read", read)
	_ = res.Set("written", written)
	return res
}

// uint8Array returns the bytes of a Uint8Array.
func uint8Array(v goja.Value) ([]byte, bool) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	b, ok := obj.Export().([]byte)
	return b, ok
}
