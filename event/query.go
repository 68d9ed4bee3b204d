package event

import "strings"

// ParseQuery splits a raw query string (the part after '?') into entries, in
// order, folding repeated names into multiValue.
//
// Names and values keep the viewer's spelling: percent-escapes stay escaped and
// '+' stays '+'. CloudFront hands functions the query undecoded and forwards
// whatever they leave without re-encoding it (AWS's normalize-query-string
// example joins values with no encoding step; third-party emulators were fixed
// to match production), so decoding here would make functions see, and send,
// spellings the edge never produces. Empty pieces ("a=1&&b=2") are skipped; a
// piece without '=' is a name with an empty value.
func ParseQuery(raw string) Fields {
	c := collect(strings.Count(raw, "&") + 1)
	for raw != "" {
		var piece string
		piece, raw, _ = strings.Cut(raw, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		c.add(name, Value{Value: value})
	}
	return c.fs
}

// EncodeQuery joins entries into a query string (without '?'), every
// occurrence as name=value, names and values verbatim (see ParseQuery). An
// entry contributes its multiValue when present, else its value: pass a
// function's result through WriteBack first so §2.6 decides the occurrences.
func EncodeQuery(fs Fields) string {
	var b strings.Builder
	for i := range fs {
		for _, v := range occurrences(&fs[i]) {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(fs[i].Name)
			b.WriteByte('=')
			b.WriteString(v.Value)
		}
	}
	return b.String()
}

// WireQuery returns the query string the edge sends after the path of out, a
// request a viewer-request function returned for the event request orig, and
// whether there is one at all (has reports the '?'). A query the function left
// alone is orig's raw query, byte for byte (§2.6); a changed one is the string
// the function assigned, or its entries after WriteBack and EncodeQuery.
func WireQuery(orig, out *Request) (query string, has bool) {
	q, changed := rebuiltQuery(orig, out)
	if !changed {
		return orig.RawQuery, orig.HasQuery
	}
	return q, q != ""
}

// rebuiltQuery returns out's query as the function left it, and whether it
// differs from orig's.
func rebuiltQuery(orig, out *Request) (string, bool) {
	switch {
	case out.QuerystringString != nil:
		return *out.QuerystringString, true
	case !FieldsChanged(orig.Querystring, out.Querystring):
		return "", false
	}
	return EncodeQuery(WriteBack(orig.Querystring, out.Querystring)), true
}
