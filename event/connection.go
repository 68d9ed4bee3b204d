package event

import (
	"encoding/json"
	"fmt"
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
