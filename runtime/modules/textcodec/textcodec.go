// Package textcodec installs the text globals of cloudfront-js-2.0
// (../../../../shared/spec/runtime.md §3.4): TextEncoder and TextDecoder
// (UTF-8 only, WHATWG semantics) and atob/btoa, with njs's error texts.
package textcodec

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// module holds what the globals of one VM share.
type module struct {
	vm   *goja.Runtime
	errs *jsval.Errors
	u8   *goja.Object // Uint8Array, captured before user code runs
}

// Install defines TextEncoder, TextDecoder, atob and btoa in vm.
func Install(vm *goja.Runtime) error {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		return fmt.Errorf("textcodec: %w", err)
	}
	u8, ok := vm.Get("Uint8Array").(*goja.Object)
	if !ok {
		return fmt.Errorf("textcodec: global Uint8Array is missing")
	}
	m := &module{vm: vm, errs: errs, u8: u8}
	encoder, err := m.encoderClass()
	if err != nil {
		return fmt.Errorf("textcodec: %w", err)
	}
	decoder, err := m.decoderClass()
	if err != nil {
		return fmt.Errorf("textcodec: %w", err)
	}
	g := vm.GlobalObject()
	for name, v := range map[string]*goja.Object{
		"TextEncoder": encoder,
		"TextDecoder": decoder,
		"atob":        jsval.Func(vm, "atob", 1, m.atob),
		"btoa":        jsval.Func(vm, "btoa", 1, m.btoa),
	} {
		if err := g.DefineDataProperty(name, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
			return fmt.Errorf("textcodec: %s: %w", name, err)
		}
	}
	return nil
}

// classJS makes a constructor around a Go factory that throws when called
// without new; goja's native constructors cannot tell a call from new.
const classJS = `(function (name, make, TypeError) {
	"use strict";
	return {[name]: function () {
		if (new.target === undefined) throw new TypeError("Constructor of " + name + " requires 'new'");
		return make(new.target, ...arguments);
	}}[name];
})`

// class builds a constructor whose instances are dynamic objects backed by
// Go state, so the prototype methods can find that state and scripts cannot
// reach or change it.
func (m *module) class(name string, newState func(args []goja.Value) goja.DynamicObject, methods []jsval.Method, getters map[string]func(goja.Value) goja.Value) (*goja.Object, error) {
	wrap, err := m.vm.RunString(classJS)
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", name, err)
	}
	wrapFn, _ := goja.AssertFunction(wrap)
	factory := jsval.Func(m.vm, "make", 1, func(call goja.FunctionCall) goja.Value {
		obj := m.vm.NewDynamicObject(newState(call.Arguments[1:]))
		if proto, ok := jsval.Get(call.Arguments[0].(*goja.Object), "prototype").(*goja.Object); ok {
			_ = obj.SetPrototype(proto)
		}
		return obj
	})
	v, err := wrapFn(goja.Undefined(), m.vm.ToValue(name), factory, m.vm.Get("TypeError"))
	if err != nil {
		return nil, fmt.Errorf("class %s: %w", name, err)
	}
	ctor := v.(*goja.Object)
	proto := ctor.Get("prototype").(*goja.Object)
	jsval.Methods(m.vm, proto, methods)
	for prop, get := range getters {
		getter := jsval.Func(m.vm, "get "+prop, 0, func(call goja.FunctionCall) goja.Value { return get(call.This) })
		_ = proto.DefineAccessorProperty(prop, getter, nil, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, m.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return ctor, nil
}

// noProps gives the dynamic instances no own properties.
type noProps struct{}

func (noProps) Get(string) goja.Value       { return nil }
func (noProps) Set(string, goja.Value) bool { return false }
func (noProps) Has(string) bool             { return false }
func (noProps) Delete(string) bool          { return true }
func (noProps) Keys() []string              { return nil }

// newUint8Array returns a Uint8Array owning b.
func (m *module) newUint8Array(b []byte) *goja.Object {
	obj, err := m.vm.New(m.u8, m.vm.ToValue(m.vm.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return obj
}
