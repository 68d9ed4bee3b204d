package event

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func requestEvent() *Event {
	return &Event{
		Version: "1.0",
		Context: Context{EventType: ViewerRequest},
		Request: Request{
			Method:      "GET",
			URI:         "/index.html",
			RawQuery:    "a=1&a=2&raw=%7E",
			HasQuery:    true,
			Querystring: ParseQuery("a=1&a=2&raw=%7E"),
			Headers: Fields{
				{Name: "host", Value: "www.example.com"},
				{Name: "via", Value: "1.1 a", MultiValue: []Value{{Value: "1.1 a"}, {Value: "1.1 b"}}},
				{Name: "accept", Value: "*/*"},
			},
			Cookies: Fields{{Name: "s", Value: "1"}},
		},
	}
}

func responseEvent() *Event {
	ev := requestEvent()
	ev.Context.EventType = ViewerResponse
	ev.Response = &Response{
		StatusCode:        200,
		StatusDescription: "OK",
		Headers:           Fields{{Name: "content-type", Value: "text/html"}, {Name: "via", Value: "1.1 origin"}},
		Cookies:           Fields{{Name: "id", Value: "x", Attributes: "Path=/"}},
	}
	return ev
}

func cloneFields(fs Fields) Fields {
	if fs == nil {
		return nil
	}
	out := make(Fields, len(fs))
	for i, f := range fs {
		out[i] = f
		if f.MultiValue != nil {
			out[i].MultiValue = append([]Value{}, f.MultiValue...)
		}
	}
	return out
}

// returnRequest builds the output of a viewer-request function that edits a
// copy of event.request and returns it.
func returnRequest(edit func(*Request)) func(*Event) *Output {
	return func(ev *Event) *Output {
		r := ev.Request
		r.Querystring, r.Headers, r.Cookies = cloneFields(r.Querystring), cloneFields(r.Headers), cloneFields(r.Cookies)
		edit(&r)
		return &Output{Request: &r}
	}
}

// returnResponse does the same with event.response.
func returnResponse(edit func(*Response)) func(*Event) *Output {
	return func(ev *Event) *Output {
		r := *ev.Response
		r.Headers, r.Cookies = cloneFields(r.Headers), cloneFields(r.Cookies)
		edit(&r)
		return &Output{Response: &r}
	}
}

// generate builds a response a viewer-request function creates.
func generate(r Response) func(*Event) *Output {
	return func(*Event) *Output { return &Output{Response: &r} }
}

func setHeader(fs *Fields, name, value string) {
	if f, ok := fs.Get(name); ok {
		f.Value = value
		return
	}
	*fs = append(*fs, Field{Name: name, Value: value})
}

func deleteEntry(fs *Fields, name string) {
	for i := range *fs {
		if (*fs)[i].Name == name {
			*fs = append((*fs)[:i], (*fs)[i+1:]...)
			return
		}
	}
}

func TestValidate(t *testing.T) {
	str := func(s string) *string { return &s }
	redirect := Response{StatusCode: 302, StatusDescription: "Found", Headers: Fields{{Name: "location", Value: "https://example.com/"}}}
	tests := []struct {
		name string
		ev   func() *Event
		out  func(*Event) *Output
		want []string // rule names, in table order; nil: valid
	}{
		// Valid results.
		{"request unchanged", requestEvent, returnRequest(func(*Request) {}), nil},
		{"request edited within the rules", requestEvent, returnRequest(func(r *Request) {
			r.URI = "/new/index.html"
			setHeader(&r.Headers, "x-added", "yes")
			setHeader(&r.Headers, "accept", "text/html")
			r.Querystring = Fields{{Name: "q", Value: "%E5%AE%B6+x"}}
			r.Cookies = nil
		}), nil},
		{"read-only header set to its own value", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "host", "www.example.com") }), nil},
		{"querystring as a string", requestEvent, returnRequest(func(r *Request) { r.QuerystringString = str("a=1&b=2") }), nil},
		{"generated redirect", requestEvent, generate(redirect), nil},
		{"generated response may carry via", requestEvent, generate(Response{StatusCode: 200, Headers: Fields{{Name: "via", Value: "x"}}}), nil},
		{"response edited", responseEvent, returnResponse(func(r *Response) {
			r.StatusCode = 599
			setHeader(&r.Headers, "x-frame-options", "DENY")
			r.Cookies = append(r.Cookies, Field{Name: "new", Value: "1", Attributes: "Secure; HttpOnly"})
			r.Body = &Body{Encoding: EncodingBase64, Data: "aGk="}
		}), nil},
		{"empty event type counts as viewer-request", func() *Event {
			ev := requestEvent()
			ev.Context.EventType = ""
			return ev
		}, returnRequest(func(*Request) {}), nil},

		// return-type
		{"nothing returned", requestEvent, func(*Event) *Output { return &Output{} }, []string{"return-type"}},
		{"nil output", requestEvent, func(*Event) *Output { return nil }, []string{"return-type"}},
		{"both returned", requestEvent, func(ev *Event) *Output { return &Output{Request: &ev.Request, Response: &redirect} }, []string{"return-type"}},
		{"viewer-response returns the request", responseEvent, func(ev *Event) *Output {
			r := ev.Request
			r.QuerystringString = str("changed=1")
			return &Output{Request: &r}
		}, []string{"return-type"}},
		{"unknown event type", func() *Event {
			ev := requestEvent()
			ev.Context.EventType = "origin-request"
			return ev
		}, returnRequest(func(*Request) {}), []string{"return-type"}},

		// uri-format
		{"uri empty", requestEvent, returnRequest(func(r *Request) { r.URI = "" }), []string{"uri-format"}},
		{"uri relative", requestEvent, returnRequest(func(r *Request) { r.URI = "index.html" }), []string{"uri-format"}},
		{"uri with a space", requestEvent, returnRequest(func(r *Request) { r.URI = "/a b" }), []string{"uri-format"}},
		{"uri with CRLF", requestEvent, returnRequest(func(r *Request) { r.URI = "/a\r\nX: y" }), []string{"uri-format"}},
		{"uri with '#'", requestEvent, returnRequest(func(r *Request) { r.URI = "/a#b" }), []string{"uri-format"}},

		// uri-length
		{"uri and query just under the limit", requestEvent, returnRequest(func(r *Request) {
			r.URI = "/" + strings.Repeat("u", 8000)
			r.QuerystringString = str(strings.Repeat("q", 191-1))
		}), nil},
		{"uri and query at the limit", requestEvent, returnRequest(func(r *Request) {
			r.URI = "/" + strings.Repeat("u", 8000)
			r.QuerystringString = str(strings.Repeat("q", 191))
		}), []string{"uri-length"}},
		{"long uri with the event's query", requestEvent, returnRequest(func(r *Request) {
			r.URI = "/" + strings.Repeat("u", 8191-len("a=1&a=2&raw=%7E"))
		}), []string{"uri-length"}},

		// method-read-only
		{"method changed", requestEvent, returnRequest(func(r *Request) { r.Method = "POST" }), []string{"method-read-only"}},

		// read-only-header
		{"host changed", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "host", "evil.example") }), []string{"read-only-header"}},
		{"via removed", requestEvent, returnRequest(func(r *Request) { deleteEntry(&r.Headers, "via") }), []string{"read-only-header"}},
		{"via multiValue changed", requestEvent, returnRequest(func(r *Request) {
			f, _ := r.Headers.Get("via")
			f.MultiValue = f.MultiValue[:1]
		}), []string{"read-only-header"}},
		{"content-length added", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "content-length", "0") }), []string{"read-only-header"}},
		{"cdn-loop and transfer-encoding added", requestEvent, returnRequest(func(r *Request) {
			setHeader(&r.Headers, "cdn-loop", "x")
			setHeader(&r.Headers, "transfer-encoding", "chunked")
		}), []string{"read-only-header", "read-only-header"}},
		{"viewer-response warning added", responseEvent, returnResponse(func(r *Response) { setHeader(&r.Headers, "warning", "199 x") }), []string{"read-only-header"}},
		{"viewer-response via changed", responseEvent, returnResponse(func(r *Response) { setHeader(&r.Headers, "via", "1.1 me") }), []string{"read-only-header"}},
		{"viewer-response may set content-length", responseEvent, returnResponse(func(r *Response) { setHeader(&r.Headers, "content-length", "3") }), nil},

		// disallowed-header
		{"x-cache added to a request", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "x-cache", "Hit") }), []string{"disallowed-header"}},
		{"x-amz-cf-* prefix", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "x-amz-cf-pop", "IAD") }), []string{"disallowed-header"}},
		{"x-edge-* prefix in a generated response", requestEvent, generate(Response{StatusCode: 200, Headers: Fields{{Name: "x-edge-location", Value: "x"}}}), []string{"disallowed-header"}},
		{"connection in a viewer response", responseEvent, returnResponse(func(r *Response) { setHeader(&r.Headers, "connection", "close") }), []string{"disallowed-header"}},

		// header-name
		{"upper-case header name", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "X-Foo", "1") }), []string{"header-name"}},
		{"upper-case disallowed header", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "X-Real-IP", "1") }), []string{"disallowed-header", "header-name"}},
		{"header name with a space", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "x foo", "1") }), []string{"header-name"}},
		{"empty header name", responseEvent, returnResponse(func(r *Response) { setHeader(&r.Headers, "", "1") }), []string{"header-name"}},

		// header-value
		{"header value with CRLF", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Headers, "x-a", "1\r\nx-b: 2") }), []string{"header-value"}},
		{"header multiValue with LF", responseEvent, returnResponse(func(r *Response) {
			r.Headers = append(r.Headers, Field{Name: "x-a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2\n"}}})
		}), []string{"header-value"}},
		{"header value with NUL", requestEvent, generate(Response{StatusCode: 200, Headers: Fields{{Name: "x-a", Value: "a\x00"}}}), []string{"header-value"}},

		// cookie-value
		{"request cookie with LF", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Cookies, "s", "1\n") }), []string{"cookie-value"}},
		{"response cookie attributes with CR", responseEvent, returnResponse(func(r *Response) {
			f, _ := r.Cookies.Get("id")
			f.Attributes = "Path=/\rSet-Cookie: x=y"
		}), []string{"cookie-value"}},
		{"cookie name with NUL", requestEvent, generate(Response{StatusCode: 200, Cookies: Fields{{Name: "a\x00", Value: "1"}}}), []string{"cookie-value"}},

		// query-string
		{"created query with a space", requestEvent, returnRequest(func(r *Request) { r.QuerystringString = str("a=b c") }), []string{"query-string"}},
		{"query value with '#'", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Querystring, "x", "1#2") }), []string{"query-string"}},
		{"query name with a control character", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Querystring, "x\x01", "1") }), []string{"query-string"}},
		{"query value with LF", requestEvent, returnRequest(func(r *Request) { setHeader(&r.Querystring, "x", "1\n") }), []string{"query-string"}},
		{"unchanged query goes out as received", func() *Event {
			ev := requestEvent()
			ev.Request.RawQuery = "a=b c"
			ev.Request.Querystring = ParseQuery(ev.Request.RawQuery)
			return ev
		}, returnRequest(func(*Request) {}), nil},

		// status-code
		{"status 0", requestEvent, generate(Response{}), []string{"status-code"}},
		{"status 100", requestEvent, generate(Response{StatusCode: 100}), []string{"status-code"}},
		{"status 199", responseEvent, returnResponse(func(r *Response) { r.StatusCode = 199 }), []string{"status-code"}},
		{"status 200", requestEvent, generate(Response{StatusCode: 200}), nil},
		{"status 600", responseEvent, returnResponse(func(r *Response) { r.StatusCode = 600 }), []string{"status-code"}},

		// status-description
		{"status description with CRLF", requestEvent, generate(Response{StatusCode: 200, StatusDescription: "OK\r\nX: y"}), []string{"status-description"}},

		// body-encoding
		{"text body", requestEvent, generate(Response{StatusCode: 200, Body: &Body{Encoding: EncodingText, Data: "hi"}}), nil},
		{"unknown body encoding", requestEvent, generate(Response{StatusCode: 200, Body: &Body{Encoding: "utf-8", Data: "hi"}}), []string{"body-encoding"}},
		{"undecodable base64 body", responseEvent, returnResponse(func(r *Response) { r.Body = &Body{Encoding: EncodingBase64, Data: "***"} }), []string{"body-encoding"}},

		// Several at once, reported in table order.
		{"many problems", requestEvent, returnRequest(func(r *Request) {
			r.URI = "x"
			r.Method = "PUT"
			setHeader(&r.Headers, "Upgrade", "h2c")
		}), []string{"uri-format", "method-read-only", "disallowed-header", "header-name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev()
			err := Validate(ev, tt.out(ev))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Rule)
				if p.Detail == "" {
					t.Errorf("rule %s: empty detail", p.Rule)
				}
				if !strings.Contains(err.Error(), p.Rule+": "+p.Detail) {
					t.Errorf("Error() %q does not name %s", err, p.Rule)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rules = %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
}

func TestValidationErrorText(t *testing.T) {
	err := &ValidationError{Problems: []Problem{
		{Rule: "uri-format", Detail: `uri "x" does not start with '/'`},
		{Rule: "method-read-only", Detail: `method is read-only: changed from "GET" to "PUT"`},
	}}
	want := `invalid function result: uri-format: uri "x" does not start with '/'; method-read-only: method is read-only: changed from "GET" to "PUT"`
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("a", 63) + "é" + "tail"
	if got, want := clip(long), strings.Repeat("a", 63)+"..."; got != want {
		t.Errorf("clip = %q, want %q", got, want)
	}
	if got := clip("short"); got != "short" {
		t.Errorf("clip(short) = %q", got)
	}
}

// TestByteScans: the characters the checks look for are ASCII, so scanning
// bytes finds them where scanning runes would, and nothing in other
// characters or in bytes that are not UTF-8.
func TestByteScans(t *testing.T) {
	tests := []struct {
		s                     string
		lineBreak, notURLSafe bool
	}{
		{"/a/b-c.html", false, false},
		{"", false, false},
		{"caf\u00e9 \u0100\u2028\xff\xc3", false, true}, // the space
		{"caf\u00e9\u0100\u2028\xff\xc3", false, false},
		{"a\rb", true, true},
		{"a\nb", true, true},
		{"a\x00b", true, true},
		{"a\tb", false, true},
		{"a\x7fb", false, true},
		{"a#b", false, true},
	}
	for _, tt := range tests {
		if got := hasLineBreakOrNUL(tt.s); got != tt.lineBreak {
			t.Errorf("hasLineBreakOrNUL(%q) = %v, want %v", tt.s, got, tt.lineBreak)
		}
		if got := hasNotURLSafe(tt.s); got != tt.notURLSafe {
			t.Errorf("hasNotURLSafe(%q) = %v, want %v", tt.s, got, tt.notURLSafe)
		}
	}
}
