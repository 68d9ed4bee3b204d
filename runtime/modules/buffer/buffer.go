// Package buffer implements the global Buffer of cloudfront-js-2.0 with
// Node.js semantics (../../../../shared/spec/runtime.md §3.3). Buffers are
// Uint8Arrays whose prototype is Buffer.prototype, so indexing and the typed
// array methods work natively; the Buffer methods are Go functions.
package buffer

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// kMaxLength is the largest size Node's messages quote; maxAlloc is what is
// actually enforced.
const kMaxLength = 1 << 32

// stateKey names the global property that lets New find a VM's Buffer
// prototype. It is a symbol so scripts do not stumble on it, and the property
// is read-only so they cannot redirect it.
var stateKey = goja.NewSymbol("edgefn.buffer")

// module is the Buffer implementation installed in one VM.
type module struct {
	vm       *goja.Runtime
	errs     *jsval.Errors
	u8       *goja.Object // Uint8Array, captured before user code runs
	proto    *goja.Object // Buffer.prototype
	ctor     *goja.Object // Buffer
	maxAlloc int
}

// Install defines the global Buffer in vm. Any single allocation larger than
// maxAlloc bytes throws a RangeError: goja cannot bound a VM's memory, so the
// allocating calls guard the function's memory budget themselves.
func Install(vm *goja.Runtime, maxAlloc int) error {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	u8, ok := vm.Get("Uint8Array").(*goja.Object)
	if !ok {
		return fmt.Errorf("buffer: global Uint8Array is missing")
	}
	u8proto, ok := u8.Get("prototype").(*goja.Object)
	if !ok {
		return fmt.Errorf("buffer: Uint8Array.prototype is missing")
	}
	m := &module{vm: vm, errs: errs, u8: u8, maxAlloc: maxAlloc}
	m.proto = vm.NewObject()
	if err := m.proto.SetPrototype(u8proto); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	m.ctor = jsval.Constructor(vm, "Buffer", 3, m.construct)
	if err := m.ctor.SetPrototype(u8); err != nil { // Buffer.of, Buffer[Symbol.species]
		return fmt.Errorf("buffer: %w", err)
	}
	if err := m.ctor.Set("prototype", m.proto); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	if err := m.proto.DefineDataProperty("constructor", m.ctor, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	if err := m.ctor.DefineDataProperty("poolSize", vm.ToValue(8192), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	jsval.Methods(vm, m.ctor, m.statics())
	jsval.Methods(vm, m.proto, m.methods())
	jsval.Methods(vm, m.proto, m.numberMethods())

	state := vm.NewObject()
	for k, v := range map[string]goja.Value{"proto": m.proto, "u8": m.u8} {
		if err := state.DefineDataProperty(k, v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
			return fmt.Errorf("buffer: %w", err)
		}
	}
	g := vm.GlobalObject()
	if err := g.DefineDataPropertySymbol(stateKey, state, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	if err := g.DefineDataProperty("Buffer", m.ctor, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	return nil
}

// New returns a Buffer holding a copy of b in a VM where Install ran (a
// plain Uint8Array without it). Copying keeps scripts from writing into Go
// memory that outlives the invocation, such as a KeyValueStore snapshot.
func New(vm *goja.Runtime, b []byte) goja.Value {
	var proto, u8 *goja.Object
	if state, ok := vm.GlobalObject().GetSymbol(stateKey).(*goja.Object); ok {
		proto, _ = state.Get("proto").(*goja.Object)
		u8, _ = state.Get("u8").(*goja.Object)
	}
	if u8 == nil {
		u8, _ = vm.Get("Uint8Array").(*goja.Object)
	}
	obj, err := vm.New(u8, vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), b...))))
	if err != nil {
		panic(err)
	}
	if proto != nil {
		_ = obj.SetPrototype(proto) // a new typed array is extensible
	}
	return obj
}

// Bytes returns the bytes viewed by a Buffer, typed array, DataView or
// ArrayBuffer. The slice aliases the JavaScript memory: copy it to keep it.
func Bytes(v goja.Value) ([]byte, bool) {
	return jsval.Bytes(v)
}

// construct is Node's deprecated Buffer(arg[, encodingOrOffset[, length]]);
// the typed array methods also reach it through Symbol.species.
func (m *module) construct(call goja.ConstructorCall) *goja.Object {
	arg := jsval.ArgAt(call.Arguments, 0)
	if goja.IsNumber(arg) {
		if enc := jsval.ArgAt(call.Arguments, 1); goja.IsString(enc) {
			panic(m.errs.NodeType("ERR_INVALID_ARG_TYPE", `The "string" argument must be of type string.`+jsval.Received(arg)))
		}
		return m.allocZeroed(m.size(arg))
	}
	return m.from(arg, jsval.ArgAt(call.Arguments, 1), jsval.ArgAt(call.Arguments, 2))
}

// wrap returns a Buffer owning data.
func (m *module) wrap(data []byte) *goja.Object {
	return m.view(m.vm.ToValue(m.vm.NewArrayBuffer(data)), 0, len(data))
}

// view returns a Buffer over length bytes of the ArrayBuffer ab from offset.
func (m *module) view(ab goja.Value, offset, length int) *goja.Object {
	obj, err := m.vm.New(m.u8, ab, m.vm.ToValue(offset), m.vm.ToValue(length))
	if err != nil {
		panic(err)
	}
	_ = obj.SetPrototype(m.proto)
	return obj
}

// alloc checks n against the memory budget and returns n zeroed bytes.
func (m *module) alloc(n int) []byte {
	if n > m.maxAlloc {
		panic(m.errs.Range("memory limit exceeded"))
	}
	return make([]byte, n)
}

func (m *module) allocZeroed(n int) *goja.Object { return m.wrap(m.alloc(n)) }

// this returns the bytes of the receiver, which must be a Uint8Array.
func (m *module) this(call goja.FunctionCall) []byte {
	b, ok := uint8s(call.This)
	if !ok {
		panic(m.errs.NodeType("ERR_INVALID_ARG_TYPE", "argument must be a buffer"))
	}
	return b
}

// uint8s returns the bytes of v if it is a Uint8Array (so any Buffer).
func uint8s(v goja.Value) ([]byte, bool) {
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	b, ok := obj.Export().([]byte) // Uint8ClampedArray passes too: cheaper than asking
	return b, ok
}
