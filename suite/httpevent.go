package suite

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/edgefn/edgefn/event"
)

// viewerIP is the viewer of events written as raw HTTP requests: an address
// reserved for documentation (RFC 5737).
const viewerIP = "192.0.2.10"

// ParseEvent reads an event file: a TestFunction EventObject, or a raw HTTP
// request ("GET /path?q=1 HTTP/1.1", header lines, a blank line), which makes
// the viewer-request event the edge would give a function for it.
func ParseEvent(data []byte) (*event.Event, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] == '{' {
		return event.ParseJSON(data)
	}
	doc, err := httpEventObject(data)
	if err != nil {
		return nil, fmt.Errorf("raw HTTP request: %w", err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return event.ParseJSON(raw)
}

// httpEventObject is the EventObject of a raw request, in TestFunction's
// JSON form: headers lower-case, repeated ones as multiValue, cookies apart,
// the body dropped (functions never see it).
func httpEventObject(data []byte) (map[string]any, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	line := ""
	for line == "" && sc.Scan() { // blank lines before the request line
		line = strings.TrimSpace(sc.Text())
	}
	parts := strings.Fields(line)
	if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && !strings.HasPrefix(parts[2], "HTTP/")) {
		return nil, fmt.Errorf("line 1 %q: want METHOD /path[?query] [HTTP/1.1]", line)
	}
	method, target := parts[0], parts[1]
	if !strings.HasPrefix(target, "/") {
		return nil, fmt.Errorf("line 1: the request target %q must start with /", target)
	}
	uri, query, _ := strings.Cut(target, "?")
	headers := map[string]any{}
	var cookies []string
	for n := 2; sc.Scan(); n++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" {
			break
		}
		name, value, ok := strings.Cut(text, ":")
		if !ok || strings.TrimSpace(name) != name || name == "" {
			return nil, fmt.Errorf("line %d %q: want Name: value", n, text)
		}
		name, value = strings.ToLower(name), strings.TrimSpace(value)
		switch {
		case name == "cookie":
			cookies = append(cookies, value)
		case event.DisallowedHeader(name):
		default:
			addValue(headers, name, value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	qs := map[string]any{}
	for _, f := range event.ParseQuery(query) {
		for _, v := range values(f) {
			addValue(qs, f.Name, v)
		}
	}
	cs := map[string]any{}
	for _, f := range event.ParseCookieHeader(cookies) {
		for _, v := range values(f) {
			addValue(cs, f.Name, v)
		}
	}
	return map[string]any{
		"version": "1.0",
		"context": map[string]any{"eventType": event.ViewerRequest},
		"viewer":  map[string]any{"ip": viewerIP},
		"request": map[string]any{"method": method, "uri": uri, "querystring": qs, "headers": headers, "cookies": cs},
	}, nil
}

// values are the occurrences of a parsed field.
func values(f event.Field) []string {
	if len(f.MultiValue) == 0 {
		return []string{f.Value}
	}
	vs := make([]string, len(f.MultiValue))
	for i, v := range f.MultiValue {
		vs[i] = v.Value
	}
	return vs
}

// addValue adds one occurrence of name, as {value} and then with multiValue.
func addValue(m map[string]any, name, value string) {
	cur, ok := m[name].(map[string]any)
	if !ok {
		m[name] = map[string]any{"value": value}
		return
	}
	multi, _ := cur["multiValue"].([]any)
	if multi == nil {
		multi = []any{map[string]any{"value": cur["value"]}}
	}
	cur["multiValue"] = append(multi, map[string]any{"value": value})
}
