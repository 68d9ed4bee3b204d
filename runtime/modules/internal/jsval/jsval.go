// Package jsval holds the goja glue the built-in modules share: creating
// catchable errors of the right type, defining functions with proper names,
// and rendering values the way Node's argument errors quote them.
package jsval

import (
	"fmt"

	"github.com/dop251/goja"
)

// Errors creates JavaScript error objects; panicking with one inside a native
// function throws it to the script. The constructors are captured at install,
// before user code could replace the globals.
type Errors struct {
	vm                             *goja.Runtime
	errorCtor, typeCtor, rangeCtor *goja.Object
}

// NewErrors captures the Error, TypeError and RangeError constructors of vm.
func NewErrors(vm *goja.Runtime) (*Errors, error) {
	e := &Errors{vm: vm}
	for name, dst := range map[string]**goja.Object{"Error": &e.errorCtor, "TypeError": &e.typeCtor, "RangeError": &e.rangeCtor} {
		ctor, ok := vm.Get(name).(*goja.Object)
		if !ok {
			return nil, fmt.Errorf("global %s is missing", name)
		}
		*dst = ctor
	}
	return e, nil
}

func (e *Errors) make(ctor *goja.Object, msg string) *goja.Object {
	obj, err := e.vm.New(ctor, e.vm.ToValue(msg))
	if err != nil {
		panic(err) // the captured built-in constructors do not throw
	}
	return obj
}

// Error returns a plain Error.
func (e *Errors) Error(msg string) *goja.Object { return e.make(e.errorCtor, msg) }

// Type returns a TypeError.
func (e *Errors) Type(msg string) *goja.Object { return e.make(e.typeCtor, msg) }

// Range returns a RangeError.
func (e *Errors) Range(msg string) *goja.Object { return e.make(e.rangeCtor, msg) }

// NodeType returns a TypeError carrying Node's error code.
func (e *Errors) NodeType(code, msg string) *goja.Object {
	return withCode(e.Type(msg), code)
}

// NodeRange returns a RangeError carrying Node's error code.
func (e *Errors) NodeRange(code, msg string) *goja.Object {
	return withCode(e.Range(msg), code)
}

func withCode(obj *goja.Object, code string) *goja.Object {
	_ = obj.Set("code", code) // a fresh error object is extensible
	return obj
}

// Func wraps fn as a JavaScript function with the given name and length;
// goja would otherwise name it after the Go symbol.
func Func(vm *goja.Runtime, name string, length int, fn func(goja.FunctionCall) goja.Value) *goja.Object {
	return named(vm, vm.ToValue(fn).(*goja.Object), name, length)
}

// Constructor wraps fn as a JavaScript constructor with the given name and length.
func Constructor(vm *goja.Runtime, name string, length int, fn func(goja.ConstructorCall) *goja.Object) *goja.Object {
	return named(vm, vm.ToValue(fn).(*goja.Object), name, length)
}

func named(vm *goja.Runtime, f *goja.Object, name string, length int) *goja.Object {
	_ = f.DefineDataProperty("name", vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = f.DefineDataProperty("length", vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return f
}

// Methods defines each function as a non-enumerable method of obj, as
// built-in methods are.
func Methods(vm *goja.Runtime, obj *goja.Object, methods []Method) {
	for _, m := range methods {
		_ = obj.DefineDataProperty(m.Name, Func(vm, m.Name, m.Length, m.Fn), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

// Method describes one native method.
type Method struct {
	Name   string
	Length int
	Fn     func(goja.FunctionCall) goja.Value
}

// Arg returns the i-th argument or undefined.
func Arg(call goja.FunctionCall, i int) goja.Value { return ArgAt(call.Arguments, i) }

// ArgAt returns args[i] or undefined.
func ArgAt(args []goja.Value, i int) goja.Value {
	if i < len(args) {
		return args[i]
	}
	return goja.Undefined()
}

// IsUndefined reports whether v is undefined (or absent).
func IsUndefined(v goja.Value) bool { return v == nil || goja.IsUndefined(v) }

// IsNullish reports whether v is undefined or null.
func IsNullish(v goja.Value) bool { return v == nil || goja.IsUndefined(v) || goja.IsNull(v) }

// Get returns obj[key], with undefined (not nil) for a missing property.
func Get(obj *goja.Object, key string) goja.Value {
	if v := obj.Get(key); v != nil {
		return v
	}
	return goja.Undefined()
}
