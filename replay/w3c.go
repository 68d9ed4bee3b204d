package replay

import (
	"bufio"
	"fmt"
	"net/url"
	"strings"
)

// w3cReader reads CloudFront standard (legacy) access logs: tab-separated
// fields named by the last "#Fields:" directive.
type w3cReader struct {
	name   string
	sc     *bufio.Scanner
	line   int
	fields map[string]int
}

// newW3CReader reads a file whose fields, until a "#Fields:" directive, are
// fields (nil: none; real-time logs have no directives).
func newW3CReader(name string, sc *bufio.Scanner, fields map[string]int) *w3cReader {
	return &w3cReader{name: name, sc: sc, fields: fields}
}

// realTimeNames maps real-time log field names to the standard log's.
var realTimeNames = map[string]string{
	"cs-host": "cs(Host)", "cs-user-agent": "cs(User-Agent)", "cs-referer": "cs(Referer)", "cs-cookie": "cs(Cookie)",
}

// RealTimeFields reads the field list of a real-time log configuration (its
// names, in order, comma-separated) as column positions by standard name.
func RealTimeFields(list string) (map[string]int, error) {
	fields := map[string]int{}
	for i, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, fmt.Errorf("field %d is empty", i+1)
		}
		if std, ok := realTimeNames[name]; ok {
			name = std
		}
		fields[name] = i
	}
	for _, need := range []string{"cs-method", "cs-uri-stem"} {
		if _, ok := fields[need]; !ok {
			return nil, fmt.Errorf("%s is not among the fields: a request cannot be rebuilt without it", need)
		}
	}
	return fields, nil
}

// next returns the next record or malformed line; ok is false at the end.
func (r *w3cReader) next() (rec Record, bad *Malformed, ok bool) {
	for r.sc.Scan() {
		r.line++
		line := r.sc.Text()
		src := fmt.Sprintf("%s:%d", r.name, r.line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if f, ok := strings.CutPrefix(line, "#Fields:"); ok {
				r.fields = map[string]int{}
				for i, name := range strings.Fields(f) {
					r.fields[name] = i
				}
			}
			continue
		}
		if r.fields == nil {
			return rec, &Malformed{Source: src, Line: clip(line), Reason: "no #Fields line before the first record (a real-time log needs --fields)"}, true
		}
		cols := strings.Split(line, "\t")
		if len(cols) < len(r.fields) {
			return rec, &Malformed{Source: src, Line: clip(line), Reason: fmt.Sprintf("%d fields, #Fields names %d", len(cols), len(r.fields))}, true
		}
		get := func(name string) string {
			i, ok := r.fields[name]
			if !ok || cols[i] == "-" {
				return ""
			}
			return cols[i]
		}
		rec, err := buildRecord(src, get)
		if err != nil {
			return rec, &Malformed{Source: src, Line: clip(line), Reason: err.Error()}, true
		}
		return rec, nil, true
	}
	return rec, nil, false
}

// buildRecord maps log fields, named as in AWS's field list (the same names
// key standard logging v2 JSON), onto a Record. CloudFront percent-encodes
// every field's bytes that are not printable ASCII, spaces, quotes and
// backslashes, and '%' itself (so the viewer's "%20" is logged "%2520"):
// one decode of each field gives what the viewer sent.
func buildRecord(src string, raw func(string) string) (Record, error) {
	var err error
	get := func(name string) string {
		v := raw(name)
		if err != nil || !strings.Contains(v, "%") {
			return v
		}
		d, uerr := url.PathUnescape(v)
		if uerr != nil {
			err = fmt.Errorf("%s: %w", name, uerr)
		}
		return d
	}
	rec := Record{Source: src, Method: get("cs-method"), URI: get("cs-uri-stem"), ClientIP: get("c-ip"),
		Host: get("x-host-header"), Query: get("cs-uri-query"),
		UserAgent: get("cs(User-Agent)"), Referer: get("cs(Referer)"), Cookie: get("cs(Cookie)")}
	if rec.Host == "" {
		rec.Host = get("cs(Host)")
	}
	switch {
	case err != nil:
		return rec, err
	case rec.Method == "" || rec.URI == "":
		return rec, fmt.Errorf("no cs-method or cs-uri-stem")
	case !strings.HasPrefix(rec.URI, "/"):
		return rec, fmt.Errorf("cs-uri-stem %q does not start with /", clip(rec.URI))
	}
	return rec, nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
