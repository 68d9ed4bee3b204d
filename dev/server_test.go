package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/project"
)

// syncBuffer is an io.Writer the test reads while the server writes.
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

// waitFor bounds waits for a change to reach the edge; the change normally
// takes milliseconds, the bound only keeps a broken reload from hanging.
const waitFor = 20 * time.Second

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// eventually polls until check passes.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	for start := time.Now(); !check(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > waitFor {
			t.Fatalf("after %s: %s", waitFor, what)
		}
	}
}

const functionV1 = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
	let colour = 'none';
	try { colour = await kvs.get('colour'); } catch (e) {}
	console.log('colour ' + colour);
	event.request.headers['x-colour'] = {value: colour};
	event.request.headers['x-version'] = {value: 'v1'};
	return event.request;
}`

func TestDev(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-Version")+" "+r.Header.Get("X-Colour")+" "+r.URL.Path)
		io.WriteString(w, "origin")
	}))
	defer origin.Close()
	dir := t.TempDir()
	fn, kvs := filepath.Join(dir, "fn.js"), filepath.Join(dir, "colours.json")
	write(t, fn, functionV1)
	write(t, kvs, `{"data":[{"key":"colour","value":"red"}]}`)
	write(t, filepath.Join(dir, "public", "page.html"), "<p>static</p>")
	write(t, filepath.Join(dir, "edgefn.yaml"), `
origin: `+origin.URL+`/app
functions:
  tag:
    code: fn.js
    kvs: colours
  stamp:
    code: stamp.js
stores:
  colours:
    data: colours.json
behaviors:
  - path: /static/*
    viewer-response: stamp
  - path: "*"
    viewer-request: tag
`)
	write(t, filepath.Join(dir, "stamp.js"), `function handler(event) {
	event.response.headers['x-stamp'] = {value: 'yes'};
	return event.response;
}`)
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := Start(ctx, Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: &out, JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	watched, ready := make(chan error, 1), make(chan struct{})
	go func() { watched <- srv.Watch(ctx, func() { close(ready) }) }()
	<-ready

	seen := func() string {
		_, h, _ := get(t, srv.URL()+"/page")
		return h.Get("X-Seen")
	}
	if got := seen(); got != "v1 red /app/page" {
		t.Fatalf("origin saw %q; want the function's headers and the origin path", got)
	}
	if _, h, _ := get(t, srv.URL()+"/static/x"); h.Get("X-Stamp") != "yes" {
		t.Errorf("the /static/* behavior did not run its viewer-response function: %v", h)
	}

	// The request line, in JSON, with the function's time, utilization and logs.
	eventually(t, "a JSON request line for /page", func() bool { return strings.Contains(out.String(), `"uri":"/page"`) })
	for line := range strings.SplitSeq(out.String(), "\n") {
		if !strings.Contains(line, `"uri":"/page"`) {
			continue
		}
		var l requestLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if l.Method != "GET" || l.Status != 200 || len(l.Functions) != 1 || l.Functions[0].Name != "tag" || l.Functions[0].EventType != "viewer-request" ||
			len(l.Functions[0].Logs) != 1 || l.Functions[0].Logs[0] != "colour red" || l.Functions[0].DurationMS <= 0 {
			t.Errorf("request line %+v", l)
		}
		break
	}

	// Saving the function and the store file reaches the next requests.
	write(t, fn, strings.Replace(functionV1, "'v1'", "'v2'", 1))
	eventually(t, "the edit was not served", func() bool { return seen() == "v2 red /app/page" })
	write(t, kvs, `{"data":[{"key":"colour","value":"blue"}]}`)
	eventually(t, "the store edit was not served", func() bool { return seen() == "v2 blue /app/page" })

	// A broken edit is reported with its position; v2 goes on serving.
	write(t, fn, strings.Replace(functionV1, "'none';", "'none' +;", 1))
	defer func() {
		if t.Failed() {
			t.Log(out.String())
		}
	}()
	eventually(t, "the compile error was not reported", func() bool { return strings.Contains(out.String(), `fn.js:4:23: SyntaxError: Unexpected token ;`) })
	if got := seen(); got != "v2 blue /app/page" {
		t.Errorf("after a broken edit the edge serves %q; want v2 still", got)
	}
	// So does a store file that does not parse, and a project file that does not load.
	write(t, kvs, `{"data":[{"key":"colour"}]}`)
	eventually(t, "the bad store file was not reported", func() bool { return strings.Contains(out.String(), "colours.json: ") })
	if got := seen(); got != "v2 blue /app/page" {
		t.Errorf("after a bad store file the edge serves %q; want the last items", got)
	}

	// Fixed: served at once.
	write(t, kvs, `{"data":[{"key":"colour","value":"green"}]}`)
	write(t, fn, functionV1)
	eventually(t, "the fix was not served", func() bool { return seen() == "v1 green /app/page" })

	cancel()
	select {
	case err := <-watched:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(waitFor):
		t.Fatal("Watch did not end with its context")
	}
}

func TestDevDirectoryOrigin(t *testing.T) {
	dir := t.TempDir()
	files, err := project.WriteStarter(dir)
	if err != nil || len(files) == 0 {
		t.Fatal(err)
	}
	var out syncBuffer
	srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if status, _, body := get(t, srv.URL()+"/"); status != 200 || !strings.Contains(body, "Served by edgefn dev") {
		t.Errorf("GET / %d %q; want public/index.html", status, body)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL() + "/old")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/" {
		t.Errorf("GET /old %d %v; want the store's redirect", resp.StatusCode, resp.Header)
	}
	eventually(t, "a plain request line", func() bool {
		return strings.Contains(out.String(), "GET /old 301 ") && strings.Contains(out.String(), "  router: redirect /old -> /\n")
	})
	if strings.Contains(out.String(), "\x1b[") {
		t.Errorf("colours in piped output:\n%s", out.String())
	}
}

// TestDevErrorPosition: a function that throws is shown with the file, line
// and column of the throw and a frame of the code, in both output forms.
func TestDevErrorPosition(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "fn.js"), "function handler(event) {\n  var h = event.request.headers;\n  return h.missing.value;\n}")
	write(t, filepath.Join(dir, "public", "index.html"), "<p>x</p>")
	write(t, filepath.Join(dir, "edgefn.yaml"), "origin: public\nfunctions:\n  broken:\n    code: fn.js\nbehaviors:\n  - path: \"*\"\n    viewer-request: broken\n")
	for _, asJSON := range []bool{false, true} {
		var out syncBuffer
		srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: &out, JSON: asJSON})
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := get(t, srv.URL()+"/"); status != 503 {
			t.Errorf("GET / %d; want 503 for a function that throws", status)
		}
		want := []string{
			`broken: TypeError: cannot get property "value" of undefined`,
			filepath.Join(dir, "fn.js") + `:3:20: TypeError: cannot get property "value" of undefined`,
			"> 3 |   return h.missing.value;",
		}
		if asJSON {
			want = []string{`"error":"TypeError: cannot get property \"value\" of undefined","line":3,"column":20`}
		}
		eventually(t, "the error's position", func() bool {
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					return false
				}
			}
			return true
		})
		srv.Close()
	}
}

func TestDevRefuses(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.js"), "function handler(e) { return e.request; }")
	for _, tt := range []struct {
		name, project, origin, want string
	}{
		{name: "no origin", project: "functions:\n  f:\n    code: f.js\n", want: "no origin"},
		{name: "bad origin URL", project: "origin: ftp://x\n", want: "want http://"},
		{name: "origin flag not a directory", project: "functions: {}\n", origin: filepath.Join(dir, "absent"), want: "not a directory"},
		{name: "bad URL flag", project: "functions: {}\n", origin: "http://", want: "want http://"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "edgefn.yaml")
			write(t, path, strings.ReplaceAll(tt.project, "f.js", filepath.Join(dir, "f.js")))
			srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(path) }, Origin: tt.origin, Addr: "127.0.0.1:0", Out: io.Discard})
			if err == nil {
				srv.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want %q", err, tt.want)
			}
		})
	}
}

// TestDevLeavesConnectionFunctions: a project's connection function is not
// published as a viewer function (it would run as one nowhere, and its code
// has no handler); the viewer functions beside it serve.
func TestDevLeavesConnectionFunctions(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.js"), "function handler(e) { return {statusCode: 204}; }")
	write(t, filepath.Join(dir, "g.js"), "function connectionHandler(c) { c.allow(); }")
	path := filepath.Join(dir, "edgefn.yaml")
	write(t, path, "origin: http://127.0.0.1:9\nfunctions:\n  f:\n    code: f.js\n  gate:\n    code: g.js\n    kind: connection\nbehaviors:\n  - path: '*'\n    viewer-request: f\n")
	srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(path) }, Addr: "127.0.0.1:0", Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.store.GetFunction(context.Background(), Account, "gate", edgefn.StageLive); !isNotFound(err) {
		t.Errorf("the connection function as a viewer function: %v; want none", err)
	}
	if code, _, _ := get(t, srv.URL()+"/"); code != http.StatusNoContent {
		t.Errorf("status %d; want the viewer function's 204", code)
	}
}

// TestSwapDropsNoRequest: requests keep being answered, by one version or
// the next, while the function is replaced again and again.
func TestSwapDropsNoRequest(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-Version"))
	}))
	defer origin.Close()
	dir := t.TempDir()
	fn := filepath.Join(dir, "fn.js")
	version := func(n int) {
		write(t, fn, "function handler(e) { e.request.headers['x-version'] = {value: '"+string(rune('a'+n))+"'}; return e.request; }")
	}
	version(0)
	write(t, filepath.Join(dir, "edgefn.yaml"), "origin: "+origin.URL+"\nfunctions:\n  f:\n    code: fn.js\nbehaviors:\n  - path: '*'\n    viewer-request: f\n")
	srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	stop := make(chan struct{})
	type answer struct {
		status int
		seen   string
		err    error
	}
	answers := make(chan answer, 100000)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Get(srv.URL() + "/")
				if err != nil {
					answers <- answer{err: err}
					continue
				}
				resp.Body.Close()
				answers <- answer{status: resp.StatusCode, seen: resp.Header.Get("X-Seen")}
			}
		})
	}
	for i := 1; i <= 10; i++ {
		version(i)
		if err := srv.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	close(answers)
	n := 0
	for a := range answers {
		n++
		if a.err != nil || a.status != 200 || len(a.seen) != 1 || a.seen[0] < 'a' || a.seen[0] > 'k' {
			t.Fatalf("answer %+v during the swaps", a)
		}
	}
	if n == 0 {
		t.Fatal("no requests were made")
	}
}

// TestDevFailsClosed: a function that never loaded does not leave its
// behaviors serving without it. An authorization function that does not
// compile at start must not let requests through to what it protects.
func TestDevFailsClosed(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer origin.Close()
	dir := t.TempDir()
	fn := filepath.Join(dir, "auth.js")
	const auth = `function handler(event) {
	if (event.request.headers['authorization'] === undefined) {
		return {statusCode: 401, statusDescription: 'Unauthorized'};
	}
	return event.request;
}`
	write(t, fn, strings.Replace(auth, "=== undefined)", "=== undefined", 1))
	write(t, filepath.Join(dir, "edgefn.yaml"), "origin: "+origin.URL+"\nfunctions:\n  auth:\n    code: auth.js\nbehaviors:\n  - path: \"*\"\n    viewer-request: auth\n")
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := Start(ctx, Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	defer func() {
		if t.Failed() {
			t.Log(out.String())
		}
	}()
	ready := make(chan struct{})
	go srv.Watch(ctx, func() { close(ready) })
	<-ready
	if status, _, body := get(t, srv.URL()+"/"); status != 503 || strings.Contains(body, "secret") {
		t.Errorf("GET / with a function that never loaded: %d %q; want 503", status, body)
	}
	for _, want := range []string{"auth.js:2:59: SyntaxError: Unexpected token {", "no version of it has loaded: the behaviors that use it answer 503", "auth did not load: "} {
		eventually(t, "the output says "+want, func() bool { return strings.Contains(out.String(), want) })
	}
	if strings.Contains(out.String(), "keeps serving") {
		t.Errorf("claims a last version keeps serving when none loaded:\n%s", out.String())
	}
	// Still broken after an edit: still closed.
	write(t, fn, strings.Replace(auth, "return event.request;", "return event.request", 1)+"}")
	eventually(t, "the second broken edit was reported", func() bool { return strings.Count(out.String(), "no version of it has loaded") >= 2 })
	if status, _, _ := get(t, srv.URL()+"/"); status != 503 {
		t.Errorf("after a second broken edit: %d; want 503", status)
	}
	// Fixed: the function runs; broken again: the fixed version keeps serving.
	write(t, fn, auth)
	eventually(t, "the fix was not served", func() bool { status, _, _ := get(t, srv.URL()+"/"); return status == 401 })
	write(t, fn, auth+"}")
	eventually(t, "the break was not reported", func() bool { return strings.Contains(out.String(), "keeps serving") })
	if status, _, _ := get(t, srv.URL()+"/"); status != 401 {
		t.Errorf("after a break that follows a good version: %d; want that version's 401", status)
	}
}

// TestDevAliases: the project's aliases reach its functions (which can
// route by Host); another host is refused with 403, its path in the line.
func TestDevAliases(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "origin") }))
	defer origin.Close()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "host.js"), `function handler(event) {
	return {statusCode: 200, statusDescription: 'OK', body: 'host ' + event.request.headers.host.value};
}`)
	write(t, filepath.Join(dir, "edgefn.yaml"), "origin: "+origin.URL+"\naliases: [www.example.com, '*.example.org']\nfunctions:\n  host:\n    code: host.js\nbehaviors:\n  - path: \"*\"\n    viewer-request: host\n")
	var out syncBuffer
	srv, err := Start(context.Background(), Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	withHost := func(host string) (int, string) {
		req, err := http.NewRequest("GET", srv.URL()+"/page?q=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, host := range []string{"www.example.com", "WWW.example.com:8787", "a.example.org", "localhost"} {
		if status, body := withHost(host); status != 200 || body != "host "+host {
			t.Errorf("Host %s: %d %q; want the function's answer", host, status, body)
		}
	}
	if status, _ := withHost("other.example.net"); status != 403 {
		t.Errorf("Host other.example.net: %d; want 403", status)
	}
	defer func() {
		if t.Failed() {
			t.Log(out.String())
		}
	}()
	eventually(t, "the refused request's line with its path", func() bool { return strings.Contains(out.String(), "GET /page?q=1 403 ") })
}
