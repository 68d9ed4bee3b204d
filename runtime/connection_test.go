package runtime

import (
	"context"
	"strings"
	"testing"

	"github.com/edgefn/edgefn/event"
)

func testConnection() *event.Connection {
	c := &event.Connection{ClientIP: "203.0.113.7", Endpoint: "d111111abcdef8.cloudfront.net", DistributionID: "EDFDVBD6EXAMPLE", ConnectionID: "conn-1"}
	c.ClientCertificate = &event.ClientCertificate{}
	c.ClientCertificate.Certificates.Leaf = event.Certificate{
		SerialNumber: "0a:1b", Issuer: "CN=Test CA", Subject: "CN=device-1, O=Example",
		Validity:          event.Validity{NotBefore: "2025-01-01T00:00:00Z", NotAfter: "2026-01-01T00:00:00Z"},
		SHA256Fingerprint: "abc",
	}
	return c
}

func TestConnectionFunctions(t *testing.T) {
	revoked := fakeKVS{id: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", items: map[string]string{"0a:1b": "revoked"}}
	noCert := testConnection()
	noCert.ClientCertificate = nil
	tests := []struct {
		name, code string
		conn       *event.Connection
		kvs        KeyValueStore
		want       Decision
		logs       string
		custom     string
		err        string
	}{
		{"allow", `function connectionHandler(connection) { connection.allow(); }`, nil, nil, DecisionAllow, "", "", ""},
		{"deny", `function connectionHandler(connection) { return connection.deny(); }`, nil, nil, DecisionDeny, "", "", ""},
		{"no decision is a deny", `function connectionHandler(connection) { console.log(connection.clientIp); }`, nil, nil, DecisionDeny, "203.0.113.7", "", ""},
		{"deny outweighs allow", `function connectionHandler(c) { c.deny(); c.allow(); }`, nil, nil, DecisionDeny, "", "", ""},
		{"a throw denies", `function connectionHandler(c) { c.allow(); throw new Error('boom'); }`, nil, nil, DecisionDeny, "", "", "Error: boom"},
		{"event fields", `function connectionHandler(c) {
			var l = c.clientCertificate.certificates.leaf;
			console.log([l.serialNumber, l.issuer, l.subject, l.validity.notAfter, l.sha256Fingerprint, c.endpoint, c.distributionId, c.connectionId].join('|'));
			if (l.subject.includes('O=Example')) c.allow();
		}`, nil, nil, DecisionAllow, "0a:1b|CN=Test CA|CN=device-1, O=Example|2026-01-01T00:00:00Z|abc|d111111abcdef8.cloudfront.net|EDFDVBD6EXAMPLE|conn-1", "", ""},
		{"no certificate (optional mode)", `function connectionHandler(c) { if (!c.clientCertificate) { console.log('none'); c.allow(); } }`, noCert, nil, DecisionAllow, "none", "", ""},
		{"revocation list in the store", `import cf from 'cloudfront';
			async function connectionHandler(c) {
				const serial = c.clientCertificate.certificates.leaf.serialNumber;
				if (await cf.kvs().exists(serial)) { c.logCustomData('REVOKED:' + serial); return c.deny(); }
				c.allow();
			}`, nil, revoked, DecisionDeny, "", "REVOKED:0a:1b", ""},
		{"not revoked", `import cf from 'cloudfront';
			async function connectionHandler(c) { if (!(await cf.kvs().exists('other'))) c.allow(); }`, nil, revoked, DecisionAllow, "", "", ""},
		{"viewer handler only", `function handler(e) { return e.request; }`, nil, nil, DecisionDeny, "", "", `ReferenceError: "connectionHandler" is not defined`},
		{"origin helpers are for viewer requests", `import cf from 'cloudfront';
			function connectionHandler(c) { cf.updateRequestOrigin({domainName: 'x.example'}); c.allow(); }`, nil, nil, DecisionDeny, "", "", "only available in viewer-request"},
		{"nothing set on a helper reaches the next run", `function connectionHandler(c) { console.log(String(c.allow.state)); c.allow.state = 1; c.allow(); }`, nil, nil, DecisionAllow, "undefined", "", ""},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eng.CompileConnection([]byte(tt.code))
			if err != nil {
				t.Fatal(err)
			}
			conn := tt.conn
			if conn == nil {
				conn = testConnection()
			}
			// Twice: a second run on the same realm starts clean.
			for range 2 {
				res := p.RunConnection(context.Background(), conn, tt.kvs)
				if res.Decision != tt.want {
					t.Fatalf("decision %q, want %q (err %v)", res.Decision, tt.want, res.Err)
				}
				if tt.err == "" && res.Err != nil || tt.err != "" && (res.Err == nil || !strings.Contains(res.Err.Error(), tt.err)) {
					t.Fatalf("err %v, want %q", res.Err, tt.err)
				}
				if got := strings.Join(res.Logs, "|"); got != tt.logs {
					t.Fatalf("logs %q, want %q", got, tt.logs)
				}
				if res.CustomLogData != tt.custom || res.Output != nil {
					t.Fatalf("custom log %q output %v", res.CustomLogData, res.Output)
				}
			}
		})
	}
}
