package devcert

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"
)

// TestCertificate: the certificate verifies for its names against Pool, not
// for others, and PEM round-trips through tls.X509KeyPair.
func TestCertificate(t *testing.T) {
	c, err := New("test", time.Hour, "localhost", "*.example.test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		ok   bool
	}{{"localhost", true}, {"a.example.test", true}, {"127.0.0.1", true}, {"example.test", false}, {"other.host", false}} {
		_, err := c.Leaf.Verify(x509.VerifyOptions{Roots: Pool(c), DNSName: tt.name})
		if (err == nil) != tt.ok {
			t.Errorf("verify for %s: %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	certPEM, keyPEM, err := PEM(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("PEM does not load: %v", err)
	}
	if string(back.Certificate[0]) != string(c.Certificate[0]) {
		t.Error("PEM changed the certificate")
	}
}
