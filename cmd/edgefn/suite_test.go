package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// runEdgefn runs edgefn args... through the root command.
func runEdgefn(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		code = exitCode(err)
	}
	return out.String(), errOut.String(), code
}

// TestInitThenTest: the starter project passes its own tests; a broken edit
// fails with the diff, a compile error with its position, both in JUnit.
func TestInitThenTest(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runEdgefn(t, "init", dir); code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	if _, _, code := runEdgefn(t, "init", dir); code != 2 {
		t.Errorf("a second init: exit %d; want 2", code)
	}
	junit := filepath.Join(dir, "junit.xml")
	stdout, stderr, code := runEdgefn(t, "test", "--junit", junit, dir)
	if code != 0 || !strings.Contains(stdout, "2 cases: 2 passed") {
		t.Fatalf("starter tests: exit %d\n%s%s", code, stdout, stderr)
	}

	fn := filepath.Join(dir, "functions", "router.js")
	code0, err := os.ReadFile(fn)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fn, bytes.Replace(code0, []byte("'index.html'"), []byte("'home.html'"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = runEdgefn(t, "test", "--junit", junit, filepath.Join(dir, "edgefn.yaml"))
	if code != 1 || !strings.Contains(stdout, "FAIL directory index") || !strings.Contains(stdout, "  .request.uri\n    want \"/docs/index.html\"\n    got  \"/docs/home.html\"") {
		t.Errorf("a changed output: exit %d\n%s", code, stdout)
	}
	var doc struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &doc); err != nil || doc.Suites[0].Tests != 2 || doc.Suites[0].Failures != 1 {
		t.Errorf("JUnit report %+v (%v):\n%s", doc, err, data)
	}

	if err := os.WriteFile(fn, bytes.Replace(code0, []byte("const redirects"), []byte("const = redirects"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = runEdgefn(t, "test", dir)
	if code != 3 || !strings.Contains(stdout, fn+":3:7: SyntaxError: Unexpected token =") {
		t.Errorf("a compile error: exit %d\n%s", code, stdout)
	}
}

func TestTestSuiteUsage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no project", []string{"test", t.TempDir()}, "no cases"},
		{"missing path", []string{"test", filepath.Join(t.TempDir(), "absent")}, "absent"},
		{"bad project", []string{"test", writeTemp(t, "edgefn.yaml", "functions: [")}, "edgefn.yaml"},
		{"--expect without --event", []string{"test", "--expect", "x.json", "."}, "--event"},
		{"--watch with --event", []string{"test", "--watch", "--event", "e.json", "f.js"}, "--watch"},
		{"--kind without --event", []string{"test", "--kind", "connection", "."}, "--kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runEdgefn(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.stderr)
			}
		})
	}
}

// TestTestConnectionSuite runs the repository's connection-function
// conformance cases as a suite: a revocation list in a KVS (allow, deny with
// custom log data, deny without a certificate) and a load refusal expected.
func TestTestConnectionSuite(t *testing.T) {
	for dir, want := range map[string]string{
		"conn-revocation-kvs": "3 cases: 3 passed, 0 failed, 0 did not compile, 0 unusable",
		"conn-refused":        "1 cases: 1 passed",
	} {
		stdout, stderr, code := runEdgefn(t, "test", filepath.Join("..", "..", "conformance", dir))
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("%s: exit %d; want 0 and %q\nstdout: %s\nstderr: %s", dir, code, want, stdout, stderr)
		}
	}
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// syncBuffer collects a command's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTestWatch: --watch runs the suite again when a file of it changes, and
// ends with its context.
func TestTestWatch(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runEdgefn(t, "init", dir); code != 0 {
		t.Fatal(stderr)
	}
	var out syncBuffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"test", "--watch", dir})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	waitOutput := func(want string) {
		t.Helper()
		for start := time.Now(); !strings.Contains(out.String(), want); time.Sleep(10 * time.Millisecond) {
			if time.Since(start) > 20*time.Second {
				cancel()
				t.Fatalf("no %q in:\n%s", want, out.String())
			}
		}
	}
	waitOutput("watching for changes")
	expected := filepath.Join(dir, "tests", "index.expected.json")
	data, err := os.ReadFile(expected)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expected, bytes.Replace(data, []byte("/docs/index.html"), []byte("/docs/x.html"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	waitOutput("2 cases: 1 passed, 1 failed")
	if err := os.WriteFile(expected, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); strings.Count(out.String(), "2 cases: 2 passed") < 2; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			cancel()
			t.Fatalf("the fix was not run again:\n%s", out.String())
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("--watch did not end with its context")
	}
}

func TestDevUsage(t *testing.T) {
	dir := t.TempDir()
	fn := writeTemp(t, "fn.js", "function handler(e) { return e.request; }")
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"one function without an origin", []string{"dev", fn}, "--origin"},
		{"bad event type", []string{"dev", "--origin", dir, "--event-type", "origin-request", fn}, "origin-request"},
		{"function flags with a project", []string{"dev", "--kvs", "k.json", dir}, "--kvs"},
		{"no project", []string{"dev", "--addr", "127.0.0.1:0", dir}, "edgefn.yaml"},
		{"deploy without a project", []string{"deploy", dir}, "edgefn.yaml"},
		{"deploy to two targets", []string{"deploy", "--aws", "--endpoint", "http://127.0.0.1:1", writeTemp(t, "edgefn.yaml", "functions: {}\n")}, "--aws"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runEdgefn(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.stderr)
			}
		})
	}
}

// TestDevOneFunction: edgefn dev FUNCTION.js serves it in front of --origin
// for every path, until its context ends.
func TestDevOneFunction(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "origin")
	}))
	defer origin.Close()
	fn := writeTemp(t, "stamp.js", "function handler(e) { e.response.headers['x-stamp'] = {value: 'yes'}; return e.response; }")
	var out syncBuffer
	root := newRootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"dev", "--addr", "127.0.0.1:0", "--watch=false", "--event-type", "viewer-response", "--origin", origin.URL, fn})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	serving := regexp.MustCompile(`serving on (http://\S+)`)
	var url string
	for start := time.Now(); url == ""; time.Sleep(10 * time.Millisecond) {
		if m := serving.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		} else if time.Since(start) > 20*time.Second {
			t.Fatalf("not serving:\n%s", out.String())
		}
	}
	resp, err := http.Get(url + "/any/path")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Stamp") != "yes" {
		t.Errorf("GET: %d %v; want the function's header", resp.StatusCode, resp.Header)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("dev did not stop with its context")
	}
}

// TestDevDefaultPort: dev listens on a port of its own, so that it runs
// beside `edgefn serve` with both at their defaults.
func TestDevDefaultPort(t *testing.T) {
	for _, v := range []string{"EDGEFN_API_ADDR", "EDGEFN_EDGE_ADDR"} {
		t.Setenv(v, "")
	}
	dev := newDevCommand().Flags().Lookup("addr").DefValue
	serve := newServeCommand().Flags()
	for _, name := range []string{"api-addr", "edge-addr"} {
		if s := serve.Lookup(name).DefValue; s == dev {
			t.Errorf("dev --addr %s is serve's --%s", dev, name)
		}
	}
	if dev != "127.0.0.1:8787" {
		t.Errorf("dev --addr %s; want the documented 127.0.0.1:8787", dev)
	}
}
