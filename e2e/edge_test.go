package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/internal/devcert"
)

// TestEdgeOverHTTPAndHTTPS: the binary's edge serves a distribution made
// through the SDK. Its behavior is redirect-to-https with a viewer-request
// function: a viewer over HTTP is sent to the HTTPS listener, and there the
// function runs and the origin answers.
func TestEdgeOverHTTPAndHTTPS(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin got %s with x-edge=%s", r.URL.Path, r.Header.Get("X-Edge"))
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	code := []byte(`function handler(event) {
  var request = event.request;
  request.uri = '/rewritten' + request.uri;
  request.headers['x-edge'] = {value: 'edgefn'};
  return request;
}`)
	fn, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String("rewrite"), FunctionCode: code,
		FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	live, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("rewrite"), IfMatch: fn.ETag})
	if err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}
	d, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin("edge-e2e", originPort,
		&cftypes.DefaultCacheBehavior{
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			FunctionAssociations: onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN),
		})})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	domain := aws.ToString(d.Distribution.DomainName)

	viewer := &http.Client{
		// The development certificate is self-signed.
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	get := func(base string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(c, "GET", base+"/page?q=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = domain
		// The edge follows the store: the distribution appears within moments.
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := viewer.Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", base, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || time.Now().After(deadline) {
				return resp.StatusCode, resp.Header, string(body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	status, header, body := get(s.edgeURL)
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(s.edgeTLSURL, "https://"))
	if want := "https://" + domain + ":" + tlsPort + "/page?q=1"; status != http.StatusMovedPermanently || header.Get("Location") != want {
		t.Errorf("over HTTP: %d Location %q, want 301 %q\n%s", status, header.Get("Location"), want, body)
	}
	status, header, body = get(s.edgeTLSURL)
	if status != http.StatusOK || body != "origin got /rewritten/page with x-edge=edgefn" || header.Get("X-Cache") != "Miss from cloudfront" {
		t.Errorf("over HTTPS: %d %q X-Cache %q", status, body, header.Get("X-Cache"))
	}
}

// TestEdgeCertificateReload: SIGHUP makes the HTTPS edge serve the
// certificate now in --edge-tls-cert/--edge-tls-key; files that do not load
// leave the current certificate in place.
func TestEdgeCertificateReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, "first")
	s := startServer(t, serverConfig{edgeCert: certFile, edgeKey: keyFile})
	served := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", strings.TrimPrefix(s.edgeTLSURL, "https://"), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("TLS dial: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	hup := func(want string) {
		t.Helper()
		if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for served() != want && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := served(); got != want {
			t.Fatalf("after SIGHUP the edge serves %q, want %q", got, want)
		}
	}
	if got := served(); got != "first" {
		t.Fatalf("the edge serves %q, want the configured certificate", got)
	}
	writeCert(t, certFile, keyFile, "second")
	hup("second")
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.log.String(), "was not reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("a certificate that does not load was not reported:\n%s", s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := served(); got != "second" {
		t.Errorf("after a failed reload the edge serves %q, want the last good certificate", got)
	}
}

// writeCert writes a self-signed certificate for localhost named cn, and its
// key, as PEM.
func writeCert(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	c, err := devcert.New(cn, time.Hour, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := devcert.PEM(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
}

// localOrigin is a distribution configuration whose one origin, "origin", is
// HTTP on localhost:port, with behavior as its default cache behavior.
func localOrigin(ref string, port int, behavior *cftypes.DefaultCacheBehavior) *cftypes.DistributionConfig {
	behavior.TargetOriginId = aws.String("origin")
	return &cftypes.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String(""),
		Enabled:         aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String("origin"), DomainName: aws.String("localhost"),
			CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: behavior,
	}
}

// atEdge sends a viewer request for host to the edge, again while the
// distribution is not there yet (403), and returns the response and its body.
func (s *server) atEdge(t testing.TB, host, method, target string, header ...string) (*http.Response, []byte) {
	t.Helper()
	viewer := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx(t), method, s.edgeURL+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := viewer.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusForbidden && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // not at the edge yet
			continue
		}
		return resp, body
	}
}

// onViewerRequest associates the function arn with viewer requests.
func onViewerRequest(arn *string) *cftypes.FunctionAssociations {
	return &cftypes.FunctionAssociations{Quantity: aws.Int32(1), Items: []cftypes.FunctionAssociation{{
		EventType: cftypes.EventTypeViewerRequest, FunctionARN: arn,
	}}}
}
