package querystring

import (
	"math"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// stringify is Node's querystring.stringify: own enumerable keys in order,
// arrays repeat their key (an empty array drops it), values other than
// strings, finite numbers and booleans become empty.
func (m *module) stringify(call goja.FunctionCall) goja.Value {
	obj, ok := jsval.Arg(call, 0).(*goja.Object)
	if !ok {
		return m.vm.ToValue("")
	}
	if _, isFunc := goja.AssertFunction(obj); isFunc {
		return m.vm.ToValue("")
	}
	sep, eq := goja.Value(m.vm.ToValue("&")), goja.Value(m.vm.ToValue("="))
	if v := jsval.Arg(call, 1); v.ToBoolean() {
		sep = v
	}
	if v := jsval.Arg(call, 2); v.ToBoolean() {
		eq = v
	}
	var encode goja.Callable
	if enc := option(jsval.Arg(call, 3), "encodeURIComponent"); !enc.SameAs(m.escape) {
		encode, _ = goja.AssertFunction(enc)
	}
	convert := func(v goja.Value) string {
		if encode != nil {
			r, err := encode(goja.Undefined(), m.vm.ToValue(primitive(v)))
			if err != nil {
				panic(err)
			}
			return r.String()
		}
		return m.encodeValue(v)
	}

	sepS, eqS := sep.String(), eq.String()
	var b strings.Builder
	for _, k := range obj.Keys() {
		ks := convert(m.vm.ToValue(k)) + eqS
		v := jsval.Get(obj, k)
		if arr, ok := v.(*goja.Object); ok && arr.ClassName() == "Array" {
			n := int(jsval.Get(arr, "length").ToInteger())
			if n == 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(sepS)
			}
			for j := range n {
				if j > 0 {
					b.WriteString(sepS)
				}
				b.WriteString(ks)
				b.WriteString(convert(jsval.Get(arr, strconv.Itoa(j))))
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteString(sepS)
		}
		b.WriteString(ks)
		b.WriteString(convert(v))
	}
	return m.vm.ToValue(b.String())
}

// primitive is how a value reaches a custom encoder.
func primitive(v goja.Value) string {
	switch jsval.TypeOf(v) {
	case "string", "bigint", "boolean":
		return v.String()
	case "number":
		if f := v.ToFloat(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return v.String()
		}
	}
	return ""
}

// encodeValue is the default conversion: escape strings, keep numbers below
// 1e21 as they are (larger ones contain '+' and are escaped).
func (m *module) encodeValue(v goja.Value) string {
	switch jsval.TypeOf(v) {
	case "string":
		s := codec.String(v)
		if s.Length() == 0 {
			return ""
		}
		e, err := escape(s)
		if err != nil {
			panic(m.malformed())
		}
		return e.String()
	case "number":
		f := v.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return ""
		}
		if math.Abs(f) < 1e21 {
			return v.String()
		}
		e, _ := escape(v)
		return e.String()
	case "bigint", "boolean":
		return v.String()
	}
	return ""
}
