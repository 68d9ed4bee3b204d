package edge_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/internal/devcert"
	"github.com/edgefn/edgefn/store"
)

// BenchmarkMtlsHandshake measures one viewer connection over TLS 1.3 (the
// handshake and one GET, sequentially: run with -cpu 1 for one core's
// handshakes per second) to a distribution without mTLS, with required
// mTLS against a trust store, and with a connection function as well (one
// KeyValueStore read per handshake, the revocation check).
func BenchmarkMtlsHandshake(b *testing.B) {
	ca, err := devcert.NewCA("Bench CA")
	if err != nil {
		b.Fatal(err)
	}
	client, err := ca.Issue("device", 0x10, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	server, err := devcert.New("edge", time.Hour, "*.cloudfront.net")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	mtls := func(withFunction bool) func(*store.Store, *edgefn.DistributionConfig) {
		return func(st *store.Store, cfg *edgefn.DistributionConfig) {
			ts, err := st.CreateTrustStore(ctx, account, edgefn.TrustStoreConfig{Name: "bench",
				Source: edgefn.CABundleLocation{Bucket: "bench", Key: "ca.pem", Region: "us-east-1"}, Bundle: ca.PEM()}, nil)
			if err != nil {
				b.Fatal(err)
			}
			cfg.ViewerMtls = &edgefn.ViewerMtls{Mode: edgefn.MtlsRequired, TrustStoreID: ts.ID}
			if !withFunction {
				return
			}
			kvs, err := st.CreateKeyValueStore(ctx, account, "revoked", "", false)
			if err != nil {
				b.Fatal(err)
			}
			code := []byte(`import cf from 'cloudfront';
async function connectionHandler(connection) {
	if (await cf.kvs().exists(connection.clientCertificate.certificates.leaf.serialNumber)) {
		return connection.deny();
	}
	connection.allow();
}`)
			fn, err := st.CreateConnectionFunction(ctx, account, "revocation", edgefn.FunctionConfig{Runtime: edgefn.RuntimeJS2, KeyValueStoreARNs: []string{kvs.ARN()}}, code)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := st.PublishConnectionFunction(ctx, account, fn.ID, fn.ETag); err != nil {
				b.Fatal(err)
			}
			cfg.ConnectionFunctionID = fn.ID
		}
	}
	for _, bc := range []struct {
		name  string
		setup func(*store.Store, *edgefn.DistributionConfig)
	}{{"TLS", nil}, {"Mtls", mtls(false)}, {"MtlsConnectionFunction", mtls(true)}} {
		b.Run(bc.name, func(b *testing.B) {
			serverCfg := &tls.Config{Certificates: []tls.Certificate{server}, MinVersion: tls.VersionTLS12}
			host := benchEdge(b, false, "", bc.setup, func(s *edge.Server, ln net.Listener) error { return s.ServeTLS(ln, serverCfg) })
			cfg := &tls.Config{ServerName: host.domain, InsecureSkipVerify: true, Certificates: []tls.Certificate{client},
				ClientSessionCache: nil, MinVersion: tls.VersionTLS13}
			req := []byte("GET / HTTP/1.1\r\nHost: " + host.domain + "\r\nConnection: close\r\n\r\n")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				conn, err := tls.Dial("tcp", host.addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := conn.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					b.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				resp.Body.Close()
				conn.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
		})
	}
}
