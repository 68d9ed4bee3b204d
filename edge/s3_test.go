package edge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestServeS3Hostile: serveS3 opens nothing outside the bucket's directory,
// whatever the bucket (a stored configuration, or a function's
// updateRequestOrigin) and the key (the viewer's path) say. The data
// directory beside the S3 directory holds secrets no answer may contain.
func TestServeS3Hostile(t *testing.T) {
	data := t.TempDir()
	s3 := filepath.Join(data, "s3")
	files := map[string]string{
		"edgefn.db":               "SECRET: every account's data",
		"credentials.json":        "SECRET: keys",
		"site/page.html":          "linked page",
		"s3/media/index.html":     "media index",
		"s3/media/img/logo.svg":   "<svg/>",
		"s3/media/a b%.txt":       "odd name",
		"s3/other/private.txt":    "SECRET: another bucket",
		"s3/media/sub/inner.html": "inner",
	}
	for name, body := range files {
		p := filepath.Join(data, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"s3/media/up":        "../../edgefn.db",                       // out of the S3 directory
		"s3/media/absolute":  filepath.Join(data, "credentials.json"), // absolute, out
		"s3/media/sibling":   "../other/private.txt",                  // out of the bucket
		"s3/media/dir-up":    "../..",                                 // a directory out
		"s3/media/sub/inner": "../index.html",                         // inside the bucket: followed
		"s3/linked":          "../site",                               // a bucket the operator linked
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(data, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		bucket, uri string
		status      int
		want        string // in the body
	}{
		{"media", "/index.html", 200, "media index"},
		{"media", "/img/logo.svg", 200, "<svg/>"},
		{"media", "/a%20b%25.txt", 200, "odd name"},
		{"media", "/sub/inner", 200, "media index"},
		{"linked", "/page.html", 200, "linked page"},
		// Buckets S3 would refuse: they are never joined to a path.
		{"..", "/edgefn.db", 400, "InvalidBucketName"},
		{".", "/media/index.html", 400, "InvalidBucketName"},
		{"../..", "/etc/passwd", 400, "InvalidBucketName"},
		{"media/../..", "/edgefn.db", 400, "InvalidBucketName"},
		{"../s3/media", "/index.html", 400, "InvalidBucketName"},
		{"/etc", "/passwd", 400, "InvalidBucketName"},
		{"", "/edgefn.db", 400, "InvalidBucketName"},
		{"%2e%2e", "/edgefn.db", 400, "InvalidBucketName"},
		{"me\x00dia", "/index.html", 400, "InvalidBucketName"},
		{"media\r\n", "/index.html", 400, "InvalidBucketName"},
		{"missing", "/index.html", 404, "NoSuchBucket"},
		// Keys that climb: cleaned inside the bucket.
		{"media", "/../../edgefn.db", 404, "NoSuchKey"},
		{"media", "/..%2F..%2Fedgefn.db", 404, "NoSuchKey"},
		{"media", "/%2e%2e/%2e%2e/edgefn.db", 404, "NoSuchKey"},
		{"media", "/img/../../other/private.txt", 404, "NoSuchKey"},
		{"media", "/" + strings.Repeat("../", 20) + "etc/passwd", 404, "NoSuchKey"},
		{"media", "//etc/passwd", 404, "NoSuchKey"},
		{"media", "/.", 404, "NoSuchKey"},
		{"media", "/img", 404, "NoSuchKey"},
		{"media", "/a%00b", 403, "AccessDenied"},
		{"media", "/a%0d%0ab", 404, "NoSuchKey"},
		{"media", "/a%zz", 400, "InvalidURI"},
		// Symbolic links that lead out of the bucket are not followed.
		{"media", "/up", 403, "AccessDenied"},
		{"media", "/absolute", 403, "AccessDenied"},
		{"media", "/sibling", 403, "AccessDenied"},
		{"media", "/dir-up/edgefn.db", 403, "AccessDenied"},
	}
	for _, tt := range tests {
		var resp fasthttp.Response
		serveS3(&resp, s3, tt.bucket, []byte("GET"), tt.uri)
		body := string(resp.Body())
		if resp.StatusCode() != tt.status || !strings.Contains(body, tt.want) || strings.Contains(body, "SECRET") {
			t.Errorf("bucket %q %s: %d %q, want %d with %q", tt.bucket, tt.uri, resp.StatusCode(), body, tt.status, tt.want)
		}
	}
}
