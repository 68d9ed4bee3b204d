package event

// WireValues applies the write-back rules of §2.6 to one entry and returns the
// occurrences it puts on the wire, in order. orig is the entry as the function
// received it (nil: the function added it); out is the entry as the function
// returned it (nil: the function deleted it, so nothing is sent).
//
//  1. A multiValue that exists and differs from the received one (or that the
//     received entry did not have) alone decides; value is ignored.
//  2. Otherwise a changed value (or, for response cookies, attributes)
//     replaces the first received occurrence and later duplicates are kept.
func WireValues(orig, out *Field) []Value { return AppendWireValues(nil, orig, out) }

// AppendWireValues appends the occurrences WireValues returns to dst and
// returns the extended slice: with room in dst (a caller's array), the usual
// entry of one or a few values costs no allocation.
func AppendWireValues(dst []Value, orig, out *Field) []Value {
	switch {
	case out == nil:
		return dst
	case out.MultiValue != nil && (orig == nil || orig.MultiValue == nil || !equalValues(out.MultiValue, orig.MultiValue)):
		return append(dst, out.MultiValue...)
	case orig == nil:
		return append(dst, Value{Value: out.Value, Attributes: out.Attributes})
	case out.Value == orig.Value && out.Attributes == orig.Attributes:
		return append(dst, occurrences(orig)...)
	}
	dst = append(dst, Value{Value: out.Value, Attributes: out.Attributes})
	if len(orig.MultiValue) > 1 {
		dst = append(dst, orig.MultiValue[1:]...)
	}
	return dst
}

// WriteBack applies WireValues to every entry of out, paired by name with the
// entry of orig, and returns the entries as the wire will carry them: value is
// the first occurrence, multiValue lists all of them when there are several,
// and entries left with no occurrence are dropped. Its result is what
// EncodeQuery, Request.CookieHeader and Response.SetCookieLines expect when a
// function's edits must follow §2.6.
func WriteBack(orig, out Fields) Fields {
	var res Fields
	for i := range out {
		o, _ := orig.Get(out[i].Name)
		vals := WireValues(o, &out[i])
		if len(vals) == 0 {
			continue
		}
		f := Field{Name: out[i].Name, Value: vals[0].Value, Attributes: vals[0].Attributes}
		if len(vals) > 1 {
			f.MultiValue = vals
		}
		res = append(res, f)
	}
	return res
}

// FieldsChanged reports whether out, entries a function returned for orig,
// puts anything different on the wire: other names, another order, or other
// occurrences.
func FieldsChanged(orig, out Fields) bool {
	if len(orig) != len(out) {
		return true
	}
	for i := range out {
		if out[i].Name != orig[i].Name || entryChanged(&orig[i], &out[i]) {
			return true
		}
	}
	return false
}

// entryChanged reports whether out puts other occurrences on the wire than
// orig, the entry it was returned for, received.
func entryChanged(orig, out *Field) bool {
	var wire [4]Value
	return !equalValues(AppendWireValues(wire[:0], orig, out), occurrences(orig))
}
