//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestEdgeLoop: `serve` serves plain-HTTP viewers on its event loops (on
// Linux, the only system with them). A viewer-request function rewrites
// requests that follow each other on one kept-alive connection, a request
// body reaches the origin, a function that runs into its time limit is
// moved off the loops after its first run (the offload metric counts it),
// and a distribution that enables Logging gets its access logs, written
// when the server stops, which `edgefn replay` reads.
func TestEdgeLoop(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s x-edge=%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Edge"), body)
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	rewrite := `function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}`
	publish := func(name, code string) *string {
		t.Helper()
		etag := createFunction(t, cf, name, []byte(code), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
		live, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: aws.String(etag)})
		if err != nil {
			t.Fatalf("PublishFunction %s: %v", name, err)
		}
		return live.FunctionSummary.FunctionMetadata.FunctionARN
	}
	distribution := func(ref string, fn *string, logging *cftypes.LoggingConfig) string {
		t.Helper()
		cfg := localOrigin(ref, originPort, &cftypes.DefaultCacheBehavior{
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			FunctionAssociations: onViewerRequest(fn),
			AllowedMethods: &cftypes.AllowedMethods{Quantity: aws.Int32(7), Items: []cftypes.Method{
				cftypes.MethodGet, cftypes.MethodHead, cftypes.MethodOptions, cftypes.MethodPut, cftypes.MethodPatch, cftypes.MethodPost, cftypes.MethodDelete}},
		})
		cfg.Logging = logging
		d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		if err != nil {
			t.Fatalf("CreateDistribution %s: %v", ref, err)
		}
		return aws.ToString(d.Distribution.DomainName)
	}
	logged := distribution("loop-logged", publish("rewrite", rewrite), &cftypes.LoggingConfig{Enabled: aws.Bool(true),
		IncludeCookies: aws.Bool(false), Bucket: aws.String("edge-logs.s3.amazonaws.com"), Prefix: aws.String("loop")})
	spin := distribution("loop-spin", publish("spin", `function handler(event) { while (true) {} }`), nil)

	// do sends a request, waiting while the edge does not know the host yet.
	do := func(client *http.Client, method, host, target, body string) (int, string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			req, err := http.NewRequestWithContext(c, method, s.edgeURL+target, strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, target, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || time.Now().After(deadline) {
				return resp.StatusCode, string(b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	kept := &http.Client{Timeout: 10 * time.Second}
	for _, r := range []struct{ method, target, body, want string }{
		{"GET", "/a?q=1", "", "GET /rewritten/a?q=1 x-edge=edgefn body="},
		{"GET", "/b", "", "GET /rewritten/b x-edge=edgefn body="},
		{"POST", "/form", "name=value", "POST /rewritten/form x-edge=edgefn body=name=value"},
	} {
		if status, body := do(kept, r.method, logged, r.target, r.body); status != 200 || body != r.want {
			t.Errorf("%s %s: %d %q, want 200 %q", r.method, r.target, status, body, r.want)
		}
	}

	// A connection each: an offloaded connection stays with the goroutines.
	single := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range 3 {
		if status, body := do(single, "GET", spin, "/", ""); status != 503 {
			t.Fatalf("the spinning function: %d %s, want 503", status, body)
		}
	}
	resp, err := http.Get(s.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `edgefn_edge_loop_offloads_total{reason="slow_function"} 2`; !strings.Contains(string(metrics), want) {
		t.Errorf("metrics lack %s: the function that ran long stayed on the loop", want)
	}

	s.stop() // writes the access logs still in memory
	dir := filepath.Join(s.cfg.dataDir, "logs", "edge-logs", "loop")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || !regexp.MustCompile(`^E[A-Z0-9]+\.\d{4}-\d\d-\d\d-\d\d\.[A-Z2-7]{13}\.gz$`).MatchString(entries[0].Name()) {
		t.Fatalf("access logs in %s: %v (%v), want one file named as CloudFront names them", dir, entries, err)
	}
	fn := filepath.Join(t.TempDir(), "rewrite.js")
	if err := os.WriteFile(fn, []byte(rewrite), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runEdgefn(t, nil, "replay", "--logs", dir, "--json", fn)
	var report struct {
		Requests  int
		Malformed struct{ Count int }
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &report) != nil || report.Requests != 3 || report.Malformed.Count != 0 {
		t.Errorf("edgefn replay of the edge's logs: exit %d, %s %s; want the 3 requests", code, stdout, stderr)
	}
}
