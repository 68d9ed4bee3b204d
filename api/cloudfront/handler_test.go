package cloudfront

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

const account = "123456789012"

// The real packages satisfy the interfaces the handler defines.
var (
	_ Store   = (*store.Store)(nil)
	_ Program = (*runtime.Program)(nil)
	_ Engine  = RuntimeEngine{}
)

// env is a Handler on a real store and engine, behind an HTTP server, with
// the real Go SDK client pointed at it.
type env struct {
	h       *Handler
	st      *store.Store
	cf      *cloudfront.Client
	url     string
	imports string // the directory served as import source
}

// newEnv starts an env; opts adjust the Config before the Handler is built.
func newEnv(t *testing.T, opts ...func(*Config)) *env {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: store.New(db, edgefn.DefaultLimits()), imports: t.TempDir()}
	cfg := Config{
		Store:    e.st,
		Engine:   RuntimeEngine{runtime.New(runtime.Options{Timeout: time.Second})},
		Importer: kvsimport.Dir(e.imports),
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	for _, o := range opts {
		o(&cfg)
	}
	e.h = New(cfg)
	srv := httptest.NewServer(withAccount(e.h))
	t.Cleanup(func() {
		srv.Close()
		if err := e.h.Close(context.Background()); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	e.url = srv.URL
	e.cf = newClient(srv.URL, srv.Client())
	return e
}

func newClient(endpoint string, hc *http.Client) *cloudfront.Client {
	return cloudfront.New(cloudfront.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-west-2",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       hc,
		RetryMaxAttempts: 1,
	})
}

// withAccount stands in for the API root, which verifies the signature and
// puts the caller in the context.
func withAccount(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := sigv4.WithIdentity(r.Context(), &sigv4.Identity{AccountID: account})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// isA reports whether err is (or wraps) an error of type T.
func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// hasCode matches an API error by code, for errors the model does not list
// for an operation (the SDK has no type for them there).
func hasCode(code string) func(error) bool {
	return func(err error) bool {
		var api smithy.APIError
		return errors.As(err, &api) && api.ErrorCode() == code
	}
}

// must returns v, or fails the test with err: must(call())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wireError is an error response as the SDKs read it.
type wireError struct {
	Type, Code, Message string
	RequestID           string
}

// call sends a raw request (what the SDKs refuse to send, or send differently)
// and returns the status and, for errors, the parsed body.
func (e *env) call(t *testing.T, method, path string, header map[string]string, body string) (*http.Response, wireError) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Error   struct{ Type, Code, Message string }
		ID      string `xml:"RequestId"`
	}
	if resp.StatusCode >= 300 {
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s %s: %d with a body that is no ErrorResponse: %v\n%s", method, path, resp.StatusCode, err, data)
		}
	}
	return resp, wireError{doc.Error.Type, doc.Error.Code, doc.Error.Message, doc.ID}
}

// TestWire checks what the SDK tests cannot reach: requests the SDKs refuse to
// build, and the envelope of every response.
func TestWire(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fn := must(e.cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("fn"), FunctionCode: []byte(testCode),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20},
	}))(t)
	etag := *fn.ETag
	create := func(name, inner string) string {
		return `<CreateFunctionRequest` + nsAttr + `><Name>` + name + `</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig>` + inner + `</CreateFunctionRequest>`
	}
	ifMatch := map[string]string{"If-Match": etag}
	tests := []struct {
		name         string
		method, path string
		header       map[string]string
		body         string
		status       int
		code, msg    string // for errors
	}{
		{"create without Content-Type (botocore)", "POST", "/2020-05-31/function", nil, create("nocontenttype", `<FunctionCode>`+code64+`</FunctionCode>`), 201, "", ""},
		{"base path before the API path", "GET", "/some/prefix/2020-05-31/function/fn/describe", nil, "", 200, "", ""},
		{"malformed XML", "POST", "/2020-05-31/function", nil, `<CreateFunctionRequest><Name>x</Name>`, 400, "MalformedXML", "not well-formed"},
		{"bad base64", "POST", "/2020-05-31/function", nil, create("b64", `<FunctionCode>%%%</FunctionCode>`), 400, "InvalidArgument", "not valid base64"},
		{"body over 1 MiB", "POST", "/2020-05-31/function", nil, create("huge", `<FunctionCode>`+strings.Repeat("QUFB", 1<<18)+`</FunctionCode>`), 400, "InvalidArgument", "larger than 1048576 bytes"},
		{"update without If-Match", "PUT", "/2020-05-31/function/fn", nil, `<UpdateFunctionRequest/>`, 400, "InvalidIfMatchVersion", "If-Match version is missing"},
		{"publish without If-Match", "POST", "/2020-05-31/function/fn/publish", nil, "", 400, "InvalidIfMatchVersion", "If-Match"},
		{"test without If-Match", "POST", "/2020-05-31/function/fn/test", nil, "", 400, "InvalidIfMatchVersion", "If-Match"},
		{"delete function without If-Match", "DELETE", "/2020-05-31/function/fn", nil, "", 400, "InvalidIfMatchVersion", "If-Match"},
		{"update store without If-Match", "PUT", "/2020-05-31/key-value-store/kvs", nil, `<UpdateKeyValueStoreRequest><Comment/></UpdateKeyValueStoreRequest>`, 400, "InvalidIfMatchVersion", "If-Match"},
		{"delete store without If-Match", "DELETE", "/2020-05-31/key-value-store/kvs", nil, "", 400, "InvalidIfMatchVersion", "If-Match"},
		{"test with an empty body", "POST", "/2020-05-31/function/fn/test", ifMatch, "", 400, "MalformedXML", "body is empty"},
		{"MaxItems zero", "GET", "/2020-05-31/function?MaxItems=0", nil, "", 400, "InvalidArgument", "positive integer"},
		{"MaxItems not a number", "GET", "/2020-05-31/key-value-store?MaxItems=ten", nil, "", 400, "InvalidArgument", "positive integer"},
		{"bad Stage on describe", "GET", "/2020-05-31/function/fn/describe?Stage=PROD", nil, "", 400, "InvalidArgument", `"PROD" is not valid`},
		{"bad Stage on list", "GET", "/2020-05-31/function?Stage=dev", nil, "", 400, "InvalidArgument", `"dev" is not valid`},
		{"bad Status on list", "GET", "/2020-05-31/key-value-store?Status=GONE", nil, "", 400, "InvalidArgument", "GONE"},
		{"bad name in path", "GET", "/2020-05-31/function/a%20b/describe", nil, "", 400, "InvalidArgument", `"a b" is not valid`},
		{"unknown operation", "PATCH", "/2020-05-31/function/fn", nil, "", 400, "UnsupportedOperation", "PATCH"},
		{"unknown path", "GET", "/2020-05-31/origin-access-control", nil, "", 400, "UnsupportedOperation", "origin-access-control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, we := e.call(t, tt.method, tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d; want %d (%+v)", resp.StatusCode, tt.status, we)
			}
			id := resp.Header.Get("x-amzn-RequestId")
			if len(id) != 36 {
				t.Errorf("x-amzn-RequestId = %q; want a UUID", id)
			}
			if tt.code == "" {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			if we.Code != tt.code || we.Type != "Sender" || !strings.Contains(we.Message, tt.msg) {
				t.Errorf("error %+v; want Sender %s containing %q", we, tt.code, tt.msg)
			}
			if we.RequestID != id {
				t.Errorf("RequestId %q in the body, %q in the header", we.RequestID, id)
			}
		})
	}
	// Refused requests store nothing.
	for _, name := range []string{"b64", "huge"} {
		if _, err := e.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String(name)}); !isA[*types.NoSuchFunctionExists](err) {
			t.Errorf("function %s after a refused create: %v", name, err)
		}
	}
}

func TestNoIdentity(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h) // without the stand-in for the API root
	defer srv.Close()
	_, err := newClient(srv.URL, srv.Client()).ListFunctions(context.Background(), &cloudfront.ListFunctionsInput{})
	if !hasCode("AccessDenied")(err) {
		t.Fatalf("ListFunctions without identity: %v; want AccessDenied", err)
	}
}

// TestBasePath points the SDK at an endpoint URL with a path.
func TestBasePath(t *testing.T) {
	e := newEnv(t)
	c := newClient(e.url+"/edgefn/api", http.DefaultClient)
	ctx := context.Background()
	out := must(c.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("kvs")}))(t)
	if _, err := c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: out.KeyValueStore.Name}); err != nil {
		t.Fatal(err)
	}
}

// apiErrorCase is a call that must fail with a typed SDK exception whose
// message contains msg.
type apiErrorCase struct {
	name string
	call func() error
	is   func(error) bool
	msg  string
}

func runAPIErrors(t *testing.T, tests []apiErrorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !tt.is(err) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %v; want the typed exception, containing %q", err, tt.msg)
			}
		})
	}
}
