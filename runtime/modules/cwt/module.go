package cwt

import (
	"fmt"
	"math"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/buffer"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// maxDepth bounds the JavaScript values generateToken walks: the decoder
// refuses deeper tokens, and a cycle ends here instead of overflowing.
const maxDepth = 16

type module struct {
	vm   *goja.Runtime
	errs *jsval.Errors
}

// New returns cf.cwt for vm, a cloudfront-js-2.0 VM where Buffer is installed.
func New(vm *goja.Runtime) *goja.Object {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		panic(fmt.Errorf("cwt: %w", err)) // only a VM without Error constructors gets here
	}
	m := &module{vm: vm, errs: errs}
	obj := vm.NewObject()
	jsval.Methods(vm, obj, []jsval.Method{
		{Name: "validateToken", Length: 2, Fn: m.validateToken},
		{Name: "generateToken", Length: 2, Fn: m.generateToken},
	})
	return obj
}

// validateToken(token: Buffer, {key}) returns {protectedHeaders,
// unprotectedHeaders, payload} or throws.
func (m *module) validateToken(call goja.FunctionCall) goja.Value {
	token, ok := buffer.Bytes(jsval.Arg(call, 0))
	if !ok {
		panic(m.errs.Type("token must be a Buffer"))
	}
	key := m.key(jsval.Arg(call, 1))
	t, err := Validate(token, key)
	if err != nil {
		panic(m.errs.Error(err.Error()))
	}
	out := m.vm.NewObject()
	_ = out.Set("protectedHeaders", m.toJS(t.Protected))
	_ = out.Set("unprotectedHeaders", m.toJS(t.Unprotected))
	_ = out.Set("payload", m.toJS(t.Payload))
	return out
}

// generateToken(cwt, {cwtTag, coseTag, key}) returns the token as a Buffer.
// CloudFront's reference gives the arguments the other way round while its
// examples pass the token first: the argument holding payload is the token.
func (m *module) generateToken(call goja.FunctionCall) goja.Value {
	tokArg, ctxArg := jsval.Arg(call, 0), jsval.Arg(call, 1)
	if o, ok := ctxArg.(*goja.Object); ok && !jsval.IsUndefined(o.Get("payload")) {
		tokArg, ctxArg = ctxArg, tokArg
	}
	ctx, ok := ctxArg.(*goja.Object)
	if !ok {
		panic(m.errs.Type("generatorContext must be an object"))
	}
	if tag := jsval.Get(ctx, "coseTag"); !goja.IsString(tag) || tag.String() != "MAC0" {
		panic(m.errs.Error(`unsupported coseTag: only "MAC0" is supported`))
	}
	key := m.key(ctx)
	tok, ok := tokArg.(*goja.Object)
	if !ok {
		panic(m.errs.Type("token must be an object with protected, unprotected and payload"))
	}
	var t Token
	for _, part := range []struct {
		dst   *Map
		names []string
	}{
		{&t.Protected, []string{"protected", "protectedHeaders"}},
		{&t.Unprotected, []string{"unprotected", "unprotectedHeaders"}},
		{&t.Payload, []string{"payload"}},
	} {
		*part.dst = Map{}
		for _, name := range part.names {
			if v := jsval.Get(tok, name); !jsval.IsNullish(v) {
				mv, err := m.fromJS(v, 0)
				if err != nil {
					panic(m.errs.Type(fmt.Sprintf("%s: %v", name, err)))
				}
				if *part.dst, ok = mv.(Map); !ok {
					panic(m.errs.Type(name + " must be an object"))
				}
				break
			}
		}
	}
	out, err := Generate(&t, key, jsval.Get(ctx, "cwtTag").ToBoolean())
	if err != nil {
		panic(m.errs.Error(err.Error()))
	}
	return buffer.New(m.vm, out)
}

// key reads the key property of a context: a non-empty string or Buffer.
func (m *module) key(ctx goja.Value) []byte {
	obj, ok := ctx.(*goja.Object)
	if !ok {
		panic(m.errs.Type("handlerContext must be an object with a key"))
	}
	k := jsval.Get(obj, "key")
	var key []byte
	if goja.IsString(k) {
		key = []byte(k.String())
	} else if b, ok := buffer.Bytes(k); ok {
		key = b
	}
	if len(key) == 0 {
		panic(m.errs.Type("key must be a non-empty string or Buffer"))
	}
	return key
}

func (m *module) toJS(v any) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case []byte:
		return buffer.New(m.vm, x)
	case []any:
		vals := make([]any, len(x))
		for i, e := range x {
			vals[i] = m.toJS(e)
		}
		return m.vm.NewArray(vals...)
	case Map:
		obj := m.vm.NewObject()
		for k, e := range x {
			_ = obj.Set(k, m.toJS(e))
		}
		return obj
	}
	return m.vm.ToValue(v)
}

// fromJS converts a JavaScript value into what Generate encodes.
func (m *module) fromJS(v goja.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels", maxDepth)
	}
	if jsval.IsNullish(v) {
		return nil, nil
	}
	switch {
	case goja.IsString(v):
		return v.String(), nil
	case goja.IsNumber(v):
		f := v.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a finite number", f)
		}
		return f, nil
	}
	if b, ok := v.Export().(bool); ok {
		return b, nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("unsupported value %s", jsval.TypeOf(v))
	}
	if b, ok := buffer.Bytes(obj); ok {
		return append([]byte(nil), b...), nil
	}
	if _, ok := goja.AssertFunction(obj); ok {
		return nil, fmt.Errorf("functions cannot be encoded")
	}
	if obj.ClassName() == "Array" {
		n := jsval.Get(obj, "length").ToInteger()
		if n > MaxTokenSize {
			return nil, ErrTooLarge
		}
		out := make([]any, n)
		for i := range out {
			e, err := m.fromJS(obj.Get(fmt.Sprint(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	keys := obj.Keys()
	if len(keys) > MaxTokenSize {
		return nil, ErrTooLarge
	}
	out := make(Map, len(keys))
	for _, k := range keys {
		e, err := m.fromJS(obj.Get(k), depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = e
	}
	return out, nil
}
