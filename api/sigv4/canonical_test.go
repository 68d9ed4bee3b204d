package sigv4

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// The GetKey request captured in spec §9 and the canonical request the spec
// says a server must rebuild from it.
const (
	capturedGetKey = "GET /key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fa1b2c3d4-5678-90ab-cdef-EXAMPLE11111/keys/k1 HTTP/1.1\r\n" +
		"Host: 123456789012.127.0.0.1:9999\r\n" +
		"Accept-Encoding: gzip\r\n" +
		"Amz-Sdk-Invocation-Id: e8b72f01-98b3-4b98-861b-f3b1962614d1\r\n" +
		"Amz-Sdk-Request: attempt=1; max=3\r\n" +
		"Authorization: AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20261122/cloudfront-keyvaluestore/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;host;x-amz-date;x-amz-region-set, Signature=3046022100bd5b4f1b4c61224cd28e029710c581ecf39e77aeae21c2de74118e24e451680c022100ec12ca4cd9ca1371dc3418f86ec4dfbe3bfbc284e283dd7adccb1fb561d4a521\r\n" +
		"X-Amz-Date: 20261122T140014Z\r\n" +
		"X-Amz-Region-Set: *\r\n\r\n"
	capturedGetKeyCanonical = "GET\n" +
		"/key-value-stores/arn%253Aaws%253Acloudfront%253A%253A123456789012%253Akey-value-store%252Fa1b2c3d4-5678-90ab-cdef-EXAMPLE11111/keys/k1\n" +
		"\n" +
		"amz-sdk-invocation-id:e8b72f01-98b3-4b98-861b-f3b1962614d1\n" +
		"amz-sdk-request:attempt=1; max=3\n" +
		"host:123456789012.127.0.0.1:9999\n" +
		"x-amz-date:20261122T140014Z\n" +
		"x-amz-region-set:*\n" +
		"\n" +
		"amz-sdk-invocation-id;amz-sdk-request;host;x-amz-date;x-amz-region-set\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// readRequest parses raw HTTP/1.1 text the way a server receives it.
func readRequest(t testing.TB, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCanonicalRequestMatchesSpecCapture(t *testing.T) {
	r := readRequest(t, capturedGetKey)
	path, query := rawTarget(r)
	a, err := parseAuth(r, query)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := payloadHash(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := canonicalRequest(r, canonicalURI(path), query, a, payload); got != capturedGetKeyCanonical {
		t.Errorf("canonical request\n got: %q\nwant: %q", got, capturedGetKeyCanonical)
	}
	if a.scope != "20261122/cloudfront-keyvaluestore/aws4_request" || a.regionSet != "*" || a.accessKeyID != "AKIDEXAMPLE" {
		t.Errorf("parsed %+v", a)
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", "/"},
		{"/", "/"},
		{"/2020-05-31/function/my-fn_1.x~", "/2020-05-31/function/my-fn_1.x~"},
		{"/keys/a%2Fb", "/keys/a%252Fb"},
		{"/keys/my%20key", "/keys/my%2520key"},
		{"/keys/%C3%BC", "/keys/%25C3%25BC"},
		{"/keys/a:b@c", "/keys/a%3Ab%40c"},
		{"/keys/ü", "/keys/%C3%BC"},
	}
	for _, tt := range tests {
		if got := canonicalURI(tt.raw); got != tt.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestNormalizedPath(t *testing.T) {
	tests := []struct {
		raw, want string
		changed   bool
	}{
		{"/a/b", "", false},
		{"/.well-known/x", "/.well-known/x", false},
		{"/a//b", "/a/b", true},
		{"/a/./b/", "/a/b/", true},
		{"/a/c/../b", "/a/b", true},
		{"/../a", "/a", true},
		{"//", "/", true},
	}
	for _, tt := range tests {
		got, changed := normalizedPath(tt.raw)
		if changed != tt.changed || (changed && got != tt.want) {
			t.Errorf("normalizedPath(%q) = %q, %v; want %q, %v", tt.raw, got, changed, tt.want, tt.changed)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name, raw string
		presigned bool
		want      string
	}{
		{"empty", "", false, ""},
		{"sorted by name", "MaxResults=10&NextToken=abc%3D", false, "MaxResults=10&NextToken=abc%3D"},
		{"unsorted", "b=2&a=1", false, "a=1&b=2"},
		{"repeated name sorted by value", "a=z&a=b&a=m", false, "a=b&a=m&a=z"},
		{"plus and %20 are spaces", "q=a+b&r=a%20b", false, "q=a%20b&r=a%20b"},
		{"literal plus", "q=a%2Bb", false, "q=a%2Bb"},
		{"equals in value", "t=x%3Dy&u=p=q", false, "t=x%3Dy&u=p%3Dq"},
		{"no value", "WithTags", false, "WithTags="},
		{"empty parts", "&a=1&&b=", false, "a=1&b="},
		{"lower-case escapes", "k=%c3%bc", false, "k=%C3%BC"},
		{"unreserved left alone", "k=A-z_0.9~", false, "k=A-z_0.9~"},
		{"sorted after encoding", "v=a-b&v=a/b", false, "v=a%2Fb&v=a-b"},
		{"malformed escape kept literally", "k=%zz", false, "k=%25zz"},
		{"presigned drops its signature", "X-Amz-Signature=ab&X-Amz-Date=1", true, "X-Amz-Date=1"},
		{"signature kept when not presigned", "X-Amz-Signature=ab", false, "X-Amz-Signature=ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			writeCanonicalQuery(&b, tt.raw, tt.presigned)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestCanonicalHeaderValues(t *testing.T) {
	r := readRequest(t, "POST /x HTTP/1.1\r\n"+
		"Host: example.com:8080\r\n"+
		"X-Spaced:   a   b  c   \r\n"+
		"X-Multi: one\r\n"+
		"X-Multi:  two  2\r\n"+
		"X-Empty: \r\n"+
		"Content-Length: 3\r\n\r\nabc")
	tests := []struct{ name, want string }{
		{"host", "example.com:8080"},
		{"x-spaced", "a b c"},
		{"x-multi", "one,two 2"},
		{"x-empty", ""},
		{"x-absent", ""},
		{"content-length", "3"},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeHeaderValue(&b, r, tt.name)
		if b.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, b.String(), tt.want)
		}
	}
}

func TestRawTarget(t *testing.T) {
	received := readRequest(t, "GET /a%2Fb/c%20d?x=1%2B HTTP/1.1\r\nHost: h\r\n\r\n")
	// A handler that strips a prefix rewrites r.URL but not RequestURI.
	received.URL.Path, received.URL.RawPath = "/c d", ""
	inProcess, err := http.NewRequest(http.MethodGet, "http://h/a%2Fb/c%20d?x=1%2B", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*http.Request{"received": received, "in-process": inProcess} {
		path, query := rawTarget(r)
		if path != "/a%2Fb/c%20d" || query != "x=1%2B" {
			t.Errorf("%s: rawTarget = %q, %q", name, path, query)
		}
	}
}
