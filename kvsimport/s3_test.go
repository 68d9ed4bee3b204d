package kvsimport

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

// TestS3 points the reader at a fake S3-compatible server through the standard
// environment variables, as an operator would.
func TestS3(t *testing.T) {
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/bucket/data/kv.json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"data":[{"key":"k","value":"v"}]}`)
		case "/private/kv.json":
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
		case "/broken/kv.json":
			w.WriteHeader(http.StatusNotImplemented)
		default:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
		}
	}))
	defer srv.Close()
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.URL)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")

	ctx := context.Background()
	src, err := NewS3(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	items, err := Load(ctx, src, Object{"bucket", "data/kv.json"}, edgefn.DefaultLimits())
	if err != nil || len(items) != 1 || items[0] != (edgefn.Item{Key: "k", Value: "v"}) {
		t.Fatalf("Load = %v, %v", items, err)
	}
	if !strings.Contains(gotAuth, "Credential=AKIDTEST/") || !strings.Contains(gotAuth, "/us-east-1/s3/") {
		t.Errorf("request not signed with the environment's credentials for us-east-1: %q", gotAuth)
	}

	tests := []struct {
		bucket string
		kind   edgefn.ErrorKind
		plain  bool
	}{
		{"missing", edgefn.ErrNotFound, false},
		{"private", edgefn.ErrAccessDenied, false},
		{"broken", 0, true},
	}
	for _, tt := range tests {
		_, err := src.Open(ctx, tt.bucket, "kv.json")
		var e *edgefn.Error
		if err == nil {
			t.Errorf("Open(%s) succeeded", tt.bucket)
		} else if isDomain := errors.As(err, &e); isDomain == tt.plain || isDomain && e.Kind != tt.kind {
			t.Errorf("Open(%s) error = %v; want kind %d (plain %v)", tt.bucket, err, tt.kind, tt.plain)
		}
	}
}
