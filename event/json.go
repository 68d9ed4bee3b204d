package event

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// JSON renders the output as TestFunction's FunctionOutput (§2.9): exactly
// {"request":{...}} or {"response":{...}}.
//
// AWS emits keys in engine hash order, so consumers compare semantically; this
// renders a fixed order instead, the one of AWS's published samples:
//
//	request:  headers, method, querystring, uri, cookies
//	response: headers, statusDescription, cookies, statusCode, body
//	entry:    value, attributes (response cookies), multiValue
//	body:     encoding, data
//
// Collections are {} when empty, querystring is a JSON string when the
// function assigned one, statusDescription and attributes are left out when
// empty, body when the function did not set it. Entries and collections keep
// their order.
func (o *Output) JSON() ([]byte, error) {
	b := make([]byte, 0, 1024)
	switch {
	case o.Request != nil && o.Response == nil:
		b = append(b, `{"request":`...)
		b = appendOutputRequest(b, o.Request)
	case o.Response != nil && o.Request == nil:
		b = append(b, `{"response":`...)
		b = appendOutputResponse(b, o.Response)
	default:
		return nil, errors.New("function output must hold exactly one of a request and a response")
	}
	return append(b, '}'), nil
}

// JSON renders the event as a TestFunction EventObject (§2), the form ParseJSON
// reads: version, context (non-empty fields only), viewer, request (method,
// uri, querystring, headers, cookies) and, for viewer-response, response
// (statusCode, statusDescription, headers, cookies). Response.Body is left out:
// a function never sees the original body.
func (e *Event) JSON() ([]byte, error) {
	switch e.Context.EventType {
	case ViewerRequest, "":
	case ViewerResponse:
		if e.Response == nil {
			return nil, errors.New("viewer-response event without a response")
		}
	default:
		return nil, fmt.Errorf("unknown event type %q", e.Context.EventType)
	}
	b := make([]byte, 0, 1024)
	b = append(b, `{"version":`...)
	b = appendString(b, e.Version)
	b = append(b, `,"context":{`...)
	n := len(b)
	for _, kv := range [...]struct{ key, value string }{
		{"distributionDomainName", e.Context.DistributionDomainName},
		{"endpoint", e.Context.Endpoint},
		{"distributionId", e.Context.DistributionID},
		{"eventType", e.Context.EventType},
		{"requestId", e.Context.RequestID},
	} {
		if kv.value == "" {
			continue
		}
		if len(b) > n {
			b = append(b, ',')
		}
		b = appendString(b, kv.key)
		b = append(b, ':')
		b = appendString(b, kv.value)
	}
	b = append(b, `},"viewer":{`...)
	if e.Viewer.IP != "" {
		b = append(b, `"ip":`...)
		b = appendString(b, e.Viewer.IP)
	}
	b = append(b, `},"request":{"method":`...)
	b = appendString(b, e.Request.Method)
	b = append(b, `,"uri":`...)
	b = appendString(b, e.Request.URI)
	b = append(b, `,"querystring":`...)
	b = appendQuerystring(b, &e.Request)
	b = append(b, `,"headers":`...)
	b = appendFields(b, e.Request.Headers, false)
	b = append(b, `,"cookies":`...)
	b = appendFields(b, e.Request.Cookies, false)
	b = append(b, '}')
	if e.Context.EventType == ViewerResponse {
		b = append(b, `,"response":{"statusCode":`...)
		b = strconv.AppendInt(b, int64(e.Response.StatusCode), 10)
		b = append(b, `,"statusDescription":`...)
		b = appendString(b, e.Response.StatusDescription)
		b = append(b, `,"headers":`...)
		b = appendFields(b, e.Response.Headers, false)
		b = append(b, `,"cookies":`...)
		b = appendFields(b, e.Response.Cookies, true)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendOutputRequest(b []byte, r *Request) []byte {
	b = append(b, `{"headers":`...)
	b = appendFields(b, r.Headers, false)
	b = append(b, `,"method":`...)
	b = appendString(b, r.Method)
	b = append(b, `,"querystring":`...)
	b = appendQuerystring(b, r)
	b = append(b, `,"uri":`...)
	b = appendString(b, r.URI)
	b = append(b, `,"cookies":`...)
	b = appendFields(b, r.Cookies, false)
	return append(b, '}')
}

func appendOutputResponse(b []byte, r *Response) []byte {
	b = append(b, `{"headers":`...)
	b = appendFields(b, r.Headers, false)
	if r.StatusDescription != "" {
		b = append(b, `,"statusDescription":`...)
		b = appendString(b, r.StatusDescription)
	}
	b = append(b, `,"cookies":`...)
	b = appendFields(b, r.Cookies, true)
	b = append(b, `,"statusCode":`...)
	b = strconv.AppendInt(b, int64(r.StatusCode), 10)
	if r.Body != nil {
		b = append(b, `,"body":{"encoding":`...)
		b = appendString(b, r.Body.Encoding)
		b = append(b, `,"data":`...)
		b = appendString(b, r.Body.Data)
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendQuerystring(b []byte, r *Request) []byte {
	if r.QuerystringString != nil {
		return appendString(b, *r.QuerystringString)
	}
	return appendFields(b, r.Querystring, false)
}

// appendFields renders entries rebuilt from their known properties only, so
// whatever else a function hung on them does not appear (§2.9).
func appendFields(b []byte, fs Fields, attributes bool) []byte {
	b = append(b, '{')
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, ":{"...)
		b = appendValue(b, Value{Value: f.Value, Attributes: f.Attributes}, attributes)
		if f.MultiValue != nil {
			b = append(b, `,"multiValue":[`...)
			for j, v := range f.MultiValue {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, '{')
				b = appendValue(b, v, attributes)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendValue writes the members "value" and, when wanted and non-empty,
// "attributes" of an entry or multiValue item.
func appendValue(b []byte, v Value, attributes bool) []byte {
	b = append(b, `"value":`...)
	b = appendString(b, v.Value)
	if attributes && v.Attributes != "" {
		b = append(b, `,"attributes":`...)
		b = appendString(b, v.Attributes)
	}
	return b
}

// appendString writes s as a JSON string the way JSON.stringify does: only
// '"', '\\' and control characters are escaped (not '<', '>', '&', U+2028 or
// U+2029, which encoding/json would), and invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
