package project

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/suite"
)

// schema compiles edgefn.schema.json.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("edgefn.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("edgefn.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("edgefn.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// validate checks a project file (YAML or JSON) against the schema.
func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(doc)
}

// TestStarter writes the starter project: the schema accepts it, it loads,
// and its tests pass.
func TestStarter(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteStarter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteStarter(dir); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("a second init: %v; want it refused", err)
	}
	path, err := Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, schema(t), data); err != nil {
		t.Fatalf("the schema refuses the starter project: %v", err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.OriginDir != filepath.Join(dir, "public") || len(p.Functions) != 1 || p.Default.ViewerRequest != "router" || p.Function("router").KVS != "redirects" {
		t.Errorf("loaded %+v", p)
	}
	if got := len(p.Files()); got != len(files)-1 { // every file but public/index.html
		t.Errorf("Files() %q; want the %d files the project reads", p.Files(), len(files)-1)
	}
	cases, err := p.Cases(false)
	if err != nil {
		t.Fatal(err)
	}
	results := suite.Run(context.Background(), cases)
	if len(results) != 2 || suite.Worst(results) != suite.Passed {
		var b bytes.Buffer
		suite.Report(&b, results, false)
		t.Errorf("the starter's tests do not pass:\n%s", b.String())
	}
}

// TestLoad checks what the loader and the schema refuse, and that they agree.
func TestLoad(t *testing.T) {
	sch := schema(t)
	for _, tt := range []struct {
		name, doc string
		err       string // part of Load's error; "" loads
		schemaOK  bool   // the schema accepts it (checks it cannot express)
	}{
		{name: "minimal", doc: "functions:\n  f:\n    code: f.js\n", schemaOK: true},
		{name: "json", doc: `{"origin": "http://localhost:3000", "functions": {"f": {"code": "f.js", "runtime": "cloudfront-js-1.0"}}, "behaviors": [{"path": "/api/*", "viewer-request": "f"}]}`, schemaOK: true},
		{name: "misspelt key", doc: "functions:\n  f:\n    cod: f.js\n", err: "cod"},
		{name: "unknown top-level key", doc: "funcs: {}\n", err: "funcs"},
		{name: "no code", doc: "functions:\n  f: {}\n", err: "code"},
		{name: "bad runtime", doc: "runtime: cloudfront-js-3.0\nfunctions:\n  f:\n    code: f.js\n", err: "cloudfront-js-3.0"},
		{name: "bad name", doc: "functions:\n  my.fn:\n    code: f.js\n", err: "a function name"},
		{name: "unknown store", doc: "functions:\n  f:\n    code: f.js\n    kvs: s\n", err: `no store "s"`, schemaOK: true},
		{name: "store without data", doc: "stores:\n  s: {}\n", err: "data"},
		{name: "kvs in 1.0", doc: "functions:\n  f:\n    code: f.js\n    runtime: cloudfront-js-1.0\n    kvs: s\nstores:\n  s:\n    data: s.json\n", err: "need cloudfront-js-2.0", schemaOK: true},
		{name: "unknown function in behavior", doc: "behaviors:\n  - path: '*'\n    viewer-request: g\n", err: `no function "g"`, schemaOK: true},
		{name: "behavior without path", doc: "behaviors:\n  - viewer-request: g\n", err: "path"},
		{name: "two behaviors for a path", doc: "functions:\n  f:\n    code: f.js\nbehaviors:\n  - path: /a\n    viewer-request: f\n  - path: /a\n", err: "a second behavior", schemaOK: true},
		{name: "test of an unknown function", doc: "tests:\n  - function: g\n    event: e.json\n", err: `no function "g"`, schemaOK: true},
		{name: "test without event", doc: "functions:\n  f:\n    code: f.js\ntests:\n  - function: f\n", err: "event"},
		{name: "aliases", doc: "aliases: [www.example.com, '*.example.org', example.com]\n", schemaOK: true},
		{name: "bad alias", doc: "aliases: ['http://www.example.com']\n", err: "not a domain name"},
		{name: "alias with a port", doc: "aliases: ['example.com:8080']\n", err: "not a domain name"},
		{name: "alias twice", doc: "aliases: [example.com, Example.com]\n", err: "listed twice", schemaOK: true},
		{name: "aliases not a list", doc: "aliases: example.com\n", err: "aliases"},
		{name: "connection function", doc: "runtime: cloudfront-js-1.0\nfunctions:\n  gate:\n    code: g.js\n    kind: connection\n", schemaOK: true},
		{name: "connection function in 1.0", doc: "functions:\n  gate:\n    code: g.js\n    kind: connection\n    runtime: cloudfront-js-1.0\n", err: "cloudfront-js-2.0 only", schemaOK: true},
		{name: "bad kind", doc: "functions:\n  f:\n    code: f.js\n    kind: origin\n", err: "not viewer or connection"},
		{name: "connection function on a behavior", doc: "functions:\n  gate:\n    code: g.js\n    kind: connection\nbehaviors:\n  - path: '*'\n    viewer-request: gate\n", err: "is a connection function", schemaOK: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "edgefn.yaml")
			if err := os.WriteFile(path, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Load: %v; want %q", err, tt.err)
			}
			if serr := validate(t, sch, []byte(tt.doc)); (serr == nil) != (tt.err == "" || tt.schemaOK) {
				t.Errorf("schema: %v; want it to accept the file: %v", serr, tt.err == "" || tt.schemaOK)
			}
		})
	}
}

// TestConnectionTests: a project's connection function runs its tests with
// connection events (the repository's conformance case), on 2.0 whatever the
// project's runtime.
func TestConnectionTests(t *testing.T) {
	src, err := filepath.Abs("../conformance/conn-revocation-kvs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "edgefn.yaml")
	doc := "runtime: cloudfront-js-1.0\nfunctions:\n  gate:\n    code: SRC/function.js\n    kind: connection\n    kvs: revoked\nstores:\n  revoked:\n    data: SRC/kvs.json\ntests:\n"
	for _, name := range []string{"allowed", "revoked", "nocert"} {
		doc += "  - name: " + name + "\n    function: gate\n    event: SRC/" + name + ".event.json\n    expect: SRC/" + name + ".expected.json\n    logs: SRC/" + name + ".logs.json\n"
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(doc, "SRC", src)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f := p.Function("gate"); !f.Connection() || f.Runtime != edgefn.RuntimeJS2 {
		t.Fatalf("gate: %+v", f)
	}
	cases, err := p.Cases(false)
	if err != nil {
		t.Fatal(err)
	}
	results := suite.Run(context.Background(), cases)
	if len(results) != 3 || suite.Worst(results) != suite.Passed {
		var b bytes.Buffer
		suite.Report(&b, results, false)
		t.Errorf("the connection tests do not pass:\n%s", b.String())
	}
}

func TestLoadResolves(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "edgefn.yml")
	doc := "origin: site\nruntime: cloudfront-js-1.0\nfunctions:\n  a:\n    code: src/a.js\n  b:\n    code: /abs/b.js\n    runtime: cloudfront-js-2.0\nbehaviors:\n  - path: /x/*\n    viewer-response: a\n  - path: /*\n    viewer-request: b\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := Find(dir)
	if err != nil || found != path {
		t.Fatalf("Find: %q, %v", found, err)
	}
	p, err := Load(found)
	if err != nil {
		t.Fatal(err)
	}
	if p.OriginDir != filepath.Join(dir, "site") || p.Origin != "" {
		t.Errorf("origin %q dir %q", p.Origin, p.OriginDir)
	}
	if a := p.Function("a"); a.Code != filepath.Join(dir, "src/a.js") || a.Runtime != edgefn.RuntimeJS1 {
		t.Errorf("a: %+v", a)
	}
	if b := p.Function("b"); b.Code != "/abs/b.js" || b.Runtime != edgefn.RuntimeJS2 {
		t.Errorf("b: %+v", b)
	}
	if len(p.Behaviors) != 1 || p.Behaviors[0] != (Behavior{PathPattern: "/x/*", ViewerResponse: "a"}) || p.Default != (Behavior{PathPattern: "*", ViewerRequest: "b"}) {
		t.Errorf("behaviors %+v default %+v", p.Behaviors, p.Default)
	}
	if _, err := Find(t.TempDir()); !IsNotExist(err) {
		t.Errorf("Find in an empty directory: %v", err)
	}
}

func TestSingle(t *testing.T) {
	p, err := Single("src/my.fn.js", edgefn.RuntimeJS2, "viewer-response", "kvs.json")
	if err != nil {
		t.Fatal(err)
	}
	f := p.Function("my-fn")
	if f == nil || f.Code != "src/my.fn.js" || f.KVS != "kvs" || p.Store("kvs").Data != "kvs.json" || p.Default.ViewerResponse != "my-fn" || p.Default.ViewerRequest != "" {
		t.Errorf("Single: %+v, default %+v", f, p.Default)
	}
	for _, tt := range []struct {
		rt        edgefn.Runtime
		eventType string
		kvs, err  string
	}{
		{edgefn.RuntimeJS2, "origin-request", "", "origin-request"},
		{edgefn.RuntimeJS1, "viewer-request", "kvs.json", "need cloudfront-js-2.0"},
		{"cloudfront-js-3.0", "viewer-request", "", "cloudfront-js-3.0"},
	} {
		if _, err := Single("f.js", tt.rt, tt.eventType, tt.kvs); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Single(%s, %s, %q): %v; want %q", tt.rt, tt.eventType, tt.kvs, err, tt.err)
		}
	}
}
