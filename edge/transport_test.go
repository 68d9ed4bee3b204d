package edge

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// TestVerifyNames: allowedCertificateNames accept a certificate valid for
// one of them, wildcards either side, and only with a trusted chain.
func TestVerifyNames(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "origin"},
		DNSNames:  []string{"api.example.com", "*.cdn.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	trusted := x509.NewCertPool()
	trusted.AddCert(cert)
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
