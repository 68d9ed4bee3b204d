package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// eventVersion is the event format version CloudFront sends (§2.1).
const eventVersion = "1.0"

// ParseJSON reads a TestFunction EventObject (§2, §5.1).
//
// Keys are matched exactly, as JavaScript does (a "multivalue" key is not
// multiValue, §2.9), unknown keys are ignored, null counts as absent, and
// entries keep their order in the document; a repeated key keeps its first
// position and its last value, as JSON.parse does. The event type is
// context.eventType, viewer-request when absent (and then filled in). Every
// event needs a request; a viewer-response event also needs a response, and a
// viewer-request event drops one. Version defaults to "1.0". A response's body
// is ignored: functions never see the original one (§2.7). request.RawQuery
// is "" with HasQuery set, so rawQueryString() returns "" as AWS's console
// test does.
//
// Errors name the offending field, e.g.
// `invalid event object: request.headers["host"].value: expected a string, got a number`.
func ParseJSON(data []byte) (*Event, error) {
	ev, err := parseEvent(data)
	if err != nil {
		return nil, fmt.Errorf("invalid event object: %w", err)
	}
	return ev, nil
}

func parseEvent(data []byte) (*Event, error) {
	p := parser{dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	ev := &Event{}
	var hasRequest, hasResponse bool
	var resp Response
	present, err := p.object("the event", func(key string) error {
		var err error
		switch key {
		case "version":
			ev.Version, err = p.string("version")
		case "context":
			_, err = p.context(&ev.Context)
		case "viewer":
			_, err = p.viewer(&ev.Viewer)
		case "request":
			ev.Request = Request{}
			hasRequest, err = p.request(&ev.Request)
		case "response":
			resp = Response{}
			hasResponse, err = p.response(&resp)
		default:
			err = p.ignore(key)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case !present:
		return nil, errors.New("the event must be a JSON object, got null")
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, errors.New("malformed JSON: more data after the event object")
	}

	switch ev.Context.EventType {
	case "":
		ev.Context.EventType = ViewerRequest
	case ViewerRequest, ViewerResponse:
	default:
		return nil, fmt.Errorf("context.eventType: %q is neither %q nor %q", ev.Context.EventType, ViewerRequest, ViewerResponse)
	}
	if !hasRequest {
		return nil, errors.New("request: missing; every event carries the viewer's request")
	}
	switch {
	case ev.Context.EventType == ViewerResponse && !hasResponse:
		return nil, errors.New("response: missing; a viewer-response event carries the response")
	case ev.Context.EventType == ViewerResponse:
		ev.Response = &resp
	case hasResponse:
		p.ignored = append(p.ignored, "response")
	}
	ev.Ignored = p.ignored
	if ev.Version == "" {
		ev.Version = eventVersion
	}
	ev.Request.HasQuery = true
	return ev, nil
}

// parser walks an EventObject token by token, so entries keep their document
// order and keys match case-sensitively.
type parser struct {
	dec     *json.Decoder
	ignored []string // paths of the members skipped
}

// ignore skips the value of a member the event object does not have,
// recording its path.
func (p *parser) ignore(path string) error {
	p.ignored = append(p.ignored, path)
	return p.skip()
}

func (p *parser) next() (json.Token, error) {
	t, err := p.dec.Token()
	if err == nil {
		return t, nil
	}
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("malformed JSON: %w", io.ErrUnexpectedEOF)
	case errors.As(err, &syntax):
		return nil, fmt.Errorf("malformed JSON at byte %d: %w", syntax.Offset, err)
	}
	return nil, fmt.Errorf("malformed JSON: %w", err)
}

// object reads an object, calling member for each key with the decoder at the
// key's value, which member must consume. present is false for null.
func (p *parser) object(path string, member func(key string) error) (present bool, err error) {
	t, err := p.next()
	if err != nil {
		return false, err
	}
	if t == nil {
		return false, nil
	}
	if t != json.Delim('{') {
		return false, typeError(path, "an object", t)
	}
	for p.dec.More() {
		t, err := p.next()
		if err != nil {
			return false, err
		}
		if err := member(t.(string)); err != nil {
			return false, err
		}
	}
	_, err = p.next()
	return true, err
}

// skip consumes one value of any shape.
func (p *parser) skip() error {
	depth := 0
	for {
		t, err := p.next()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func (p *parser) string(path string) (string, error) {
	t, err := p.next()
	if err != nil {
		return "", err
	}
	switch v := t.(type) {
	case string:
		return v, nil
	case nil:
		return "", nil
	}
	return "", typeError(path, "a string", t)
}

// integer reads a number with an integral value (200 and 200.0 alike).
func (p *parser) integer(path string) (int, error) {
	t, err := p.next()
	if err != nil || t == nil {
		return 0, err
	}
	n, ok := t.(json.Number)
	if !ok {
		return 0, typeError(path, "an integer", t)
	}
	if i, err := strconv.Atoi(string(n)); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("%s: expected an integer, got %s", path, n)
	}
	return int(f), nil
}

func (p *parser) context(c *Context) (bool, error) {
	return p.object("context", func(key string) error {
		var dst *string
		switch key {
		case "distributionDomainName":
			dst = &c.DistributionDomainName
		case "endpoint":
			dst = &c.Endpoint
		case "distributionId":
			dst = &c.DistributionID
		case "eventType":
			dst = &c.EventType
		case "requestId":
			dst = &c.RequestID
		default:
			return p.ignore("context." + key)
		}
		var err error
		*dst, err = p.string("context." + key)
		return err
	})
}

func (p *parser) viewer(v *Viewer) (bool, error) {
	return p.object("viewer", func(key string) error {
		if key != "ip" {
			return p.ignore("viewer." + key)
		}
		var err error
		v.IP, err = p.string("viewer.ip")
		return err
	})
}

func (p *parser) request(r *Request) (bool, error) {
	return p.object("request", func(key string) error {
		var err error
		switch key {
		case "method":
			r.Method, err = p.string("request.method")
		case "uri":
			r.URI, err = p.string("request.uri")
		case "querystring":
			r.Querystring, err = p.fields("request.querystring", false)
		case "headers":
			r.Headers, err = p.fields("request.headers", false)
		case "cookies":
			r.Cookies, err = p.fields("request.cookies", false)
		default:
			err = p.ignore("request." + key)
		}
		return err
	})
}

func (p *parser) response(r *Response) (bool, error) {
	return p.object("response", func(key string) error {
		var err error
		switch key {
		case "statusCode":
			r.StatusCode, err = p.integer("response.statusCode")
		case "statusDescription":
			r.StatusDescription, err = p.string("response.statusDescription")
		case "headers":
			r.Headers, err = p.fields("response.headers", false)
		case "cookies":
			r.Cookies, err = p.fields("response.cookies", true)
		default:
			err = p.ignore("response." + key)
		}
		return err
	})
}

// fields reads a querystring, headers or cookies object; attributes is set for
// response cookies, the only entries that carry them.
func (p *parser) fields(path string, attributes bool) (Fields, error) {
	var fs Fields
	_, err := p.object(path, func(name string) error {
		f := Field{Name: name}
		fpath := path + "[" + strconv.Quote(name) + "]"
		present, err := p.object(fpath, func(key string) error {
			var err error
			switch {
			case key == "value":
				f.Value, err = p.string(fpath + ".value")
			case key == "attributes" && attributes:
				f.Attributes, err = p.string(fpath + ".attributes")
			case key == "multiValue":
				f.MultiValue, err = p.values(fpath+".multiValue", attributes)
			default:
				err = p.ignore(fpath + "." + key)
			}
			return err
		})
		if err == nil && present && !fs.set(f) {
			fs = append(fs, f)
		}
		return err
	})
	return fs, err
}

// values reads a multiValue array; an empty array stays non-nil, since a
// present multiValue decides the wire values (§2.6).
func (p *parser) values(path string, attributes bool) ([]Value, error) {
	t, err := p.next()
	if err != nil || t == nil {
		return nil, err
	}
	if t != json.Delim('[') {
		return nil, typeError(path, "an array", t)
	}
	vs := []Value{}
	for i := 0; p.dec.More(); i++ {
		ipath := path + "[" + strconv.Itoa(i) + "]"
		var v Value
		present, err := p.object(ipath, func(key string) error {
			var err error
			switch {
			case key == "value":
				v.Value, err = p.string(ipath + ".value")
			case key == "attributes" && attributes:
				v.Attributes, err = p.string(ipath + ".attributes")
			default:
				err = p.ignore(ipath + "." + key)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if !present {
			return nil, typeError(ipath, "an object", nil)
		}
		vs = append(vs, v)
	}
	if _, err := p.next(); err != nil {
		return nil, err
	}
	return vs, nil
}

// set replaces the entry named f.Name, reporting whether there was one.
func (fs Fields) set(f Field) bool {
	if old, ok := fs.Get(f.Name); ok {
		*old = f
		return true
	}
	return false
}

func typeError(path, want string, t json.Token) error {
	got := "null"
	switch v := t.(type) {
	case json.Delim:
		got = "an object"
		if v == '[' {
			got = "an array"
		}
	case string:
		got = "a string"
	case json.Number:
		got = "a number"
	case bool:
		got = "a boolean"
	}
	return fmt.Errorf("%s: expected %s, got %s", path, want, got)
}
