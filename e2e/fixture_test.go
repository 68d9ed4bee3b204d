package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture is the project of testdata/site: a router on JSON KeyValueStore
// values whose redirects rebuild the query, an SPA rewrite, a
// cloudfront-js-1.0 viewer-response function, raw .http events with CRLF
// line ends.
const fixture = "testdata/site"

// TestFixtureTest: `edgefn test` passes the fixture's cases, the raw events
// among them as the edge would build them (the redirect's query is rebuilt
// in the order the viewer sent it).
func TestFixtureTest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixture, "tests", "redirect.http"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(raw), "\r\n") != 5 {
		t.Fatalf("tests/redirect.http lost its CRLF line ends (see its .gitattributes): %q", raw)
	}
	stdout, stderr, code := runEdgefn(t, nil, "test", fixture)
	if code != 0 || !strings.Contains(stdout, "5 cases: 5 passed") {
		t.Fatalf("edgefn test: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestFixtureDev: `edgefn dev` answers each raw .http event of the fixture,
// sent as it is written, as the suite expects: test and edge agree.
func TestFixtureDev(t *testing.T) {
	_, base := startDev(t, fixture)
	addr := strings.TrimPrefix(base, "http://")
	send := func(name string) *http.Response {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join(fixture, "tests", name+".http"))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := net.DialTimeout("tcp", addr, readyTimeout)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(readyTimeout))
		if _, err := conn.Write(raw); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	expected := func(name string) (out struct {
		Response struct {
			StatusCode int `json:"statusCode"`
			Headers    map[string]struct {
				Value string `json:"value"`
			} `json:"headers"`
		} `json:"response"`
		Request struct {
			URI string `json:"uri"`
		} `json:"request"`
	}) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(fixture, "tests", name+".expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, name := range []string{"redirect", "found"} {
		want := expected(name).Response
		resp := send(name)
		resp.Body.Close()
		if resp.StatusCode != want.StatusCode || resp.Header.Get("Location") != want.Headers["location"].Value {
			t.Errorf("%s: %d %q; the suite expects %d %q", name, resp.StatusCode, resp.Header.Get("Location"), want.StatusCode, want.Headers["location"].Value)
		}
	}
	for _, name := range []string{"spa", "asset"} {
		uri := expected(name).Request.URI
		file, err := os.ReadFile(filepath.Join(fixture, "public", filepath.FromSlash(strings.TrimPrefix(uri, "/"))))
		if err != nil {
			t.Fatal(err)
		}
		resp := send(name)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != string(file) {
			t.Errorf("%s: %d %q; want %s, the uri the suite expects", name, resp.StatusCode, body, uri)
		}
		// The cloudfront-js-1.0 viewer-response function ran.
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: headers %v; want the headers function's", name, resp.Header)
		}
	}
	// A host the project does not name is refused.
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Host = "other.example.net"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("Host other.example.net: %d; want 403", resp.StatusCode)
	}
}
