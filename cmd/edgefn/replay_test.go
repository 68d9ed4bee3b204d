package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplayCommand(t *testing.T) {
	dir := t.TempDir()
	fields := "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie)"
	line := func(uri string) string {
		return strings.Join([]string{"2026-12-05", "18:00:00", "FRA56-P1", "1", "192.0.2.1", "GET", "d1.cloudfront.net", uri, "200", "-", "curl/8", "-", "-"}, "\t")
	}
	logs := "#Version: 1.0\n#Fields: " + fields + "\n" + line("/") + "\n" + line("/colour") + "\n" + "garbage\n"
	files := map[string]string{
		"logs/a.log": logs,
		"new.js": `import cf from 'cloudfront';
async function handler(event) {
	const r = event.request;
	if (r.uri === '/') { r.uri = '/' + await cf.kvs().get('home'); }
	return r;
}`,
		"old.js":   `function handler(event) { return event.request; }`,
		"kvs.json": `{"data":[{"key":"home","value":"index.html"}]}`,
	}
	for name, body := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	stdout, stderr, code := runReplay(t, "--logs", p("logs"), "--kvs", p("kvs.json"),
		"--against", p("old.js"), "--out", p("diffs.jsonl"), "--json", "--html", p("report.html"), p("new.js"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Lines, Requests  int
		Malformed        struct{ Count int }
		TopRewrittenUris []struct {
			URI   string
			Count int
		}
		Against struct{ Differing int }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if rep.Lines != 3 || rep.Requests != 2 || rep.Malformed.Count != 1 || rep.Against.Differing != 1 ||
		len(rep.TopRewrittenUris) != 1 || rep.TopRewrittenUris[0].URI != "/index.html" {
		t.Errorf("report %+v", rep)
	}
	diffs, err := os.ReadFile(filepath.Join(dir, "diffs.jsonl"))
	if err != nil || strings.Count(string(diffs), "\n") != 1 || !strings.Contains(string(diffs), `"uri":"/"`) {
		t.Errorf("diffs %q %v", diffs, err)
	}
	html, err := os.ReadFile(p("report.html"))
	if err != nil || !strings.Contains(string(html), "<svg") || strings.Contains(string(html), "http") {
		t.Errorf("html report: %v %.200s", err, html)
	}
	if _, _, code := runReplay(t, p("new.js")); code != 2 {
		t.Errorf("no --logs: exit %d, want 2", code)
	}
	if _, _, code := runReplay(t, "--logs", p("missing"), p("new.js")); code != 2 {
		t.Errorf("missing logs: exit %d, want 2", code)
	}
}

// runReplay runs `edgefn replay args...` through the root command.
func runReplay(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"replay"}, args...))
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCode(err)
	}
	return out.String(), errOut.String(), code
}

// TestReplayCommandSingle: one version, --out, compile errors, a report
// that names what it replayed, and logs of which no line is a request.
func TestReplayCommandSingle(t *testing.T) {
	dir := t.TempDir()
	fields := "date time c-ip cs-method cs(Host) cs-uri-stem cs(User-Agent) cs-uri-query"
	line := func(uri string) string {
		return strings.Join([]string{"2026-12-05", "18:00:00", "192.0.2.1", "GET", "d1.cloudfront.net", uri, "curl/8", "-"}, "\t")
	}
	files := map[string]string{
		"a.log":     "#Version: 1.0\n#Fields: " + fields + "\n" + line("/") + "\n" + line("/boom") + "\n",
		"rt.log":    strings.Join([]string{"1733421600.123", "GET", "/"}, "\t") + "\n",
		"fn.js":     "function handler(event) {\n  if (event.request.uri === '/boom') {\n    return event.request.headers.missing.value;\n  }\n  return event.request;\n}",
		"broken.js": "function handler(event) {\n  var x = ;\n}",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := func(name string) string { return filepath.Join(dir, name) }

	stdout, stderr, code := runReplay(t, "--logs", p("a.log"), "--out", p("out.jsonl"), "--html", p("r.html"), p("fn.js"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out, err := os.ReadFile(p("out.jsonl"))
	if err != nil || strings.Count(string(out), "\n") != 2 || !strings.Contains(string(out), `"outcome":"passed-through"`) ||
		!strings.Contains(string(out), `"message":"TypeError: cannot get property \"value\" of undefined","line":3,"column":42`) {
		t.Errorf("--out without --against: %q %v; want one line per request", out, err)
	}
	for _, w := range []string{"function ", " " + p("fn.js") + "\n", "logs ", " " + p("a.log") + "\n", p("fn.js") + `:3:42: TypeError: cannot get property "value" of undefined`, "> 3 |     return event.request.headers.missing.value;"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("report lacks %q:\n%s", w, stdout)
		}
	}
	html, _ := os.ReadFile(p("r.html"))
	for _, w := range []string{"<title>edgefn replay: " + p("fn.js"), p("a.log") + "<br>", ">passed-through</text>", ">over 100</text>", ">50</text>"} {
		if !strings.Contains(string(html), w) {
			t.Errorf("html report lacks %q", w)
		}
	}

	_, stderr, code = runReplay(t, "--logs", p("a.log"), p("broken.js"))
	if code != 3 || !strings.Contains(stderr, p("broken.js")+":2:11: SyntaxError: Unexpected token ;\n  1 | function handler(event) {\n> 2 |   var x = ;") {
		t.Errorf("compile error: exit %d, stderr %q; want 3 with the position and a frame", code, stderr)
	}

	_, stderr, code = runReplay(t, "--logs", p("rt.log"), p("fn.js"))
	if code != 2 || !strings.Contains(stderr, "no line of the logs is a request") || !strings.Contains(stderr, "--fields") {
		t.Errorf("a real-time log without --fields: exit %d, stderr %q; want 2 and why", code, stderr)
	}
	if stdout, stderr, code := runReplay(t, "--logs", p("rt.log"), "--fields", "timestamp,cs-method,cs-uri-stem", "--json", p("fn.js")); code != 0 || !strings.Contains(stdout, `"requests": 1`) {
		t.Errorf("a real-time log with --fields: exit %d %s %s", code, stdout, stderr)
	}
}
