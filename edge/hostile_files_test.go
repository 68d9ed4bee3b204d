package edge_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestOriginChangeHostile: a LIVE function's updateRequestOrigin cannot make
// the edge read a file outside the S3 directory, nor put a control character
// in a Host, SNI or request line: CloudFront refuses such results (502), and
// the secret beside the S3 directory never reaches the viewer.
func TestOriginChangeHostile(t *testing.T) {
	e := newEnv(t)
	secret := filepath.Join(filepath.Dir(e.s3Dir), "secret.txt")
	if err := os.WriteFile(secret, []byte("SECRET of the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.s3Dir, "media", "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.s3Dir, "media", "static", "secret.txt"), []byte("public copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	web := e.origin("web")
	fn := e.function("reroute", `import cf from 'cloudfront';
function handler(event) {
  cf.updateRequestOrigin(JSON.parse(decodeURIComponent(event.request.querystring.o.value)));
  return event.request;
}`)
	d := e.distribution("reroute", behaviorFns(fn, ""), []types.Origin{web.customOrigin("")}, func(c *types.DistributionConfig) {
		c.DefaultCacheBehavior.AllowedMethods = allMethods()
	})
	tests := []struct {
		props  string
		status int
	}{
		{`{"domainName": "media.s3.amazonaws.com", "originPath": "/static"}`, 200},
		{`{"domainName": "...s3.amazonaws.com"}`, 502},
		{`{"domainName": "..s3.amazonaws.com"}`, 502},
		{`{"domainName": "....s3.amazonaws.com"}`, 502},
		{`{"domainName": "Media.s3.amazonaws.com"}`, 502},
		{`{"domainName": "%2e%2e.s3.amazonaws.com"}`, 502},
		{`{"domainName": "media\u0000.s3.amazonaws.com"}`, 502},
		{`{"domainName": "localhost\r\nX-Injected: 1"}`, 502},
		{`{"domainName": "localhost\n"}`, 502},
		{`{"domainName": "local\u0000host"}`, 502},
		{`{"hostHeader": "localhost\r\nX-Injected: 1"}`, 502},
		{`{"sni": "localhost\r\n"}`, 502},
		{`{"domainName": "media.s3.amazonaws.com", "originPath": "/.."}`, 502},
		{`{"domainName": "media.s3.amazonaws.com", "originPath": "/a/../.."}`, 502},
		{`{"domainName": "media.s3.amazonaws.com", "originPath": "/%2e%2e"}`, 502},
		{`{"domainName": "media.s3.amazonaws.com", "originPath": "/."}`, 502},
		{`{"originPath": "/a\r\nb"}`, 502},
		{`{"originPath": "/a%0d%0aX-Injected:%201"}`, 502},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, "/secret.txt?o="+strings.ReplaceAll(url.QueryEscape(tt.props), "+", "%20"))
		if r.status != tt.status || (tt.status == 200) != (r.body == "public copy") {
			t.Errorf("%s: %d %q, want %d", tt.props, r.status, r.body, tt.status)
		}
	}
	if n := web.hits.Load(); n != 0 {
		t.Errorf("the custom origin got %d requests", n)
	}
}
