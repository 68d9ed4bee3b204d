// Package project is the edgefn project file (edgefn.yaml or .json): the
// functions of a site with their runtimes and KeyValueStores, the stores
// seeded from import files, the cache behaviors that run them by path, the
// origin, and the test cases. `edgefn dev` serves it, `edgefn test` runs its
// cases and `edgefn deploy` pushes it to a CloudFront API. The format is
// documented by edgefn.schema.json (JSON Schema) beside this file.
package project

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/suite"
)

// Project is a loaded project file; paths are resolved against its
// directory.
type Project struct {
	// Path is the project file, Dir its directory.
	Path, Dir string
	// Origin is a URL (anything with "://"), or a directory served as an S3 origin
	// (OriginDir); "" when the project names neither.
	Origin, OriginDir string
	// Aliases are the hosts (CNAMEs) the site answers to, as a
	// distribution's Aliases: `edgefn dev` serves them besides localhost.
	Aliases   []string
	Functions []*Function // sorted by name
	Stores    []*Store    // sorted by name
	// Behaviors are the cache behaviors in the order CloudFront tries them;
	// Default is the one for every other path (pattern "*").
	Behaviors []Behavior
	Default   Behavior
	Tests     []Test
}

// Function is one CloudFront function of the project.
type Function struct {
	Name    string
	Code    string // file
	Runtime edgefn.Runtime
	// Kind is suite.KindConnection for a connection function (mTLS), which
	// only tests run: "" or suite.KindViewer is a viewer function.
	Kind    suite.Kind
	Comment string
	KVS     string // a Store's name, or ""
}

// Connection reports whether f is a connection function.
func (f *Function) Connection() bool { return f.Kind == suite.KindConnection }

// Store is one KeyValueStore, seeded from Data, an import file
// ({"data":[{"key":..,"value":..}]}).
type Store struct {
	Name, Data, Comment string
}

// Behavior runs functions for the paths that match PathPattern.
type Behavior struct {
	PathPattern                   string
	ViewerRequest, ViewerResponse string // function names, or ""
}

// Test is one test case: an event for a function and what to expect.
type Test struct {
	Name, Function string
	Event          string   // EventObject JSON or raw HTTP request file
	Expect         string   // expected-result file, or ""
	Logs           string   // expected-logs file, or ""
	Ignore         []string // output fields left out of the comparison
}

// Function returns the function named name, or nil.
func (p *Project) Function(name string) *Function {
	i := slices.IndexFunc(p.Functions, func(f *Function) bool { return f.Name == name })
	if i < 0 {
		return nil
	}
	return p.Functions[i]
}

// Store returns the store named name, or nil.
func (p *Project) Store(name string) *Store {
	i := slices.IndexFunc(p.Stores, func(s *Store) bool { return s.Name == name })
	if i < 0 {
		return nil
	}
	return p.Stores[i]
}

// Files are the files the project reads: the project file, function code,
// store data and test files. A watcher reloads when one of them changes.
func (p *Project) Files() []string {
	files := []string{p.Path}
	for _, f := range p.Functions {
		files = append(files, f.Code)
	}
	for _, s := range p.Stores {
		files = append(files, s.Data)
	}
	for _, t := range p.Tests {
		for _, f := range []string{t.Event, t.Expect, t.Logs} {
			if f != "" {
				files = append(files, f)
			}
		}
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// CloudFront's naming rules.
var (
	functionName = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	storeName    = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,64}$`)
	// alias is a DNS name, with an optional leading "*." wildcard.
	alias = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`)
)

// check verifies what the file's shape cannot: names, references between
// entries, one behavior per path pattern.
func (p *Project) check() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	hosts := map[string]bool{}
	for _, a := range p.Aliases {
		if len(a) > 253 || !alias.MatchString(a) {
			bad("aliases: %q is not a domain name (a CNAME such as www.example.com or *.example.com)", a)
		}
		if hosts[strings.ToLower(a)] {
			bad("aliases: %q is listed twice", a)
		}
		hosts[strings.ToLower(a)] = true
	}
	for _, f := range p.Functions {
		if !functionName.MatchString(f.Name) {
			bad("functions.%s: a function name is 1-64 letters, digits, - and _", f.Name)
		}
		if !f.Runtime.Valid() {
			bad("functions.%s.runtime: %q is not cloudfront-js-1.0 or cloudfront-js-2.0", f.Name, f.Runtime)
		}
		if f.KVS != "" && p.Store(f.KVS) == nil {
			bad("functions.%s.kvs: no store %q in stores", f.Name, f.KVS)
		}
		if f.KVS != "" && f.Runtime == edgefn.RuntimeJS1 {
			bad("functions.%s: KeyValueStores need cloudfront-js-2.0", f.Name)
		}
		switch {
		case f.Kind != "" && f.Kind != suite.KindViewer && !f.Connection():
			bad("functions.%s.kind: %q is not viewer or connection", f.Name, f.Kind)
		case f.Connection() && f.Runtime != edgefn.RuntimeJS2:
			bad("functions.%s: connection functions run on cloudfront-js-2.0 only", f.Name)
		}
	}
	for _, s := range p.Stores {
		if !storeName.MatchString(s.Name) {
			bad("stores.%s: a store name is 1-64 letters, digits, - and _", s.Name)
		}
	}
	seen := map[string]bool{}
	for _, b := range append(slices.Clone(p.Behaviors), p.Default) {
		where := fmt.Sprintf("behaviors (path %q)", b.PathPattern)
		if seen[b.PathPattern] {
			bad("%s: a second behavior for the path %q", where, b.PathPattern)
		}
		seen[b.PathPattern] = true
		for _, ref := range []string{b.ViewerRequest, b.ViewerResponse} {
			if f := p.Function(ref); ref != "" && f == nil {
				bad("%s: no function %q in functions", where, ref)
			} else if f != nil && f.Connection() {
				bad("%s: %q is a connection function: it runs in the TLS handshake, not on requests", where, ref)
			}
		}
	}
	for i, t := range p.Tests {
		if p.Function(t.Function) == nil {
			bad("tests[%d] (%s): no function %q in functions", i, t.Name, t.Function)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s:\n  %s", p.Path, strings.Join(errs, "\n  "))
	}
	return nil
}

// resolve makes a path of the project file relative to its directory.
func (p *Project) resolve(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(p.Dir, path)
}

// Single is the project of one function, for flags in place of a file: the
// function runs for every path on eventType, reading the store seeded from
// kvsData when that is not "".
func Single(code string, rt edgefn.Runtime, eventType, kvsData string) (*Project, error) {
	name := strings.TrimSuffix(filepath.Base(code), filepath.Ext(code))
	name = regexp.MustCompile(`[^a-zA-Z0-9_-]`).ReplaceAllString(name, "-")
	p := &Project{Path: code, Dir: filepath.Dir(code), Default: Behavior{PathPattern: "*"}}
	f := &Function{Name: name, Code: code, Runtime: rt}
	if kvsData != "" {
		f.KVS = "kvs"
		p.Stores = []*Store{{Name: "kvs", Data: kvsData}}
	}
	p.Functions = []*Function{f}
	switch eventType {
	case "viewer-request":
		p.Default.ViewerRequest = name
	case "viewer-response":
		p.Default.ViewerResponse = name
	default:
		return nil, fmt.Errorf("event type %q: want viewer-request or viewer-response", eventType)
	}
	return p, p.check()
}
