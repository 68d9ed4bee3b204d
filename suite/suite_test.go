package suite

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
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

// TestReportThrown: a case whose function throws shows where, with a frame.
func TestReportThrown(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"throws/function.js":   "function handler(event) {\n  return event.request.headers.missing.value;\n}",
		"throws/event.json":    `{"request":{"method":"GET","uri":"/a","headers":{},"querystring":{},"cookies":{}}}`,
		"throws/expected.json": request,
	})
	cases, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results := Run(context.Background(), cases)
	var report bytes.Buffer
	Report(&report, results, false)
	for _, w := range []string{
		"FAIL throws (",
		"    got  \"TypeError: cannot get property \\\"value\\\" of undefined\"\n",
		"  " + filepath.Join(dir, "throws", "function.js") + ":2:40: TypeError: cannot get property \"value\" of undefined\n",
		"  > 2 |   return event.request.headers.missing.value;\n",
	} {
		if !strings.Contains(report.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, report.String())
		}
	}
}

// TestIgnoreMatchesNothing: an ignore path found on neither side is a
// mistake (a misspelt path ignores nothing), not a silent pass.
func TestIgnoreMatchesNothing(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"f.js":       echo,
		"event.json": `{"request":{"method":"GET","uri":"/a","headers":{},"querystring":{},"cookies":{}}}`,
	})
	for _, tt := range []struct {
		ignore string
		err    string // "" for none
	}{
		{ignore: ".request.uri"},
		{ignore: ".request.headers.x-absent", err: `ignore ".request.headers.x-absent": no such field in the expected or the actual output`},
		{ignore: ".request.uri.deeper", err: "no such field"},
	} {
		exp, err := ParseExpectation([]byte(request))
		if err != nil {
			t.Fatal(err)
		}
		c := &Case{Name: "c", File: filepath.Join(dir, "f.js"), Runtime: "cloudfront-js-2.0", Event: filepath.Join(dir, "event.json"), Expect: exp, Ignore: []string{tt.ignore}}
		r := Run(context.Background(), []*Case{c})[0]
		if tt.err == "" && r.Status() != Passed || tt.err != "" && (r.Status() != Unusable || !strings.Contains(r.Err.Error(), tt.err)) {
			t.Errorf("ignore %s: %v %v; want %q", tt.ignore, r.Status(), r.Err, tt.err)
		}
	}
}

// TestReportCompileErrorOnce: a function's compile errors are printed once,
// not once per case that runs it.
func TestReportCompileErrorOnce(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad/function.js":  "function handler(e) { var a = ; }",
		"bad/a.event.json": `{"request":{"method":"GET","uri":"/a","headers":{},"querystring":{},"cookies":{}}}`,
		"bad/b.event.json": `{"request":{"method":"GET","uri":"/b","headers":{},"querystring":{},"cookies":{}}}`,
		"bad/c.event.json": `{"request":{"method":"GET","uri":"/c","headers":{},"querystring":{},"cookies":{}}}`,
	})
	cases, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	Report(&report, Run(context.Background(), cases), false)
	if n := strings.Count(report.String(), "SyntaxError: Unexpected token ;"); n != 1 {
		t.Errorf("the compile error printed %d times; want once:\n%s", n, report.String())
	}
	if n := strings.Count(report.String(), "does not compile (the errors are above)"); n != 2 {
		t.Errorf("%d back-references; want 2:\n%s", n, report.String())
	}
}

// TestRecord: --update writes each differing or new result as the case's
// expectation, logs where the case keeps them, and leaves compile errors
// and passing cases alone; the suite then passes.
func TestRecord(t *testing.T) {
	const ev = `{"request":{"method":"GET","uri":"/a?x","headers":{},"querystring":{},"cookies":{}}}`
	const amp = `function handler(event) {
	console.log('q a&b');
	event.request.uri = '/a&b<c>';
	return event.request;
}`
	passing := `{"request":{"method":"GET","uri":"/a?x","querystring":{},"headers":{},"cookies":{}}, "logs": ["uri /a?x"]}`
	dir := writeFiles(t, map[string]string{
		"amp/function.js":          amp,
		"amp/old.event.json":       ev,
		"amp/old.expected.json":    request,
		"amp/old.logs.json":        `[]`,
		"amp/new.event.json":       ev,
		"amp/inline.event.json":    ev,
		"amp/inline.expected.json": `{"request": {}, "logs": []}`,
		"throws/function.js":       "function handler(e) { throw new Error('no & way'); }",
		"throws/event.json":        ev,
		"throws/expected.json":     request,
		"ok/function.js":           echo,
		"ok/event.json":            ev,
		"ok/expected.json":         passing,
		"bad/function.js":          "function handler(e) { var a = ; }",
		"bad/event.json":           ev,
		"bad/expected.json":        request,
	})
	cases, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results := Run(context.Background(), cases)
	if err := Record(results); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wantOutput := "{\n  \"request\": {\n    \"headers\": {},\n    \"method\": \"GET\",\n    \"querystring\": {},\n    \"uri\": \"/a&b<c>\",\n    \"cookies\": {}\n  }\n}\n"
	for name, want := range map[string]string{
		"amp/old.expected.json":    wantOutput,
		"amp/old.logs.json":        "[\n  \"q a&b\"\n]\n",
		"amp/new.expected.json":    wantOutput,
		"amp/inline.expected.json": strings.TrimSuffix(wantOutput, "\n}\n") + ",\n  \"logs\": [\n    \"q a&b\"\n  ]\n}\n",
		"throws/expected.json":     "{\n  \"error\": \"Error: no & way\"\n}\n",
		"ok/expected.json":         passing,
		"bad/expected.json":        request,
	} {
		if got := read(name); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	var report bytes.Buffer
	Report(&report, results, false)
	if !strings.Contains(report.String(), "RECORDED amp/old (") || !strings.Contains(report.String(), "COMPILE ERROR bad (") {
		t.Errorf("report:\n%s", report.String())
	}
	if cases, err = LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, r := range Run(context.Background(), cases) {
		if r.Case.Name != "bad" && r.Status() != Passed {
			t.Errorf("after recording, %s: %v %v", r.Case.Name, r.Status(), r.Diffs)
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
		{doc: `{"decision": "allow", "logs": []}`},
		{doc: `{"decision": "deny", "customLogData": "revoked"}`},
		{doc: `{"decision": "maybe"}`, bad: `want "allow" or "deny"`},
		{doc: `{"decision": true}`, bad: `"decision"`},
		{doc: `{"decision": "allow", "request": {}}`, bad: `not "request" or "response"`},
		{doc: `{"customLogData": "x"}`, bad: `goes with a connection function's "decision"`},
		{doc: `{"decision": "deny", "error": "x"}`, bad: "cannot come with an output"},
		{doc: `[]`, bad: "object"},
		{doc: `null`, bad: "null"},
	} {
		_, err := ParseExpectation([]byte(tt.doc))
		if (err == nil) != (tt.bad == "") || err != nil && !strings.Contains(err.Error(), tt.bad) {
			t.Errorf("%s: got %v; want %q", tt.doc, err, tt.bad)
		}
	}
}

// TestConnectionCases runs connection functions as TestConnectionFunction
// would: the verdict is the output, beside the logs and any error.
func TestConnectionCases(t *testing.T) {
	const (
		revocation = `import cf from 'cloudfront';
async function connectionHandler(c) {
	const serial = c.clientCertificate.certificates.leaf.serialNumber;
	if (await cf.kvs().exists(serial)) { c.logCustomData('revoked ' + serial); return c.deny(); }
	console.log('ok ' + serial);
	c.allow();
}`
		good    = `{"clientCertificate":{"certificates":{"leaf":{"serialNumber":"4a:3f"}}},"clientIp":"203.0.113.7"}`
		revoked = `{"clientCertificate":{"certificates":{"leaf":{"serialNumber":"0b:ad"}}},"clientIp":"203.0.113.8"}`
		kvs     = `{"data":[{"key":"0b:ad","value":"x"}]}`
	)
	for _, tt := range []struct {
		name                 string
		code, event, kvs     string
		kind                 Kind
		runtime              string
		expect               string
		want                 Status
		output, errMsg, diff string // parts of the TestResult and of the first diff
	}{
		{name: "allow", code: revocation, event: good, kvs: kvs, expect: `{"decision":"allow","logs":["ok 4a:3f"]}`, want: Passed, output: `{"decision":"allow"}`},
		{name: "deny from the store", code: revocation, event: revoked, kvs: kvs, expect: `{"decision":"deny","customLogData":"revoked 0b:ad","logs":[]}`, want: Passed, output: `{"decision":"deny","customLogData":"revoked 0b:ad"}`},
		{name: "wrong verdict", code: revocation, event: revoked, kvs: kvs, expect: `{"decision":"allow"}`, want: Failed, diff: ".decision"},
		{name: "no expectation", code: revocation, event: good, kvs: kvs, want: Passed, output: `{"decision":"allow"}`},
		{name: "nothing called is deny", code: `function connectionHandler(c) {}`, event: good, expect: `{"decision":"deny"}`, want: Passed},
		// A throw denies, and the error is reported beside the verdict.
		{name: "throws", code: `function connectionHandler(c) { c.allow(); throw new Error('boom'); }`, event: good, expect: `{"error":"boom"}`, want: Passed, output: `{"decision":"deny"}`, errMsg: "boom"},
		{name: "throws, verdict expected", code: `function connectionHandler(c) { throw new Error('boom'); }`, event: good, expect: `{"decision":"deny"}`, want: Failed, diff: "FunctionErrorMessage"},
		{name: "no certificate", code: revocation, event: `{"clientIp":"203.0.113.7"}`, expect: `{"error":"TypeError"}`, want: Passed, output: `{"decision":"deny"}`},
		{name: "viewer handler only", code: echo, event: good, expect: `{"decision":"allow"}`, want: Failed, output: `{"decision":"deny"}`, errMsg: "connectionHandler"},
		{name: "loops", code: `function connectionHandler(c) { for (;;) {} }`, event: good, expect: `{"error":""}`, want: Passed, output: `{"decision":"deny"}`, errMsg: "compute"},
		{name: "refused at load", code: `class A {}
function connectionHandler(c) { c.allow(); }`, event: good, want: NotCompiled, errMsg: "class declarations are not supported"},
		{name: "refusal expected", code: `class A {}
function connectionHandler(c) { c.allow(); }`, event: good, expect: `{"error":"class declarations"}`, want: Passed},
		{name: "cloudfront-js-1.0", code: revocation, event: good, runtime: "cloudfront-js-1.0", want: Unusable},
		{name: "unknown kind", code: revocation, event: good, kind: "origin", want: Unusable},
		{name: "event not JSON", code: revocation, event: "GET / HTTP/1.1\n\n", want: Unusable},
		{name: "event over the limit", code: revocation, event: `{"clientIp":"` + strings.Repeat("1", 41000) + `"}`, want: Unusable},
		// A case that forgets its kind is told its event is no viewer event.
		{name: "a connection event as a viewer event", code: revocation, event: good, kind: KindViewer, want: Unusable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"function.js": tt.code, "event.json": tt.event}
			if tt.kvs != "" {
				files["kvs.json"] = tt.kvs
			}
			dir := writeFiles(t, files)
			c := &Case{Name: tt.name, File: filepath.Join(dir, "function.js"), Runtime: "cloudfront-js-2.0", Kind: KindConnection, Event: filepath.Join(dir, "event.json")}
			if tt.kind != "" {
				c.Kind = tt.kind
			}
			if tt.runtime != "" {
				c.Runtime = edgefn.Runtime(tt.runtime)
			}
			if tt.kvs != "" {
				c.KVS = filepath.Join(dir, "kvs.json")
			}
			if tt.expect != "" {
				exp, err := ParseExpectation([]byte(tt.expect))
				if err != nil {
					t.Fatal(err)
				}
				c.Expect = exp
			}
			res := Run(context.Background(), []*Case{c})[0]
			if st := res.Status(); st != tt.want {
				t.Fatalf("status %v; want %v (err %v, result %+v, diffs %v)", st, tt.want, res.Err, res.TestResult, res.Diffs)
			}
			tr := res.TestResult
			if tt.output != "" && tr.FunctionOutput != tt.output {
				t.Errorf("FunctionOutput %s; want %s", tr.FunctionOutput, tt.output)
			}
			if !strings.Contains(tr.FunctionErrorMessage, tt.errMsg) {
				t.Errorf("FunctionErrorMessage %q; want %q", tr.FunctionErrorMessage, tt.errMsg)
			}
			if tt.diff != "" && !slices.ContainsFunc(res.Diffs, func(d Diff) bool { return d.Path == tt.diff }) {
				t.Errorf("diffs %v; want one at %s", res.Diffs, tt.diff)
			}
		})
	}
}
