package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// The hostile-input suite for files and hostnames (issue 20): an account
// that names files of the host through S3 origins, a LIVE function that does
// so through updateRequestOrigin, and an account that claims another's
// hostnames. Each attack is refused as AWS refuses it, and the viewer never
// gets a byte from outside the S3 directory.

// s3Origin is an S3 origin of domain with OriginPath path.
func s3Origin(domain, path string) cftypes.Origin {
	return cftypes.Origin{Id: aws.String("s3"), DomainName: aws.String(domain), OriginPath: aws.String(path),
		S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}
}

// withOrigin is a distribution configuration whose one origin is o.
func withOrigin(ref string, o cftypes.Origin, fns *cftypes.FunctionAssociations) *cftypes.DistributionConfig {
	cfg := localOrigin(ref, 80, &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll, FunctionAssociations: fns})
	o.Id = aws.String("origin")
	cfg.Origins.Items[0] = o
	return cfg
}

// viewerGet requests target of host from the edge; with wait, it retries
// while the edge answers 403 (the distribution has not reached it yet).
func viewerGet(t *testing.T, s *server, host, target string, wait bool) (int, string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx(t), "GET", s.edgeURL+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s%s: %v", host, target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !wait || resp.StatusCode != http.StatusForbidden || time.Now().After(deadline) {
			return resp.StatusCode, string(body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHostileS3Origins: S3 origins serve only files under the S3 directory.
// Origins naming no bucket, or naming files through ".." (in the bucket, the
// OriginPath or the viewer's path), with control characters, or of no type
// are refused with AWS's codes; a LIVE function's updateRequestOrigin is
// held to the same rules (502); symbolic links out of a bucket are not
// followed.
func TestHostileS3Origins(t *testing.T) {
	s := startServer(t, serverConfig{accounts: []account{accountA, accountB}})
	cf := s.cloudFront(accountB)
	s3Dir := filepath.Join(s.cfg.dataDir, "s3")
	writeFile(t, filepath.Join(s3Dir, "media", "index.html"), []byte("media index"))
	writeFile(t, filepath.Join(s.cfg.dataDir, "host-secret.txt"), []byte("SECRET of the host"))
	if err := os.Symlink(filepath.Join(s.cfg.dataDir, "host-secret.txt"), filepath.Join(s3Dir, "media", "link-out")); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(s.cfg.dataDir, "edgefn.db"))
	if err != nil || len(db) < 64 {
		t.Fatalf("the store file: %v", err)
	}
	dbHead := string(db[:64])

	create := func(o cftypes.Origin) func(context.Context) error {
		return func(c context.Context) error {
			_, err := cf.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: withOrigin("bad", o, nil)})
			return err
		}
	}
	custom := func(domain, path string) cftypes.Origin {
		return cftypes.Origin{DomainName: aws.String(domain), OriginPath: aws.String(path),
			CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}}
	}
	notABucket := func(err error) bool {
		return isA[*cftypes.InvalidArgument](err) && strings.Contains(err.Error(), "The parameter Origin DomainName does not refer to a valid S3 bucket.")
	}
	invalid := isA[*cftypes.InvalidArgument]
	runErrorCases(t, []errorCase{
		{"the data directory as a bucket", create(s3Origin("...s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"the S3 directory as a bucket", create(s3Origin("..s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"a climbing bucket", create(s3Origin("../../../../../../../../etc.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"an absolute bucket", create(s3Origin("/etc.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"an escaped bucket", create(s3Origin("%2e%2e.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"a bucket with NUL", create(s3Origin("media\x00.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"a bucket with CR LF", create(s3Origin("media\r\n.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"an upper-case bucket", create(s3Origin("Media.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"an IP address bucket", create(s3Origin("192.168.5.4.s3.amazonaws.com", "")), "InvalidArgument", 400, notABucket},
		{"not an S3 endpoint", create(s3Origin("media.example.com", "")), "InvalidArgument", 400, notABucket},
		{"an OriginPath that climbs", create(s3Origin("media.s3.amazonaws.com", "/a/../../..")), "InvalidArgument", 400, invalid},
		{"an OriginPath of ..", create(s3Origin("media.s3.amazonaws.com", "/..")), "InvalidArgument", 400, invalid},
		{"an escaped OriginPath", create(s3Origin("media.s3.amazonaws.com", "/%2e%2e/%2E%2E")), "InvalidArgument", 400, invalid},
		{"an OriginPath with NUL", create(s3Origin("media.s3.amazonaws.com", "/a%00")), "InvalidArgument", 400, invalid},
		{"a custom origin with CR LF", create(custom("origin.example.com\r\nX-Injected: 1", "")), "InvalidArgument", 400, invalid},
		{"a custom origin with a tab", create(custom("origin.example.com\t", "")), "InvalidArgument", 400, invalid},
		{"a custom OriginPath with CR LF", create(custom("origin.example.com", "/a\r\nX: 1")), "InvalidArgument", 400, invalid},
		{"an origin of no type", create(cftypes.Origin{DomainName: aws.String("media.s3.amazonaws.com")}), "InvalidOrigin", 400, isA[*cftypes.InvalidOrigin]},
	})

	// A LIVE function that sends each request where its query says.
	code := []byte(`import cf from 'cloudfront';
function handler(event) {
  cf.updateRequestOrigin(JSON.parse(decodeURIComponent(event.request.querystring.o.value)));
  return event.request;
}`)
	etag := createFunction(t, cf, "reroute", code, functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	live, err := cf.PublishFunction(ctx(t), &cloudfront.PublishFunctionInput{Name: aws.String("reroute"), IfMatch: &etag})
	if err != nil {
		t.Fatal(err)
	}
	d, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withOrigin("media",
		s3Origin("media.s3.amazonaws.com", ""), onViewerRequest(live.FunctionSummary.FunctionMetadata.FunctionARN))})
	if err != nil {
		t.Fatal(err)
	}
	host := aws.ToString(d.Distribution.DomainName)
	via := func(props string) string {
		return "?o=" + strings.ReplaceAll(url.QueryEscape(props), "+", "%20")
	}
	stay := via(`{}`)
	if status, body := viewerGet(t, s, host, "/index.html"+stay, true); status != 200 || body != "media index" {
		t.Fatalf("the bucket's own file: %d %q", status, body)
	}
	tests := []struct {
		target string
		status int
	}{
		{"/../edgefn.db" + stay, 404},
		{"/..%2Fedgefn.db" + stay, 404},
		{"/%2e%2e/%2e%2e/%2e%2e/etc/passwd" + stay, 404},
		{"/link-out" + stay, 403},
		{"/edgefn.db" + via(`{"domainName": "...s3.amazonaws.com"}`), 502},
		{"/media/index.html" + via(`{"domainName": "..s3.amazonaws.com"}`), 502},
		{"/edgefn.db" + via(`{"domainName": "media.s3.amazonaws.com", "originPath": "/.."}`), 502},
		{"/host-secret.txt" + via(`{"domainName": "media.s3.amazonaws.com", "originPath": "/%2e%2e/%2e%2e"}`), 502},
		{"/" + via(`{"domainName": "localhost\r\nX-Injected: 1"}`), 502},
		{"/" + via(`{"domainName": "local\u0000host"}`), 502},
	}
	for _, tt := range tests {
		status, body := viewerGet(t, s, host, tt.target, false)
		if status != tt.status || strings.Contains(body, "SECRET") || strings.Contains(body, dbHead) {
			t.Errorf("GET %s: %d %.200q, want %d", tt.target, status, body, tt.status)
		}
	}
}

// TestHostnameTakeover: one account cannot claim another's hostnames:
// neither a distribution's generated DomainName nor anything under the
// distribution domain, nor an alias another account holds or a wildcard
// overlapping it (CNAMEAlreadyExists); wildcards stand only as the leftmost
// label and never over a public suffix (InvalidArgument). Overlaps within one
// account are allowed, and the edge routes them the same way whatever
// rebuilt its host table: an exact name first, then the most specific
// wildcard, at any depth.
func TestHostnameTakeover(t *testing.T) {
	s := startServer(t, serverConfig{accounts: []account{accountA, accountB}})
	cfA, cfB := s.cloudFront(accountA), s.cloudFront(accountB)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.URL.Path)
	}))
	t.Cleanup(origin.Close)
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	port, _ := strconv.Atoi(p)
	// dist creates a distribution whose origin answers with its name, by
	// way of the OriginPath.
	dist := func(cf *cloudfront.Client, name string, aliases ...string) *cftypes.Distribution {
		t.Helper()
		d, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: aliased(name, port, aliases)})
		if err != nil {
			t.Fatalf("CreateDistribution %s: %v", name, err)
		}
		return d.Distribution
	}
	victim := dist(cfA, "victim", "www.example.com", "*.shop.example.org")
	dist(cfA, "wide", "*.example.com")
	dist(cfA, "narrow", "*.img.example.com")
	dist(cfA, "exact", "a.img.example.com")
	victimHost := aws.ToString(victim.DomainName)

	claim := func(aliases ...string) func(context.Context) error {
		return func(c context.Context) error {
			_, err := cfB.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: aliased("thief", port, aliases)})
			return err
		}
	}
	taken, invalid := isA[*cftypes.CNAMEAlreadyExists], isA[*cftypes.InvalidArgument]
	runErrorCases(t, []errorCase{
		{"another account's generated name", claim(victimHost), "CNAMEAlreadyExists", 409, taken},
		{"a generated name in capitals", claim(strings.ToUpper(victimHost)), "CNAMEAlreadyExists", 409, taken},
		{"every generated name", claim("*.cloudfront.net"), "CNAMEAlreadyExists", 409, taken},
		{"the distribution domain", claim("cloudfront.net"), "CNAMEAlreadyExists", 409, taken},
		{"another account's alias", claim("www.example.com"), "CNAMEAlreadyExists", 409, taken},
		{"a name under another account's wildcard", claim("pay.shop.example.org"), "CNAMEAlreadyExists", 409, taken},
		{"a deep name under another account's wildcard", claim("x.y.img.example.com"), "CNAMEAlreadyExists", 409, taken},
		{"a wildcard over another account's names", claim("*.example.org"), "CNAMEAlreadyExists", 409, taken},
		{"a wildcard over a public suffix", claim("*.com"), "InvalidArgument", 400, invalid},
		{"a wildcard in the middle", claim("www.*.example.net"), "InvalidArgument", 400, invalid},
		{"a wildcard in a label", claim("*www.example.net"), "InvalidArgument", 400, invalid},
		{"an alias with CR LF", claim("www.example.net\r\nX: 1"), "InvalidArgument", 400, invalid},
	})

	// The edge's answers hold across many rebuilds of its host table: each
	// change of a distribution makes a new one.
	want := map[string]string{
		victimHost:                "/victim",
		"www.example.com":         "/victim",
		"pay.shop.example.org":    "/victim",
		"other.example.com":       "/wide",
		"img.example.com":         "/wide",
		"a.img.example.com":       "/exact",
		"b.img.example.com":       "/narrow",
		"deep.b.img.example.com":  "/narrow",
		"deeper.x.y.example.com":  "/wide",
		"shop.example.org":        "",
		"example.com":             "",
		"unknown.cloudfront.net":  "",
		"www.example.com.evil.io": "",
	}
	filler := dist(cfB, "filler")
	for round := range 5 {
		for host, path := range want {
			status, body := viewerGet(t, s, host, "/", path != "")
			if path == "" && status != http.StatusForbidden || path != "" && (status != 200 || body != path+"/") {
				t.Errorf("round %d: %s -> %d %q, want %q", round, host, status, body, path)
			}
		}
		cfg, err := cfB.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: filler.Id})
		if err != nil {
			t.Fatal(err)
		}
		cfg.DistributionConfig.Comment = aws.String("round " + strconv.Itoa(round))
		if _, err := cfB.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: filler.Id, IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}); err != nil {
			t.Fatal(err)
		}
	}
}

// aliased is a distribution configuration with aliases whose origin is
// localhost:port with OriginPath "/<ref>".
func aliased(ref string, port int, aliases []string) *cftypes.DistributionConfig {
	cfg := localOrigin(ref, port, &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll})
	cfg.Origins.Items[0].OriginPath = aws.String("/" + ref)
	cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
	return cfg
}
