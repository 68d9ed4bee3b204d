package event

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxURIAndQuery bounds a request's uri plus query string (§2.4): the total,
// counted in bytes without the '?', must stay below it.
const maxURIAndQuery = 8192

// Status codes a function may return or generate. 1xx are left out: they are
// interim responses, never the final one a viewer gets.
const (
	minStatusCode = 200
	maxStatusCode = 599
)

// Problem is one reason a function's result fails validation.
type Problem struct {
	Rule   string // the rule's name, e.g. "read-only-header"
	Detail string
}

func (p Problem) String() string { return p.Rule + ": " + p.Detail }

// ValidationError is a function result CloudFront would refuse after a
// successful run: the edge answers 502 and counts FunctionValidationErrors
// (§1.6, §7).
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid function result: " + strings.Join(parts, "; ")
}

// returnTypeRule names the check that the result is an object the event type
// allows; the other rules only run once it passes.
const returnTypeRule = "return-type"

// Validate checks out, what a function returned for ev, against the rules
// CloudFront applies before a result reaches the wire (§1.6, §2.4-§2.8). It
// returns nil or a *ValidationError listing every problem. ev.Context.EventType
// "" counts as viewer-request.
func Validate(ev *Event, out *Output) error {
	r, bad := classify(ev, out)
	if bad != "" {
		return &ValidationError{Problems: []Problem{{Rule: returnTypeRule, Detail: bad}}}
	}
	var problems []Problem
	report := func(rule string, details []string) {
		for _, d := range details {
			problems = append(problems, Problem{Rule: rule, Detail: d})
		}
	}
	// The checks, by rule name (the name starts each problem's text); each
	// returns one detail per problem found. Called directly: through func
	// values r would escape, and every run would allocate it.
	report("uri-format", checkURIFormat(&r))
	report("uri-length", checkURILength(&r))
	report("method-read-only", checkMethod(&r))
	report("read-only-header", checkReadOnlyHeaders(&r))
	report("disallowed-header", checkDisallowedHeaders(&r))
	report("header-name", checkHeaderNames(&r))
	report("header-value", checkHeaderValues(&r))
	report("cookie-value", checkCookieValues(&r))
	report("query-string", checkQueryString(&r))
	report("status-code", checkStatusCode(&r))
	report("status-description", checkStatusDescription(&r))
	report("body-encoding", checkBody(&r))
	if problems == nil {
		return nil
	}
	return &ValidationError{Problems: problems}
}

// result is a function's result paired with what the function received.
// Exactly one of req and resp is set.
type result struct {
	eventType string
	// req is a request returned by a viewer-request function, origReq the
	// event's request; query is the query string req sends (see WireQuery)
	// and queryChanged whether the function created or changed it.
	req, origReq *Request
	query        string
	queryChanged bool
	// resp is the returned or generated response, origResp the event's
	// response (nil when the function generated one).
	resp, origResp *Response
}

// classify pairs out with ev, or says why out is not something the event type
// lets a function return.
func classify(ev *Event, out *Output) (result, string) {
	r := result{eventType: ev.Context.EventType}
	if r.eventType == "" {
		r.eventType = ViewerRequest
	}
	switch {
	case out == nil || out.Request == nil && out.Response == nil:
		return r, "the function returned neither a request nor a response"
	case out.Request != nil && out.Response != nil:
		return r, "the function returned both a request and a response"
	}
	switch r.eventType {
	case ViewerRequest:
		if out.Request == nil {
			r.resp = out.Response
			break
		}
		r.req, r.origReq = out.Request, &ev.Request
		r.query, r.queryChanged = rebuiltQuery(r.origReq, r.req)
		if !r.queryChanged {
			r.query = r.origReq.RawQuery
		}
	case ViewerResponse:
		if out.Request != nil {
			return r, "a viewer-response function must return the response, not a request"
		}
		r.resp, r.origResp = out.Response, ev.Response
	default:
		return r, fmt.Sprintf("unknown event type %q", r.eventType)
	}
	return r, ""
}

func (r *result) headers() Fields {
	if r.req != nil {
		return r.req.Headers
	}
	return r.resp.Headers
}

func (r *result) cookies() Fields {
	if r.req != nil {
		return r.req.Cookies
	}
	return r.resp.Cookies
}

func checkURIFormat(r *result) []string {
	switch {
	case r.req == nil:
		return nil
	case r.req.URI == "":
		return []string{"uri is empty"}
	case r.req.URI[0] != '/':
		return []string{fmt.Sprintf("uri %q does not start with '/'", clip(r.req.URI))}
	case hasNotURLSafe(r.req.URI):
		return []string{fmt.Sprintf("uri %q contains a space, a control character or '#'", clip(r.req.URI))}
	}
	return nil
}

func checkURILength(r *result) []string {
	if r.req == nil {
		return nil
	}
	if n := len(r.req.URI) + len(r.query); n >= maxURIAndQuery {
		return []string{fmt.Sprintf("uri and query string are %d bytes; they must stay under %d", n, maxURIAndQuery)}
	}
	return nil
}

func checkMethod(r *result) []string {
	if r.req == nil || r.req.Method == r.origReq.Method {
		return nil
	}
	return []string{fmt.Sprintf("method is read-only: changed from %q to %q", r.origReq.Method, r.req.Method)}
}

// checkReadOnlyHeaders compares the object the function received with the one
// it returned; a generated response has nothing to compare with.
func checkReadOnlyHeaders(r *result) []string {
	var orig, out Fields
	switch {
	case r.req != nil:
		orig, out = r.origReq.Headers, r.req.Headers
	case r.origResp != nil:
		orig, out = r.origResp.Headers, r.resp.Headers
	default:
		return nil
	}
	var details []string
	for _, name := range readOnlyHeaders[r.eventType] {
		o, _ := orig.Get(name)
		f, _ := out.Get(name)
		switch {
		case o == nil && f != nil:
			details = append(details, fmt.Sprintf("header %q is read-only: added", name))
		case o != nil && f == nil:
			details = append(details, fmt.Sprintf("header %q is read-only: removed", name))
		case o != nil && entryChanged(o, f):
			details = append(details, fmt.Sprintf("header %q is read-only: changed", name))
		}
	}
	return details
}

func checkDisallowedHeaders(r *result) []string {
	var details []string
	hs := r.headers()
	for i := range hs {
		name := hs[i].Name
		if !isLowerToken(name) {
			name = strings.ToLower(name)
		}
		if DisallowedHeader(name) {
			details = append(details, fmt.Sprintf("header %q may not be set by a function", clip(hs[i].Name)))
		}
	}
	return details
}

func checkHeaderNames(r *result) []string {
	var details []string
	hs := r.headers()
	for i := range hs {
		switch name := hs[i].Name; {
		case !isToken(name):
			details = append(details, fmt.Sprintf("header name %q is not a valid HTTP header name", clip(name)))
		case !isLowerToken(name): // a token with upper-case letters
			details = append(details, fmt.Sprintf("header name %q is not lower-case", clip(name)))
		}
	}
	return details
}

func checkHeaderValues(r *result) []string {
	var details []string
	hs := r.headers()
	for i := range hs {
		if fieldHas(&hs[i], false, hasLineBreakOrNUL) {
			details = append(details, fmt.Sprintf("header %q has a value with CR, LF or NUL", clip(hs[i].Name)))
		}
	}
	return details
}

func checkCookieValues(r *result) []string {
	var details []string
	cs := r.cookies()
	for i := range cs {
		if hasLineBreakOrNUL(cs[i].Name) || fieldHas(&cs[i], true, hasLineBreakOrNUL) {
			details = append(details, fmt.Sprintf("cookie %q has a name, value or attributes with CR, LF or NUL", clip(cs[i].Name)))
		}
	}
	return details
}

// checkQueryString applies to a query the function created or changed; one
// left alone goes out byte for byte (§2.6).
func checkQueryString(r *result) []string {
	if r.req == nil || !r.queryChanged || !hasNotURLSafe(r.query) {
		return nil
	}
	return []string{fmt.Sprintf("query string %q contains a space, a control character or '#'", clip(r.query))}
}

func checkStatusCode(r *result) []string {
	if r.resp == nil || minStatusCode <= r.resp.StatusCode && r.resp.StatusCode <= maxStatusCode {
		return nil
	}
	return []string{fmt.Sprintf("statusCode %d is not an integer from %d to %d", r.resp.StatusCode, minStatusCode, maxStatusCode)}
}

func checkStatusDescription(r *result) []string {
	if r.resp == nil || !hasLineBreakOrNUL(r.resp.StatusDescription) {
		return nil
	}
	return []string{"statusDescription contains CR, LF or NUL"}
}

func checkBody(r *result) []string {
	if r.resp == nil || r.resp.Body == nil {
		return nil
	}
	if _, err := r.resp.Body.Bytes(); err != nil {
		return []string{err.Error()}
	}
	return nil
}

// fieldHas reports whether any value (or, with attributes, any attributes) of
// f is one bad matches.
func fieldHas(f *Field, attributes bool, bad func(string) bool) bool {
	has := func(v Value) bool {
		return bad(v.Value) || attributes && bad(v.Attributes)
	}
	if has(Value{Value: f.Value, Attributes: f.Attributes}) {
		return true
	}
	for _, v := range f.MultiValue {
		if has(v) {
			return true
		}
	}
	return false
}

// The characters the checks look for are ASCII, which UTF-8 never uses
// inside another character: scanning bytes finds what scanning runes would,
// at a fraction of the cost.

func hasLineBreakOrNUL(s string) bool {
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 || strings.IndexByte(s, 0) >= 0
}

// hasNotURLSafe reports whether s has what may not appear in a uri or a
// created query string (§2.8): spaces, control characters and '#'.
func hasNotURLSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if notURLSafe[s[i]] {
			return true
		}
	}
	return false
}

var notURLSafe = func() (t [256]bool) {
	for c := range t {
		t[c] = c <= ' ' || c == 0x7f || c == '#'
	}
	return t
}()

// clip shortens s for an error message, cutting at a character boundary.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
