package kvsimport

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		typ, arn string
		want     Object
		err      string // substring of the message; "" means success
	}{
		{"S3", "arn:aws:s3:::my-bucket/data/kv.json", Object{"my-bucket", "data/kv.json"}, ""},
		{"S3", "arn:aws-cn:s3:::b.example/k", Object{"b.example", "k"}, ""},
		{"S3", "arn:aws:s3:::bucket/a:b", Object{"bucket", "a:b"}, ""},
		{"s3", "arn:aws:s3:::bucket/k", Object{}, "SourceType"},
		{"", "arn:aws:s3:::bucket/k", Object{}, "SourceType"},
		{"S3", "arn:aws:s3:::bucket", Object{}, "no object key"},
		{"S3", "arn:aws:s3:::bucket/", Object{}, "no object key"},
		{"S3", "arn:aws:s3:us-east-1::bucket/k", Object{}, "not an S3 object ARN"},
		{"S3", "arn:aws:s3::123456789012:bucket/k", Object{}, "not an S3 object ARN"},
		{"S3", "arn:aws:cloudfront:::bucket/k", Object{}, "not an S3 object ARN"},
		{"S3", "s3://bucket/k", Object{}, "not an S3 object ARN"},
		{"S3", "arn:aws:s3:::Bucket/k", Object{}, "not a valid S3 bucket name"},
		{"S3", "arn:aws:s3:::b/k", Object{}, "not a valid S3 bucket name"},
		{"S3", "arn:aws:s3:::bucket/" + strings.Repeat("k", 1025), Object{}, "longer than 1024"},
	}
	for _, tt := range tests {
		got, err := ParseSource(tt.typ, tt.arn)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseSource(%q, %q) = %v, %v; want %v", tt.typ, tt.arn, got, err, tt.want)
			}
			continue
		}
		var e *edgefn.Error
		if !errors.As(err, &e) || e.Kind != edgefn.ErrInvalidArgument || !strings.Contains(e.Message, tt.err) {
			t.Errorf("ParseSource(%q, %q) error = %v; want InvalidArgument containing %q", tt.typ, tt.arn, err, tt.err)
		}
	}
}

func TestObjectARN(t *testing.T) {
	o := Object{Bucket: "b-1", Key: "dir/k.json"}
	if got, err := ParseSource("S3", o.ARN()); err != nil || got != o {
		t.Errorf("ParseSource(%q) = %v, %v; want %v", o.ARN(), got, err, o)
	}
}

func smallLimits() edgefn.Limits {
	l := edgefn.DefaultLimits()
	l.KVSImportBytes = 200
	l.KVSKeyBytes = 8
	l.KVSValueBytes = 10
	l.KVSStoreBytes = 30
	return l
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []edgefn.Item
		kind edgefn.ErrorKind
		err  string // substring of the message; "" means success
	}{
		{"two items in file order", `{"data":[{"key":"k2","value":"v2"},{"key":"k1","value":"v1"}]}`,
			[]edgefn.Item{{Key: "k2", Value: "v2"}, {Key: "k1", Value: "v1"}}, 0, ""},
		{"empty data", `{"data":[]}`, []edgefn.Item{}, 0, ""},
		{"empty value", `{"data":[{"key":"k","value":""}]}`, []edgefn.Item{{Key: "k"}}, 0, ""},
		{"utf-8 with byte order mark", "\uFEFF" + `{"data":[{"key":"ü","value":"ß"}]}`, []edgefn.Item{{Key: "ü", Value: "ß"}}, 0, ""},
		{"unknown members ignored", `{"data":[{"key":"k","value":"v","ttl":3}],"version":1}`, []edgefn.Item{{Key: "k", Value: "v"}}, 0, ""},
		{"file too large", `{"data":[` + strings.Repeat(" ", 200) + `]}`, nil, edgefn.ErrTooLarge, "larger than the limit of 200 bytes"},
		{"not utf-8", "{\"data\":[{\"key\":\"\xff\",\"value\":\"v\"}]}", nil, edgefn.ErrInvalidArgument, "not valid UTF-8"},
		{"syntax error", `{"data":[{"key":"k",}]}`, nil, edgefn.ErrInvalidArgument, "not valid JSON"},
		{"truncated", `{"data":[`, nil, edgefn.ErrInvalidArgument, "not valid JSON"},
		{"trailing data", `{"data":[]} x`, nil, edgefn.ErrInvalidArgument, "not valid JSON"},
		{"not an object", `[1,2]`, nil, edgefn.ErrInvalidArgument, "the document must be a JSON object, not array"},
		{"data not an array", `{"data":{}}`, nil, edgefn.ErrInvalidArgument, "data must be a JSON array, not object"},
		{"key a number", `{"data":[{"key":1,"value":"v"}]}`, nil, edgefn.ErrInvalidArgument, "data.key must be a JSON string, not number"},
		{"no data", `{"items":[]}`, nil, edgefn.ErrInvalidArgument, `no "data" array`},
		{"null data", `{"data":null}`, nil, edgefn.ErrInvalidArgument, `no "data" array`},
		{"missing key", `{"data":[{"key":"a","value":"v"},{"value":"v"}]}`, nil, edgefn.ErrInvalidArgument, `data[1] has no "key"`},
		{"missing value", `{"data":[{"key":"a"}]}`, nil, edgefn.ErrInvalidArgument, `data[0] has no "value"`},
		{"empty key", `{"data":[{"key":"","value":"v"}]}`, nil, edgefn.ErrInvalidArgument, "data[0] has an empty key"},
		{"key too long", `{"data":[{"key":"123456789","value":"v"}]}`, nil, edgefn.ErrInvalidArgument, "key of 9 bytes; the limit is 8"},
		{"key limit counts bytes", `{"data":[{"key":"üüüüü","value":"v"}]}`, nil, edgefn.ErrInvalidArgument, "key of 10 bytes"},
		{"value too long", `{"data":[{"key":"k","value":"12345678901"}]}`, nil, edgefn.ErrInvalidArgument, `(key "k") has a value of 11 bytes; the limit is 10`},
		{"duplicate key", `{"data":[{"key":"a","value":"1"},{"key":"b","value":"2"},{"key":"a","value":"3"}]}`, nil, edgefn.ErrInvalidArgument, `the key "a" twice (data[0] and data[2])`},
		{"store too large", `{"data":[{"key":"a","value":"1234567890"},{"key":"b","value":"1234567890"},{"key":"c","value":"1234567890"}]}`, nil, edgefn.ErrTooLarge, "total 33 bytes; a store holds at most 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.file), smallLimits())
			if tt.err == "" {
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("Parse = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			var e *edgefn.Error
			if !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(e.Message, tt.err) {
				t.Fatalf("Parse error = %#v; want kind %d containing %q", err, tt.kind, tt.err)
			}
			if got != nil {
				t.Errorf("Parse returned items %v with an error", got)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := Parse(io.MultiReader(strings.NewReader(`{"data":`), errReader{boom}), edgefn.DefaultLimits())
	if !errors.Is(err, boom) {
		t.Fatalf("Parse error = %v; want it to wrap %v", err, boom)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestDir(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "imports")
	mustWrite(t, filepath.Join(dir, "bucket", "data", "kv.json"), `{"data":[]}`)
	mustWrite(t, filepath.Join(base, "secret.json"), "secret")
	if err := os.Symlink(filepath.Join(base, "secret.json"), filepath.Join(dir, "bucket", "link.json")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		bucket, key string
		want        string           // file content on success
		kind        edgefn.ErrorKind // the domain error's kind, unless plain
		plain       bool             // a plain error: nothing to show the client
	}{
		{"bucket", "data/kv.json", `{"data":[]}`, 0, false},
		{"bucket", "missing.json", "", edgefn.ErrNotFound, false},
		{"other", "data/kv.json", "", edgefn.ErrNotFound, false},
		{"bucket", "data", "", edgefn.ErrNotFound, false},
		{"bucket", "../secret.json", "", edgefn.ErrInvalidArgument, false},
		{"bucket", "data/../../secret.json", "", edgefn.ErrInvalidArgument, false},
		{"bucket", "./data/kv.json", "", edgefn.ErrInvalidArgument, false},
		{"bucket", "data//kv.json", "", edgefn.ErrInvalidArgument, false},
		{"bucket", "link.json", "", 0, true}, // a symbolic link out of the directory
	}
	for _, tt := range tests {
		rc, err := Dir(dir).Open(context.Background(), tt.bucket, tt.key)
		if tt.want != "" {
			if err != nil {
				t.Errorf("Open(%q, %q): %v", tt.bucket, tt.key, err)
				continue
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != tt.want {
				t.Errorf("Open(%q, %q) read %q; want %q", tt.bucket, tt.key, b, tt.want)
			}
			continue
		}
		if err == nil {
			rc.Close()
			t.Errorf("Open(%q, %q) succeeded; want an error", tt.bucket, tt.key)
			continue
		}
		var e *edgefn.Error
		if isDomain := errors.As(err, &e); isDomain == tt.plain || isDomain && e.Kind != tt.kind {
			t.Errorf("Open(%q, %q) error = %#v; want kind %d (plain %v)", tt.bucket, tt.key, err, tt.kind, tt.plain)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "b-1", "ok.json"), `{"data":[{"key":"a","value":"1"}]}`)
	mustWrite(t, filepath.Join(dir, "b-1", "dup.json"), `{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}`)
	items, err := Load(context.Background(), Dir(dir), Object{"b-1", "ok.json"}, edgefn.DefaultLimits())
	if err != nil || !reflect.DeepEqual(items, []edgefn.Item{{Key: "a", Value: "1"}}) {
		t.Errorf("Load(ok.json) = %v, %v", items, err)
	}
	for key, kind := range map[string]edgefn.ErrorKind{"dup.json": edgefn.ErrInvalidArgument, "none.json": edgefn.ErrNotFound} {
		_, err := Load(context.Background(), Dir(dir), Object{"b-1", key}, edgefn.DefaultLimits())
		var e *edgefn.Error
		if !errors.As(err, &e) || e.Kind != kind {
			t.Errorf("Load(%s) error = %v; want kind %d", key, err, kind)
		}
		if err != nil && !strings.Contains(err.Error(), "arn:aws:s3:::b-1/"+key) {
			t.Errorf("Load(%s) error %q does not name the source", key, err)
		}
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
