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
		{"expect", true},
		{"keep-alive", true},
		{"proxy-authenticate", true},
		{"proxy-authorization", true},
		{"proxy-connection", true},
		{"trailer", true},
		{"upgrade", true},
		{"x-accel-buffering", true},
		{"x-accel-charset", true},
		{"x-accel-limit-rate", true},
		{"x-accel-redirect", true},
		{"x-amzn-auth", true},
		{"x-amzn-cf-billing", true},
		{"x-amzn-cf-id", true},
		{"x-amzn-cf-xff", true},
		{"x-amzn-errortype", true},
		{"x-amzn-fle-profile", true},
		{"x-amzn-header-count", true},
		{"x-amzn-header-order", true},
		{"x-amzn-lambda-integration-tag", true},
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
		s            string
		token, lower bool
	}{
		{"x-foo", true, true},
		{"x_foo.1!#$%&'*+^`|~", true, true},
		{"X_Foo.1!#$%&'*+^`|~", true, false},
		{"x-Foo", true, false},
		{"", false, false},
		{"a b", false, false},
		{"a:b", false, false},
		{"a\r\nb", false, false},
		{"é", false, false},
		{"a(b)", false, false},
	}
	for _, tt := range tests {
		if got := isToken(tt.s); got != tt.token {
			t.Errorf("isToken(%q) = %v, want %v", tt.s, got, tt.token)
		}
		if got := isLowerToken(tt.s); got != tt.lower {
			t.Errorf("isLowerToken(%q) = %v, want %v", tt.s, got, tt.lower)
		}
	}
}
