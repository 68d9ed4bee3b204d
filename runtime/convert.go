package runtime

import (
	"fmt"
	"math"
	"reflect"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/event"
)

// toJS builds the event object a handler receives, from Go-backed objects the
// realm reuses: a JSON round trip costs several times more, and building
// ordinary objects property by property was most of an invocation's cost.
func (r *realm) toJS(ev *event.Event) goja.Value {
	vm := r.vm
	version := ev.Version
	if version == "" {
		version = "1.0"
	}
	ctx := r.record(&r.contextRec, contextKeys, "")
	for i, v := range [...]string{ev.Context.DistributionDomainName, ev.Context.Endpoint, ev.Context.DistributionID, ev.Context.EventType, ev.Context.RequestID} {
		if v != "" {
			ctx.set(i, vm.ToValue(v))
		}
	}
	viewer := r.record(&r.viewerRec, viewerKeys, "")
	viewer.set(0, vm.ToValue(ev.Viewer.IP))

	req := r.record(&r.requestRec, requestKeys, "rawQueryString")
	req.set(0, vm.ToValue(ev.Request.Method))
	req.set(1, vm.ToValue(ev.Request.URI))
	req.set(2, r.fields(slotQuery, ev.Request.Querystring))
	req.set(3, r.fields(slotRequestHeaders, ev.Request.Headers))
	req.set(4, r.fields(slotRequestCookies, ev.Request.Cookies))
	req.set(5, r.rawQueryFn)

	e := r.record(&r.eventRec, eventKeys, "")
	e.set(0, vm.ToValue(version))
	e.set(1, r.contextRec.obj)
	e.set(2, r.viewerRec.obj)
	e.set(3, r.requestRec.obj)
	if resp := ev.Response; resp != nil {
		o := r.record(&r.responseRec, responseKeys, "")
		o.set(0, vm.ToValue(resp.StatusCode))
		if resp.StatusDescription != "" {
			o.set(1, vm.ToValue(resp.StatusDescription))
		}
		o.set(2, r.fields(slotResponseHeaders, resp.Headers))
		o.set(3, r.fields(slotResponseCookies, resp.Cookies))
		e.set(4, r.responseRec.obj)
	}
	return r.eventRec.obj
}

// rawQueryString is request.rawQueryString(): the query as received.
func (r *realm) rawQueryString(goja.FunctionCall) goja.Value {
	if r.inv == nil || !r.inv.ev.Request.HasQuery {
		return goja.Undefined()
	}
	return r.vm.ToValue(r.inv.ev.Request.RawQuery)
}

// fromJS reads what the handler returned. Only known properties are read,
// as CloudFront rebuilds the object (spec §2.9).
func (r *realm) fromJS(v goja.Value, ev *event.Event) (*event.Output, error) {
	obj, ok := v.(*goja.Object)
	if !ok || goja.IsNull(v) {
		return nil, &OutputError{Message: fmt.Sprintf("The function returned %s: a %s function must return the %s object", typeName(v), ev.Context.EventType, map[bool]string{true: "response", false: "request or a response"}[ev.Response != nil])}
	}
	if ev.Response != nil || isResponse(obj) {
		resp, err := r.responseFromJS(obj)
		if err != nil {
			return nil, err
		}
		return &event.Output{Response: resp}, nil
	}
	req, err := r.requestFromJS(obj)
	if err != nil {
		return nil, err
	}
	return &event.Output{Request: req}, nil
}

var (
	reflectInt64   = reflect.TypeOf(int64(0))
	reflectFloat64 = reflect.TypeOf(float64(0))
	reflectPromise = reflect.TypeOf((*goja.Promise)(nil))
)

// isResponse tells a generated response from a request: CloudFront's examples
// all key on a numeric statusCode (spec §1.6, open question §9.3).
func isResponse(o *goja.Object) bool {
	sc := o.Get("statusCode")
	if sc == nil {
		return false
	}
	switch sc.ExportType() {
	case reflectInt64, reflectFloat64:
		return true
	}
	return false
}

func typeName(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	return "a " + fmt.Sprintf("%T", v.Export())
}

func (r *realm) requestFromJS(o *goja.Object) (*event.Request, error) {
	req := &event.Request{}
	var err error
	if req.Method, err = r.stringProp(o, "method", "request"); err != nil {
		return nil, err
	}
	if req.URI, err = r.stringProp(o, "uri", "request"); err != nil {
		return nil, err
	}
	if qs := o.Get("querystring"); qs != nil {
		if s, ok := qs.Export().(string); ok {
			req.QuerystringString = &s
		} else if req.Querystring, err = r.fieldsFromJS(qs, "request.querystring", false); err != nil {
			return nil, err
		}
	}
	if req.Headers, err = r.fieldsFromJS(o.Get("headers"), "request.headers", false); err != nil {
		return nil, err
	}
	if req.Cookies, err = r.fieldsFromJS(o.Get("cookies"), "request.cookies", false); err != nil {
		return nil, err
	}
	return req, nil
}

func (r *realm) responseFromJS(o *goja.Object) (*event.Response, error) {
	resp := &event.Response{}
	sc := o.Get("statusCode")
	f, ok := numberOf(sc)
	if !ok || f != math.Trunc(f) {
		return nil, &OutputError{Message: "response.statusCode must be an integer"}
	}
	resp.StatusCode = int(f)
	if d := o.Get("statusDescription"); d != nil && !goja.IsUndefined(d) {
		resp.StatusDescription = d.String()
	}
	var err error
	if resp.Headers, err = r.fieldsFromJS(o.Get("headers"), "response.headers", false); err != nil {
		return nil, err
	}
	if resp.Cookies, err = r.fieldsFromJS(o.Get("cookies"), "response.cookies", true); err != nil {
		return nil, err
	}
	if b := o.Get("body"); b != nil && !goja.IsUndefined(b) && !goja.IsNull(b) {
		if bo, ok := b.(*goja.Object); ok {
			data, enc := bo.Get("data"), bo.Get("encoding")
			resp.Body = &event.Body{Encoding: event.EncodingText}
			if data != nil && !goja.IsUndefined(data) {
				resp.Body.Data = data.String()
			}
			if enc != nil && !goja.IsUndefined(enc) {
				resp.Body.Encoding = enc.String()
			}
		} else {
			resp.Body = &event.Body{Data: b.String(), Encoding: event.EncodingText}
		}
	}
	return resp, nil
}

func numberOf(v goja.Value) (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch n := v.Export().(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func (r *realm) stringProp(o *goja.Object, name, where string) (string, error) {
	v := o.Get(name)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return "", &OutputError{Message: fmt.Sprintf("%s.%s is missing", where, name)}
	}
	return v.String(), nil
}

// fieldsFromJS reads a headers/querystring/cookies object. Untouched entries of
// the event's own objects are copied without reading them back from JS.
func (r *realm) fieldsFromJS(v goja.Value, where string, cookie bool) (event.Fields, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, &OutputError{Message: where + " must be an object"}
	}
	if f := r.ownFields(obj); f != nil {
		if !f.edited && len(f.vals) == 0 {
			return f.orig, nil // untouched: CloudFront sees what came in
		}
		out := make(event.Fields, 0, len(f.orig)+2)
		j := 0 // untouched names keep their relative order: one pass over orig
		for _, name := range f.names() {
			if ev, touched := f.vals[name]; touched {
				fld, err := r.entryFromJS(name, ev, where, cookie)
				if err != nil {
					return nil, err
				}
				out = append(out, fld)
				continue
			}
			for j < len(f.orig) && f.orig[j].Name != name {
				j++
			}
			if j < len(f.orig) {
				out = append(out, f.orig[j])
			}
		}
		return out, nil
	}
	keys := obj.Keys()
	out := make(event.Fields, 0, len(keys))
	for _, name := range keys {
		fld, err := r.entryFromJS(name, obj.Get(name), where, cookie)
		if err != nil {
			return nil, err
		}
		out = append(out, fld)
	}
	return out, nil
}

func (r *realm) entryFromJS(name string, v goja.Value, where string, cookie bool) (event.Field, error) {
	fld := event.Field{Name: name}
	o, ok := v.(*goja.Object)
	if !ok {
		return fld, &OutputError{Message: fmt.Sprintf("%s.%s must be an object with a value", where, name)}
	}
	val := o.Get("value")
	if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
		if o.Get("multiValue") == nil {
			return fld, &OutputError{Message: fmt.Sprintf("%s.%s.value is missing", where, name)}
		}
	} else {
		fld.Value = val.String()
	}
	if cookie {
		if a := o.Get("attributes"); a != nil && !goja.IsUndefined(a) {
			fld.Attributes = a.String()
		}
	}
	if mv := o.Get("multiValue"); mv != nil && !goja.IsUndefined(mv) && !goja.IsNull(mv) {
		arr, ok := mv.(*goja.Object)
		if !ok {
			return fld, &OutputError{Message: fmt.Sprintf("%s.%s.multiValue must be an array", where, name)}
		}
		n := int(arr.Get("length").ToInteger())
		fld.MultiValue = make([]event.Value, 0, n)
		for i := 0; i < n; i++ {
			e, ok := arr.Get(fmt.Sprint(i)).(*goja.Object)
			if !ok {
				return fld, &OutputError{Message: fmt.Sprintf("%s.%s.multiValue[%d] must be an object with a value", where, name, i)}
			}
			item := event.Value{Value: stringOf(e.Get("value"))}
			if cookie {
				if a := e.Get("attributes"); a != nil && !goja.IsUndefined(a) {
					item.Attributes = a.String()
				}
			}
			fld.MultiValue = append(fld.MultiValue, item)
		}
		if fld.Value == "" && len(fld.MultiValue) > 0 && (val == nil || goja.IsUndefined(val)) {
			fld.Value = fld.MultiValue[0].Value
		}
	}
	return fld, nil
}

func stringOf(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}
