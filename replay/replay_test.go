package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
	edgeruntime "github.com/edgefn/edgefn/runtime"
)

func compile(t testing.TB, code string) *edgeruntime.Program {
	t.Helper()
	p, err := edgeruntime.New(edgeruntime.Options{}).Compile([]byte(code), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const oldFn = `function handler(event) {
  var r = event.request;
  if (r.uri.endsWith('/')) { r.uri += 'index.html'; }
  return r;
}`

// newFn also redirects /old/*, throws on /boom and returns nothing on /bad.
const newFn = `function handler(event) {
  var r = event.request;
  if (r.uri.startsWith('/old/')) {
    return { statusCode: 301, statusDescription: 'Moved', headers: { location: { value: '/new/' } } };
  }
  if (r.uri === '/boom') { throw new Error('boom: ' + r.headers['user-agent'].value); }
  if (r.uri === '/bad') { return 42; }
  if (r.uri === '/deny') { return { statusCode: 403, statusDescription: 'Forbidden' }; }
  if (r.uri.endsWith('/')) { r.uri += 'index.html'; }
  if (r.cookies.session) { r.headers['x-session'] = { value: r.cookies.session.value }; }
  return r;
}`

var traffic = []logRequest{
	{method: "GET", host: "example.com", uri: "/", ua: "Mozilla/5.0 (X11)"},
	{method: "GET", host: "example.com", uri: "/docs/", query: "q=a%20b&x=1", ua: "curl/8"},
	{method: "GET", host: "example.com", uri: "/old/page", ua: "curl/8"},
	{method: "GET", host: "example.com", uri: "/boom", ua: "bot 1"},
	{method: "POST", host: "example.com", uri: "/bad", ua: "curl/8"},
	{method: "GET", host: "example.com", uri: "/deny", ua: "curl/8"},
	{method: "GET", host: "example.com", uri: "/img.png", ua: "curl/8", cookie: "session=s1; theme=dark"},
	{method: "GET", host: "example.com", uri: "/plain.css", ua: "curl/8"},
}

func replayDir(t *testing.T, dir string, against string) (*Report, string) {
	t.Helper()
	files, err := Files([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var diffs bytes.Buffer
	opts := Options{Files: files, Function: compile(t, newFn), Diffs: &diffs, Workers: 3, Progress: new(Progress)}
	if against != "" {
		opts.Against = compile(t, against)
	}
	rep, err := Replay(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The progress bar ends full: every line counted, every byte read.
	if lines, read, size := opts.Progress.Lines.Load(), opts.Progress.Bytes.Load(), Size(files); lines != int64(rep.Lines) || read != size {
		t.Errorf("progress: %d lines of %d, %d bytes of %d", lines, rep.Lines, read, size)
	}
	return rep, diffs.String()
}

func outcomeCounts(rep *Report) map[string]int {
	m := map[string]int{}
	for _, g := range rep.Outcomes {
		m[g.Key] = g.Count
	}
	return m
}

func TestReplayFormats(t *testing.T) {
	var w3c, js strings.Builder
	w3c.WriteString(w3cHeader())
	for _, r := range traffic {
		w3c.WriteString(r.w3cLine() + "\n")
		js.WriteString(r.jsonLine() + "\n")
	}
	for _, name := range []string{"a.log", "a.log.gz", "a.json", "a.json.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			content := w3c.String()
			if strings.Contains(name, "json") {
				content = js.String()
			}
			writeLog(t, filepath.Join(dir, name), content)
			rep, _ := replayDir(t, dir, "")
			want := map[string]int{"passed-through": 1, "rewritten": 3, "redirected": 1, "generated-response": 1, "error": 1, "invalid-result": 1}
			if got := outcomeCounts(rep); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("outcomes %v, want %v", got, want)
			}
			if rep.Requests != len(traffic) || rep.Malformed.Count != 0 {
				t.Errorf("requests %d malformed %d", rep.Requests, rep.Malformed.Count)
			}
			// The user agent came back decoded into the header.
			if len(rep.Errors) != 2 || !containsKey(rep.Errors, "Error: boom: bot 1") {
				t.Errorf("errors %+v", rep.Errors)
			}
			top := map[string]int{}
			for _, u := range rep.TopRewrites {
				top[u.URI] = u.Count
			}
			if top["/index.html"] != 1 || top["/docs/index.html"] != 1 || top["/img.png"] != 1 {
				t.Errorf("top rewrites %v", rep.TopRewrites)
			}
		})
	}
}

func containsKey(gs []Group, prefix string) bool {
	for _, g := range gs {
		if strings.HasPrefix(g.Key, prefix) {
			return true
		}
	}
	return false
}

func TestReplayAgainst(t *testing.T) {
	dir := t.TempDir()
	var w3c strings.Builder
	w3c.WriteString(w3cHeader())
	for _, r := range traffic {
		w3c.WriteString(r.w3cLine() + "\n")
	}
	writeLog(t, filepath.Join(dir, "x.log"), w3c.String())
	rep, diffs := replayDir(t, dir, oldFn)
	kinds := map[string]int{}
	for _, g := range rep.Against.Kinds {
		kinds[g.Key] = g.Count
	}
	want := map[string]int{
		"outcome passed-through → redirected":         1,
		"outcome passed-through → error":              1,
		"outcome passed-through → invalid-result":     1,
		"outcome passed-through → generated-response": 1,
		"outcome passed-through → rewritten":          1, // the session cookie
	}
	if fmt.Sprint(kinds) != fmt.Sprint(want) || rep.Against.Differing != 5 {
		t.Errorf("kinds %v (%d differing), want %v", kinds, rep.Against.Differing, want)
	}
	var uris []string
	for _, line := range strings.Split(strings.TrimSpace(diffs), "\n") {
		var d diffLine
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		uris = append(uris, d.URI)
	}
	sort.Strings(uris)
	if got := strings.Join(uris, " "); got != "/bad /boom /deny /img.png /old/page" {
		t.Errorf("diff uris %s", got)
	}
}

func TestReplayMalformed(t *testing.T) {
	dir := t.TempDir()
	good := traffic[0].w3cLine()
	content := "no fields yet\n" + w3cHeader() + good + "\n" + "short\tline\n" +
		strings.Replace(good, "\t/\t", "\tnoslash\t", 1) + "\n" + good[:len(good)/2] + "\n"
	writeLog(t, filepath.Join(dir, "m.log"), content)
	writeLog(t, filepath.Join(dir, "m.json"), "{\"cs-method\":\"GET\"\n"+traffic[0].jsonLine()+"\n")
	// A gzip stream cut short: what precedes the cut still counts.
	var gz bytes.Buffer
	writeLog(t, filepath.Join(dir, "t.log.gz"), w3cHeader()+strings.Repeat(good+"\n", 2000))
	raw, _ := os.ReadFile(filepath.Join(dir, "t.log.gz"))
	gz.Write(raw[:len(raw)-10])
	if err := os.WriteFile(filepath.Join(dir, "t.log.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, _ := replayDir(t, dir, "")
	if rep.Requests < 2+1000 || rep.Malformed.Count != 6 {
		t.Errorf("requests %d malformed %d: %+v", rep.Requests, rep.Malformed.Count, rep.Malformed.Samples)
	}
}

// echoURI shows the request the function got: its uri, query and user agent.
const echoURI = `function handler(event) {
  var r = event.request;
  r.headers['x-got'] = { value: r.uri + ' ' + (r.rawQueryString() || '') + ' ' + r.headers['user-agent'].value };
  return r;
}`

// replayOutputs replays the files with fields and returns each request's
// --out line by uri as logged.
func replayOutputs(t *testing.T, fields map[string]int, files ...string) (*Report, map[string]string) {
	t.Helper()
	var out bytes.Buffer
	rep, err := Replay(context.Background(), Options{Files: files, Fields: fields, Function: compile(t, echoURI), Outputs: &out})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var l struct {
			URI     string
			Outcome string
			Output  struct {
				Request struct {
					Headers map[string]struct{ Value string }
				}
			}
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("--out line %q: %v", line, err)
		}
		got[l.URI] = l.Output.Request.Headers["x-got"].Value
	}
	return rep, got
}

// TestReplayDecodesEveryField: CloudFront encodes every field of its logs
// (the path too); the function gets the request as the viewer sent it.
func TestReplayDecodesEveryField(t *testing.T) {
	dir := t.TempDir()
	reqs := []logRequest{
		// The viewer asked for /~admin/ and /files/Annual%20Report.pdf.
		{method: "GET", host: "example.com", uri: "/%7Eadmin/", ua: "curl/8"},
		{method: "GET", host: "example.com", uri: "/files/Annual%2520Report.pdf", query: "a=%C3%A9", ua: "Mozilla/5.0 (X11)"},
		{method: "GET", host: "example.com", uri: "/bad%zz", ua: "curl/8"},
	}
	var content strings.Builder
	content.WriteString(w3cHeader())
	for _, r := range reqs {
		content.WriteString(r.w3cLine() + "\n")
	}
	writeLog(t, filepath.Join(dir, "a.log"), content.String())
	rep, got := replayOutputs(t, nil, filepath.Join(dir, "a.log"))
	want := map[string]string{
		"/~admin/":                   "/~admin/  curl/8",
		"/files/Annual%20Report.pdf": "/files/Annual%20Report.pdf a=%C3%A9 Mozilla/5.0 (X11)",
	}
	for uri, w := range want {
		if got[uri] != w {
			t.Errorf("%s: the function saw %q; want %q", uri, got[uri], w)
		}
	}
	if rep.Requests != 2 || rep.Malformed.Count != 1 || !strings.Contains(rep.Malformed.Samples[0].Message, "cs-uri-stem") {
		t.Errorf("requests %d, malformed %+v; want the bad escape in the path reported", rep.Requests, rep.Malformed)
	}
}

// TestReplayRealTime: real-time log records have no #Fields directive; the
// configured field list names their columns.
func TestReplayRealTime(t *testing.T) {
	dir := t.TempDir()
	line := strings.Join([]string{"1733421600.123", "192.0.2.10", "GET", "d1.cloudfront.net", "/%7Ea/", "a=1", "curl/8", "200"}, "\t")
	writeLog(t, filepath.Join(dir, "rt.log"), line+"\n"+line+"\n")
	fields, err := RealTimeFields("timestamp,c-ip,cs-method,cs-host,cs-uri-stem,cs-uri-query,cs-user-agent,sc-status")
	if err != nil {
		t.Fatal(err)
	}
	rep, got := replayOutputs(t, fields, filepath.Join(dir, "rt.log"))
	if rep.Requests != 2 || rep.Malformed.Count != 0 || got["/~a/"] != "/~a/ a=1 curl/8" {
		t.Errorf("requests %d malformed %d; the function saw %q", rep.Requests, rep.Malformed.Count, got["/~a/"])
	}
	// Without the field list, every line is malformed, and says why.
	rep, _ = replayOutputs(t, nil, filepath.Join(dir, "rt.log"))
	if rep.Requests != 0 || rep.Malformed.Count != 2 || !strings.Contains(rep.Malformed.Samples[0].Message, "--fields") {
		t.Errorf("without fields: %+v", rep.Malformed)
	}
	if _, err := RealTimeFields("timestamp,c-ip"); err == nil {
		t.Error("a field list without cs-method and cs-uri-stem was accepted")
	}
}
