package kvs_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/kvs"
)

// send makes a raw request to the handler, for what an SDK would refuse to send.
func (e *env) send(t *testing.T, method, path, ifMatch, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func storePath(arn string) string { return "/key-value-stores/" + url.PathEscape(arn) }

// TestErrorResponses checks the REST-JSON error form for input the SDKs would
// not send, and that none of it changes the store.
func TestErrorResponses(t *testing.T) {
	e := newEnv(t)
	etag := e.put(t, map[string]string{"k": "v"})
	p := storePath(e.arn)
	tests := []struct {
		name, method, path, ifMatch, body string
		status                            int
		code                              string
	}{
		{"malformed JSON", "PUT", p + "/keys/k", etag, `{"Value":`, 400, "ValidationException"},
		{"trailing garbage", "PUT", p + "/keys/k", etag, `{"Value":"x"} x`, 400, "ValidationException"},
		{"missing Value", "PUT", p + "/keys/k", etag, `{}`, 400, "ValidationException"},
		{"null Value", "PUT", p + "/keys/k", etag, `{"Value":null}`, 400, "ValidationException"},
		{"number Value", "PUT", p + "/keys/k", etag, `{"Value":1}`, 400, "ValidationException"},
		{"body not an object", "PUT", p + "/keys/k", etag, `["x"]`, 400, "ValidationException"},
		{"oversized PutKey body", "PUT", p + "/keys/k", etag, `{"Value":"` + strings.Repeat("x", 1<<20) + `"}`, 400, "ValidationException"},
		{"oversized UpdateKeys body", "POST", p + "/keys", etag, `{"Puts":[{"Key":"a","Value":"` + strings.Repeat("x", 4<<20) + `"}]}`, 400, "ValidationException"},
		{"PutKey without If-Match", "PUT", p + "/keys/k", "", `{"Value":"x"}`, 400, "ValidationException"},
		{"DeleteKey without If-Match", "DELETE", p + "/keys/k", "", "", 400, "ValidationException"},
		{"UpdateKeys without If-Match", "POST", p + "/keys", "", `{}`, 400, "ValidationException"},
		{"Puts item without Value", "POST", p + "/keys", etag, `{"Puts":[{"Key":"a"}]}`, 400, "ValidationException"},
		{"Puts item without Key", "POST", p + "/keys", etag, `{"Puts":[{"Value":"a"}]}`, 400, "ValidationException"},
		{"Deletes item without Key", "POST", p + "/keys", etag, `{"Deletes":[{}]}`, 400, "ValidationException"},
		{"Puts item with empty Key", "POST", p + "/keys", etag, `{"Puts":[{"Key":"","Value":"a"}]}`, 400, "ValidationException"},
		{"key not UTF-8", "PUT", p + "/keys/%FF", etag, `{"Value":"x"}`, 400, "ValidationException"},
		{"MaxResults not a number", "GET", p + "/keys?MaxResults=ten", "", "", 400, "ValidationException"},
		{"not an ARN", "GET", storePath("my-store"), "", "", 400, "ValidationException"},
		{"11-digit account", "GET", storePath("arn:aws:cloudfront::12345678901:key-value-store/x"), "", "", 400, "ValidationException"},
		{"function ARN", "GET", storePath(edgefn.FunctionARN(account, "f")), "", "", 400, "ValidationException"},
		{"ARN split at its slash", "GET", "/key-value-stores/arn:aws:cloudfront::" + account + ":key-value-store/x", "", "", 404, "UnknownOperationException"},
		{"other account", "GET", storePath(edgefn.KeyValueStoreARN("210987654321", "x")), "", "", 403, "AccessDeniedException"},
		{"unknown store", "GET", storePath(edgefn.KeyValueStoreARN(account, "x")), "", "", 404, "ResourceNotFoundException"},
		{"unknown sub-resource", "GET", p + "/items", "", "", 404, "UnknownOperationException"},
		{"unsupported method", "PATCH", p + "/keys/k", etag, `{"Value":"x"}`, 404, "UnknownOperationException"},
		{"trailing slash", "GET", p + "/", "", "", 404, "UnknownOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.send(t, tt.method, tt.path, tt.ifMatch, tt.body)
			if resp.StatusCode != tt.status || resp.Header.Get("X-Amzn-ErrorType") != tt.code {
				t.Errorf("%d %s, want %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), tt.status, tt.code)
			}
			if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Errorf("headers %v", resp.Header)
			}
			var body struct {
				Message string `json:"message"`
				Type    string `json:"__type"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Message == "" || body.Type != tt.code {
				t.Errorf("body %+v, %v", body, err)
			}
		})
	}
	if got := e.etag(t); got != etag {
		t.Error("refused requests changed the store")
	}
}

// TestSuccessResponse checks the wire form the SDKs rely on.
func TestSuccessResponse(t *testing.T) {
	e := newEnv(t)
	resp := e.send(t, "GET", storePath(e.arn), "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Header.Get("ETag") == "" || resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["Created"].(float64); !ok {
		t.Errorf("Created = %#v, want a JSON number", body["Created"])
	}

	etag := e.put(t, map[string]string{"k": "v"})
	resp = e.send(t, "DELETE", storePath(e.arn)+"/keys/k", etag, "")
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" || resp.Header.Get("ETag") == etag {
		t.Fatalf("DeleteKey: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
	clear(body)
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body["ItemCount"] != 0.0 || body["TotalSizeInBytes"] != 0.0 {
		t.Errorf("DeleteKey body %v, %v; want zero ItemCount and TotalSizeInBytes", body, err)
	}
}

// TestAnyHost: the SDKs put the account id in front of the endpoint's host.
func TestAnyHost(t *testing.T) {
	e := newEnv(t)
	for _, host := range []string{account + ".127.0.0.1:1", account + ".kvs.localhost", "example.com"} {
		req, _ := http.NewRequest("GET", e.url+storePath(e.arn), nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("Host %s: status %d", host, resp.StatusCode)
		}
	}
}

// TestUnauthenticated: without a verified caller the handler refuses.
func TestUnauthenticated(t *testing.T) {
	h := kvs.New(kvs.Config{Store: openStore(t, edgefn.DefaultLimits())})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", storePath(edgefn.KeyValueStoreARN(account, "x")), nil))
	if rec.Code != 403 || rec.Header().Get("X-Amzn-ErrorType") != "AccessDeniedException" {
		t.Errorf("%d %s, want 403 AccessDeniedException", rec.Code, rec.Header().Get("X-Amzn-ErrorType"))
	}
}
