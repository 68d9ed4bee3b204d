package edgefn_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/internal/devcert"
)

func TestParseCABundle(t *testing.T) {
	ca, err := devcert.NewCA("Test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := devcert.NewCA("Other CA")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue("device", 7, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[0]})
	key := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})
	tests := []struct {
		name   string
		bundle []byte
		n      int
		err    string // substring; "" means valid
	}{
		{"one CA", ca.PEM(), 1, ""},
		{"two CAs with blank lines", append(append(append([]byte("\n"), ca.PEM()...), '\n'), other.PEM()...), 2, ""},
		{"CRLF line ends", bytes.ReplaceAll(ca.PEM(), []byte("\n"), []byte("\r\n")), 1, ""},
		{"empty", nil, 0, "no certificate"},
		{"white space", []byte(" \n\t"), 0, "no certificate"},
		{"text before", append([]byte("hello\n"), ca.PEM()...), 0, "not a PEM block"},
		{"text after", append(ca.PEM(), "junk"...), 0, "not a PEM block"},
		{"DER", ca.Cert.Certificate[0], 0, "not a PEM block"},
		{"a private key", append(ca.PEM(), key...), 0, `type "PRIVATE KEY"`},
		{"a leaf, not a CA", leafPEM, 0, "not a CA certificate"},
		{"garbage in the block", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("nope")}), 0, "does not parse"},
		{"too large", bytes.Repeat([]byte(" "), edgefn.MaxCABundleBytes+1), 0, "larger than"},
		{"too many", bytes.Repeat(ca.PEM(), edgefn.MaxCABundleCertificates+1), 0, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := edgefn.ParseCABundle(tt.bundle)
			if tt.err == "" {
				if err != nil || len(certs) != tt.n {
					t.Fatalf("ParseCABundle = %d certs, %v; want %d", len(certs), err, tt.n)
				}
				return
			}
			var e *edgefn.Error
			if !errors.As(err, &e) || e.Kind != edgefn.ErrInvalidArgument || e.Resource != edgefn.ResourceTrustStore || !strings.Contains(e.Message, tt.err) {
				t.Fatalf("ParseCABundle error = %v; want InvalidArgument with %q", err, tt.err)
			}
		})
	}
}

// TestCABundleLocationHostile: the location becomes a path under the S3
// directory, so nothing that leaves the bucket passes.
func TestCABundleLocationHostile(t *testing.T) {
	ok := edgefn.CABundleLocation{Bucket: "ca-bundles", Key: "prod/ca.pem", Region: "us-east-1"}
	if err := ok.Check(); err != nil {
		t.Fatalf("Check(%+v) = %v", ok, err)
	}
	for _, l := range []edgefn.CABundleLocation{
		{Bucket: "..", Key: "ca.pem", Region: "us-east-1"},
		{Bucket: "ca-bundles/..", Key: "ca.pem", Region: "us-east-1"},
		{Bucket: "Bundles", Key: "ca.pem", Region: "us-east-1"},
		{Bucket: "", Key: "ca.pem", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "../other-bucket/ca.pem", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "a/../../etc/passwd", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "/etc/passwd", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "a//b", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: ".", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "a\x00b", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "", Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: strings.Repeat("k", 1025), Region: "us-east-1"},
		{Bucket: "ca-bundles", Key: "ca.pem", Region: ""},
		{Bucket: "ca-bundles", Key: "ca.pem", Region: "../x"},
	} {
		var e *edgefn.Error
		if err := l.Check(); !errors.As(err, &e) || e.Kind != edgefn.ErrInvalidArgument {
			t.Errorf("Check(%+v) = %v; want InvalidArgument", l, err)
		}
	}
}
