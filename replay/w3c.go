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

func newW3CReader(name string, sc *bufio.Scanner) *w3cReader {
	return &w3cReader{name: name, sc: sc}
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
			return rec, &Malformed{Source: src, Line: clip(line), Reason: "no #Fields line before the first record"}, true
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
// key standard logging v2 JSON), onto a Record.
func buildRecord(src string, get func(string) string) (Record, error) {
	rec := Record{Source: src, Method: get("cs-method"), URI: get("cs-uri-stem"), ClientIP: get("c-ip")}
	if rec.Method == "" || rec.URI == "" {
		return rec, fmt.Errorf("no cs-method or cs-uri-stem")
	}
	if !strings.HasPrefix(rec.URI, "/") {
		return rec, fmt.Errorf("cs-uri-stem %q does not start with /", clip(rec.URI))
	}
	rec.Host = get("x-host-header")
	if rec.Host == "" {
		rec.Host = get("cs(Host)")
	}
	// CloudFront percent-encodes these fields (spaces, tabs, non-ASCII, and
	// '%' itself in cs-uri-query, which it encodes once more).
	var err error
	if rec.Query, err = unescape(get("cs-uri-query")); err != nil {
		return rec, fmt.Errorf("cs-uri-query: %w", err)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cs(User-Agent)", &rec.UserAgent}, {"cs(Referer)", &rec.Referer}, {"cs(Cookie)", &rec.Cookie}} {
		if *f.dst, err = unescape(get(f.name)); err != nil {
			return rec, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return rec, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	return url.PathUnescape(s)
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
