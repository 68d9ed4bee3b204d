package event

import (
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Connection is the event of a connection function (mTLS): the client
// certificate CloudFront verified, and where the connection comes from. Its
// JSON form is CloudFront's documented event, which TestConnectionFunction
// takes as the ConnectionObject.
type Connection struct {
	// ClientCertificate is nil when the client sent none (optional mode).
	ClientCertificate *ClientCertificate `json:"clientCertificate,omitempty"`
	ClientIP          string             `json:"clientIp"`
	Endpoint          string             `json:"endpoint"`
	DistributionID    string             `json:"distributionId"`
	ConnectionID      string             `json:"connectionId"`
}

// ClientCertificate holds the certificates of a connection; CloudFront
// documents the leaf only.
type ClientCertificate struct {
	Certificates struct {
		Leaf Certificate `json:"leaf"`
	} `json:"certificates"`
}

// Certificate is a certificate as connection functions see it: names in
// "C=US, O=…" form, times in RFC 3339, the serial as colon-separated hex and
// the SHA-256 fingerprint in base64url.
type Certificate struct {
	SerialNumber      string   `json:"serialNumber"`
	Issuer            string   `json:"issuer"`
	Subject           string   `json:"subject"`
	Validity          Validity `json:"validity"`
	SHA256Fingerprint string   `json:"sha256Fingerprint"`
}

// Validity is a certificate's validity period.
type Validity struct {
	NotBefore string `json:"notBefore"`
	NotAfter  string `json:"notAfter"`
}

// ParseConnectionJSON reads a connection event; members CloudFront does not
// document are ignored.
func ParseConnectionJSON(data []byte) (*Connection, error) {
	var c Connection
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("the connection object is not valid JSON for a connection event: %w", err)
	}
	return &c, nil
}

// LeafCertificate is c as a connection function sees it.
func LeafCertificate(c *x509.Certificate) Certificate {
	sum := sha256.Sum256(c.Raw)
	return Certificate{
		SerialNumber: SerialHex(c.SerialNumber),
		Issuer:       forwardName(c.Issuer),
		Subject:      forwardName(c.Subject),
		Validity: Validity{
			NotBefore: c.NotBefore.UTC().Format(time.RFC3339),
			NotAfter:  c.NotAfter.UTC().Format(time.RFC3339),
		},
		SHA256Fingerprint: base64.RawURLEncoding.EncodeToString(sum[:]),
	}
}

// SerialHex is a serial number as CloudFront writes it: its big-endian
// bytes in lower-case hex, colon-separated ("4a:3f:5c").
func SerialHex(n *big.Int) string {
	b := n.Bytes()
	if len(b) == 0 {
		b = []byte{0}
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}

// forwardName writes a name in the order of its RDNs ("C=US, O=Org,
// CN=device"), each escaped as RFC 4514 says.
func forwardName(n pkix.Name) string {
	seq := n.ToRDNSequence()
	parts := make([]string, len(seq))
	for i, rdn := range seq {
		parts[i] = pkix.RDNSequence{rdn}.String()
	}
	return strings.Join(parts, ", ")
}
