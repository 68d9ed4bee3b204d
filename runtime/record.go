package runtime

import "github.com/dop251/goja"

// record is a JS object with a fixed set of known properties (event, context,
// viewer, request, response), backed by Go. Like the fields objects it is
// reused by the next invocation of the realm, and the result is read back
// from it without property lookups. User code may still add, change and
// delete properties as on any object.
type record struct {
	keys   []string     // known names, in enumeration order
	hidden string       // a known name that is not enumerable (a method)
	vals   []goja.Value // nil: absent
	extra  map[string]goja.Value
	order  []string // extra names in insertion order
}

var (
	eventKeys    = []string{"version", "context", "viewer", "request", "response"}
	contextKeys  = []string{"distributionDomainName", "endpoint", "distributionId", "eventType", "requestId"}
	viewerKeys   = []string{"ip"}
	requestKeys  = []string{"method", "uri", "querystring", "headers", "cookies", "rawQueryString"}
	responseKeys = []string{"statusCode", "statusDescription", "headers", "cookies", "body"}
	entryKeys    = []string{"value", "attributes", "multiValue"}
)

func newRecord(keys []string, hidden string) *record {
	return &record{keys: keys, hidden: hidden, vals: make([]goja.Value, len(keys))}
}

func (o *record) reset() {
	clear(o.vals)
	clear(o.extra)
	o.order = o.order[:0]
}

func (o *record) index(k string) int {
	for i, n := range o.keys {
		if n == k {
			return i
		}
	}
	return -1
}

// set stores a known property from Go; i indexes keys.
func (o *record) set(i int, v goja.Value) { o.vals[i] = v }

func (o *record) Get(k string) goja.Value {
	if i := o.index(k); i >= 0 {
		return o.vals[i]
	}
	return o.extra[k]
}

func (o *record) Set(k string, v goja.Value) bool {
	if i := o.index(k); i >= 0 {
		o.vals[i] = v
		return true
	}
	if o.extra == nil {
		o.extra = make(map[string]goja.Value, 2)
	}
	if _, ok := o.extra[k]; !ok {
		o.order = append(o.order, k)
	}
	o.extra[k] = v
	return true
}

func (o *record) Has(k string) bool { return o.Get(k) != nil }

func (o *record) Delete(k string) bool {
	if i := o.index(k); i >= 0 {
		o.vals[i] = nil
		return true
	}
	if _, ok := o.extra[k]; ok {
		delete(o.extra, k)
		for i, n := range o.order {
			if n == k {
				o.order = append(o.order[:i], o.order[i+1:]...)
				break
			}
		}
	}
	return true
}

func (o *record) Keys() []string {
	out := make([]string, 0, len(o.keys)+len(o.order))
	for i, n := range o.keys {
		if o.vals[i] != nil && n != o.hidden {
			out = append(out, n)
		}
	}
	return append(out, o.order...)
}

// recordHolder is a realm's reusable record and its JS object.
type recordHolder struct {
	rec *record
	obj *goja.Object
}

func (r *realm) record(h *recordHolder, keys []string, hidden string) *record {
	if h.rec == nil {
		h.rec = newRecord(keys, hidden)
		h.obj = r.vm.NewDynamicObject(h.rec)
	}
	h.rec.reset()
	return h.rec
}
