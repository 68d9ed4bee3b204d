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
