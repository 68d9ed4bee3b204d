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
//
// The result may share storage with orig or out; do not modify it.
func WireValues(orig, out *Field) []Value {
	switch {
	case out == nil:
		return nil
	case out.MultiValue != nil && (orig == nil || orig.MultiValue == nil || !equalValues(out.MultiValue, orig.MultiValue)):
		return out.MultiValue
	case orig == nil:
		return []Value{{Value: out.Value, Attributes: out.Attributes}}
	}
	received := occurrences(orig)
	if out.Value == orig.Value && out.Attributes == orig.Attributes {
		return received
	}
	vals := make([]Value, 0, max(len(received), 1))
	vals = append(vals, Value{Value: out.Value, Attributes: out.Attributes})
	if len(received) > 1 {
		vals = append(vals, received[1:]...)
	}
	return vals
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

// fieldsChanged reports whether out puts anything different on the wire from
// orig: other names, another order, or other occurrences.
func fieldsChanged(orig, out Fields) bool {
	if len(orig) != len(out) {
		return true
	}
	for i := range out {
		if out[i].Name != orig[i].Name || !equalValues(WireValues(&orig[i], &out[i]), occurrences(&orig[i])) {
			return true
		}
	}
	return false
}
