package querystring

import (
	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// parser is the state of one parse(str, sep, eq, options) call.
type parser struct {
	m      *module
	decode goja.Callable // nil: the built-in unescape
	keys   []string
	values map[string][]goja.Value
}

// parse follows Node's querystring.parse character for character, including
// how partial separator matches, '+' and maxKeys (which also counts empty
// pairs) behave. The result has a null prototype, as in Node.
func (m *module) parse(call goja.FunctionCall) goja.Value {
	p := &parser{m: m, values: map[string][]goja.Value{}}
	input, sepArg, eqArg, opts := jsval.Arg(call, 0), jsval.Arg(call, 1), jsval.Arg(call, 2), jsval.Arg(call, 3)
	if !goja.IsString(input) || codec.String(input).Length() == 0 {
		return m.vm.CreateObject(nil)
	}
	sep, eq := []uint16{'&'}, []uint16{'='}
	if sepArg.ToBoolean() {
		sep = codec.Units(codec.String(sepArg))
	}
	if eqArg.ToBoolean() {
		eq = codec.Units(codec.String(eqArg))
	}
	pairs := 1000.0
	if mk := option(opts, "maxKeys"); goja.IsNumber(mk) {
		if pairs = mk.ToFloat(); !(pairs > 0) {
			pairs = -1 // unlimited
		}
	}
	if fn, ok := goja.AssertFunction(option(opts, "decodeURIComponent")); ok && !option(opts, "decodeURIComponent").SameAs(m.unescape) {
		p.decode = fn
	}
	custom := p.decode != nil
	plus := []uint16{' '}
	if custom {
		plus = []uint16{'%', '2', '0'} // left for the custom decoder
	}

	qs := codec.Units(codec.String(input))
	var key, value []uint16
	lastPos, sepIdx, eqIdx, encodeCheck := 0, 0, 0, 0
	keyEncoded, valEncoded := custom, custom
	for i, c := range qs {
		if c == sep[sepIdx] {
			if sepIdx++; sepIdx < len(sep) {
				continue
			}
			end := i - sepIdx + 1
			if eqIdx < len(eq) {
				if lastPos < end {
					key = append(key, qs[lastPos:end]...)
				} else if len(key) == 0 { // an empty pair between separators
					if pairs--; pairs == 0 {
						return p.result()
					}
					lastPos, sepIdx, eqIdx = i+1, 0, 0
					continue
				}
			} else if lastPos < end {
				value = append(value, qs[lastPos:end]...)
			}
			p.add(key, value, keyEncoded, valEncoded)
			if pairs--; pairs == 0 {
				return p.result()
			}
			keyEncoded, valEncoded = custom, custom
			key, value = nil, nil
			encodeCheck = 0
			lastPos, sepIdx, eqIdx = i+1, 0, 0
			continue
		}
		sepIdx = 0
		if eqIdx < len(eq) {
			if c == eq[eqIdx] {
				if eqIdx++; eqIdx == len(eq) {
					if end := i - eqIdx + 1; lastPos < end {
						key = append(key, qs[lastPos:end]...)
					}
					encodeCheck = 0
					lastPos = i + 1
				}
				continue
			}
			eqIdx = 0
			if !keyEncoded {
				// Only keys holding a valid %XX go through the decoder.
				if c == '%' {
					encodeCheck = 1
					continue
				}
				if encodeCheck > 0 {
					if _, ok := hexDigit(c); ok {
						if encodeCheck++; encodeCheck == 3 {
							keyEncoded = true
						}
						continue
					}
					encodeCheck = 0
				}
			}
			if c == '+' {
				key = append(append(key, qs[lastPos:i]...), plus...)
				lastPos = i + 1
				continue
			}
		}
		switch {
		case c == '+':
			value = append(append(value, qs[lastPos:i]...), plus...)
			lastPos = i + 1
		case valEncoded:
		case c == '%':
			encodeCheck = 1
		case encodeCheck > 0:
			if _, ok := hexDigit(c); ok {
				if encodeCheck++; encodeCheck == 3 {
					valEncoded = true
				}
			} else {
				encodeCheck = 0
			}
		}
	}
	if lastPos < len(qs) {
		if eqIdx < len(eq) {
			key = append(key, qs[lastPos:]...)
		} else if sepIdx < len(sep) {
			value = append(value, qs[lastPos:]...)
		}
	} else if eqIdx == 0 && len(key) == 0 {
		return p.result()
	}
	p.add(key, value, keyEncoded, valEncoded)
	return p.result()
}

// add records one pair; repeated keys collect their values in order.
func (p *parser) add(key, value []uint16, keyEncoded, valEncoded bool) {
	var k, v goja.Value = goja.StringFromUTF16(key), goja.StringFromUTF16(value)
	if len(key) > 0 && keyEncoded {
		k = p.decodeString(k)
	}
	if len(value) > 0 && valEncoded {
		v = p.decodeString(v)
	}
	name := k.String()
	cur, seen := p.values[name]
	if !seen {
		p.keys = append(p.keys, name)
	}
	if len(cur) == 1 && jsval.IsUndefined(cur[0]) { // Node tests obj[key] === undefined
		cur = nil
	}
	p.values[name] = append(cur, v)
}

// decodeString applies the decoder; a custom one that throws falls back to
// unescape with '+' as space, as Node does.
func (p *parser) decodeString(s goja.Value) goja.Value {
	if p.decode == nil {
		return unescape(s.(goja.String), false)
	}
	v, err := p.decode(goja.Undefined(), s)
	if err == nil {
		return v
	}
	if _, thrown := err.(*goja.Exception); !thrown {
		panic(err) // an interrupt must not be swallowed
	}
	return unescape(s.(goja.String), true)
}

func (p *parser) result() goja.Value {
	obj := p.m.vm.CreateObject(nil)
	for _, k := range p.keys {
		vals := p.values[k]
		if len(vals) == 1 {
			_ = obj.Set(k, vals[0])
			continue
		}
		items := make([]any, len(vals))
		for i, v := range vals {
			items[i] = v
		}
		_ = obj.Set(k, p.m.vm.NewArray(items...))
	}
	return obj
}
