package runtime

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime/modules/buffer"
	"github.com/edgefn/edgefn/runtime/modules/cwt"
)

// OriginChange records an origin-modification helper a viewer-request
// function called; the edge applies it, TestFunction only reports it
// (spec §3.6.2). Params is the helper's argument as plain Go values.
type OriginChange struct {
	// Method is updateRequestOrigin, selectRequestOriginById or
	// createRequestOriginGroup.
	Method   string
	OriginID string         // selectRequestOriginById
	Params   map[string]any // the props / options / group argument
}

const customLogLimit = 800

// isoMillis is the form CloudFront documents for meta() dates (2023-11-30T23:07:55.765Z).
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

// cloudfrontModule builds require('cloudfront') for a realm. Its functions
// read the running invocation, so one frozen module serves every run.
func (r *realm) cloudfrontModule() *goja.Object {
	vm := r.vm
	m := vm.NewObject()
	_ = m.Set("kvs", r.kvs)
	_ = m.Set("updateRequestOrigin", r.originHelper("updateRequestOrigin"))
	_ = m.Set("selectRequestOriginById", r.originHelper("selectRequestOriginById"))
	_ = m.Set("createRequestOriginGroup", r.originHelper("createRequestOriginGroup"))
	_ = m.Set("logCustomData", r.logCustomData)
	_ = m.Set("cwt", cwt.New(vm))
	_ = m.DefineAccessorProperty("edgeLocation", vm.ToValue(r.edgeLocation), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)

	h := vm.NewObject()
	_ = h.Set("get", r.kvsGet)
	_ = h.Set("exists", r.kvsExists)
	_ = h.Set("meta", r.kvsMeta)
	r.kvsHandle = h
	// A default export object, so `import cf from 'cloudfront'` and
	// `require('cloudfront')` see the same thing.
	_ = m.Set("default", m)
	return m
}

func (r *realm) throw(name, format string, args ...any) {
	ctor, _ := goja.AssertConstructor(r.vm.Get(name))
	e, err := ctor(nil, r.vm.ToValue(fmt.Sprintf(format, args...)))
	if err != nil {
		panic(r.vm.NewGoError(err))
	}
	panic(e)
}

// kvs returns the handle of the associated store; the id, when given, must be
// that store's id (spec §3.6.1).
func (r *realm) kvs(call goja.FunctionCall) goja.Value {
	inv := r.inv
	if inv == nil || inv.kvs == nil {
		r.throw("Error", "KVSNamespaceNotFound: no key value store is associated with this function")
	}
	// An empty ID() matches any id: `edgefn test --kvs` plays whatever store the code names.
	if id := call.Argument(0); !goja.IsUndefined(id) && inv.kvs.ID() != "" && id.String() != inv.kvs.ID() {
		r.throw("Error", "KVSNamespaceNotFound: key value store %q is not associated with this function", id.String())
	}
	return r.kvsHandle
}

func (r *realm) store() KeyValueStore {
	if r.inv == nil || r.inv.kvs == nil {
		r.throw("Error", "KVSNamespaceNotFound: no key value store is associated with this function")
	}
	return r.inv.kvs
}

// settle returns a promise already resolved or rejected: the data is in memory,
// and the job queue runs before the handler's result is read.
func (r *realm) settle(v any, rejectWith error) goja.Value {
	p, resolve, reject := r.vm.NewPromise()
	if rejectWith != nil {
		_ = reject(r.errorValue(rejectWith))
	} else {
		_ = resolve(v)
	}
	return r.vm.ToValue(p)
}

func (r *realm) errorValue(err error) goja.Value {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return ex.Value()
	}
	ctor, _ := goja.AssertConstructor(r.vm.Get("Error"))
	e, _ := ctor(nil, r.vm.ToValue(err.Error()))
	return e
}

func (r *realm) kvsGet(call goja.FunctionCall) goja.Value {
	s := r.store()
	key := call.Argument(0).String()
	format := "string"
	if opts, ok := call.Argument(1).(*goja.Object); ok {
		if f := opts.Get("format"); f != nil && !goja.IsUndefined(f) {
			format = f.String()
		}
	}
	if format != "string" && format != "json" && format != "bytes" {
		return r.settle(nil, fmt.Errorf("Invalid format %q: use string, json or bytes", format))
	}
	val, ok, err := s.Get(r.inv.ctx, key)
	switch {
	case err != nil:
		return r.settle(nil, fmt.Errorf("KVS read failed: %w", err))
	case !ok:
		return r.settle(nil, fmt.Errorf("KeyNotFound: key %q does not exist", key))
	}
	switch format {
	case "json":
		v, err := r.jsonParse(goja.Undefined(), r.vm.ToValue(val))
		if err != nil {
			return r.settle(nil, err)
		}
		return r.settle(v, nil)
	case "bytes":
		return r.settle(buffer.New(r.vm, []byte(val)), nil)
	}
	return r.settle(val, nil)
}

func (r *realm) kvsExists(call goja.FunctionCall) goja.Value {
	s := r.store()
	_, ok, err := s.Get(r.inv.ctx, call.Argument(0).String())
	if err != nil {
		return r.settle(nil, fmt.Errorf("KVS read failed: %w", err))
	}
	return r.settle(ok, nil)
}

func (r *realm) kvsMeta(goja.FunctionCall) goja.Value {
	m, err := r.store().Meta(r.inv.ctx)
	if err != nil {
		return r.settle(nil, fmt.Errorf("KVS read failed: %w", err))
	}
	o := r.vm.NewObject()
	_ = o.Set("creationDateTime", m.Created.UTC().Format(isoMillis))
	_ = o.Set("lastUpdatedDateTime", m.LastUpdated.UTC().Format(isoMillis))
	_ = o.Set("keyCount", m.KeyCount)
	return r.settle(o, nil)
}

// originHelper records the call; CloudFront allows these in viewer-request only.
func (r *realm) originHelper(method string) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		inv := r.inv
		if inv == nil || inv.ev == nil || inv.ev.Response != nil {
			r.throw("Error", "%s() is only available in viewer-request functions", method)
		}
		ch := &OriginChange{Method: method}
		arg := call.Argument(0)
		if method == "selectRequestOriginById" {
			if _, ok := arg.Export().(string); !ok {
				r.throw("TypeError", "%s() needs an origin id string", method)
			}
			ch.OriginID = arg.String()
			arg = call.Argument(1)
		}
		if o, ok := arg.(*goja.Object); ok {
			params, ok := o.Export().(map[string]any)
			if !ok {
				r.throw("TypeError", "%s() needs an object argument", method)
			}
			ch.Params = params
		} else if !goja.IsUndefined(arg) || method != "selectRequestOriginById" {
			r.throw("TypeError", "%s() needs an object argument", method)
		}
		inv.origin = ch
		return goja.Undefined()
	}
}

func (r *realm) logCustomData(call goja.FunctionCall) goja.Value {
	if r.inv == nil {
		return goja.Undefined()
	}
	s := call.Argument(0).String()
	if len(s) > customLogLimit {
		s = s[:customLogLimit]
	}
	r.inv.customLog = s
	return goja.Undefined()
}

// edgeLocation is populated in viewer-request and empty in viewer-response.
func (r *realm) edgeLocation(goja.FunctionCall) goja.Value {
	o := r.vm.NewObject()
	if r.inv != nil && (r.inv.ev == nil || r.inv.ev.Context.EventType != event.ViewerResponse) {
		loc := r.e.opts.EdgeLocation
		_ = o.Set("name", loc.Name)
		_ = o.Set("serverIp", loc.ServerIP)
		_ = o.Set("region", loc.Region)
	}
	return o
}
