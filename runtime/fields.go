package runtime

import (
	"slices"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/event"
)

// fieldsObject backs request.headers, querystring and cookies (and the
// response's). Entries become JS objects only when the function touches them:
// most functions read a header or two out of dozens, and building every entry
// up front was the largest cost of an invocation.
type fieldsObject struct {
	r      *realm
	orig   event.Fields
	order  []string // current names, in order; nil: orig's, unchanged
	edited bool     // order has diverged from orig
	// deleted: a name was deleted since reset. Until one is, order (once
	// edited) is orig's names followed by those the function added.
	deleted bool
	vals    []entry // entries touched or set by the function (see touched)
	// maybe has bit i set once orig[i]'s name may be in vals (entries past 64
	// always may): read-back copies the others without looking them up.
	maybe  uint64
	cookie bool // response cookies: entries carry attributes
}

// fieldSlot is one of the event's five collections; its objects are reused
// from one invocation to the next, which is safe because nothing of an
// invocation is reachable after it (see Engine).
type fieldSlot int

const (
	slotQuery fieldSlot = iota
	slotRequestHeaders
	slotRequestCookies
	slotResponseHeaders
	slotResponseCookies
	slotCount
)

// entry is a touched entry; rec is the realm's record behind v when entryJS
// made it, so it is read back without goja's generic lookups.
type entry struct {
	name string
	v    goja.Value
	rec  *record
}

type fieldsHolder struct {
	f   *fieldsObject
	obj *goja.Object
}

func (r *realm) fields(slot fieldSlot, fs event.Fields) *goja.Object {
	h := &r.slots[slot]
	if h.f == nil {
		h.f = &fieldsObject{r: r, cookie: slot == slotResponseCookies}
		h.obj = r.vm.NewDynamicObject(h.f)
	}
	h.f.reset(fs)
	r.restoreProto(h.obj)
	return h.obj
}

// ownFields returns the fields object behind obj when it is one of this
// realm's; comparing pointers avoids Export, which copies plain objects.
func (r *realm) ownFields(obj *goja.Object) *fieldsObject {
	for i := range r.slots {
		if r.slots[i].obj == obj {
			return r.slots[i].f
		}
	}
	return nil
}

func (f *fieldsObject) reset(fs event.Fields) {
	f.orig, f.edited, f.deleted, f.order, f.maybe = fs, false, false, f.order[:0], 0
	clear(f.vals)
	f.vals = f.vals[:0]
}

// touched returns the index of key's entry in vals, or -1. A function
// touches few entries: a scan costs less than hashing, and than clearing a
// map per run.
func (f *fieldsObject) touched(key string) int {
	for i := range f.vals {
		if f.vals[i].name == key {
			return i
		}
	}
	return -1
}

// mark notes that key may be in vals and returns its index in orig, or -1.
func (f *fieldsObject) mark(key string) int {
	for i := range f.orig {
		if f.orig[i].Name == key {
			if i < 64 {
				f.maybe |= 1 << i
			}
			return i
		}
	}
	return -1
}

func (f *fieldsObject) maybeTouched(i int) bool { return i >= 64 || f.maybe&(1<<i) != 0 }

// names returns the current names; the first edit copies orig's.
func (f *fieldsObject) names() []string {
	if !f.edited {
		f.order = f.order[:0]
		for i := range f.orig {
			f.order = append(f.order, f.orig[i].Name)
		}
		f.edited = true
	}
	return f.order
}

func (f *fieldsObject) index(key string) int {
	if !f.edited {
		for i := range f.orig {
			if f.orig[i].Name == key {
				return i
			}
		}
		return -1
	}
	for i, n := range f.order {
		if n == key {
			return i
		}
	}
	return -1
}

func (f *fieldsObject) Get(key string) goja.Value {
	if i := f.touched(key); i >= 0 {
		return f.vals[i].v
	}
	if f.index(key) < 0 {
		return nil
	}
	i := f.mark(key)
	if i < 0 {
		return nil
	}
	v, rec := f.r.entryJS(&f.orig[i], f.cookie)
	f.vals = append(f.vals, entry{key, v, rec})
	return v
}

func (f *fieldsObject) Set(key string, val goja.Value) bool {
	if f.index(key) < 0 {
		f.order = append(f.names(), key)
	}
	f.mark(key)
	if i := f.touched(key); i >= 0 {
		f.vals[i] = entry{name: key, v: val}
	} else {
		f.vals = append(f.vals, entry{name: key, v: val})
	}
	return true
}

func (f *fieldsObject) Has(key string) bool { return f.index(key) >= 0 }

func (f *fieldsObject) Delete(key string) bool {
	if i := f.index(key); i >= 0 {
		names := f.names()
		f.order = append(names[:i], names[i+1:]...)
		f.deleted = true
		if j := f.touched(key); j >= 0 {
			f.vals = slices.Delete(f.vals, j, j+1)
		}
	}
	return true
}

func (f *fieldsObject) Keys() []string { return f.names() }

// entryJS materialises an entry as {value[, attributes][, multiValue]}. The
// objects come from a per-realm pool that every invocation starts over.
func (r *realm) entryJS(fld *event.Field, cookie bool) (*goja.Object, *record) {
	if r.nEntries == len(r.entries) {
		r.entries = append(r.entries, recordHolder{})
	}
	h := &r.entries[r.nEntries]
	r.nEntries++
	rec := r.record(h, entryKeys, "")
	rec.setString(entValue, fld.Value)
	if cookie {
		rec.setString(entAttributes, fld.Attributes)
	}
	o := h.obj
	if fld.MultiValue != nil {
		mv := make([]any, len(fld.MultiValue))
		for i, v := range fld.MultiValue {
			e := r.vm.NewObject()
			_ = e.Set("value", v.Value)
			if cookie {
				_ = e.Set("attributes", v.Attributes)
			}
			mv[i] = e
		}
		rec.set(entMultiValue, r.vm.NewArray(mv...))
	}
	return o, rec
}
