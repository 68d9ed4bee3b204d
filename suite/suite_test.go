package suite

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes files (by slash path) under a new directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const echo = `function handler(event) {
	console.log('uri ' + event.request.uri);
	return event.request;
}`

const request = `{"request":{"method":"GET","uri":"/a","querystring":{},"headers":{},"cookies":{}}}`

// TestSuiteDir runs a directory of cases: one of each outcome.
func TestSuiteDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"echo/function.js":           echo,
		"echo/a.event.json":          `{"request":{"method":"GET","uri":"/a","headers":{},"querystring":{},"cookies":{}}}`,
		"echo/a.expected.json":       request,
		"echo/a.logs.json":           `["uri /a"]`,
		"echo/b.event.http":          "GET /b HTTP/1.1\nHost: x\n\n",
		"echo/b.expected.json":       request,
		"echo/c.event.json":          `{"request":`,
		"js1/function.js":            "function handler(e) { let x = 1; return e.request; }",
		"js1/case.json":              `{"runtime": "cloudfront-js-1.0"}`,
		"js1/event.json":             `{"request":{"method":"GET","uri":"/","headers":{},"querystring":{},"cookies":{}}}`,
		"js1-expected/function.js":   "function handler(e) { let x = 1; return e.request; }",
		"js1-expected/case.json":     `{"runtime": "cloudfront-js-1.0"}`,
		"js1-expected/event.json":    `{"request":{"method":"GET","uri":"/","headers":{"accept":{"value":"a","multivalue":[]}},"querystring":{},"cookies":{}}}`,
		"js1-expected/expected.json": `{"error": "let declarations"}`,
		"node_modules/x/function.js": echo,
		"README.md":                  "not a case",
	})
	cases, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results := Run(context.Background(), cases)
	got := map[string]Status{}
	for _, r := range results {
		got[r.Case.Name] = r.Status()
	}
	want := map[string]Status{"echo/a": Passed, "echo/b": Failed, "echo/c": Unusable, "js1": NotCompiled, "js1-expected": Passed}
	if len(got) != len(want) {
		t.Fatalf("cases %v; want %v", got, want)
	}
	for name, st := range want {
		if got[name] != st {
			t.Errorf("%s: %v; want %v", name, got[name], st)
		}
	}
	if Worst(results) != Unusable {
		t.Errorf("Worst %v; want %v", Worst(results), Unusable)
	}

	var report bytes.Buffer
	Report(&report, results, false)
	for _, w := range []string{
		"PASS echo/a (", "FAIL echo/b (", "  .request.uri\n    want \"/a\"\n    got  \"/b\"\n", "  .request.headers.host\n    want (absent)\n",
		"UNUSABLE echo/c", "COMPILE ERROR js1 (", filepath.Join(dir, "js1", "function.js") + ":1:23: SyntaxError: let declarations",
		"5 cases: 2 passed, 1 failed, 1 did not compile, 1 unusable\n",
		"PASS js1-expected (", `  warning: event field request.headers["accept"].multivalue is ignored: keys are case-sensitive, did you mean "multiValue"?`,
	} {
		if !strings.Contains(report.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, report.String())
		}
	}
	if strings.Contains(report.String(), "\x1b[") {
		t.Error("plain report has colours")
	}

	var junit bytes.Buffer
	if err := WriteJUnit(&junit, "cases", results); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, junit.String())
	}
	s := doc.Suites[0]
	if s.Tests != 5 || s.Failures != 1 || s.Errors != 2 {
		t.Errorf("testsuite tests=%d failures=%d errors=%d; want 5, 1, 2", s.Tests, s.Failures, s.Errors)
	}
	for _, c := range s.Cases {
		if c.Name == "echo/b" && (c.Failure == nil || !strings.Contains(c.Failure.Text, ".request.uri")) {
			t.Errorf("echo/b failure %+v; want the diff", c.Failure)
		}
		if c.Name == "js1" && (c.Error == nil || c.Error.Type != "compile") {
			t.Errorf("js1 error %+v; want a compile error", c.Error)
		}
	}
}

func TestLoadDirEmpty(t *testing.T) {
	if _, err := LoadDir(writeFiles(t, map[string]string{"a.txt": "x"})); err == nil || !strings.Contains(err.Error(), "no cases") {
		t.Errorf("got %v; want no cases", err)
	}
}

func TestParseEventHTTP(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		want      string // part of the event's JSON, or of the error
		bad       bool
	}{
		{name: "request", raw: "GET /a?x=1&x=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nCookie: s=1\r\n\r\nbody", want: `"querystring":{"x":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]}}`},
		{name: "headers lower-case, cookies apart", raw: "GET / HTTP/1.1\nHost: example.com\nCookie: s=1\n\n", want: `"headers":{"host":{"value":"example.com"}},"cookies":{"s":{"value":"1"}}`},
		{name: "no version", raw: "POST /form\nHost: h\n", want: `"method":"POST"`},
		{
			name: "the viewer's order, as at the edge",
			raw:  "GET /p?z=1&a=2&z=3&m HTTP/1.1\r\nX-Z: 1\r\nHost: h\r\nCookie: z=1; a=2\r\nX-A: 2\r\nX-Z: 3\r\nCookie: m=3\r\n\r\n",
			want: `"querystring":{"z":{"value":"1","multiValue":[{"value":"1"},{"value":"3"}]},"a":{"value":"2"},"m":{"value":""}},` +
				`"headers":{"x-z":{"value":"1","multiValue":[{"value":"1"},{"value":"3"}]},"host":{"value":"h"},"x-a":{"value":"2"}},` +
				`"cookies":{"z":{"value":"1"},"a":{"value":"2"},"m":{"value":"3"}}`,
		},
		{name: "no Host", raw: "GET / HTTP/1.1\nAccept: */*\n", want: "Host", bad: true},
		{name: "bad request line", raw: "hello\n", want: "line 1", bad: true},
		{name: "relative target", raw: "GET a HTTP/1.1\n", want: "must start with /", bad: true},
		{name: "bad header", raw: "GET / HTTP/1.1\nno colon\n", want: `"no colon"`, bad: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseEvent([]byte(tt.raw))
			if tt.bad {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v; want an error with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			js, err := ev.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(js), tt.want) || !strings.Contains(string(js), `"eventType":"viewer-request"`) {
				t.Errorf("event %s; want %s", js, tt.want)
			}
		})
	}
}

func TestParseExpectation(t *testing.T) {
	for _, tt := range []struct {
		doc string
		bad string // part of the error, "" for none
	}{
		{doc: request},
		{doc: `{"error": "x", "logs": []}`},
		{doc: `{"error": ""}`},
		{doc: `{"request": {}, "response": {}}`, bad: "not both"},
		{doc: `{"request": {}, "error": "x"}`, bad: "cannot come with an output"},
		{doc: `{"FunctionOutput": "x"}`, bad: "unknown member"},
		{doc: `{"logs": "x"}`, bad: `"logs"`},
		{doc: `[]`, bad: "object"},
		{doc: `null`, bad: "null"},
	} {
		_, err := ParseExpectation([]byte(tt.doc))
		if (err == nil) != (tt.bad == "") || err != nil && !strings.Contains(err.Error(), tt.bad) {
			t.Errorf("%s: got %v; want %q", tt.doc, err, tt.bad)
		}
	}
}
