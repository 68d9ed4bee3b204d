package edgefn

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"regexp"
	"strings"
	"unicode/utf8"
)

// TrustStore is a CloudFront trust store: the CA certificates that verify
// viewers' client certificates on the distributions whose ViewerMtlsConfig
// names it. It is kept like a policy (per account, a UUID id, an ETag per
// revision); no trust store is managed.
type TrustStore = Policy[TrustStoreConfig]

// TrustStoreConfig is a trust store as CreateTrustStore and UpdateTrustStore
// set it.
type TrustStoreConfig struct {
	Name string
	// Source is where the CA bundle was read from when the store was created
	// or last updated; Bundle is the PEM bundle read then (CloudFront, too,
	// reads the object once: a later change in S3 needs UpdateTrustStore).
	Source  CABundleLocation
	Bundle  []byte
	UseOCSP bool // UseClientCertificateOCSPEndpoint: recorded, not acted on
	// Certificates is the number of certificates in Bundle, set when the
	// store checks it.
	Certificates int
}

// CABundleLocation is CaCertificatesBundleS3Location.
type CABundleLocation struct {
	Bucket, Key, Region, Version string
}

// ResourceTrustStore: trust stores answer with the Entity* codes.
const ResourceTrustStore Resource = "trust-store"

// TrustStoreARN returns arn:aws:cloudfront::<account>:trust-store/<id>.
func TrustStoreARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":trust-store/" + id
}

// Bounds of a CA bundle: edgefn's own (AWS documents none), so that a
// trust store, which every edge keeps in memory, stays small.
const (
	MaxCABundleBytes        = 1 << 20
	MaxCABundleCertificates = 200
)

// regionPattern is the model's pattern for CaCertificatesBundleS3Location.Region.
var regionPattern = regexp.MustCompile(`^[a-z]{2}-[a-z]+-\d$`)

// Check checks the location: a bucket S3 would accept (so one safe path
// segment), a key whose segments are neither empty nor "." or "..", nor hold
// a control character (the key becomes a path under the S3 directory), and
// the model's Region.
func (l CABundleLocation) Check() error {
	bad := func(format string, args ...any) error {
		return Errorf(ErrInvalidArgument, ResourceTrustStore, format, args...)
	}
	switch {
	case !ValidBucketName(l.Bucket):
		return bad("The CaCertificatesBundleS3Location Bucket %q is not a valid S3 bucket name.", l.Bucket)
	case l.Key == "" || len(l.Key) > 1024 || !utf8.ValidString(l.Key):
		return bad("The CaCertificatesBundleS3Location Key must have 1 to 1024 bytes of UTF-8.")
	case !regionPattern.MatchString(l.Region):
		return bad("The CaCertificatesBundleS3Location Region %q is not valid.", l.Region)
	}
	for seg := range strings.SplitSeq(l.Key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("The CaCertificatesBundleS3Location Key %q has an empty, '.' or '..' segment.", l.Key)
		}
	}
	if strings.ContainsFunc(l.Key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return bad("The CaCertificatesBundleS3Location Key has a control character.")
	}
	return nil
}

// ParseCABundle reads a PEM CA bundle: one or more CERTIFICATE blocks and
// nothing else but white space, each an X.509 CA certificate (basic
// constraints CA:TRUE), at most MaxCABundleBytes and
// MaxCABundleCertificates. Errors are InvalidArgument.
func ParseCABundle(b []byte) ([]*x509.Certificate, error) {
	bad := func(format string, args ...any) ([]*x509.Certificate, error) {
		return nil, Errorf(ErrInvalidArgument, ResourceTrustStore, "The CA certificates bundle is not valid: "+format, args...)
	}
	if len(b) > MaxCABundleBytes {
		return bad("it is larger than %d bytes.", MaxCABundleBytes)
	}
	var certs []*x509.Certificate
	rest := b
	for len(bytes.TrimSpace(rest)) > 0 {
		block, next := pem.Decode(rest)
		if block == nil || !bytes.HasPrefix(bytes.TrimSpace(rest), []byte("-----BEGIN")) {
			return bad("certificate %d is not a PEM block (only PEM CERTIFICATE blocks may be in the file).", len(certs)+1)
		}
		rest = next
		if block.Type != "CERTIFICATE" {
			return bad("it holds a PEM block of type %q; only CERTIFICATE blocks are allowed.", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return bad("certificate %d does not parse: %v.", len(certs)+1, err)
		}
		if !c.BasicConstraintsValid || !c.IsCA {
			return bad("certificate %d (%s) is not a CA certificate.", len(certs)+1, c.Subject)
		}
		if certs = append(certs, c); len(certs) > MaxCABundleCertificates {
			return bad("it holds more than %d certificates.", MaxCABundleCertificates)
		}
	}
	if len(certs) == 0 {
		return bad("it holds no certificate.")
	}
	return certs, nil
}

// Pool returns the bundle's certificates as a pool; the bundle must have
// been checked with ParseCABundle.
func (c *TrustStoreConfig) Pool() (*x509.CertPool, int, error) {
	certs, err := ParseCABundle(c.Bundle)
	if err != nil {
		return nil, 0, err
	}
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool, len(certs), nil
}
