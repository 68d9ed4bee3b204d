package event

import "testing"

func TestCanonicalHeaderName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"example-header-name", "Example-Header-Name"},
		{"host", "Host"},
		{"x-amz-cf-id", "X-Amz-Cf-Id"},
		{"www-authenticate", "Www-Authenticate"},
		{"content-md5", "Content-Md5"},
		{"a--b", "A--B"},
		{"-x", "-X"},
		{"x-", "X-"},
		{"1abc-2def", "1abc-2def"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CanonicalHeaderName(tt.in); got != tt.want {
			t.Errorf("CanonicalHeaderName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDisallowedHeader(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"connection", true},
		{"x-real-ip", true},
		{"x-amzn-requestid", true},
		{"x-cache", true},
		{"x-forwarded-proto", true},
		{"x-amz-cf-id", true},
		{"x-amz-cf-pop", true},
		{"x-edge-location", true},
		{"x-edge-", true},
		{"host", false},
		{"x-amz-date", false},
		{"x-amzn-trace-id", false},
		{"x-forwarded-for", false},
		{"x-cache-status", false},
		{"cloudfront-viewer-country", false},
	}
	for _, tt := range tests {
		if got := DisallowedHeader(tt.name); got != tt.want {
			t.Errorf("DisallowedHeader(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsToken(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"x-foo", true},
		{"X_Foo.1!#$%&'*+^`|~", true},
		{"", false},
		{"a b", false},
		{"a:b", false},
		{"a\r\nb", false},
		{"é", false},
		{"a(b)", false},
	}
	for _, tt := range tests {
		if got := isToken(tt.s); got != tt.want {
			t.Errorf("isToken(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
