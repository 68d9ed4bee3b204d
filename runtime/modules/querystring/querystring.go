// Package querystring implements the querystring module of both CloudFront
// runtimes (../../../../shared/spec/runtime.md §3.2) with Node.js's
// semantics: parse/decode, stringify/encode, escape and unescape.
package querystring

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// module holds one VM's exports; escape and unescape are kept to recognise
// them when passed back as the custom coder options.
type module struct {
	vm       *goja.Runtime
	errs     *jsval.Errors
	uriError *goja.Object // URIError, captured before user code runs
	escape   *goja.Object
	unescape *goja.Object
}

// New returns the exports of the querystring module for vm.
func New(vm *goja.Runtime) *goja.Object {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		panic(fmt.Errorf("querystring: %w", err)) // only a VM without Error constructors gets here
	}
	m := &module{vm: vm, errs: errs}
	m.uriError, _ = vm.Get("URIError").(*goja.Object)
	m.escape = jsval.Func(vm, "qsEscape", 1, m.escapeFn)
	m.unescape = jsval.Func(vm, "qsUnescape", 2, m.unescapeFn)
	parse := jsval.Func(vm, "parse", 4, m.parse)
	stringify := jsval.Func(vm, "stringify", 4, m.stringify)
	exports := vm.NewObject()
	for _, p := range []struct {
		name string
		fn   *goja.Object
	}{{"parse", parse}, {"decode", parse}, {"stringify", stringify}, {"encode", stringify}, {"escape", m.escape}, {"unescape", m.unescape}} {
		_ = exports.Set(p.name, p.fn)
	}
	return exports
}

func (m *module) escapeFn(call goja.FunctionCall) goja.Value {
	s, err := escape(jsval.Arg(call, 0))
	if err != nil {
		panic(m.malformed())
	}
	return s
}

func (m *module) unescapeFn(call goja.FunctionCall) goja.Value {
	return unescape(codec.String(jsval.Arg(call, 0)), jsval.Arg(call, 1).ToBoolean())
}

// malformed is what Node throws for a lone surrogate: a URIError with code
// ERR_INVALID_URI.
func (m *module) malformed() *goja.Object {
	if m.uriError == nil {
		return m.errs.Type("URI malformed")
	}
	obj, err := m.vm.New(m.uriError, m.vm.ToValue("URI malformed"))
	if err != nil {
		panic(err)
	}
	_ = obj.Set("code", "ERR_INVALID_URI")
	return obj
}

// option reads an option when opts is an object.
func option(opts goja.Value, name string) goja.Value {
	if obj, ok := opts.(*goja.Object); ok {
		return jsval.Get(obj, name)
	}
	return goja.Undefined()
}
