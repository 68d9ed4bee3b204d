package e2e

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/edgefn/edgefn/internal/devcert"
)

// mtlsViewer requests https://sni/path over the edge's HTTPS listener with
// cert as its client certificate (none when Certificate is empty), on a new
// connection each time; host, when set, replaces the Host header.
func (s *server) mtlsViewer(t testing.TB, sni, host, path string, cert tls.Certificate, header ...string) (*http.Response, string, error) {
	t.Helper()
	addr := strings.TrimPrefix(s.edgeTLSURL, "https://")
	tlsCfg := &tls.Config{ServerName: sni, InsecureSkipVerify: true} // the development certificate
	if len(cert.Certificate) > 0 {
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   tlsCfg,
		DisableKeepAlives: true,
		DialContext: func(c context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(c, network, addr)
		},
	}}
	req, err := http.NewRequestWithContext(ctx(t), "GET", "https://"+sni+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// mtlsFixture is a server with an mTLS distribution (required mode, a trust
// store of ca, the revocation connection function reading the store
// revoked), a plain one on the same listener, and the client certificates
// of the tests.
type mtlsFixture struct {
	s                       *server
	cf                      *cloudfront.Client
	data                    *kvsapi.Client
	revokedARN              string
	mtlsDomain, plainDomain string
	good, expired, foreign  tls.Certificate
	revoked                 tls.Certificate
	goodPEM, goodKey        string // files of good, for curl
	originSaw               chan http.Header
}

func issue(t testing.TB, ca *devcert.CA, serial int64, from, to time.Time) tls.Certificate {
	t.Helper()
	c, err := ca.Issue(fmt.Sprintf("device-%x", serial), serial, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newMtlsFixture(t *testing.T) *mtlsFixture {
	s := startServer(t, serverConfig{})
	f := &mtlsFixture{s: s, cf: s.cloudFront(devAccount), data: s.keyValueStore(devAccount), originSaw: make(chan http.Header, 100)}
	c := ctx(t)
	ca, other := newCA(t, "Device CA"), newCA(t, "Other CA")
	now := time.Now()
	f.good = issue(t, ca, 0x10, now.Add(-time.Hour), now.Add(24*time.Hour))
	f.expired = issue(t, ca, 0x11, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	f.foreign = issue(t, other, 0x12, now.Add(-time.Hour), now.Add(24*time.Hour))
	f.revoked = issue(t, ca, 0x13, now.Add(-time.Hour), now.Add(24*time.Hour))
	certPEM, keyPEM, err := devcert.PEM(f.good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f.goodPEM, f.goodKey = filepath.Join(dir, "good.pem"), filepath.Join(dir, "good.key")
	if err := os.WriteFile(f.goodPEM, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.goodKey, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}

	f.revokedARN = createStore(t, f.cf, "revoked-serials")
	if _, err := f.data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &f.revokedARN, Key: aws.String("13"), Value: aws.String("lost device"),
		IfMatch: aws.String(dataETag(t, f.data, f.revokedARN))}); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	fnID := createConnectionFunction(t, f.cf, "revocation", revocationCode, true, f.revokedARN)
	tsID := s.createTrustStore(t, f.cf, "devices", ca)

	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.originSaw <- r.Header.Clone()
		fmt.Fprintf(w, "origin: %s", r.URL.Path)
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)

	// A viewer-request function shows what functions see of the certificate.
	vfn, err := f.cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String("cert-echo"), FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20),
		FunctionCode: []byte(`function handler(event) {
  var h = event.request.headers;
  var serial = h['cloudfront-viewer-cert-serial-number'];
  h['x-fn-serial'] = {value: serial ? serial.value : 'none'};
  h['x-fn-pem'] = {value: h['cloudfront-viewer-cert-pem'] ? 'shown' : 'hidden'};
  return event.request;
}`)})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	live, err := f.cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("cert-echo"), IfMatch: vfn.ETag})
	if err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}
	forwarded := []string{"CloudFront-Viewer-Cert-Serial-Number", "CloudFront-Viewer-Cert-Present", "CloudFront-Viewer-Cert-Pem",
		"CloudFront-Viewer-Cert-Issuer", "CloudFront-Viewer-Cert-Validity", "X-Fn-Serial", "X-Fn-Pem"}
	behavior := &cftypes.DefaultCacheBehavior{
		ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
		FunctionAssociations: onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN),
		ForwardedValues: &cftypes.ForwardedValues{QueryString: aws.Bool(false), Cookies: &cftypes.CookiePreference{Forward: cftypes.ItemSelectionNone},
			Headers: &cftypes.Headers{Quantity: aws.Int32(int32(len(forwarded))), Items: forwarded}},
		MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(0), MaxTTL: aws.Int64(0),
	}
	d, err := f.cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: withMtls(localOrigin("mtls", originPort, behavior), cftypes.ViewerMtlsModeRequired, tsID, fnID)})
	if err != nil {
		t.Fatalf("CreateDistribution mtls: %v", err)
	}
	f.mtlsDomain = aws.ToString(d.Distribution.DomainName)
	plain, err := f.cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin("plain", originPort, &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll})})
	if err != nil {
		t.Fatalf("CreateDistribution plain: %v", err)
	}
	f.plainDomain = aws.ToString(plain.Distribution.DomainName)
	// Both reach the edge within moments.
	for _, domain := range []string{f.mtlsDomain, f.plainDomain} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, _, err := s.mtlsViewer(t, domain, "", "/ready", f.good)
			if err == nil && resp.StatusCode == http.StatusOK || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		f.drain()
	}
	return f
}

func (f *mtlsFixture) drain() {
	for {
		select {
		case <-f.originSaw:
		default:
			return
		}
	}
}

// TestViewerMtls: a Go crypto/tls client and curl over real TLS against
// `edgefn serve`: the trust store's certificates get through with the
// CloudFront-Viewer-Cert-* headers; none, an expired one, another CA's
// and one the connection function finds revoked in its KeyValueStore fail
// the handshake; a distribution without mTLS shares the listener.
func TestViewerMtls(t *testing.T) {
	f := newMtlsFixture(t)
	s := f.s

	// A viewer's own certificate headers are not believed.
	resp, body, err := s.mtlsViewer(t, f.mtlsDomain, "", "/page", f.good, "CloudFront-Viewer-Cert-Serial-Number", "ff:ff")
	if err != nil || resp.StatusCode != http.StatusOK || body != "origin: /page" {
		t.Fatalf("good certificate: %v %v %q", err, resp, body)
	}
	h := <-f.originSaw
	pemText, _ := url.QueryUnescape(h.Get("CloudFront-Viewer-Cert-Pem"))
	block, _ := pem.Decode([]byte(pemText))
	if h.Get("CloudFront-Viewer-Cert-Serial-Number") != "10" || h.Get("CloudFront-Viewer-Cert-Present") != "1" ||
		h.Get("X-Fn-Serial") != "10" || h.Get("X-Fn-Pem") != "hidden" ||
		h.Get("CloudFront-Viewer-Cert-Issuer") != "CN=Device CA,O=edgefn tests" ||
		!strings.HasPrefix(h.Get("CloudFront-Viewer-Cert-Validity"), "NotBefore=") ||
		block == nil || string(block.Bytes) != string(f.good.Certificate[0]) {
		t.Errorf("origin saw %v", h)
	}

	for name, cert := range map[string]tls.Certificate{"none": {}, "expired": f.expired, "another CA": f.foreign, "revoked": f.revoked} {
		if resp, _, err := s.mtlsViewer(t, f.mtlsDomain, "", "/page", cert); err == nil {
			t.Errorf("%s: %d, want a failed handshake", name, resp.StatusCode)
		}
	}
	// The client may see the refusal before the edge has written its line.
	eventually(t, 5*time.Second, "the connection log line for the revoked certificate", func() (bool, error) {
		return strings.Contains(s.log.String(), "connection deny") && strings.Contains(s.log.String(), "REVOKED:13"), nil
	})

	// Without mTLS, the same listener serves with or without a certificate.
	for _, cert := range []tls.Certificate{{}, f.foreign} {
		if resp, body, err := s.mtlsViewer(t, f.plainDomain, "", "/free", cert); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("plain distribution: %v %v %q", err, resp, body)
		}
	}
	f.drain()
	// A connection set up for the plain distribution cannot ask for the
	// mTLS one; nor can plain HTTP.
	if resp, _, err := s.mtlsViewer(t, f.plainDomain, f.mtlsDomain, "/page", tls.Certificate{}); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("SNI of another distribution: %v %v, want 421", err, resp)
	}
	if resp, body := s.atEdge(t, f.mtlsDomain, "GET", "/page"); resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "client certificate") {
		t.Errorf("over HTTP: %d %q, want 403", resp.StatusCode, body)
	}

	// curl, with and without the certificate.
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(s.edgeTLSURL, "https://"))
	target := "https://" + f.mtlsDomain + ":" + tlsPort + "/curl"
	resolve := f.mtlsDomain + ":" + tlsPort + ":127.0.0.1"
	out, err := exec.Command("curl", "-sS", "-k", "--resolve", resolve, "--cert", f.goodPEM, "--key", f.goodKey, target).CombinedOutput()
	if err != nil || string(out) != "origin: /curl" {
		t.Errorf("curl with the certificate: %v %q", err, out)
	}
	if out, err := exec.Command("curl", "-sS", "-k", "--resolve", resolve, target).CombinedOutput(); err == nil {
		t.Errorf("curl without a certificate succeeded: %q", out)
	}
}

// TestViewerMtlsRevocation: a serial written to the KeyValueStore the
// connection function reads is refused at the next handshake, without a
// restart; deleting it lets the certificate in again.
func TestViewerMtlsRevocation(t *testing.T) {
	f := newMtlsFixture(t)
	c := ctx(t)
	if resp, _, err := f.s.mtlsViewer(t, f.mtlsDomain, "", "/", f.good); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("before revocation: %v %v", err, resp)
	}
	if _, err := f.data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &f.revokedARN, Key: aws.String("10"), Value: aws.String("revoked"),
		IfMatch: aws.String(dataETag(t, f.data, f.revokedARN))}); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	waitHandshake(t, f, false)
	if _, err := f.data.DeleteKey(c, &kvsapi.DeleteKeyInput{KvsARN: &f.revokedARN, Key: aws.String("10"),
		IfMatch: aws.String(dataETag(t, f.data, f.revokedARN))}); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	waitHandshake(t, f, true)
}

// waitHandshake waits (5 s at most) until the good certificate's request
// succeeds (ok) or fails.
func waitHandshake(t *testing.T, f *mtlsFixture, ok bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, err := f.s.mtlsViewer(t, f.mtlsDomain, "", "/", f.good)
		f.drain()
		if (err == nil) == ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("handshake still %v after 5 s, want ok=%v", err, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConnectionFunctionLoops: a connection function that never returns is
// stopped at the runtime's time limit and the handshake refused; the edge
// goes on serving.
func TestConnectionFunctionLoops(t *testing.T) {
	f := newMtlsFixture(t)
	c := ctx(t)
	loopID := createConnectionFunction(t, f.cf, "loop", []byte(`function connectionHandler(connection) { while (true) {} }`), true)
	cfg, err := f.cf.GetDistributionConfig(c, &cloudfront.GetDistributionConfigInput{Id: aws.String(strings.ToUpper(strings.SplitN(f.mtlsDomain, ".", 2)[0]))})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DistributionConfig.ConnectionFunctionAssociation.Id = aws.String(loopID)
	if _, err := f.cf.UpdateDistribution(c, &cloudfront.UpdateDistributionInput{Id: aws.String(strings.ToUpper(strings.SplitN(f.mtlsDomain, ".", 2)[0])),
		IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}); err != nil {
		t.Fatalf("UpdateDistribution: %v", err)
	}
	waitHandshake(t, f, false)
	for range 3 {
		if resp, _, err := f.s.mtlsViewer(t, f.plainDomain, "", "/", tls.Certificate{}); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("plain distribution after the loop: %v %v", err, resp)
		}
	}
}

// TestEdgeCertificatesBySNI: repeated --edge-tls-cert/--edge-tls-key pairs
// serve each host name its certificate (exact or wildcard) on one
// listener, the first pair for names none covers.
func TestEdgeCertificatesBySNI(t *testing.T) {
	dir := t.TempDir()
	var args []string
	for _, c := range []struct{ cn, name string }{{"apex", "shop.example"}, {"wild", "*.devices.example"}} {
		cert, key := filepath.Join(dir, c.cn+".pem"), filepath.Join(dir, c.cn+".key")
		writeCert(t, cert, key, c.cn, c.name)
		args = append(args, "--edge-tls-cert", cert, "--edge-tls-key", key)
	}
	s := startServer(t, serverConfig{args: args})
	for sni, want := range map[string]string{"shop.example": "apex", "a.devices.example": "wild", "other.example": "apex", "": "apex"} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(s.edgeTLSURL, "https://"), &tls.Config{ServerName: sni, InsecureSkipVerify: true})
		if err != nil {
			t.Fatalf("TLS dial %q: %v", sni, err)
		}
		if got := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; got != want {
			t.Errorf("SNI %q: certificate %q, want %q", sni, got, want)
		}
		conn.Close()
	}
	// Pairs that do not match are refused at start.
	cmd := exec.Command(edgefnBin, "serve", "--data", t.TempDir(), "--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0",
		"--edge-tls-addr", "127.0.0.1:0", "--edge-tls-cert", filepath.Join(dir, "apex.pem"))
	cmd.Env = serverEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "come in pairs") {
		t.Errorf("an unpaired --edge-tls-cert: %v %s", err, out)
	}
}
