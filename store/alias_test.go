package store_test

import (
	"testing"

	"github.com/edgefn/edgefn"
)

// TestAliasRules: CloudFront's alternate domain name rules, made strict
// across accounts because edgefn has no certificate to prove a name is
// yours. Each case runs on a fresh store where account acct already has the
// distribution "owner" with the aliases below; the case's aliases are then
// claimed by a new distribution of account, and the error (if any) is
// checked.
func TestAliasRules(t *testing.T) {
	owned := []string{"shop.example.com", "*.img.example.com", "*.example.org", "deep.api.example.net"}
	const (
		ok        = edgefn.ErrorKind(-1)
		taken     = edgefn.ErrAlreadyExists
		malformed = edgefn.ErrInvalidArgument
	)
	tests := []struct {
		name    string
		account string
		aliases []string
		want    edgefn.ErrorKind
	}{
		{"a free name", other, []string{"www.example.com"}, ok},
		{"a free wildcard", other, []string{"*.free.example.com"}, ok},
		{"the same name, other case", other, []string{"SHOP.example.com"}, taken},
		{"the same name, same account", acct, []string{"shop.example.com"}, taken},
		{"the same wildcard", other, []string{"*.img.example.com"}, taken},
		{"a name under another account's wildcard", other, []string{"a.img.example.com"}, taken},
		{"a deep name under another account's wildcard", other, []string{"a.b.c.example.org"}, taken},
		{"a wildcard under another account's wildcard", other, []string{"*.x.img.example.com"}, taken},
		{"a wildcard over another account's name", other, []string{"*.example.com"}, taken},
		{"a wildcard over another account's deep name", other, []string{"*.example.net"}, taken},
		{"a wildcard over another account's wildcard", other, []string{"*.example.com"}, taken},
		{"the apex of another account's wildcard", other, []string{"example.org", "img.example.com"}, ok},
		{"a name under its own account's wildcard", acct, []string{"a.img.example.com"}, ok},
		{"a wildcard over its own account's names", acct, []string{"*.example.com", "*.example.net"}, ok},
		{"the distribution domain", other, []string{"cloudfront.net"}, taken},
		{"another distribution's generated name", other, []string{"e1234567890abc.cloudfront.net"}, taken},
		{"a generated name in upper case", other, []string{"E1234567890ABC.CloudFront.NET"}, taken},
		{"a wildcard over generated names", other, []string{"*.cloudfront.net"}, taken},
		{"a wildcard under the distribution domain", other, []string{"*.x.cloudfront.net"}, taken},
		{"a wildcard over a public suffix", other, []string{"*.com"}, malformed},
		{"a wildcard over a two-label public suffix", other, []string{"*.co.uk"}, malformed},
		{"a wildcard over a private public suffix", other, []string{"*.github.io"}, malformed},
		{"a wildcard over a single label", other, []string{"*.localhost"}, malformed},
		{"a wildcard under a public suffix", other, []string{"*.site.co.uk"}, ok},
		{"a wildcard in the middle", other, []string{"a.*.example.com"}, malformed},
		{"part of a label", other, []string{"*shop.example.com"}, malformed},
		{"a bare star", other, []string{"*"}, malformed},
		{"two stars", other, []string{"*.*.example.com"}, malformed},
		{"star dot only", other, []string{"*."}, malformed},
		{"CR LF", other, []string{"www.example.com\r\nX: y"}, malformed},
		{"NUL", other, []string{"www.example.com\x00"}, malformed},
		{"a port", other, []string{"www.example.com:80"}, malformed},
		{"a path", other, []string{"www.example.com/../x"}, malformed},
		{"a trailing dot", other, []string{"www.example.com."}, malformed},
		{"an empty label", other, []string{"www..example.com"}, malformed},
		{"twice", other, []string{"a.example.com", "A.example.com"}, malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t, nil)
			c := distConfig("owner")
			c.Aliases = owned
			createDist(t, s, acct, c)
			c = distConfig("claimer")
			c.Aliases = tt.aliases
			_, err := s.CreateDistribution(t.Context(), tt.account, c, nil, nil)
			switch tt.want {
			case ok:
				if err != nil {
					t.Fatalf("%v: %v", tt.aliases, err)
				}
			case taken:
				wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceAlias)
			default:
				wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution)
			}
		})
	}
}

// TestAliasOverlapReleased: a wildcard that overlaps another account's name
// can be claimed once that name is released, and a released wildcard frees
// the names under it; an update that keeps its aliases claims nothing anew.
func TestAliasOverlapReleased(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	c := distConfig("name")
	c.Aliases = []string{"www.example.com"}
	d := createDist(t, s, acct, c)
	w := distConfig("wild")
	w.Aliases = []string{"*.example.com"}
	_, err := s.CreateDistribution(ctx, other, w, nil, nil)
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceAlias)

	c.Aliases = nil
	if _, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, c, nil); err != nil {
		t.Fatal(err)
	}
	wd := createDist(t, s, other, w)
	if wd, err = s.UpdateDistribution(ctx, other, wd.ID, wd.ETag, w, nil); err != nil {
		t.Fatalf("update keeping the wildcard: %v", err)
	}
	_, err = s.CreateDistribution(ctx, acct, distConfigWith("again", "www.example.com"), nil, nil)
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceAlias)

	w.Enabled = false
	if wd, err = s.UpdateDistribution(ctx, other, wd.ID, wd.ETag, w, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDistribution(ctx, other, wd.ID, wd.ETag); err != nil {
		t.Fatal(err)
	}
	createDist(t, s, acct, distConfigWith("again", "www.example.com"))
}

func distConfigWith(ref string, aliases ...string) edgefn.DistributionConfig {
	c := distConfig(ref)
	c.Aliases = aliases
	return c
}

// TestOriginNames: what an origin's DomainName and OriginPath may hold. An
// S3 origin names a bucket S3 would accept, so its objects are files under
// one directory of the S3 directory; no name or path holds a control
// character or a "." or ".." segment.
func TestOriginNames(t *testing.T) {
	s3 := func(domain, path string) edgefn.Origin {
		return edgefn.Origin{ID: "web", DomainName: domain, OriginPath: path}
	}
	custom := func(domain, path string) edgefn.Origin {
		o := s3(domain, path)
		o.Custom = &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}
		return o
	}
	tests := []struct {
		name   string
		origin edgefn.Origin
		ok     bool
	}{
		{"bucket", s3("media.s3.amazonaws.com", "/static"), true},
		{"bucket in a region", s3("media.s3.eu-west-1.amazonaws.com", ""), true},
		{"bucket with dots", s3("my.media.s3-eu-west-1.amazonaws.com", ""), true},
		{"parent directory", s3("...s3.amazonaws.com", ""), false},
		{"this directory", s3("..s3.amazonaws.com", ""), false},
		{"deeper parents", s3("../../../etc.s3.amazonaws.com", ""), false},
		{"escaped parents", s3("%2e%2e.s3.amazonaws.com", ""), false},
		{"absolute path", s3("/etc.s3.amazonaws.com", ""), false},
		{"NUL", s3("media\x00.s3.amazonaws.com", ""), false},
		{"upper case bucket", s3("Media.s3.amazonaws.com", ""), false},
		{"IP address bucket", s3("10.0.0.1.s3.amazonaws.com", ""), false},
		{"access point alias", s3("media-abc123-s3alias.s3.amazonaws.com", ""), true},
		{"documentation bucket", s3("amzn-s3-demo-bucket.s3.amazonaws.com", ""), true},
		{"not an S3 endpoint", s3("media.example.com", ""), false},
		{"S3 endpoint inside another name", s3("media.s3.amazonaws.com.evil.net", ""), false},
		{"custom", custom("origin.example.com", "/v1"), true},
		{"custom CR LF", custom("origin.example.com\r\nX-Injected: 1", ""), false},
		{"custom LF", custom("origin.example.com\n", ""), false},
		{"custom NUL", custom("origin\x00.example.com", ""), false},
		{"custom tab", custom("origin.example.com\t", ""), false},
		{"custom port", custom("origin.example.com:8080", ""), false},
		{"custom path", custom("origin.example.com/x", ""), false},
		{"path ..", s3("media.s3.amazonaws.com", "/.."), false},
		{"path .", s3("media.s3.amazonaws.com", "/./x"), false},
		{"path a/../..", s3("media.s3.amazonaws.com", "/a/../.."), false},
		{"path escaped ..", s3("media.s3.amazonaws.com", "/%2e%2e/x"), false},
		{"path escaped slash and ..", custom("origin.example.com", "/a%2f..%2f.."), false},
		{"path CR LF", custom("origin.example.com", "/a\r\nb"), false},
		{"path escaped CR LF", custom("origin.example.com", "/a%0d%0aX:%20y"), false},
		{"path NUL", s3("media.s3.amazonaws.com", "/a%00"), false},
		{"path too long", custom("origin.example.com", "/"+string(make([]byte, 255))), false},
		{"path with dots in names", s3("media.s3.amazonaws.com", "/v1.2/..x/x.."), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t, nil)
			c := distConfig("o")
			c.Origins = []edgefn.Origin{tt.origin}
			_, err := s.CreateDistribution(t.Context(), acct, c, nil, nil)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution)
		})
	}
}
