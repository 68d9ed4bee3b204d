// Package e2e tests edgefn from the outside: TestMain builds the real binary,
// every test starts `edgefn serve` as a process on a loopback port and talks to
// it only through unmodified AWS SDKs (Go here, JavaScript and Python through
// child processes) or raw signed HTTP, as users and tools would.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn/e2e/e2etest"
)

// edgefnBin is the binary TestMain built for this run.
var edgefnBin string

func TestMain(m *testing.M) { os.Exit(e2etest.Main(m, &edgefnBin)) }

// account is one key pair the server knows and the account it acts for.
type account = e2etest.Account

// devAccount is the development key pair the server uses when given none.
var devAccount = e2etest.DevAccount

// region is what the Go clients sign CloudFront requests for.
const region = e2etest.Region

// readyTimeout bounds the wait for a started process to serve.
const readyTimeout = e2etest.ReadyTimeout

// serverConfig says how to start a server (e2etest.Config). The zero value
// is a fresh data directory and the development credentials.
type serverConfig struct {
	dataDir  string    // "" means a new t.TempDir()
	s3Dir    string    // --s3-dir; "" leaves the default (DATA/s3)
	accounts []account // written to a --credentials file; nil: development pair
	store    string    // --store; "" keeps the embedded store
	// edgeCert and edgeKey are --edge-tls-cert and --edge-tls-key; ""
	// leaves the self-signed development certificate.
	edgeCert, edgeKey string
	args              []string // more flags
}

// server is one running `edgefn serve` process, with the names this
// package's tests use.
type server struct {
	*e2etest.Server
	t                   testing.TB
	cfg                 serverConfig
	url, port           string
	edgeURL, edgeTLSURL string
	metricsURL          string
	cmd                 *exec.Cmd
	log                 *e2etest.LogLines
}

// startServer runs `edgefn serve` on a free loopback port and waits until it is
// ready; it is stopped when the test ends (see e2etest.Start).
func startServer(t testing.TB, cfg serverConfig) *server {
	t.Helper()
	s := e2etest.Start(t, edgefnBin, e2etest.Config{
		DataDir: cfg.dataDir, S3Dir: cfg.s3Dir, Accounts: cfg.accounts, Store: cfg.store,
		EdgeCert: cfg.edgeCert, EdgeKey: cfg.edgeKey, Args: cfg.args,
	})
	cfg.dataDir = s.Config.DataDir
	return &server{Server: s, t: t, cfg: cfg, url: s.URL, port: s.Port, edgeURL: s.EdgeURL, edgeTLSURL: s.EdgeTLSURL, metricsURL: s.MetricsURL, cmd: s.Cmd, log: s.Log}
}

// serverEnv is this process's environment without the variables that would
// configure the server from outside the test.
func serverEnv() []string { return e2etest.Env() }

// restart starts a new server on the same data directory and credentials.
func (s *server) restart(t testing.TB) *server {
	t.Helper()
	return startServer(t, s.cfg)
}

func (s *server) stop() { s.t.Helper(); s.Stop() }
func (s *server) kill() { s.Kill() }

func (s *server) cloudFront(a account) *cloudfront.Client { return s.CloudFront(a) }
func (s *server) keyValueStore(a account) *kvsapi.Client  { return s.KeyValueStore(a) }
func (s *server) keyValueStoreAt(a account, endpoint string) *kvsapi.Client {
	return s.KeyValueStoreAt(a, endpoint)
}

func directTransport() *http.Transport { return e2etest.DirectTransport() }

// ctx bounds one test's calls.
func ctx(t testing.TB) context.Context { return e2etest.Ctx(t) }

// Errors.

// isA reports whether err wraps a T: the typed exceptions the SDKs raise.
func isA[T error](err error) bool { return e2etest.IsA[T](err) }

// wantAPIError fails the test unless err is the AWS error code with the HTTP
// status, as the SDK surfaced it.
func wantAPIError(t testing.TB, err error, code string, status int) {
	t.Helper()
	e2etest.WantAPIError(t, err, code, status)
}

// Fixtures.

// viewerRequest is a TestFunction event: a viewer request for uri.
func viewerRequest(uri string) []byte {
	return []byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"192.0.2.10"},` +
		`"request":{"method":"GET","uri":"` + uri + `","querystring":{},"headers":{"host":{"value":"example.com"}},"cookies":{}}}`)
}

// taggingCode is a 2.0 function that stamps tag on the request as x-tag.
func taggingCode(tag string) []byte {
	return []byte(`async function handler(event) {
	event.request.headers['x-tag'] = {value: '` + tag + `'};
	return event.request;
}`)
}

// kvsReaderCode is a 2.0 function that copies the associated store's value of
// key into the x-kvs header ("missing" when there is none) and tag into x-tag.
func kvsReaderCode(key, tag string) []byte {
	return []byte(`import cf from 'cloudfront';
const store = cf.kvs();
async function handler(event) {
	let v;
	try {
		v = await store.get('` + key + `');
	} catch (e) {
		v = 'missing';
	}
	event.request.headers['x-kvs'] = {value: v};
	event.request.headers['x-tag'] = {value: '` + tag + `'};
	return event.request;
}`)
}

// functionConfig is a FunctionConfig of runtime rt associated with the stores.
func functionConfig(rt cftypes.FunctionRuntime, storeARNs ...string) *cftypes.FunctionConfig {
	cfg := &cftypes.FunctionConfig{Comment: aws.String("e2e"), Runtime: rt}
	if len(storeARNs) > 0 {
		a := &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(int32(len(storeARNs)))}
		for _, arn := range storeARNs {
			a.Items = append(a.Items, cftypes.KeyValueStoreAssociation{KeyValueStoreARN: aws.String(arn)})
		}
		cfg.KeyValueStoreAssociations = a
	}
	return cfg
}

// createFunction creates a function and returns its DEVELOPMENT ETag.
func createFunction(t testing.TB, cf *cloudfront.Client, name string, code []byte, cfg *cftypes.FunctionConfig) string {
	t.Helper()
	out, err := cf.CreateFunction(ctx(t), &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: code, FunctionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return aws.ToString(out.ETag)
}

// createStore creates an empty store and returns its ARN.
func createStore(t testing.TB, cf *cloudfront.Client, name string) string {
	t.Helper()
	out, err := cf.CreateKeyValueStore(ctx(t), &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateKeyValueStore %s: %v", name, err)
	}
	return aws.ToString(out.KeyValueStore.ARN)
}

// testFunction runs TestFunction and returns the parsed FunctionOutput request
// headers (lower-case name to value), failing on a function error.
func testFunction(t testing.TB, cf *cloudfront.Client, name, etag string, stage cftypes.FunctionStage) map[string]string {
	t.Helper()
	out, err := cf.TestFunction(ctx(t), &cloudfront.TestFunctionInput{
		Name: aws.String(name), IfMatch: aws.String(etag), Stage: stage, EventObject: viewerRequest("/index.html"),
	})
	if err != nil {
		t.Fatalf("TestFunction %s %s: %v", name, stage, err)
	}
	res := out.TestResult
	if msg := aws.ToString(res.FunctionErrorMessage); msg != "" {
		t.Fatalf("TestFunction %s %s: function error %q (logs %q)", name, stage, msg, res.FunctionExecutionLogs)
	}
	return requestHeaders(t, aws.ToString(res.FunctionOutput))
}

// requestHeaders reads the request headers of a FunctionOutput document.
func requestHeaders(t testing.TB, output string) map[string]string {
	t.Helper()
	var doc struct {
		Request struct {
			Headers map[string]struct {
				Value string `json:"value"`
			} `json:"headers"`
		} `json:"request"`
	}
	if err := json.Unmarshal([]byte(output), &doc); err != nil {
		t.Fatalf("FunctionOutput %q: %v", output, err)
	}
	h := make(map[string]string, len(doc.Request.Headers))
	for k, v := range doc.Request.Headers {
		h[k] = v.Value
	}
	return h
}

// dataETag reads a store's data-plane ETag (not the control plane's).
func dataETag(t testing.TB, c *kvsapi.Client, arn string) string {
	t.Helper()
	out, err := c.DescribeKeyValueStore(ctx(t), &kvsapi.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore %s: %v", arn, err)
	}
	return aws.ToString(out.ETag)
}

// maxWriteAttempts bounds the ETag retries of one batch.
const maxWriteAttempts = 20

// updateKeys writes one batch, re-reading the ETag and retrying when another
// writer changed the store first (ConflictException changes nothing). etag is
// the caller's last known ETag and is updated. It returns how many attempts
// were refused with ConflictException.
func updateKeys(ctx context.Context, c *kvsapi.Client, arn string, etag *string, puts []kvstypes.PutKeyRequestListItem, deletes []kvstypes.DeleteKeyRequestListItem) (conflicts int, err error) {
	for attempt := 1; ; attempt++ {
		if *etag == "" {
			d, err := c.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
			if err != nil {
				return conflicts, err
			}
			*etag = aws.ToString(d.ETag)
		}
		out, err := c.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: aws.String(arn), IfMatch: etag, Puts: puts, Deletes: deletes})
		if isA[*kvstypes.ConflictException](err) && attempt < maxWriteAttempts {
			conflicts++
			*etag = ""
			continue
		}
		if err != nil {
			return conflicts, err
		}
		*etag = aws.ToString(out.ETag)
		return conflicts, nil
	}
}

// batch returns the puts of keys prefix0..prefix<n-1>, each valued value(i).
func batch(prefix string, n int, value func(i int) string) []kvstypes.PutKeyRequestListItem {
	puts := make([]kvstypes.PutKeyRequestListItem, n)
	for i := range puts {
		puts[i] = kvstypes.PutKeyRequestListItem{Key: aws.String(fmt.Sprintf("%s%d", prefix, i)), Value: aws.String(value(i))}
	}
	return puts
}

// listAll pages through ListKeys (at most maxPages pages) and returns every item.
func listAll(t testing.TB, c *kvsapi.Client, arn string, pageSize int32) map[string]string {
	t.Helper()
	const maxPages = 1000
	items := map[string]string{}
	in := &kvsapi.ListKeysInput{KvsARN: aws.String(arn), MaxResults: aws.Int32(pageSize)}
	for page := 0; ; page++ {
		if page == maxPages {
			t.Fatalf("ListKeys %s: more than %d pages", arn, maxPages)
		}
		out, err := c.ListKeys(ctx(t), in)
		if err != nil {
			t.Fatalf("ListKeys %s: %v", arn, err)
		}
		if len(out.Items) > int(pageSize) {
			t.Fatalf("ListKeys returned %d items; MaxResults was %d", len(out.Items), pageSize)
		}
		for _, it := range out.Items {
			k := aws.ToString(it.Key)
			if _, dup := items[k]; dup {
				t.Fatalf("ListKeys returned %q twice", k)
			}
			items[k] = aws.ToString(it.Value)
		}
		if aws.ToString(out.NextToken) == "" {
			return items
		}
		in.NextToken = out.NextToken
	}
}

// eventually polls cond every 20ms until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Raw HTTP, for what the SDKs will not send.

// rawResponse is a response read whole.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// signedRequest sends a request signed with SigV4 for service (cloudfront or
// cloudfront-keyvaluestore) by a, with the payload hash of body.
func (s *server) signedRequest(t testing.TB, a account, service, method, path string, body []byte, header http.Header) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx(t), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return s.do(t, req)
}

func (s *server) do(t testing.TB, req *http.Request) rawResponse {
	t.Helper()
	resp, err := (&http.Client{Transport: directTransport()}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// storePath is the data-plane path of a store, its ARN escaped as the SDKs
// escape it.
func storePath(arn string) string {
	return "/key-value-stores/" + strings.NewReplacer(":", "%3A", "/", "%2F").Replace(arn)
}

// b64 is the standard base64 of s, as FunctionCode travels in XML.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Assertions shared by the tests.

// checkCode checks that GetFunction returns code and etag for the stage.
func checkCode(t *testing.T, cf *cloudfront.Client, name string, stage cftypes.FunctionStage, code []byte, etag string) {
	t.Helper()
	out, err := cf.GetFunction(ctx(t), &cloudfront.GetFunctionInput{Name: aws.String(name), Stage: stage})
	if err != nil {
		t.Fatalf("GetFunction %s %s: %v", name, stage, err)
	}
	if !bytes.Equal(out.FunctionCode, code) || aws.ToString(out.ETag) != etag {
		t.Errorf("GetFunction %s %s = %q (ETag %q); want %q (ETag %q)", name, stage, out.FunctionCode, aws.ToString(out.ETag), code, etag)
	}
}

// listFunctions lists with MaxItems 1, following NextMarker, and returns
// "name/stage" of every entry.
func listFunctions(t *testing.T, cf *cloudfront.Client, stage cftypes.FunctionStage) []string {
	t.Helper()
	const maxPages = 200
	var got []string
	in := &cloudfront.ListFunctionsInput{MaxItems: aws.Int32(1), Stage: stage}
	for page := 0; page < maxPages; page++ {
		out, err := cf.ListFunctions(ctx(t), in)
		if err != nil {
			t.Fatalf("ListFunctions: %v", err)
		}
		l := out.FunctionList
		if n := len(l.Items); n > 1 || int(aws.ToInt32(l.Quantity)) != n || aws.ToInt32(l.MaxItems) != 1 {
			t.Fatalf("ListFunctions page: %d items, Quantity %d, MaxItems %d; want at most 1 and consistent", n, aws.ToInt32(l.Quantity), aws.ToInt32(l.MaxItems))
		}
		for _, fs := range l.Items {
			if stage != "" && fs.FunctionMetadata.Stage != stage {
				t.Errorf("ListFunctions Stage=%s returned a %s copy of %s", stage, fs.FunctionMetadata.Stage, aws.ToString(fs.Name))
			}
			got = append(got, aws.ToString(fs.Name)+"/"+string(fs.FunctionMetadata.Stage))
		}
		if aws.ToString(l.NextMarker) == "" {
			return got
		}
		in.Marker = l.NextMarker
	}
	t.Fatalf("ListFunctions: more than %d pages", maxPages)
	return nil
}

// sameSet reports whether got holds each element of want exactly once and
// nothing else.
func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]int{}
	for _, s := range got {
		seen[s]++
	}
	for _, s := range want {
		if seen[s] != 1 {
			return false
		}
	}
	return true
}

// errorCase is one call that must fail with a given AWS error.
type errorCase struct {
	name   string
	call   func(ctx context.Context) error
	code   string
	status int
	typed  func(error) bool // the SDK's typed exception; nil for unmodelled codes
}

// runErrorCases runs each case as a subtest and checks code, status and type.
func runErrorCases(t *testing.T, cases []errorCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(ctx(t))
			wantAPIError(t, err, tt.code, tt.status)
			if tt.typed != nil && !tt.typed(err) {
				t.Errorf("error %T (%v) is not the SDK's typed %s", errors.Unwrap(err), err, tt.code)
			}
		})
	}
}

// checkXMLError checks a CloudFront error response: status, the
// ErrorResponse document in the CloudFront namespace, and the request id.
func checkXMLError(t *testing.T, r rawResponse, code string, status int) {
	t.Helper()
	var doc struct {
		XMLName xml.Name
		Error   struct{ Type, Code, Message string }
		ID      string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	wantType := "Sender"
	if status >= 500 {
		wantType = "Receiver"
	}
	if r.status != status || doc.XMLName.Local != "ErrorResponse" || doc.XMLName.Space != "http://cloudfront.amazonaws.com/doc/2020-05-31/" ||
		doc.Error.Code != code || doc.Error.Type != wantType || doc.Error.Message == "" {
		t.Errorf("status %d, body %s; want %d and an ErrorResponse with Type %s, Code %s and a message", r.status, r.body, status, wantType, code)
	}
	if doc.ID == "" || r.header.Get("x-amzn-RequestId") != doc.ID {
		t.Errorf("RequestId %q, header x-amzn-RequestId %q; want the same id in both", doc.ID, r.header.Get("x-amzn-RequestId"))
	}
}

// checkJSONError checks a KeyValueStore error response: status, the code in
// X-Amzn-ErrorType and __type, a message, a request id.
func checkJSONError(t *testing.T, r rawResponse, code string, status int) {
	t.Helper()
	var doc struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	if r.status != status || r.header.Get("X-Amzn-ErrorType") != code || doc.Type != code || doc.Message == "" ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("status %d, X-Amzn-ErrorType %q, Content-Type %q, body %s; want %d %s with a message",
			r.status, r.header.Get("X-Amzn-ErrorType"), r.header.Get("Content-Type"), r.body, status, code)
	}
	if r.header.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
}

func checkHealthz(t *testing.T, s *server) {
	t.Helper()
	resp, err := (&http.Client{Transport: directTransport()}).Get(s.url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "ok" {
		t.Errorf("GET /healthz = %d %q; want 200 ok", resp.StatusCode, b)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// diffKeys names a few keys on which two item sets disagree.
func diffKeys(got, want map[string]string) []string {
	var d []string
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			d = append(d, fmt.Sprintf("%q: got %q want %q", k, g, v))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("%q: unexpected", k))
		}
	}
	return d[:min(len(d), 5)]
}
