package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/edgefn/edgefn/suite"
)

// testFiles are the inputs `edgefn test` reads, by file name.
var testFiles = map[string]string{
	"echo.js": `function handler(event) {
	console.log('uri ' + event.request.uri);
	event.request.headers['x-seen'] = {value: 'yes'};
	return event.request;
}`,
	"throws.js": `function handler(event) {
	console.log('about to fail');
	throw new Error('boom');
}`,
	"let.js": `function handler(event) {
	let uri = event.request.uri;
	return event.request;
}`,
	"kvs.js": `import cf from 'cloudfront';
const store = cf.kvs();
async function handler(event) {
	let v;
	try {
		v = await store.get(event.request.uri.slice(1));
	} catch (e) {
		v = 'missing';
	}
	event.request.headers['x-kvs'] = {value: v};
	return event.request;
}`,
	"event.json":        `{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/colour","querystring":{},"headers":{},"cookies":{}}}`,
	"absent-key.json":   `{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/shape","querystring":{},"headers":{},"cookies":{}}}`,
	"bad-event.json":    `{"version":"1.0","context":`,
	"store.json":        `{"data":[{"key":"colour","value":"green"}]}`,
	"dup-store.json":    `{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}`,
	"expect-echo.json":  `{"request":{"method":"GET","uri":"/colour","querystring":{},"headers":{"x-seen":{"value":"yes"}},"cookies":{}}}`,
	"expect-other.json": `{"request":{"method":"GET","uri":"/other","querystring":{},"headers":{},"cookies":{}}}`,
	"bad-expect.json":   `{"request":`,
	"broken.js": `function handler(event) {
	var a = ;
	return event.request;
}`,
	"two-refusals.js":         "function handler(event) {\n  let a = 1;\n  const b = 2;\n  return event.request;\n}",
	"expect-boom.json":        `{"error": "boom", "logs": ["about to fail"]}`,
	"expect-syntax.json":      `{"error": "SyntaxError"}`,
	"expect-other-error.json": `{"error": "bang"}`,
	"expect-logs.json":        `{"request":{"method":"GET","uri":"/colour","querystring":{},"headers":{"x-seen":{"value":"yes"}},"cookies":{}},"logs":["uri /other"]}`,
	"expect-unknown.json":     `{"output": {}}`,
	"multivalue.json":         `{"request":{"method":"GET","uri":"/colour","headers":{"accept":{"value":"a","multivalue":[{"value":"a"}]}}}}`,
	"request.http":            "GET /colour?size=1&size=2 HTTP/1.1\nHost: example.com\nCookie: a=1; b=2\nAccept: text/html\n\n",
	"gate.js": `import cf from 'cloudfront';
async function connectionHandler(connection) {
	const serial = connection.clientCertificate.certificates.leaf.serialNumber;
	if (await cf.kvs().exists(serial)) {
		connection.logCustomData('revoked ' + serial);
		return connection.deny();
	}
	console.log('allow ' + serial);
	connection.allow();
}`,
	"gate-class.js":           "class Gate {}\nfunction connectionHandler(c) { c.allow(); }",
	"conn.json":               `{"clientCertificate":{"certificates":{"leaf":{"serialNumber":"4a:3f:5c","subject":"CN=device"}}},"clientIp":"203.0.113.7","endpoint":"d111111abcdef8.cloudfront.net","distributionId":"E1A2B3C4D5E6F7","connectionId":"c1"}`,
	"conn-revoked.json":       `{"clientCertificate":{"certificates":{"leaf":{"serialNumber":"0b:ad"}}},"clientIp":"203.0.113.8"}`,
	"revoked.json":            `{"data":[{"key":"0b:ad","value":"key compromise"}]}`,
	"expect-allow.json":       `{"decision":"allow","logs":["allow 4a:3f:5c"]}`,
	"expect-deny.json":        `{"decision":"deny","customLogData":"revoked 0b:ad"}`,
	"expect-bad-verdict.json": `{"decision":"maybe"}`,
	"expect-http.json":        `{"request":{"method":"GET","uri":"/colour","querystring":{"size":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]}},"headers":{"host":{"value":"example.com"},"accept":{"value":"text/html"},"x-seen":{"value":"yes"}},"cookies":{"a":{"value":"1"},"b":{"value":"2"}}}}`,
}

// runEdgefnTest runs `edgefn test args...` in dir through the root command and
// returns stdout, stderr and the exit status main would use.
func runEdgefnTest(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	full := []string{"test"}
	for _, a := range args {
		if strings.HasSuffix(a, ".js") || strings.HasSuffix(a, ".json") || strings.HasSuffix(a, ".http") {
			a = filepath.Join(dir, a)
		}
		full = append(full, a)
	}
	return runEdgefn(t, full...)
}

func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	for name, content := range testFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		// For exit 0 and 1, the result printed; for 2, nothing is printed.
		wantOutput string // part of FunctionOutput ("" means none)
		wantError  string // part of FunctionErrorMessage ("" means none)
		wantLog    string // one of the FunctionExecutionLogs
		wantStderr string // part of the message on stderr
	}{
		{name: "output", args: []string{"--event", "event.json", "echo.js"}, wantOutput: `"x-seen":{"value":"yes"}`, wantLog: "uri /colour"},
		{name: "a thrown error is a result", args: []string{"--event", "event.json", "throws.js"}, wantError: "boom", wantLog: "about to fail", wantStderr: "throws.js:3:8: Error: boom\n  2 | \tconsole.log('about to fail');\n> 3 | \tthrow new Error('boom');\n    | \t      ^\n"},
		{name: "1.0 refuses let", args: []string{"--runtime", "cloudfront-js-1.0", "--event", "event.json", "let.js"}, code: 3, wantError: "SyntaxError", wantStderr: "let.js:2:2: SyntaxError: let declarations"},
		{name: "a compile error", args: []string{"--event", "event.json", "broken.js"}, code: 3, wantError: "SyntaxError: Unexpected token ; in 2", wantStderr: "broken.js:2:10: SyntaxError: Unexpected token ;\n  1 | function handler(event) {\n> 2 | \tvar a = ;\n    | \t        ^"},
		{name: "every refusal", args: []string{"--runtime", "cloudfront-js-1.0", "--event", "event.json", "two-refusals.js"}, code: 3, wantError: "let", wantStderr: "two-refusals.js:3:3: SyntaxError: const declarations"},
		{name: "expected compile error", args: []string{"--runtime", "cloudfront-js-1.0", "--expect", "expect-syntax.json", "--event", "event.json", "let.js"}, wantError: "SyntaxError"},
		{name: "expected error and logs", args: []string{"--expect", "expect-boom.json", "--event", "event.json", "throws.js"}, wantError: "boom", wantLog: "about to fail"},
		{name: "other error", args: []string{"--expect", "expect-other-error.json", "--event", "event.json", "throws.js"}, code: 1, wantError: "boom", wantStderr: "FunctionErrorMessage\n    want a message containing \"bang\"\n    got  \"Error: boom\""},
		{name: "expected error, got output", args: []string{"--expect", "expect-boom.json", "--event", "event.json", "echo.js"}, code: 1, wantOutput: `"x-seen"`, wantStderr: "FunctionErrorMessage\n    want a message containing \"boom\"\n    got  (absent)"},
		{name: "logs differ", args: []string{"--expect", "expect-logs.json", "--event", "event.json", "echo.js"}, code: 1, wantOutput: `"x-seen"`, wantStderr: "FunctionExecutionLogs[0]\n    want \"uri /other\"\n    got  \"uri /colour\""},
		{name: "unknown expect member", args: []string{"--expect", "expect-unknown.json", "--event", "event.json", "echo.js"}, code: 2, wantStderr: `"output": unknown member`},
		{name: "raw HTTP event", args: []string{"--expect", "expect-http.json", "--event", "request.http", "echo.js"}, wantOutput: `"cookies":{"a":{"value":"1"}`, wantLog: "uri /colour"},
		{name: "ignored event field", args: []string{"--event", "multivalue.json", "echo.js"}, wantOutput: `"accept":{"value":"a"}`, wantLog: "uri /colour", wantStderr: `warning: event field request.headers["accept"].multivalue is ignored`},
		{name: "2.0 accepts let", args: []string{"--event", "event.json", "let.js"}, wantOutput: `"uri":"/colour"`},
		{name: "kvs file plays the store", args: []string{"--kvs", "store.json", "--event", "event.json", "kvs.js"}, wantOutput: `"x-kvs":{"value":"green"}`},
		{name: "kvs file without the key", args: []string{"--kvs", "store.json", "--event", "absent-key.json", "kvs.js"}, wantOutput: `"x-kvs":{"value":"missing"}`},
		{name: "no kvs file", args: []string{"--event", "event.json", "kvs.js"}, wantError: "KVSNamespaceNotFound"},
		{name: "expect matches", args: []string{"--expect", "expect-echo.json", "--event", "event.json", "echo.js"}, wantOutput: `"x-seen"`},
		{name: "expect differs", args: []string{"--expect", "expect-other.json", "--event", "event.json", "echo.js"}, code: 1, wantOutput: `"x-seen"`, wantLog: "uri /colour", wantStderr: "  .request.headers.x-seen\n    want (absent)\n    got  {\"value\":\"yes\"}\n  .request.uri\n    want \"/other\"\n    got  \"/colour\""},
		{name: "expect output of a failing function", args: []string{"--expect", "expect-echo.json", "--event", "event.json", "throws.js"}, code: 1, wantError: "boom", wantStderr: "boom"},
		{name: "missing function file", args: []string{"--event", "event.json", "absent.js"}, code: 2, wantStderr: "absent.js"},
		{name: "missing event file", args: []string{"--event", "absent.json", "echo.js"}, code: 2, wantStderr: "absent.json"},
		{name: "bad event JSON", args: []string{"--event", "bad-event.json", "echo.js"}, code: 2, wantStderr: "bad-event.json"},
		{name: "bad runtime", args: []string{"--runtime", "cloudfront-js-3.0", "--event", "event.json", "echo.js"}, code: 2, wantStderr: "cloudfront-js-3.0"},
		{name: "bad kvs file", args: []string{"--kvs", "dup-store.json", "--event", "event.json", "kvs.js"}, code: 2, wantStderr: "dup-store.json"},
		{name: "missing --event", args: []string{"echo.js"}, code: 2, wantStderr: "--event"},
		{name: "unknown flag", args: []string{"--colour", "--event", "event.json", "echo.js"}, code: 2, wantStderr: "colour"},
		{name: "two functions", args: []string{"--event", "event.json", "echo.js", "throws.js"}, code: 2, wantStderr: "got 2"},
		{name: "connection: allow", args: []string{"--kind", "connection", "--kvs", "revoked.json", "--expect", "expect-allow.json", "--event", "conn.json", "gate.js"}, wantOutput: `{"decision":"allow"}`, wantLog: "allow 4a:3f:5c"},
		{name: "connection: deny from the store", args: []string{"--kind", "connection", "--kvs", "revoked.json", "--expect", "expect-deny.json", "--event", "conn-revoked.json", "gate.js"}, wantOutput: `{"decision":"deny","customLogData":"revoked 0b:ad"}`},
		{name: "connection: verdict differs", args: []string{"--kind", "connection", "--kvs", "revoked.json", "--expect", "expect-allow.json", "--event", "conn-revoked.json", "gate.js"}, code: 1, wantOutput: `"decision":"deny"`, wantStderr: ".decision\n    want \"allow\"\n    got  \"deny\""},
		{name: "connection: no store denies with the error", args: []string{"--kind", "connection", "--event", "conn.json", "gate.js"}, wantOutput: `{"decision":"deny"}`, wantError: "KVSNamespaceNotFound"},
		{name: "connection: refused at load", args: []string{"--kind", "connection", "--event", "conn.json", "gate-class.js"}, code: 3, wantError: "class declarations are not supported", wantStderr: "gate-class.js:1:1: SyntaxError: class declarations"},
		{name: "connection: a viewer event", args: []string{"--kind", "connection", "--event", "event.json", "gate.js"}, wantOutput: `{"decision":"deny"}`, wantError: "TypeError"},
		{name: "connection: a raw HTTP request", args: []string{"--kind", "connection", "--event", "request.http", "gate.js"}, code: 2, wantStderr: "request.http"},
		{name: "connection: 1.0", args: []string{"--kind", "connection", "--runtime", "cloudfront-js-1.0", "--event", "conn.json", "gate.js"}, code: 2, wantStderr: "cloudfront-js-2.0 only"},
		{name: "connection: bad verdict expected", args: []string{"--kind", "connection", "--expect", "expect-bad-verdict.json", "--event", "conn.json", "gate.js"}, code: 2, wantStderr: `want "allow" or "deny"`},
		{name: "connection event to a viewer function", args: []string{"--event", "conn.json", "echo.js"}, code: 2, wantStderr: "request: missing"},
		{name: "unknown kind", args: []string{"--kind", "origin", "--event", "conn.json", "gate.js"}, code: 2, wantStderr: `kind "origin"`},
		{name: "bad expect file", args: []string{"--expect", "bad-expect.json", "--event", "event.json", "echo.js"}, code: 2, wantStderr: "bad-expect.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runEdgefnTest(t, dir, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d; want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q; want it to mention %q", stderr, tt.wantStderr)
			}
			if tt.code == 2 {
				if stdout != "" {
					t.Errorf("unusable input printed a result: %s", stdout)
				}
				return
			}
			checkTestResult(t, stdout, tt.wantOutput, tt.wantError, tt.wantLog)
		})
	}
}

// checkTestResult checks the JSON `edgefn test` prints: exactly the four
// members of TestResult other tools script against.
func checkTestResult(t *testing.T, stdout, wantOutput, wantError, wantLog string) {
	t.Helper()
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &members); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	keys := slices.Sorted(maps.Keys(members))
	if want := []string{"ComputeUtilization", "FunctionErrorMessage", "FunctionExecutionLogs", "FunctionOutput"}; !slices.Equal(keys, want) {
		t.Fatalf("members %v; want %v", keys, want)
	}
	var res suite.TestResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.FunctionExecutionLogs == nil {
		t.Error("FunctionExecutionLogs is null; want a list")
	}
	if n, err := strconv.Atoi(res.ComputeUtilization); err != nil || n < 0 || n > 100 {
		t.Errorf("ComputeUtilization %q; want a percentage", res.ComputeUtilization)
	}
	if (wantOutput == "") != (res.FunctionOutput == "") || !strings.Contains(res.FunctionOutput, wantOutput) {
		t.Errorf("FunctionOutput %q; want it to contain %q", res.FunctionOutput, wantOutput)
	}
	if res.FunctionOutput != "" && !json.Valid([]byte(res.FunctionOutput)) {
		t.Errorf("FunctionOutput %q is not JSON", res.FunctionOutput)
	}
	if (wantError == "") != (res.FunctionErrorMessage == "") || !strings.Contains(res.FunctionErrorMessage, wantError) {
		t.Errorf("FunctionErrorMessage %q; want it to contain %q", res.FunctionErrorMessage, wantError)
	}
	if wantLog != "" && !slices.Contains(res.FunctionExecutionLogs, wantLog) {
		t.Errorf("FunctionExecutionLogs %q; want the line %q", res.FunctionExecutionLogs, wantLog)
	}
}

// TestTestUpdate: --update records the actual result as the expectation,
// for one run and for a suite, after which the same command passes; the
// printed JSON keeps & and > as they are.
func TestTestUpdate(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"amp.js":                     "function handler(event) { event.request.uri = '/a&b>c'; return event.request; }",
		"event.json":                 testFiles["event.json"],
		"cases/amp/function.js":      "function handler(event) { event.request.uri = '/a&b>c'; return event.request; }",
		"cases/amp/event.json":       testFiles["event.json"],
		"cases/amp/expected.json":    testFiles["expect-other.json"],
		"cases/amp/new.event.json":   testFiles["event.json"],
		"cases/throws/function.js":   testFiles["throws.js"],
		"cases/throws/event.json":    testFiles["event.json"],
		"cases/throws/expected.json": testFiles["expect-echo.json"],
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stdout, stderr, code := runEdgefnTest(t, dir, "--update", "--expect", "recorded.json", "--event", "event.json", "amp.js")
	if code != 0 || !strings.Contains(stderr, "recorded "+filepath.Join(dir, "recorded.json")) || strings.Contains(stdout, `\u00`) || !strings.Contains(stdout, `/a&b>c`) {
		t.Fatalf("--update one run: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if _, stderr, code := runEdgefnTest(t, dir, "--expect", "recorded.json", "--event", "event.json", "amp.js"); code != 0 {
		t.Errorf("after recording: exit %d: %s", code, stderr)
	}
	cases := filepath.Join(dir, "cases")
	if stdout, _, code := runEdgefn(t, "test", cases); code != 1 || !strings.Contains(stdout, `got  "/a&b>c"`) {
		t.Errorf("before recording: exit %d; want 1 and a diff with & and > as written:\n%s", code, stdout)
	}
	if stdout, _, code := runEdgefn(t, "test", "--update", cases); code != 0 || !strings.Contains(stdout, "RECORDED amp/new (") || !strings.Contains(stdout, "RECORDED throws (") {
		t.Errorf("--update: exit %d:\n%s", code, stdout)
	}
	if stdout, _, code := runEdgefn(t, "test", cases); code != 0 {
		t.Errorf("after recording: exit %d:\n%s", code, stdout)
	}
	for _, args := range [][]string{{"test", "--update", "--watch", cases}, {"test", "--update", "--event", "e.json", "f.js"}} {
		if _, stderr, code := runEdgefn(t, args...); code != 2 || !strings.Contains(stderr, "--update") {
			t.Errorf("%q: exit %d %s; want a usage error", args, code, stderr)
		}
	}
}

// TestTestCommandPretty checks the people-readable form.
func TestTestCommandPretty(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"echo.js", "throws.js", "event.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(testFiles[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		file string
		want []string
	}{
		{"output", "echo.js", []string{"Output:\n{\n  \"request\": {", `"x-seen": {`, "Logs:\n  uri /colour\n", "Compute utilization: "}},
		{"error", "throws.js", []string{"Logs:\n  about to fail\n", "Error: ", "boom", "Compute utilization: "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runEdgefnTest(t, dir, "--pretty", "--event", "event.json", tt.file)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("--pretty output lacks %q:\n%s", w, stdout)
				}
			}
			if json.Valid([]byte(stdout)) {
				t.Errorf("--pretty printed JSON:\n%s", stdout)
			}
		})
	}
}
