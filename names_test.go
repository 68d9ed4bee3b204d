package edgefn

import (
	"strings"
	"testing"
)

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"media":                     true,
		"my.bucket-01":              true,
		"abc":                       true,
		strings.Repeat("a", 63):     true,
		"ab":                        false,
		strings.Repeat("a", 64):     false,
		"..":                        false,
		".":                         false,
		"...":                       false,
		"a..b":                      false,
		".abc":                      false,
		"abc.":                      false,
		"-abc":                      false,
		"abc-":                      false,
		"Media":                     false,
		"a_b":                       false,
		"a/b":                       false,
		"../etc":                    false,
		"a%2e%2e":                   false,
		"abc\x00":                   false,
		"ab\r\nc":                   false,
		"192.168.5.4":               false,
		"xn--abc":                   true,
		"sthree-abc":                true,
		"sthree-configurator":       true,
		"amzn-s3-demo-bucket":       true,
		"abc-s3alias":               true,
		"abc--ol-s3":                true,
		"abc.mrap":                  true,
		"abc--usw2-az1--x-s3":       true,
		"abc--table-s3":             true,
		"xn-abc":                    true,
		"s3alias-abc":               true,
		"192.168.5":                 true, // three numbers are not an IP address
		"bucket.with.many.dots.abc": true,
	} {
		if got := ValidBucketName(name); got != want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestS3Bucket(t *testing.T) {
	tests := []struct {
		domain, bucket string
		endpoint, ok   bool
	}{
		{"media.s3.amazonaws.com", "media", true, true},
		{"media.s3.us-east-2.amazonaws.com", "media", true, true},
		{"media.s3-us-west-2.amazonaws.com", "media", true, true},
		{"my.site.s3.amazonaws.com", "my.site", true, true},
		{"a.s3.b.s3.amazonaws.com", "a.s3.b", true, true},
		{"..s3.amazonaws.com", ".", true, false},
		{"...s3.amazonaws.com", "..", true, false},
		{"../../etc.s3.amazonaws.com", "../../etc", true, false},
		{"%2e%2e.s3.amazonaws.com", "%2e%2e", true, false},
		{"/etc.s3.amazonaws.com", "/etc", true, false},
		{"me\x00dia.s3.amazonaws.com", "me\x00dia", true, false},
		{"media\r\nX: y.s3.amazonaws.com", "media\r\nX: y", true, false},
		{"Media.s3.amazonaws.com", "Media", true, false},
		{"xn--media.s3.amazonaws.com", "xn--media", true, true},
		{"media.s3.amazonaws.com.evil", "", false, false},
		{"media.example.com", "", false, false},
		{".s3.amazonaws.com", "", false, false},
		{"s3.amazonaws.com", "", false, false},
	}
	for _, tt := range tests {
		b, endpoint := S3Endpoint(tt.domain)
		if b != tt.bucket || endpoint != tt.endpoint {
			t.Errorf("S3Endpoint(%q) = %q, %v, want %q, %v", tt.domain, b, endpoint, tt.bucket, tt.endpoint)
		}
		if b, ok := S3Bucket(tt.domain); ok != tt.ok || ok && b != tt.bucket {
			t.Errorf("S3Bucket(%q) = %q, %v, want ok %v", tt.domain, b, ok, tt.ok)
		}
	}
}

func TestValidHostname(t *testing.T) {
	for name, want := range map[string]bool{
		"localhost":               true,
		"origin.example.com":      true,
		"a-b.c0.example":          true,
		"127.0.0.1":               true, // an IP address is a name here; callers refuse it where AWS does
		strings.Repeat("a", 63):   true,
		strings.Repeat("a", 64):   false,
		strings.Repeat("a.", 127): false, // trailing dot
		"":                        false,
		"a..b":                    false,
		".a":                      false,
		"-a.com":                  false,
		"a-.com":                  false,
		"a_b.com":                 false,
		"a b.com":                 false,
		"a.com:80":                false,
		"a.com/x":                 false,
		"a.com\r\nX-Injected: 1":  false,
		"a.com\n":                 false,
		"a\x00.com":               false,
		"a\t.com":                 false,
		"a%2f.com":                false,
		"*.example.com":           false,
		"exämple.com":             false,
	} {
		if got := ValidHostname(name); got != want {
			t.Errorf("ValidHostname(%q) = %v, want %v", name, got, want)
		}
	}
	if long := strings.Repeat("a.", 126) + "a"; !ValidHostname(long) || ValidHostname(long+"a") {
		t.Errorf("253 characters: %v, 254: %v", ValidHostname(long), ValidHostname(long+"a"))
	}
}

func TestValidOriginPath(t *testing.T) {
	for p, want := range map[string]bool{
		"":                             true,
		"/static":                      true,
		"/a/b.c/..d/d..":               true,
		"/" + strings.Repeat("a", 254): true,
		"/" + strings.Repeat("a", 255): false,
		"static":                       false,
		"/static/":                     false,
		"/":                            false,
		"/..":                          false,
		"/.":                           false,
		"/a/../..":                     false,
		"/a/./b":                       false,
		"/%2e%2e":                      false,
		"/%2E%2e/x":                    false,
		"/%2e":                         false,
		"/a/%2e%2e%2f%2e%2e":           false,
		"/a%00b":                       false,
		"/a\x00b":                      false,
		"/a\r\nb":                      false,
		"/a%0d%0ab":                    false,
		"/a%zz":                        false,
	} {
		if got := ValidOriginPath(p); got != want {
			t.Errorf("ValidOriginPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestValidLogPrefix(t *testing.T) {
	for p, want := range map[string]bool{
		"":                               true,
		"logs/":                          true,
		"logs":                           true,
		"a/b.c/..d/":                     true,
		"%2e%2e/":                        true, // a key, never decoded
		strings.Repeat("a", 255) + "/":   true,
		strings.Repeat("a", 256) + "/":   false,
		strings.Repeat("a/", 450):        true,
		strings.Repeat("a/", 450) + "b/": false,
		"/logs/":                         false,
		"../":                            false,
		"a/../../":                       false,
		"./":                             false,
		"a//b/":                          false,
		"//":                             false,
		"a\x00b/":                        false,
		"a\r\nb/":                        false,
	} {
		if got := ValidLogPrefix(p); got != want {
			t.Errorf("ValidLogPrefix(%q) = %v, want %v", p, got, want)
		}
	}
}
