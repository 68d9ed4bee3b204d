package runtime

import "github.com/dop251/goja"

// record is a JS object with a fixed set of known properties (event, context,
// viewer, request, response), backed by Go. Like the fields objects it is
// reused by the next invocation of the realm, and the result is read back
// from it without property lookups. User code may still add, change and
// delete properties as on any object.
type record struct {
	vm     *goja.Runtime
	keys   []string     // known names, in enumeration order (at most 8)
	hidden string       // a known name that is not enumerable (a method)
	vals   []goja.Value // nil: absent, unless pending
	// strs[i] is known property i while bit i of pending is set: a string from
	// the event, made a JS value only when read (see setString).
	strs    []string
	pending uint8
	// last[i] is the JS string made last for known property i, reused when the
	// next invocation's string is the same (a method, a host): JS strings
	// are immutable, so sharing one between invocations shows nothing.
	last  []goja.Value
	extra map[string]goja.Value
	order []string // extra names in insertion order
}

var (
	eventKeys    = []string{"version", "context", "viewer", "request", "response"}
	contextKeys  = []string{"distributionDomainName", "endpoint", "distributionId", "eventType", "requestId"}
	viewerKeys   = []string{"ip"}
	requestKeys  = []string{"method", "uri", "querystring", "headers", "cookies", "rawQueryString"}
	responseKeys = []string{"statusCode", "statusDescription", "headers", "cookies", "body"}
	entryKeys    = []string{"value", "attributes", "multiValue"}
)

// Indexes of known properties in the lists above: Go code reads and writes
// them without looking names up.
const (
	evVersion = iota
	evContext
	evViewer
	evRequest
	evResponse
)

const (
	reqMethod = iota
	reqURI
	reqQuerystring
	reqHeaders
	reqCookies
	reqRawQueryString
)

const (
	respStatusCode = iota
	respStatusDescription
	respHeaders
	respCookies
	respBody
)

const (
	entValue = iota
	entAttributes
	entMultiValue
)

func newRecord(vm *goja.Runtime, keys []string, hidden string) *record {
	return &record{vm: vm, keys: keys, hidden: hidden, vals: make([]goja.Value, len(keys)), strs: make([]string, len(keys)), last: make([]goja.Value, len(keys))}
}

func (o *record) reset() {
	for i := range o.vals { // one loop: two clears cost two calls
		o.vals[i], o.strs[i] = nil, ""
	}
	o.pending = 0
	if len(o.extra) > 0 { // clearing an empty map still costs a call
		clear(o.extra)
	}
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
func (o *record) set(i int, v goja.Value) {
	o.vals[i] = v
	o.pending &^= 1 << i
}

// setString stores a known string property from Go. Making a JS string costs
// two allocations, and most functions read few of the event's strings: it is
// made when first read, and an unread one is read back as the Go string.
func (o *record) setString(i int, s string) {
	o.vals[i], o.strs[i] = nil, s
	o.pending |= 1 << i
}

// value returns known property i, nil when absent.
func (o *record) value(i int) goja.Value {
	if o.pending&(1<<i) != 0 {
		if l := o.last[i]; l == nil || l.String() != o.strs[i] {
			o.last[i] = o.vm.ToValue(o.strs[i])
		}
		o.vals[i] = o.last[i]
		o.pending &^= 1 << i
	}
	return o.vals[i]
}

func (o *record) present(i int) bool { return o.vals[i] != nil || o.pending&(1<<i) != 0 }

// goString returns known property i when it is a string set from Go and
// not read since; o may be nil.
func (o *record) goString(i int) (string, bool) {
	if o != nil && o.pending&(1<<i) != 0 {
		return o.strs[i], true
	}
	return "", false
}

// get returns known property i, or when i < 0 the added property k.
func (o *record) get(i int, k string) goja.Value {
	if i >= 0 {
		return o.value(i)
	}
	return o.extra[k]
}

func (o *record) Get(k string) goja.Value { return o.get(o.index(k), k) }

func (o *record) Set(k string, v goja.Value) bool {
	if i := o.index(k); i >= 0 {
		o.set(i, v)
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

func (o *record) Has(k string) bool {
	if i := o.index(k); i >= 0 {
		return o.present(i)
	}
	return o.extra[k] != nil
}

func (o *record) Delete(k string) bool {
	if i := o.index(k); i >= 0 {
		o.set(i, nil)
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
		if o.present(i) && n != o.hidden {
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

// own returns h's record when obj is its object, nil otherwise.
func (h *recordHolder) own(obj *goja.Object) *record {
	if h.obj == obj {
		return h.rec
	}
	return nil
}

func (r *realm) record(h *recordHolder, keys []string, hidden string) *record {
	if h.rec == nil {
		h.rec = newRecord(r.vm, keys, hidden)
		h.obj = r.vm.NewDynamicObject(h.rec)
	}
	h.rec.reset()
	r.restoreProto(h.obj)
	return h.rec
}

// restoreProto undoes a prototype that the previous invocation gave a reused
// object (a computed Object["setPrototypeOf"] gets past the gate).
func (r *realm) restoreProto(o *goja.Object) {
	if o.Prototype() != r.objectProto {
		_ = o.SetPrototype(r.objectProto)
	}
}
