package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/edgefn/edgefn/api/sigv4"
)

func TestProbes(t *testing.T) {
	down := func(context.Context) error { return errors.New("etcd: not ready") }
	up := func(context.Context) error { return nil }
	tests := []struct {
		path   string
		ready  func(context.Context) error
		status int
	}{
		{"/healthz", down, http.StatusOK}, // the process serves, store or not
		{"/readyz", nil, http.StatusOK},   // a store that cannot go down
		{"/readyz", up, http.StatusOK},
		{"/readyz", down, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		h := New(Config{Ready: tt.ready})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("GET %s (ready %v) = %d, want %d", tt.path, tt.ready != nil, rec.Code, tt.status)
		}
	}
}

// TestCallLog: every API call leaves one info line with its outcome, refused
// ones included.
func TestCallLog(t *testing.T) {
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: "AKIAEDGEFNTEST000001", SecretAccessKey: "secret", AccountID: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := New(Config{Verifier: sigv4.NewVerifier(keys), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/2020-05-31/function", nil)) // unsigned
	line := logs.String()
	for _, want := range []string{"level=INFO", `msg="api call"`, "method=GET", "path=/2020-05-31/function", "status=" + strconv.Itoa(rec.Code), "latency=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("log %q lacks %q", line, want)
		}
	}
	if rec.Code != http.StatusForbidden || strings.Count(line, "api call") != 1 {
		t.Errorf("status %d, %d call lines", rec.Code, strings.Count(line, "api call"))
	}
}

// TestConsoleRoute: /console and everything under /console/ go to the console
// unsigned (it has sessions of its own); a look-alike path does not.
func TestConsoleRoute(t *testing.T) {
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: "AKID", SecretAccessKey: "s", AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	console := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := New(Config{Verifier: sigv4.NewVerifier(keys), Console: console})
	for path, want := range map[string]int{"/console": http.StatusTeapot, "/console/": http.StatusTeapot, "/console/api/session": http.StatusTeapot, "/consoles": http.StatusNotFound} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
		}
	}
}

const (
	testKeyID   = "AKIAEDGEFNTEST000001"
	testSecret  = "secret"
	testAccount = "111111111111"
)

func testVerifier(t *testing.T) *sigv4.Verifier {
	t.Helper()
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, AccountID: testAccount})
	if err != nil {
		t.Fatal(err)
	}
	return sigv4.NewVerifier(keys)
}

// sign signs req for service with the test key and the hash of body.
func sign(t *testing.T, req *http.Request, service, keyID string, body []byte, at time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

// untouchable is a body that fails the test if anything reads it.
type untouchable struct{ t *testing.T }

func (u untouchable) Read([]byte) (int, error) {
	u.t.Error("the body was read")
	return 0, io.EOF
}

// TestRefusedBeforeBody: what the head decides is answered without reading
// the body: no signature, a malformed one, an unknown key, a stale date, a
// service the endpoint does not serve, a declared length over the limit.
func TestRefusedBeforeBody(t *testing.T) {
	h := New(Config{Verifier: testVerifier(t)})
	tests := []struct {
		name   string
		prep   func(*http.Request)
		status int
		code   string
	}{
		{"unsigned", func(*http.Request) {}, 403, "MissingAuthenticationToken"},
		{"malformed", func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x") }, 400, "IncompleteSignature"},
		{"unknown key", func(r *http.Request) { sign(t, r, "cloudfront", "AKIAUNKNOWN000000000", nil, time.Now()) }, 403, "InvalidClientTokenId"},
		{"stale", func(r *http.Request) { sign(t, r, "cloudfront", testKeyID, nil, time.Now().Add(-time.Hour)) }, 403, "SignatureDoesNotMatch"},
		{"other service", func(r *http.Request) { sign(t, r, "s3", testKeyID, nil, time.Now()) }, 403, "SignatureDoesNotMatch"},
		{"declared too large", func(r *http.Request) {
			sign(t, r, "cloudfront", testKeyID, nil, time.Now())
			r.ContentLength = 5 << 20
		}, 400, "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/2020-05-31/function", untouchable{t})
			req.ContentLength = 1 << 20
			tt.prep(req)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), "<Code>"+tt.code) {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
		})
	}
}

// TestBodyBudget: bodies in flight hold at most the budget; a request that
// would pass it is answered 503 ServiceUnavailable at once (in each plane's
// format), and the budget comes back when the held bodies end.
func TestBodyBudget(t *testing.T) {
	const maxBody = 512 << 10
	cf := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := New(Config{Verifier: testVerifier(t), CloudFront: cf, KeyValueStore: cf, MaxBodyBytes: maxBody, BodyBudget: 2 * maxBody})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := &http.Client{Timeout: 5 * time.Second}

	// Two uploads of the largest body, held open after their first bytes.
	var writers []*io.PipeWriter
	done := make(chan int, 2)
	for range 2 {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/2020-05-31/function", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = maxBody
		sign(t, req, "cloudfront", testKeyID, nil, time.Now())
		go func() {
			resp, err := client.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		if _, err := pw.Write(make([]byte, 1024)); err != nil {
			t.Fatal(err)
		}
	}
	// The uploads hold the budget once the server has read their heads,
	// a moment after their clients sent their first bytes.
	budget := h.(*server).budget.sem
	for deadline := time.Now().Add(5 * time.Second); budget.TryAcquire(1); {
		budget.Release(1)
		if time.Now().After(deadline) {
			t.Fatal("the held uploads never took the budget")
		}
		time.Sleep(5 * time.Millisecond)
	}
	send := func(path, service string) (int, string) {
		body := []byte("{}")
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sign(t, req, service, testKeyID, body, time.Now())
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := send("/2020-05-31/function", "cloudfront"); status != 503 || !strings.Contains(body, "<Code>ServiceUnavailable</Code>") {
		t.Errorf("CloudFront call over the budget: %d %s, want 503 ServiceUnavailable", status, body)
	}
	if status, body := send("/key-value-stores/arn/keys", "cloudfront-keyvaluestore"); status != 503 || !strings.Contains(body, "ServiceUnavailableException") {
		t.Errorf("KeyValueStore call over the budget: %d %s, want 503 ServiceUnavailableException", status, body)
	}
	for _, pw := range writers {
		pw.CloseWithError(errors.New("viewer gone"))
	}
	for range 2 {
		<-done
	}
	// The server sees the uploads end a moment after their clients do.
	deadline := time.Now().Add(5 * time.Second)
	for status, body := send("/2020-05-31/function", "cloudfront"); status != http.StatusNoContent; status, body = send("/2020-05-31/function", "cloudfront") {
		if time.Now().After(deadline) {
			t.Fatalf("after the held bodies ended: %d %s, want 204", status, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRouteBySignedService: a request goes to the plane its credential scope
// names, whatever its path ends with: a KeyValueStore key named 2020-05-31
// is the data plane's.
func TestRouteBySignedService(t *testing.T) {
	plane := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
	}
	h := New(Config{Verifier: testVerifier(t), CloudFront: plane("cloudfront"), KeyValueStore: plane("kvs")})
	arn := "arn%3Aaws%3Acloudfront%3A%3A111111111111%3Akey-value-store%2Fe1"
	tests := []struct{ method, path, service, want string }{
		{"GET", "/key-value-stores/" + arn + "/keys/2020-05-31", "cloudfront-keyvaluestore", "kvs"},
		{"DELETE", "/key-value-stores/" + arn + "/keys/2020-05-31", "cloudfront-keyvaluestore", "kvs"},
		{"GET", "/key-value-stores/" + arn + "/keys/x/2020-05-31/", "cloudfront-keyvaluestore", "kvs"},
		{"GET", "/2020-05-31/function/key-value-stores", "cloudfront", "cloudfront"},
		{"GET", "/2020-05-31/key-value-store/", "cloudfront", "cloudfront"},
		{"GET", "/prefix/2020-05-31/function", "cloudfront", "cloudfront"},
		// An endpoint with a path: both planes' forms, the service decides.
		{"GET", "/2020-05-31/key-value-stores/" + arn + "/keys/k", "cloudfront-keyvaluestore", "kvs"},
		// A signature for one plane on the other's path is refused, in the
		// format of the path's plane.
		{"GET", "/key-value-stores/" + arn + "/keys/k", "cloudfront", `"__type":"SignatureDoesNotMatch"`},
		{"GET", "/key-value-stores/" + arn + "/keys/2020-05-311", "cloudfront", `"__type":"SignatureDoesNotMatch"`},
		{"GET", "/2020-05-31/function", "cloudfront-keyvaluestore", "<Code>SignatureDoesNotMatch</Code>"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		sign(t, req, tt.service, testKeyID, nil, time.Now())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s %s signed for %s: %d %s, want %s", tt.method, tt.path, tt.service, rec.Code, rec.Body, tt.want)
		}
	}
}

// TestNoMetrics: the API's listener serves no /metrics (they name every
// account's functions and distributions; serve has --metrics-addr for them).
func TestNoMetrics(t *testing.T) {
	h := New(Config{Verifier: testVerifier(t)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics = %d %s, want 404", rec.Code, rec.Body)
	}
}
