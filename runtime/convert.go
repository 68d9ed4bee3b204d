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
	version := ev.Version
	if version == "" {
		version = "1.0"
	}
	ctx := r.record(&r.contextRec, contextKeys, "")
	for i, v := range [...]string{ev.Context.DistributionDomainName, ev.Context.Endpoint, ev.Context.DistributionID, ev.Context.EventType, ev.Context.RequestID} {
		if v != "" {
			ctx.setString(i, v)
		}
	}
	viewer := r.record(&r.viewerRec, viewerKeys, "")
	viewer.setString(0, ev.Viewer.IP)

	req := r.record(&r.requestRec, requestKeys, "rawQueryString")
	req.setString(reqMethod, ev.Request.Method)
	req.setString(reqURI, ev.Request.URI)
	req.set(reqQuerystring, r.fields(slotQuery, ev.Request.Querystring))
	req.set(reqHeaders, r.fields(slotRequestHeaders, ev.Request.Headers))
	req.set(reqCookies, r.fields(slotRequestCookies, ev.Request.Cookies))
	req.set(reqRawQueryString, r.rawQueryFn)

	e := r.record(&r.eventRec, eventKeys, "")
	e.setString(evVersion, version)
	e.set(evContext, r.contextRec.obj)
	e.set(evViewer, r.viewerRec.obj)
	e.set(evRequest, r.requestRec.obj)
	if resp := ev.Response; resp != nil {
		o := r.record(&r.responseRec, responseKeys, "")
		o.set(respStatusCode, r.vm.ToValue(resp.StatusCode))
		if resp.StatusDescription != "" {
			o.setString(respStatusDescription, resp.StatusDescription)
		}
		o.set(respHeaders, r.fields(slotResponseHeaders, resp.Headers))
		o.set(respCookies, r.fields(slotResponseCookies, resp.Cookies))
		e.set(evResponse, r.responseRec.obj)
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
func (r *realm) fromJS(v goja.Value, ev *event.Event, dst *outcome) (*event.Output, error) {
	obj, ok := v.(*goja.Object)
	if !ok || goja.IsNull(v) {
		return nil, &OutputError{Message: fmt.Sprintf("The function returned %s: a %s function must return the %s object", typeName(v), ev.Context.EventType, map[bool]string{true: "response", false: "request or a response"}[ev.Response != nil])}
	}
	if ev.Response != nil || r.isResponse(obj) {
		if err := r.responseFromJS(obj, &dst.resp); err != nil {
			return nil, err
		}
		dst.out.Response = &dst.resp
		return &dst.out, nil
	}
	if err := r.requestFromJS(obj, &dst.req); err != nil {
		return nil, err
	}
	dst.out.Request = &dst.req
	return &dst.out, nil
}

var (
	reflectInt64   = reflect.TypeOf(int64(0))
	reflectFloat64 = reflect.TypeOf(float64(0))
	reflectPromise = reflect.TypeOf((*goja.Promise)(nil))
)

// isResponse tells a generated response from a request: CloudFront's examples
// all key on a numeric statusCode (spec §1.6, open question §9.3).
func (r *realm) isResponse(o *goja.Object) bool {
	sc := r.prop(o, r.requestRec.own(o), -1, "statusCode")
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

func (r *realm) requestFromJS(o *goja.Object, req *event.Request) error {
	rec := r.requestRec.own(o)
	var err error
	if req.Method, err = r.stringProp(o, rec, reqMethod, "method", "request"); err != nil {
		return err
	}
	if req.URI, err = r.stringProp(o, rec, reqURI, "uri", "request"); err != nil {
		return err
	}
	if qs := r.prop(o, rec, reqQuerystring, "querystring"); qs != nil {
		if own, ok := qs.(*goja.Object); ok && r.ownFields(own) != nil {
			// The event's own object: Export would allocate to tell it from a string.
			req.Querystring, err = r.fieldsFromJS(qs, "request.querystring", false)
			if err != nil {
				return err
			}
		} else if s, ok := qs.Export().(string); ok {
			req.QuerystringString = &s
		} else if req.Querystring, err = r.fieldsFromJS(qs, "request.querystring", false); err != nil {
			return err
		}
	}
	if req.Headers, err = r.fieldsFromJS(r.prop(o, rec, reqHeaders, "headers"), "request.headers", false); err != nil {
		return err
	}
	if req.Cookies, err = r.fieldsFromJS(r.prop(o, rec, reqCookies, "cookies"), "request.cookies", false); err != nil {
		return err
	}
	return nil
}

func (r *realm) responseFromJS(o *goja.Object, resp *event.Response) error {
	rec := r.responseRec.own(o)
	sc := r.prop(o, rec, respStatusCode, "statusCode")
	f, ok := numberOf(sc)
	if !ok || f != math.Trunc(f) {
		return &OutputError{Message: "response.statusCode must be an integer"}
	}
	resp.StatusCode = int(f)
	if s, ok := rec.goString(respStatusDescription); ok {
		resp.StatusDescription = s
	} else if d := r.prop(o, rec, respStatusDescription, "statusDescription"); d != nil && !goja.IsUndefined(d) {
		resp.StatusDescription = d.String()
	}
	var err error
	if resp.Headers, err = r.fieldsFromJS(r.prop(o, rec, respHeaders, "headers"), "response.headers", false); err != nil {
		return err
	}
	if resp.Cookies, err = r.fieldsFromJS(r.prop(o, rec, respCookies, "cookies"), "response.cookies", true); err != nil {
		return err
	}
	if b := r.prop(o, rec, respBody, "body"); b != nil && !goja.IsUndefined(b) && !goja.IsNull(b) {
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
	return nil
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

// prop reads o[name]. rec is the record behind o, or nil; i is name's index
// in its known properties, -1 for another name. A property the record holds
// is read without goja's generic lookup, and so is an absent one while o's
// prototype is the sealed realm's Object.prototype, which is frozen and has
// none of the event's names. Otherwise the prototype chain decides.
func (r *realm) prop(o *goja.Object, rec *record, i int, name string) goja.Value {
	if rec != nil {
		if v := rec.get(i, name); v != nil || (r.sealed && o.Prototype() == r.objectProto) {
			return v
		}
	}
	return o.Get(name)
}

func (r *realm) stringProp(o *goja.Object, rec *record, i int, name, where string) (string, error) {
	if s, ok := rec.goString(i); ok {
		return s, nil
	}
	v := r.prop(o, rec, i, name)
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
		if !f.deleted {
			return r.appendedFromJS(f, where, cookie)
		}
		names := f.names()
		out := make(event.Fields, 0, len(names))
		j := 0 // untouched names keep their relative order: one pass over orig
		for _, name := range names {
			k := j
			for k < len(f.orig) && f.orig[k].Name != name {
				k++
			}
			if k < len(f.orig) && !f.maybeTouched(k) {
				out = append(out, f.orig[k])
				j = k + 1
				continue
			}
			if fld, ok, err := r.touchedFromJS(f, name, where, cookie); err != nil {
				return nil, err
			} else if ok {
				out = append(out, fld)
			} else if k < len(f.orig) {
				out = append(out, f.orig[k])
				j = k + 1
			}
		}
		return out, nil
	}
	keys := obj.Keys()
	out := make(event.Fields, 0, len(keys))
	for _, name := range keys {
		fld, err := r.entryFromJS(name, obj.Get(name), nil, where, cookie)
		if err != nil {
			return nil, err
		}
		out = append(out, fld)
	}
	return out, nil
}

// appendedFromJS reads fields object f whose names are orig's followed by
// those the function added (names are unique): orig is copied in one go, and
// only the entries the function may have touched are read back.
func (r *realm) appendedFromJS(f *fieldsObject, where string, cookie bool) (event.Fields, error) {
	var added []string
	if f.edited {
		added = f.order[len(f.orig):]
	}
	out := make(event.Fields, len(f.orig), len(f.orig)+len(added))
	copy(out, f.orig)
	for k := range out {
		if !f.maybeTouched(k) {
			continue
		}
		fld, ok, err := r.touchedFromJS(f, out[k].Name, where, cookie)
		if err != nil {
			return nil, err
		}
		if ok {
			out[k] = fld
		}
	}
	for _, name := range added {
		fld, ok, err := r.touchedFromJS(f, name, where, cookie)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, fld)
		}
	}
	return out, nil
}

// touchedFromJS reads back entry name of f if the function touched it; ok is
// false when it did not (the entry is as received).
func (r *realm) touchedFromJS(f *fieldsObject, name, where string, cookie bool) (fld event.Field, ok bool, err error) {
	t := f.touched(name)
	if t < 0 {
		return event.Field{}, false, nil
	}
	e := &f.vals[t]
	fld, err = r.entryFromJS(name, e.v, e.rec, where, cookie)
	return fld, err == nil, err
}

// entryFromJS reads an entry; rec is the realm's record behind v, or nil.
func (r *realm) entryFromJS(name string, v goja.Value, rec *record, where string, cookie bool) (event.Field, error) {
	fld := event.Field{Name: name}
	o, ok := v.(*goja.Object)
	if !ok {
		return fld, &OutputError{Message: fmt.Sprintf("%s.%s must be an object with a value", where, name)}
	}
	var val goja.Value
	s, unread := rec.goString(entValue)
	if !unread {
		val = r.prop(o, rec, entValue, "value")
	}
	switch {
	case unread:
		fld.Value = s
	case val == nil || goja.IsUndefined(val) || goja.IsNull(val):
		if r.prop(o, rec, entMultiValue, "multiValue") == nil {
			return fld, &OutputError{Message: fmt.Sprintf("%s.%s.value is missing", where, name)}
		}
	default:
		fld.Value = val.String()
	}
	if cookie {
		if s, ok := rec.goString(entAttributes); ok {
			fld.Attributes = s
		} else if a := r.prop(o, rec, entAttributes, "attributes"); a != nil && !goja.IsUndefined(a) {
			fld.Attributes = a.String()
		}
	}
	if mv := r.prop(o, rec, entMultiValue, "multiValue"); mv != nil && !goja.IsUndefined(mv) && !goja.IsNull(mv) {
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
		if fld.Value == "" && len(fld.MultiValue) > 0 && !unread && (val == nil || goja.IsUndefined(val)) {
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
