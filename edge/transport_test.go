package edge

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/edgefn/edgefn/internal/devcert"
)

// TestVerifyNames: allowedCertificateNames accept a certificate valid for
// one of them, wildcards either side, and only with a trusted chain.
func TestVerifyNames(t *testing.T) {
	c, err := devcert.New("origin", time.Hour, "api.example.com", "*.cdn.example.com")
	if err != nil {
		t.Fatal(err)
	}
	cert := c.Leaf
	trusted := devcert.Pool(c)
	tests := []struct {
		name  string
		roots *x509.CertPool
		names []string
		ok    bool
	}{
		{"exact name", trusted, []string{"other.example.org", "api.example.com"}, true},
		{"the certificate's wildcard", trusted, []string{"img.cdn.example.com"}, true},
		{"an allowed wildcard", trusted, []string{"*.example.com"}, true},
		{"no name matches", trusted, []string{"example.com", "a.b.cdn.example.com"}, false},
		{"an allowed wildcard that matches nothing", trusted, []string{"*.example.org"}, false},
		{"untrusted chain", x509.NewCertPool(), []string{"api.example.com"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyNames([]*x509.Certificate{cert}, tt.roots, tt.names)
			if (err == nil) != tt.ok {
				t.Errorf("verifyNames(%v) = %v, want ok %v", tt.names, err, tt.ok)
			}
		})
	}
}
