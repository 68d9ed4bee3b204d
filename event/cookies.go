package event

import "strings"

// ParseCookieHeader turns the values of a request's Cookie headers into
// request.cookies: "a=1; b=2" gives entries a and b, a repeated name gives one
// entry with multiValue. Pairs are split at the first '=' and trimmed of
// spaces and tabs; a pair without '=' is a name with an empty value; values
// keep any quotes. Empty pairs are skipped.
func ParseCookieHeader(values []string) Fields {
	pieces := 0
	for _, line := range values {
		pieces += strings.Count(line, ";") + 1
	}
	c := collect(pieces)
	for _, line := range values {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			if pair = trimOWS(pair); pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			c.add(trimOWS(name), Value{Value: trimOWS(value)})
		}
	}
	return c.fs
}

// ParseSetCookie turns a response's Set-Cookie lines into response.cookies:
// the cookie's name and value come from the text before the first ';',
// attributes is the rest of the line with surrounding whitespace trimmed
// (§2.6). Several lines for one name give one entry with multiValue. A line
// whose name and value are both empty is skipped.
func ParseSetCookie(lines []string) Fields {
	c := collect(len(lines))
	for _, line := range lines {
		pair, attrs, _ := strings.Cut(line, ";")
		name, value, _ := strings.Cut(pair, "=")
		name, value = trimOWS(name), trimOWS(value)
		if name == "" && value == "" {
			continue
		}
		c.add(name, Value{Value: value, Attributes: trimOWS(attrs)})
	}
	return c.fs
}

// CookieHeader renders r.Cookies as one Cookie header value, "a=1; b=2" (""
// when there are none). An entry contributes its multiValue when present, else
// its value; to apply §2.6 to a function's result, set Cookies to WriteBack of
// the event's and the returned cookies first. Occurrences of one name come out
// together, so an interleaving such as "a=1; b=2; a=3" is not preserved.
func (r *Request) CookieHeader() string {
	var b strings.Builder
	for i := range r.Cookies {
		for _, v := range occurrences(&r.Cookies[i]) {
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(r.Cookies[i].Name)
			b.WriteByte('=')
			b.WriteString(v.Value)
		}
	}
	return b.String()
}

// SetCookieLines renders r.Cookies as Set-Cookie header values, one per
// occurrence: "name=value", then "; " and the attributes when there are any.
// Occurrences are chosen as in Request.CookieHeader.
func (r *Response) SetCookieLines() []string {
	var lines []string
	for i := range r.Cookies {
		f := &r.Cookies[i]
		for _, v := range occurrences(f) {
			line := f.Name + "=" + v.Value
			if v.Attributes != "" {
				line += "; " + v.Attributes
			}
			lines = append(lines, line)
		}
	}
	return lines
}

// trimOWS trims HTTP optional whitespace (spaces and tabs). strings.Trim
// would build its set of characters on each of the calls, several per cookie.
func trimOWS(s string) string {
	for s != "" && isOWS(s[0]) {
		s = s[1:]
	}
	for s != "" && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }
