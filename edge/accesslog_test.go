package edge_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/accesslog"
	"github.com/edgefn/edgefn/replay"
	"github.com/edgefn/edgefn/runtime"
)

// echoSeen adds what the function saw to the request, for the origin to
// echo: the uri, the raw query, the User-Agent and the cookies.
const echoSeen = `function handler(event) {
  var r = event.request;
  var ua = r.headers['user-agent'] ? r.headers['user-agent'].value : '';
  var cookies = Object.keys(r.cookies).sort().map(function (k) { return k + '=' + r.cookies[k].value; }).join(';');
  r.headers['x-seen'] = { value: r.uri + '|' + r.rawQueryString() + '|' + ua + '|' + cookies + '|' };
  return r;
}`

// TestAccessLogsReplay: a distribution that enables logging has its
// requests written in CloudFront's standard log format, to files of its
// bucket named as CloudFront names them, which `edgefn replay` reads: the
// function sees from the log what it saw at the edge. A distribution
// without logging writes nothing.
func TestAccessLogsReplay(t *testing.T) {
	for _, path := range []struct {
		name string
		opts []envOption
	}{{"goroutines", []envOption{onGoroutines}}, {"loop", []envOption{onLoop}}} {
		t.Run(path.name, func(t *testing.T) {
			e := newEnv(t, path.opts...)
			o := e.origin("web")
			fn := e.function("echo-seen", echoSeen)
			logged := e.distribution("logged", behaviorFns(fn, ""), []types.Origin{o.customOrigin("")}, func(c *types.DistributionConfig) {
				c.Logging = &types.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(true),
					Bucket: aws.String("logs.s3.us-east-2.amazonaws.com"), Prefix: aws.String("cf")}
			})
			quiet := e.distribution("quiet", behaviorFns(fn, ""), []types.Origin{o.customOrigin("")})

			host := *logged.DomainName
			seen := map[string]string{} // by the path as the viewer sent it
			ids := map[string]bool{}
			for _, r := range []struct {
				edge               *env
				target, ua, cookie string
			}{
				{e, "/plain", "curl/8.0", ""},
				{e, "/a%20b/~x/%C3%BC?q=%22y%22&z", "Mozilla/5.0 (X11; Linux) \"quoted\" {braces}", "a=1; b=two words"},
				{e, "/percent%25/x?%25=%", "ua\\back", "only=1"},
				{e.overTLS(), "/over-tls?t=1", "tls-client", ""},
			} {
				header := []string{"User-Agent", r.ua}
				if r.cookie != "" {
					header = append(header, "Cookie", r.cookie)
				}
				got := r.edge.get(host, r.target, header...)
				if got.status != 200 {
					t.Fatalf("%s: %d %s", r.target, got.status, got.body)
				}
				uri, _, _ := strings.Cut(r.target, "?")
				seen[uri] = got.received(t).Header.Get("X-Seen")
				ids[got.header.Get("X-Amz-Cf-Id")] = true
			}
			if got := e.get(*quiet.DomainName, "/quiet"); got.status != 200 {
				t.Fatalf("quiet distribution: %d", got.status)
			}
			e.accessLogs.Flush()

			files, err := replay.Files([]string{e.logDir})
			if err != nil {
				t.Fatal(err)
			}
			name := regexp.MustCompile(`^logs/cf/` + *logged.Id + `\.\d{4}-\d\d-\d\d-\d\d\.[A-Z2-7]{13}\.gz$`)
			for _, f := range files {
				rel, _ := filepath.Rel(e.logDir, f)
				if !name.MatchString(filepath.ToSlash(rel)) {
					t.Errorf("log file %s: not the logged distribution's, named as CloudFront names them", rel)
				}
			}
			lines := logLines(t, files)
			if len(lines) != len(seen) {
				t.Fatalf("%d lines logged, want %d:\n%s", len(lines), len(seen), strings.Join(lines, "\n"))
			}
			for _, l := range lines {
				f := strings.Split(l, "\t")
				if len(f) != 33 || f[6] != host || f[15] != host || f[8] != "200" || f[13] != "Miss" || !ids[f[14]] || f[4] != "127.0.0.1" {
					t.Errorf("line %q: want 33 fields, cs(Host) and x-host-header %s, status 200, Miss, an X-Amz-Cf-Id answered", l, host)
				}
				if want := map[bool]string{true: "https", false: "http"}[f[7] == "/over-tls"]; f[16] != want {
					t.Errorf("cs-protocol of %s is %s, want %s", f[7], f[16], want)
				}
			}

			program, err := runtime.New(runtime.Options{}).Compile([]byte(echoSeen), edgefn.RuntimeJS2)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep, err := replay.Replay(context.Background(), replay.Options{Files: files, Function: program, Outputs: &out})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Requests != len(seen) || rep.Malformed.Count != 0 {
				t.Fatalf("replayed %d requests, %d malformed %+v; want %d", rep.Requests, rep.Malformed.Count, rep.Malformed.Samples, len(seen))
			}
			for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
				var l struct {
					URI    string
					Output struct {
						Request struct {
							Headers map[string]struct{ Value string }
						}
					}
				}
				if err := json.Unmarshal([]byte(line), &l); err != nil {
					t.Fatalf("replay output %q: %v", line, err)
				}
				if got := l.Output.Request.Headers["x-seen"].Value; got != seen[l.URI] {
					t.Errorf("%s: replayed, the function saw %q; at the edge %q", l.URI, got, seen[l.URI])
				}
			}
		})
	}
}

// logLines returns the records (not the directives) of gzipped log files.
func logLines(t *testing.T, files []string) []string {
	t.Helper()
	var lines []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(string(b), accesslog.Header)
		if !ok {
			t.Errorf("%s does not start with CloudFront's header: %q", name, b)
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(body, "\n"), "\n")...)
	}
	return lines
}
