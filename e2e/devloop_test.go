package e2e

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// runEdgefn runs the binary to completion in dir and returns its output and
// exit status.
func runEdgefn(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(edgefnBin, args...)
	cmd.Env = append(serverEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("edgefn %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// initProject writes the starter project with `edgefn init`.
func initProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, stderr, code := runEdgefn(t, nil, "init", dir); code != 0 {
		t.Fatalf("edgefn init: exit %d: %s", code, stderr)
	}
	return dir
}

// devProcess is a running `edgefn dev`, its output collected line by line.
type devProcess struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	url  chan string
	done chan error
}

var servingLine = regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`)

func startDev(t *testing.T, args ...string) (*devProcess, string) {
	t.Helper()
	d := &devProcess{url: make(chan string, 1), done: make(chan error, 1)}
	d.cmd = exec.Command(edgefnBin, append([]string{"dev", "--addr", "127.0.0.1:0"}, args...)...)
	d.cmd.Env = serverEnv()
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = d.cmd.Stdout
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			d.mu.Lock()
			d.out.WriteString(sc.Text() + "\n")
			d.mu.Unlock()
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				d.url <- m[1]
			}
		}
		d.done <- d.cmd.Wait()
	}()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("edgefn dev output:\n%s", d.output())
		}
	})
	select {
	case u := <-d.url:
		return d, u
	case err := <-d.done:
		t.Fatalf("edgefn dev exited (%v):\n%s", err, d.output())
	case <-time.After(readyTimeout):
		t.Fatalf("edgefn dev not serving after %v:\n%s", readyTimeout, d.output())
	}
	return nil, ""
}

func (d *devProcess) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// TestDevServesAnOrigin: edgefn dev in front of a real origin picks up an
// edit, reports a broken one with its position while the last good version
// serves on, and stops cleanly.
func TestDevServesAnOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Origin-Path", r.URL.Path)
		io.WriteString(w, "from the origin")
	}))
	defer origin.Close()
	dir := initProject(t)
	d, url := startDev(t, "--origin", origin.URL, dir)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) *http.Response {
		t.Helper()
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := get("/docs/"); resp.StatusCode != 200 || resp.Header.Get("X-Origin-Path") != "/docs/index.html" {
		t.Fatalf("GET /docs/: %d, origin saw %q; want the function's rewrite", resp.StatusCode, resp.Header.Get("X-Origin-Path"))
	}
	if resp := get("/old"); resp.StatusCode != 301 || resp.Header.Get("Location") != "/" {
		t.Fatalf("GET /old: %d %q; want the store's redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	eventually(t, 10*time.Second, "the request lines", func() (bool, error) {
		out := d.output()
		return strings.Contains(out, "GET /docs/ 200 ") && strings.Contains(out, "router (viewer-request ") && strings.Contains(out, "  router: redirect /old -> /"), nil
	})

	fn := filepath.Join(dir, "functions", "router.js")
	code, err := os.ReadFile(fn)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(from, to string) {
		t.Helper()
		if err := os.WriteFile(fn, bytes.Replace(code, []byte(from), []byte(to), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("'index.html'", "'home.html'")
	eventually(t, 10*time.Second, "the edit served", func() (bool, error) {
		return get("/docs/").Header.Get("X-Origin-Path") == "/docs/home.html", nil
	})

	edit("const redirects", "const = redirects")
	eventually(t, 10*time.Second, "the compile error reported", func() (bool, error) {
		return strings.Contains(d.output(), fn+":3:7: SyntaxError: Unexpected token =\n"), nil
	})
	if !strings.Contains(d.output(), "> 3 | const = redirects = cf.kvs();\n") {
		t.Errorf("no code frame for the error:\n%s", d.output())
	}
	if got := get("/docs/").Header.Get("X-Origin-Path"); got != "/docs/home.html" {
		t.Errorf("after a broken edit the origin saw %q; want the last good version's /docs/home.html", got)
	}

	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("edgefn dev exited with %v", err)
		}
	case <-time.After(readyTimeout):
		t.Fatal("edgefn dev did not stop on SIGTERM")
	}
}

// TestSuiteWithAFailingCase: a failing case fails the run with its diff and
// is a failure in the JUnit report.
func TestSuiteWithAFailingCase(t *testing.T) {
	dir := initProject(t)
	expected := filepath.Join(dir, "tests", "index.expected.json")
	data, err := os.ReadFile(expected)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expected, bytes.Replace(data, []byte("/docs/index.html"), []byte("/docs/main.html"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(t.TempDir(), "report.xml")
	stdout, stderr, code := runEdgefn(t, nil, "test", "--junit", junit, dir)
	if code != 1 {
		t.Fatalf("exit %d; want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"FAIL directory index", "  .request.uri\n    want \"/docs/main.html\"\n    got  \"/docs/index.html\"\n", "PASS redirect from the store", "2 cases: 1 passed, 1 failed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Suites []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(raw, &report); err != nil {
		t.Fatalf("JUnit report: %v\n%s", err, raw)
	}
	s := report.Suites[0]
	if s.Tests != 2 || s.Failures != 1 || s.Cases[0].Failure == nil || !strings.Contains(s.Cases[0].Failure.Text, ".request.uri") || s.Cases[1].Failure != nil {
		t.Errorf("JUnit report:\n%s", raw)
	}
}

// TestDeployToServe deploys the starter project to a running serve, checks
// it through the SDK, then deploys again: nothing changes.
func TestDeployToServe(t *testing.T) {
	s := startServer(t, serverConfig{})
	dir := initProject(t)
	// No credentials at all: on loopback, deploy signs with the development
	// pair, as the server accepts it there.
	none := filepath.Join(t.TempDir(), "none")
	env := []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=", "AWS_SHARED_CREDENTIALS_FILE=" + none, "AWS_CONFIG_FILE=" + none}

	stdout, stderr, code := runEdgefn(t, env, "deploy", "--dry-run", "--endpoint", s.url, dir)
	if code != 0 || !strings.Contains(stdout, "+ store redirects: create, put 1 keys in 1 UpdateKeys batches") || !strings.Contains(stdout, "+ function router: create, publish") {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	cf := s.cloudFront(devAccount)
	if _, err := cf.DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String("router")}); !isA[*cftypes.NoSuchFunctionExists](err) {
		t.Fatalf("after --dry-run: %v; want no function", err)
	}

	stdout, stderr, code = runEdgefn(t, env, "deploy", "--endpoint", s.url, dir)
	if code != 0 || !strings.Contains(stdout, "deployed") || !strings.Contains(stdout, "created function router: arn:aws:cloudfront::000000000000:function/router\n") ||
		!strings.Contains(stdout, "created store redirects: arn:aws:cloudfront::000000000000:key-value-store/") || !strings.Contains(stdout, "    + \"/old\"\n") {
		t.Fatalf("deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	store, err := cf.DescribeKeyValueStore(ctx(t), &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("redirects")})
	if err != nil {
		t.Fatal(err)
	}
	if items := listAll(t, s.keyValueStore(devAccount), aws.ToString(store.KeyValueStore.ARN), 50); len(items) != 1 || items["/old"] != "/" {
		t.Errorf("store items %v", items)
	}
	live, err := cf.DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String("router"), Stage: cftypes.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if a := live.FunctionSummary.FunctionConfig.KeyValueStoreAssociations; a == nil || len(a.Items) != 1 || aws.ToString(a.Items[0].KeyValueStoreARN) != aws.ToString(store.KeyValueStore.ARN) {
		t.Errorf("LIVE router's stores %+v", a)
	}
	etag := aws.ToString(live.ETag)

	stdout, stderr, code = runEdgefn(t, env, "deploy", "--endpoint", s.url, dir)
	if code != 0 || !strings.Contains(stdout, "nothing to change") || strings.Contains(stdout, "deployed") {
		t.Fatalf("second deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	again, err := cf.DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String("router"), Stage: cftypes.FunctionStageLive})
	if err != nil || aws.ToString(again.ETag) != etag {
		t.Errorf("the second deploy changed the LIVE function (%v)", err)
	}

	// A store file that does not parse: unusable input, exit 2.
	data := filepath.Join(dir, "kvs", "redirects.json")
	good, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, []byte(`{"data":[{"key":"/old"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runEdgefn(t, env, "deploy", "--endpoint", s.url, dir); code != 2 || !strings.Contains(stderr, "redirects.json") {
		t.Errorf("bad store file: exit %d; want 2\n%s", code, stderr)
	}
	if err := os.WriteFile(data, good, 0o644); err != nil {
		t.Fatal(err)
	}

	// --prune: a function and a store the project no longer has go, named in the plan.
	if _, err := cf.CreateFunction(ctx(t), &cloudfront.CreateFunctionInput{Name: aws.String("gone"), FunctionCode: []byte("function handler(e) { return e.request; }"),
		FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String(""), Runtime: cftypes.FunctionRuntimeCloudfrontJs20}}); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = runEdgefn(t, env, "deploy", "--prune", "--endpoint", s.url, dir)
	if code != 0 || !strings.Contains(stdout, "- function gone: delete, not in the project (arn:aws:cloudfront::000000000000:function/gone)") || strings.Contains(stdout, "- function router") {
		t.Fatalf("deploy --prune: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := cf.DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String("gone")}); !isA[*cftypes.NoSuchFunctionExists](err) {
		t.Errorf("after --prune: %v; want the function gone", err)
	}

	// Broken code: exit 3, nothing changed.
	fn := filepath.Join(dir, "functions", "router.js")
	if err := os.WriteFile(fn, []byte("function handler(e) {\n  return e.request +;\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runEdgefn(t, env, "deploy", "--endpoint", s.url, dir)
	if code != 3 || !strings.Contains(stderr, fn+":2:21: SyntaxError") {
		t.Errorf("broken code: exit %d\n%s", code, stderr)
	}
}
