package edge_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{54}==$|^[A-Za-z0-9_=-]{56}$`)

// TestProxy covers the way through the edge without functions: routing by
// Host and path, what reaches the origin, what the viewer gets back.
func TestProxy(t *testing.T) {
	e := newEnv(t)
	web, api := e.origin("web"), e.origin("api")
	d := e.distribution("proxy", nil,
		[]types.Origin{
			web.customOrigin("/site", types.OriginCustomHeader{HeaderName: aws.String("X-Origin-Secret"), HeaderValue: aws.String("s3cret")}),
			api.customOrigin(""),
		},
		func(c *types.DistributionConfig) {
			c.Aliases = &types.Aliases{Quantity: aws.Int32(1), Items: []string{"www.example.com"}}
			c.DefaultRootObject = aws.String("index.html")
			c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(2), Items: []types.CacheBehavior{
				{PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, AllowedMethods: allMethods()},
				{PathPattern: aws.String("*.JSON"), TargetOriginId: aws.String("api"), ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll},
			}}
		})
	domain := *d.DomainName
	if !strings.HasSuffix(domain, ".edge.test") {
		t.Fatalf("DomainName %q", domain)
	}

	tests := []struct {
		name, host, target string
		origin, uri        string
	}{
		{"default behavior with origin path", domain, "/a/b.html?x=1&y=%20z", "web", "/site/a/b.html?x=1&y=%20z"},
		{"alias, any case, with a port", "WWW.example.com:8080", "/p", "web", "/site/p"},
		{"ordered behavior", domain, "/api/users", "api", "/api/users"},
		{"pattern is case-sensitive", domain, "/data.json", "web", "/site/data.json"},
		{"second pattern", domain, "/data.JSON", "api", "/data.JSON"},
		{"default root object", domain, "/", "web", "/site/index.html"},
		{"root object only for /", domain, "/dir/", "web", "/site/dir/"},
		{"escapes kept", domain, "/a%2Fb%20c", "web", "/site/a%2Fb%20c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.host, tt.target, "X-Forwarded-For", "203.0.113.9", "Connection", "keep-alive", "X-Amz-Cf-Id", "forged")
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			got := r.received(t)
			if got.Origin != tt.origin || got.URI != tt.uri {
				t.Fatalf("reached %s %s, want %s %s", got.Origin, got.URI, tt.origin, tt.uri)
			}
			if got.Host != "localhost" {
				t.Errorf("origin Host %q, want the origin's domain", got.Host)
			}
			id := r.header.Get("X-Amz-Cf-Id")
			if !requestIDPattern.MatchString(id) || got.Header.Get("X-Amz-Cf-Id") != id {
				t.Errorf("request id %q at the viewer, %q at the origin", id, got.Header.Get("X-Amz-Cf-Id"))
			}
			if xff := got.Header.Get("X-Forwarded-For"); xff != "203.0.113.9, 127.0.0.1" {
				t.Errorf("X-Forwarded-For %q", xff)
			}
			if via := got.Header.Get("Via"); via != "1.1 "+domain+" (CloudFront)" {
				t.Errorf("Via at the origin %q", via)
			}
			if tt.origin == "web" && got.Header.Get("X-Origin-Secret") != "s3cret" {
				t.Errorf("custom header missing: %v", got.Header)
			}
			if r.header.Get("X-Cache") != "Miss from cloudfront" || r.header.Get("X-Amz-Cf-Pop") != "TST1" ||
				r.header.Get("Via") != "1.1 "+domain+" (CloudFront)" || r.header.Get("Server") != "test-origin" {
				t.Errorf("viewer headers %v", r.header)
			}
			if r.header.Get("X-Accel-Redirect") != "" || r.header.Get("Set-Cookie") == "" {
				t.Errorf("origin headers not filtered as CloudFront does: %v", r.header)
			}
		})
	}

	// A POST body reaches the origin.
	r := e.do("POST", domain, "/api/form", "a=1&b=2", "Content-Type", "application/x-www-form-urlencoded")
	if got := r.received(t); got.Method != "POST" || got.Body != "a=1&b=2" {
		t.Errorf("POST reached the origin as %+v", got)
	}
}

func TestRefusedRequests(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	d := e.distribution("on", nil, []types.Origin{web.customOrigin("")})
	off := e.distribution("off", nil, []types.Origin{web.customOrigin("")}, func(c *types.DistributionConfig) { c.Enabled = aws.Bool(false) })

	long := "/" + strings.Repeat("a", 8200)
	tests := []struct {
		name, host, target string
		header             []string
		status             int
	}{
		{"unknown host", "nobody.example.com", "/", nil, 403},
		{"disabled distribution", *off.DomainName, "/", nil, 403},
		{"URL over 8 KB", *d.DomainName, long, nil, 414},
		{"headers over 20 KB", *d.DomainName, "/", []string{"X-Big", strings.Repeat("b", 10000), "X-Big2", strings.Repeat("c", 11000)}, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := web.hits.Load()
			r := e.get(tt.host, tt.target, tt.header...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if r.header.Get("Server") != "CloudFront" || r.header.Get("X-Cache") != "Error from cloudfront" ||
				!strings.Contains(r.body, "The request could not be satisfied") || !strings.Contains(r.body, r.header.Get("X-Amz-Cf-Id")) {
				t.Errorf("error page %v\n%s", r.header, r.body)
			}
			if web.hits.Load() != before {
				t.Error("the origin was asked")
			}
		})
	}
	// A disabled distribution can be enabled again.
	cfg, err := e.cf.GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: off.Id})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DistributionConfig.Enabled = aws.Bool(true)
	if _, err := e.cf.UpdateDistribution(t.Context(), &cloudfront.UpdateDistributionInput{Id: off.Id, IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}); err != nil {
		t.Fatal(err)
	}
	e.sync()
	if r := e.get(*off.DomainName, "/"); r.status != 200 {
		t.Errorf("enabled again: %d", r.status)
	}
}

func TestOriginFailures(t *testing.T) {
	e := newEnv(t)
	gone := e.origin("gone")
	gone.srv.Close() // nothing listens there any more
	d := e.distribution("down", nil, []types.Origin{gone.customOrigin("")})
	r := e.get(*d.DomainName, "/")
	if r.status != 502 || r.header.Get("X-Cache") != "Error from cloudfront" || !strings.Contains(r.body, "wasn't able to connect to the origin") {
		t.Errorf("unreachable origin: %d %v %s", r.status, r.header, r.body)
	}
}

func TestS3Origin(t *testing.T) {
	e := newEnv(t)
	if err := os.MkdirAll(filepath.Join(e.s3Dir, "media", "static", "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.s3Dir, "media", "static", "img", "logo.svg"), []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.s3Dir, "secret.txt"), []byte("outside the bucket"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := e.distribution("s3", nil, []types.Origin{{
		Id: aws.String("media"), DomainName: aws.String("media.s3.us-east-1.amazonaws.com"), OriginPath: aws.String("/static"),
		S3OriginConfig: &types.S3OriginConfig{OriginAccessIdentity: aws.String("")},
	}}, func(c *types.DistributionConfig) { c.DefaultCacheBehavior.AllowedMethods = allMethods() })
	tests := []struct {
		method, target string
		status         int
		body, ctype    string
	}{
		{"GET", "/img/logo.svg", 200, "<svg/>", "image/svg+xml"},
		{"HEAD", "/img/logo.svg", 200, "", "image/svg+xml"},
		{"GET", "/img/missing.png", 404, "NoSuchKey", "application/xml"},
		{"GET", "/../../secret.txt", 404, "NoSuchKey", "application/xml"},
		{"GET", "/img/..%2F..%2F..%2Fsecret.txt", 404, "NoSuchKey", "application/xml"},
		{"PUT", "/img/logo.svg", 403, "AccessDenied", "application/xml"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, *d.DomainName, tt.target, "")
		if r.status != tt.status || !strings.Contains(r.body, tt.body) || r.header.Get("Content-Type") != tt.ctype {
			t.Errorf("%s %s: %d %q %q", tt.method, tt.target, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}

// TestHTTP10Origin: an origin answering in HTTP/1.0 does not make the edge
// answer its viewers in HTTP/1.0.
func TestHTTP10Origin(t *testing.T) {
	e := newEnv(t)
	old, _ := e.rawOrigin("old", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok", false)
	d := e.distribution("http10", nil, []types.Origin{old.customOrigin("")})
	req, _ := http.NewRequest("GET", e.edgeURL+"/", nil)
	req.Host = *d.DomainName
	resp, err := e.viewer.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ok" || resp.Proto != "HTTP/1.1" {
		t.Fatalf("got %s %d %q, want HTTP/1.1 200 \"ok\"", resp.Proto, resp.StatusCode, body)
	}
}

// TestHTTPSOrigin: requests reach origins over HTTPS, configured so or
// chosen by a function.
func TestHTTPSOrigin(t *testing.T) {
	e := newEnv(t)
	plain, secure := e.origin("plain"), e.tlsOrigin("secure")
	// An origin that drops each connection after one answer makes the edge
	// retry on a new one, which must be HTTPS again.
	echo := `{"origin":"dropping"}`
	dropping, _ := e.rawOrigin("dropping", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(echo), echo), true)
	fn := e.function("to-https", fmt.Sprintf(`import cf from 'cloudfront';
function handler(event) {
  if (event.request.querystring.switch) {
    cf.updateRequestOrigin({domainName: 'localhost', customOriginConfig: {port: %d, protocol: 'https'}});
  }
  return event.request;
}`, secure.port))
	direct := e.distribution("https", nil, []types.Origin{secure.customOrigin("/s")})
	switched := e.distribution("switch", behaviorFns(fn, ""), []types.Origin{plain.customOrigin("")})
	retried := e.distribution("retry", nil, []types.Origin{dropping.customOrigin("")})
	tests := []struct {
		host, target, origin, uri string
	}{
		{*direct.DomainName, "/a?x=1", "secure", "/s/a?x=1"},
		{*switched.DomainName, "/b?switch=1", "secure", "/b?switch=1"},
		{*switched.DomainName, "/c", "plain", "/c"},
		{*retried.DomainName, "/1", "dropping", ""},
		{*retried.DomainName, "/2", "dropping", ""},
	}
	for _, tt := range tests {
		r := e.get(tt.host, tt.target)
		if r.status != 200 {
			t.Errorf("%s: status %d: %s", tt.target, r.status, r.body)
			continue
		}
		if got := r.received(t); got.Origin != tt.origin || got.URI != tt.uri {
			t.Errorf("%s reached %s %s, want %s %s", tt.target, got.Origin, got.URI, tt.origin, tt.uri)
		}
	}
}

// TestOriginServerName: sni and allowedCertificateNames of the origin helpers
// change how the edge checks an HTTPS origin (its certificate is for
// localhost only); invalid values are refused as results are.
func TestOriginServerName(t *testing.T) {
	e := newEnv(t)
	secure := e.tlsOrigin("secure")
	fn := e.function("tls-names", `import cf from 'cloudfront';
function handler(event) {
  var q = event.request.querystring, props = {};
  if (q.sni) props.sni = q.sni.value;
  if (q.names) props.allowedCertificateNames = q.names.value.split(',');
  cf.selectRequestOriginById('secure', props);
  return event.request;
}`)
	d := e.distribution("tls-names", behaviorFns(fn, ""), []types.Origin{secure.customOrigin("")})
	many := strings.Repeat("a.example,", 20) + "localhost"
	tests := []struct {
		query  string
		status int
	}{
		{"", 200},
		{"sni=localhost", 200},
		{"sni=other.example", 502},
		{"sni=other.example&names=other.example,localhost", 200},
		{"names=nope.example", 502},
		{"names=*.localhost", 502},
		{"sni=127.0.0.1", 502},
		{"names=" + many, 502},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, "/p?"+tt.query)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d: %s", tt.query, r.status, tt.status, r.body)
			continue
		}
		if tt.status == 200 && r.received(t).Origin != "secure" {
			t.Errorf("%s: answered by %s", tt.query, r.received(t).Origin)
		}
	}
}
