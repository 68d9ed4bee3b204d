package edge

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/internal/devcert"
)

func TestVerifyClientCert(t *testing.T) {
	ca, err := devcert.NewCA("Test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := devcert.NewCA("Other CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	issue := func(ca *devcert.CA, serial int64, from, to time.Time) []*x509.Certificate {
		t.Helper()
		c, err := ca.Issue("device", serial, from, to)
		if err != nil {
			t.Fatal(err)
		}
		return []*x509.Certificate{c.Leaf}
	}
	good := issue(ca, 1, now.Add(-time.Hour), now.Add(time.Hour))
	expired := issue(ca, 2, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	future := issue(ca, 3, now.Add(24*time.Hour), now.Add(48*time.Hour))
	foreign := issue(other, 4, now.Add(-time.Hour), now.Add(time.Hour))
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert.Leaf)
	trust := &replica.TrustPool{ID: "ts", Roots: roots}
	mtls := func(mode string, ignore bool, trust *replica.TrustPool) *replica.Mtls {
		return &replica.Mtls{ViewerMtls: edgefn.ViewerMtls{Mode: mode, IgnoreExpiry: ignore}, Trust: trust}
	}
	tests := []struct {
		name  string
		m     *replica.Mtls
		certs []*x509.Certificate
		err   string // substring; "" accepts
	}{
		{"good", mtls(edgefn.MtlsRequired, false, trust), good, ""},
		{"none, required", mtls(edgefn.MtlsRequired, false, trust), nil, "requires a client certificate"},
		{"none, optional", mtls(edgefn.MtlsOptional, false, trust), nil, ""},
		{"expired", mtls(edgefn.MtlsRequired, false, trust), expired, "expired"},
		{"expired, ignored", mtls(edgefn.MtlsRequired, true, trust), expired, ""},
		{"not yet valid, ignored", mtls(edgefn.MtlsOptional, true, trust), future, ""},
		{"another CA", mtls(edgefn.MtlsRequired, false, trust), foreign, "unknown authority"},
		{"another CA, optional", mtls(edgefn.MtlsOptional, true, trust), foreign, "unknown authority"},
		{"trust store gone", mtls(edgefn.MtlsRequired, false, nil), good, "not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyClientCert(tt.m, tt.certs, now)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("verifyClientCert = %v; want %q", err, tt.err)
			}
		})
	}
}

func TestLeafCertificateFields(t *testing.T) {
	ca, err := devcert.NewCA("Test CA")
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	c, err := ca.Issue("device", 0x0a0b, from, from.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	leaf := event.LeafCertificate(c.Leaf)
	if leaf.SerialNumber != "0a:0b" || leaf.Subject != "O=edgefn tests, CN=device" || leaf.Issuer != "O=edgefn tests, CN=Test CA" ||
		leaf.Validity.NotBefore != "2025-01-02T03:04:05Z" || leaf.Validity.NotAfter != "2026-01-02T03:04:05Z" || len(leaf.SHA256Fingerprint) != 43 {
		t.Errorf("LeafCertificate = %+v", leaf)
	}
}

// handedOff stands for a TLS connection the event loops handed to the
// goroutine server: it is no viewerConn, and its NetConn is one.
type handedOff struct {
	net.Conn
	tc net.Conn
}

func (h handedOff) NetConn() net.Conn { return h.tc }

func TestConnectionID(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	vc := newViewerConn(server, &tls.Config{})
	for _, tc := range []struct {
		name string
		conn net.Conn
		want string
	}{
		{"plain HTTP", server, ""},
		{"TLS", vc, vc.id},
		{"TLS handed off by the loops", handedOff{Conn: server, tc: vc}, vc.id},
		{"a wrapper around a plain connection", handedOff{Conn: server, tc: server}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Init2(tc.conn, nil, false)
			if got := connectionID(&ctx); got != tc.want {
				t.Errorf("connectionID = %q, want %q", got, tc.want)
			}
		})
	}
}
