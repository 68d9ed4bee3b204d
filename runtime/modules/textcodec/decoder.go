package textcodec

import (
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// decoder is the state of one TextDecoder.
type decoder struct {
	noProps
	fatal, ignoreBOM bool
	pending          []byte // an incomplete character held back while streaming
	started          bool   // bytes of this stream were decoded: no BOM check anymore
}

// utf8Labels are the WHATWG labels of UTF-8, the one encoding supported.
var utf8Labels = map[string]bool{
	"unicode-1-1-utf-8": true, "unicode11utf8": true, "unicode20utf8": true,
	"utf-8": true, "utf8": true, "x-unicode20utf8": true,
}

func (m *module) decoderClass() (*goja.Object, error) {
	flag := func(get func(*decoder) bool) func(goja.Value) goja.Value {
		return func(this goja.Value) goja.Value { return m.vm.ToValue(get(m.decoder(this))) }
	}
	return m.class("TextDecoder", m.newDecoder,
		[]jsval.Method{{Name: "decode", Length: 0, Fn: m.decode}},
		map[string]func(goja.Value) goja.Value{
			"encoding": func(this goja.Value) goja.Value {
				m.decoder(this)
				return m.vm.ToValue("utf-8")
			},
			"fatal":     flag(func(d *decoder) bool { return d.fatal }),
			"ignoreBOM": flag(func(d *decoder) bool { return d.ignoreBOM }),
		})
}

func (m *module) newDecoder(args []goja.Value) goja.DynamicObject {
	d := &decoder{}
	if label := jsval.ArgAt(args, 0); !jsval.IsUndefined(label) {
		name := codec.String(label).String()
		if !utf8Labels[strings.ToLower(strings.Trim(name, "\t\n\f\r "))] {
			panic(m.errs.Range(`The "` + name + `" encoding is not supported`))
		}
	}
	opts := m.options(jsval.ArgAt(args, 1))
	if opts != nil {
		d.fatal = jsval.Get(opts, "fatal").ToBoolean()
		d.ignoreBOM = jsval.Get(opts, "ignoreBOM").ToBoolean()
	}
	return d
}

// options accepts a dictionary argument: nil when absent.
func (m *module) options(v goja.Value) *goja.Object {
	if jsval.IsNullish(v) {
		return nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		panic(m.errs.Type(`The "options" argument must be of type object`))
	}
	return obj
}

func (m *module) decoder(this goja.Value) *decoder {
	if obj, ok := this.(*goja.Object); ok {
		if d, ok := obj.Export().(*decoder); ok {
			return d
		}
	}
	panic(m.errs.Type(`"this" is not a TextDecoder`))
}

// decode is TextDecoder.prototype.decode(input[, {stream}]).
func (m *module) decode(call goja.FunctionCall) goja.Value {
	d := m.decoder(call.This)
	var input []byte
	if v := jsval.Arg(call, 0); !jsval.IsUndefined(v) {
		b, ok := jsval.Bytes(v)
		if !ok {
			panic(m.errs.Type(`The "input" argument must be an instance of TypedArray`))
		}
		input = b
	}
	stream := false
	if opts := m.options(jsval.Arg(call, 1)); opts != nil {
		stream = jsval.Get(opts, "stream").ToBoolean()
	}

	data := append(d.pending, input...)
	d.pending = nil
	if stream {
		if i := lastStart(data); !utf8.FullRune(data[i:]) {
			d.pending = append([]byte(nil), data[i:]...)
			data = data[:i]
		}
	}
	if !d.ignoreBOM && !d.started && len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		data = data[3:]
	}
	d.started = d.started || len(data) > 0
	if !stream {
		d.started = false
	}
	if d.fatal && !utf8.Valid(data) {
		d.pending, d.started = nil, false
		panic(m.errs.Type("The encoded data was not valid"))
	}
	return m.vm.ToValue(codec.DecodeUTF8(data))
}

// lastStart is where the last (possibly incomplete) character of b starts.
func lastStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}
