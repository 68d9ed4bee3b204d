package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/kvs"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

const kvsTestAccount = "123456789012"

// kvsServer is the KVS data plane over a real store, plus just enough of the
// CloudFront control plane (DescribeKeyValueStore) to resolve store names.
type kvsServer struct {
	store *store.Store
	kvs   *edgefn.KeyValueStore
	// beforeUpdate, when set, runs before each UpdateKeys request is served.
	beforeUpdate func()
}

func newKVSServer(t *testing.T) *kvsServer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &kvsServer{store: store.New(db, edgefn.DefaultLimits())}
	if s.kvs, err = s.store.CreateKeyValueStore(context.Background(), kvsTestAccount, "items", "", false); err != nil {
		t.Fatal(err)
	}
	data := kvs.New(kvs.Config{Store: s.store})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Signature verification is the api package's; here every caller is the test account.
		r = r.WithContext(sigv4.WithIdentity(r.Context(), &sigv4.Identity{AccountID: kvsTestAccount}))
		if name, ok := strings.CutPrefix(r.URL.Path, "/2020-05-31/key-value-store/"); ok {
			s.describeByName(w, r, name)
			return
		}
		if r.Method == http.MethodPost && s.beforeUpdate != nil {
			s.beforeUpdate()
		}
		data.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("EDGEFN_ENDPOINT", srv.URL)
	t.Setenv("EDGEFN_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("EDGEFN_SECRET_ACCESS_KEY", "secret")
	// Keep the developer's AWS configuration out of the tests.
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_PROFILE", "")
	return s
}

// describeByName answers CloudFront's DescribeKeyValueStore with the fields
// the CLI reads.
func (s *kvsServer) describeByName(w http.ResponseWriter, r *http.Request, name string) {
	k, err := s.store.GetKeyValueStore(r.Context(), kvsTestAccount, name)
	if err != nil {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>EntityNotFound</Code><Message>no such store</Message></Error></ErrorResponse>`)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("ETag", k.ETag)
	xml.NewEncoder(w).Encode(struct {
		XMLName          xml.Name `xml:"KeyValueStore"`
		Name, Id, ARN    string
		Comment, Status  string
		LastModifiedTime string
	}{Name: k.Name, Id: k.ID, ARN: k.ARN(), Status: k.Status, LastModifiedTime: k.LastModified.Format("2006-01-02T15:04:05.000Z")})
}

func (s *kvsServer) put(t *testing.T, key, value string) {
	t.Helper()
	k, err := s.store.KeyValueStoreByID(context.Background(), kvsTestAccount, s.kvs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UpdateKeys(context.Background(), kvsTestAccount, s.kvs.ID, k.DataETag, []edgefn.Item{{Key: key, Value: value}}, nil); err != nil {
		t.Fatal(err)
	}
}

func (s *kvsServer) items(t *testing.T) map[string]string {
	t.Helper()
	got := map[string]string{}
	for tok := ""; ; {
		page, next, err := s.store.ListKeys(context.Background(), kvsTestAccount, s.kvs.ID, tok, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page {
			got[it.Key] = it.Value
		}
		if next == "" {
			return got
		}
		tok = next
	}
}

// runKVS runs `edgefn kvs args...` and returns what it printed.
func runKVS(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newKVSCommand()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestKVSCommands(t *testing.T) {
	s := newKVSServer(t)
	arn := s.kvs.ARN()
	steps := []struct {
		args    []string
		want    string // stdout, or a substring of the error
		wantErr bool
	}{
		{args: []string{"put", "items", "greeting/en", "hello world"}, want: `"ItemCount": 1`},
		{args: []string{"put", arn, "ünï", "日本"}, want: `"ItemCount": 2`},
		{args: []string{"get", "items", "greeting/en"}, want: "hello world\n"},
		{args: []string{"get", arn, "ünï"}, want: "日本\n"},
		{args: []string{"list", "items"}, want: `{"key":"greeting/en","value":"hello world"}` + "\n" + `{"key":"ünï","value":"日本"}` + "\n"},
		{args: []string{"list", arn, "--max", "1"}, want: `{"key":"greeting/en","value":"hello world"}` + "\n"},
		{args: []string{"delete", "items", "greeting/en"}, want: `"ItemCount": 1`},
		{args: []string{"get", "items", "greeting/en"}, want: "ResourceNotFoundException", wantErr: true},
		{args: []string{"describe", "no-such-store"}, want: "EntityNotFound", wantErr: true},
		{args: []string{"put", "no-such-store", "k", "v"}, want: `store "no-such-store" does not exist`, wantErr: true},
		{args: []string{"get", "items"}, want: "accepts 2 arg(s)", wantErr: true},
	}
	for _, st := range steps {
		out, _, err := runKVS(t, "", st.args...)
		switch {
		case st.wantErr && (err == nil || !strings.Contains(err.Error(), st.want)):
			t.Errorf("kvs %q: error %v, want one containing %q", st.args, err, st.want)
		case !st.wantErr && err != nil:
			t.Errorf("kvs %q: %v", st.args, err)
		case !st.wantErr && strings.HasPrefix(st.want, `"`) && !strings.Contains(out, st.want):
			t.Errorf("kvs %q printed %q, want it to contain %q", st.args, out, st.want)
		case !st.wantErr && !strings.HasPrefix(st.want, `"`) && out != st.want:
			t.Errorf("kvs %q printed %q, want %q", st.args, out, st.want)
		}
	}

	out, _, err := runKVS(t, "", "describe", "items")
	if err != nil {
		t.Fatal(err)
	}
	var d kvsDescription
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("describe printed %q: %v", out, err)
	}
	if d.KvsARN != arn || d.ItemCount != 1 || d.TotalSizeInBytes != int64(len("ünï日本")) || d.ETag == "" || d.Created.IsZero() {
		t.Errorf("describe = %+v", d)
	}
}

func TestKVSImport(t *testing.T) {
	var s3doc, lines strings.Builder
	want := map[string]string{}
	s3doc.WriteString(`{"data":[`)
	for i := range 120 {
		k, v := fmt.Sprintf("key %03d/é", i), strings.Repeat("v", i)
		want[k] = v
		if i > 0 {
			s3doc.WriteString(",")
		}
		fmt.Fprintf(&s3doc, `{"key":%q,"value":%q}`, k, v)
		fmt.Fprintf(&lines, "{\"key\":%q,\"value\":%q}\n", k, v)
	}
	s3doc.WriteString("]}")
	progress := "imported 50/120 keys\nimported 100/120 keys\nimported 120/120 keys\n"
	tests := []struct {
		name, content string
		stdin         bool
	}{
		{name: "S3 import format", content: s3doc.String()},
		{name: "JSON lines", content: lines.String()},
		{name: "JSON lines on stdin", content: lines.String(), stdin: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newKVSServer(t)
			file, stdin := "-", tt.content
			if !tt.stdin {
				file, stdin = filepath.Join(t.TempDir(), "items.json"), ""
				if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, errOut, err := runKVS(t, stdin, "import", "items", file)
			if err != nil {
				t.Fatal(err)
			}
			if errOut != progress {
				t.Errorf("progress = %q, want %q", errOut, progress)
			}
			if !strings.Contains(out, `"ItemCount": 120`) {
				t.Errorf("import printed %q", out)
			}
			if got := s.items(t); !maps.Equal(got, want) {
				t.Errorf("store has %d items after import, want %d", len(got), len(want))
			}
		})
	}
}

// TestKVSImportRetriesOnConflict: another writer changes the store between
// two batches; the import re-reads the ETag and carries on.
func TestKVSImportRetriesOnConflict(t *testing.T) {
	s := newKVSServer(t)
	var updates atomic.Int32
	s.beforeUpdate = func() {
		if updates.Add(1) == 2 {
			s.put(t, "intruder", "x")
		}
	}
	var lines strings.Builder
	want := map[string]string{"intruder": "x"}
	for i := range 75 {
		want[fmt.Sprint(i)] = "v"
		fmt.Fprintf(&lines, "{\"key\":\"%d\",\"value\":\"v\"}\n", i)
	}
	if _, _, err := runKVS(t, lines.String(), "import", s.kvs.ARN(), "-"); err != nil {
		t.Fatal(err)
	}
	if n := updates.Load(); n != 3 {
		t.Errorf("%d UpdateKeys requests, want 3 (2 batches, one retried)", n)
	}
	if got := s.items(t); !maps.Equal(got, want) {
		t.Errorf("store has %d items, want %d", len(got), len(want))
	}
}

func TestKVSImportRefusesBadFiles(t *testing.T) {
	s := newKVSServer(t)
	tests := map[string]string{
		"not JSON":           `{"data":[`,
		"missing value":      `{"data":[{"key":"a","value":"1"},{"key":"b"}]}`,
		"value not a string": `{"key":"a","value":1}`,
		"array":              `[{"key":"a","value":"1"}]`,
	}
	for name, content := range tests {
		if _, _, err := runKVS(t, content, "import", "items", "-"); err == nil {
			t.Errorf("%s: import succeeded", name)
		}
	}
	if got := s.items(t); len(got) != 0 {
		t.Errorf("refused imports wrote %d items", len(got))
	}
}

func TestParseImport(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // key=value in order
	}{
		{"empty", "", nil},
		{"S3 document", `{"data":[{"key":"a","value":"1"},{"key":"b","value":""}]}`, []string{"a=1", "b="}},
		{"JSON lines", "{\"key\":\"a\",\"value\":\"1\"}\n\n{\"key\":\"b\",\"value\":\"2\"}", []string{"a=1", "b=2"}},
		{"repeated key keeps its place and last value", `{"key":"a","value":"1"} {"key":"b","value":"2"} {"key":"a","value":"3"}`, []string{"a=3", "b=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := parseImport(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, *it.Key+"="+*it.Value)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKVSEndpointFlag(t *testing.T) {
	t.Setenv("EDGEFN_ENDPOINT", "")
	if got := newKVSCommand().PersistentFlags().Lookup("endpoint").DefValue; got != kvsDefaultEndpoint {
		t.Errorf("default endpoint %q, want %q", got, kvsDefaultEndpoint)
	}
	t.Setenv("EDGEFN_ENDPOINT", "http://edge.example:9000")
	if got := newKVSCommand().PersistentFlags().Lookup("endpoint").DefValue; got != "http://edge.example:9000" {
		t.Errorf("endpoint from EDGEFN_ENDPOINT = %q", got)
	}
	if _, _, err := runKVS(t, "", "describe", "items", "--endpoint", "ftp://x"); err == nil {
		t.Error("an ftp endpoint was accepted")
	}
}

// TestKVSMissingCredentials: with no credentials anywhere, the error names
// the ones to set instead of the SDK's last resort (an EC2 instance role).
func TestKVSMissingCredentials(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for _, v := range []string{"EDGEFN_ACCESS_KEY_ID", "EDGEFN_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_CONFIG_FILE", none)
	_, err := newKVSClient(t.Context(), "http://192.0.2.1:1") // beyond loopback: no development pair
	if err == nil || !strings.Contains(err.Error(), "EDGEFN_ACCESS_KEY_ID") || strings.Contains(err.Error(), "EC2") {
		t.Errorf("error %v; want one naming EDGEFN_ACCESS_KEY_ID and no EC2 role", err)
	}
}

// TestClientDevelopmentPairOnLoopback: with no credentials set, a client of
// a loopback endpoint signs with the development pair, as `edgefn serve`
// accepts it there; credentials in the environment win; beyond loopback
// there is no such default.
func TestClientDevelopmentPairOnLoopback(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for _, v := range []string{"EDGEFN_ACCESS_KEY_ID", "EDGEFN_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_CONFIG_FILE", none)
	keyID := func(endpoint string) string {
		t.Helper()
		c, err := newKVSClient(t.Context(), endpoint)
		if err != nil {
			return "error: " + err.Error()
		}
		cred, err := c.control.Options().Credentials.Retrieve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return cred.AccessKeyID
	}
	for _, endpoint := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://kvs.localhost:8080"} {
		if got := keyID(endpoint); got != devAccessKeyID {
			t.Errorf("%s: key %q; want the development pair", endpoint, got)
		}
	}
	if got := keyID("http://192.0.2.1:8080"); !strings.HasPrefix(got, "error: no credentials") {
		t.Errorf("beyond loopback: %q; want no credentials", got)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	if got := keyID("http://127.0.0.1:8080"); got != "AKIDFROMENV" {
		t.Errorf("with AWS_ACCESS_KEY_ID: %q", got)
	}
	t.Setenv("EDGEFN_ACCESS_KEY_ID", "AKIDEDGEFN")
	t.Setenv("EDGEFN_SECRET_ACCESS_KEY", "s")
	if got := keyID("http://127.0.0.1:8080"); got != "AKIDEDGEFN" {
		t.Errorf("with EDGEFN_ACCESS_KEY_ID: %q", got)
	}
}
