package etcd

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgefn/edgefn/internal/devcert"
	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// TestTLSAndAuth: against a cluster that serves TLS, wants client
// certificates and has authentication on, Open succeeds with the CA, the
// client certificate and the password, and fails without any one of them.
func TestTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	server, err := devcert.New("etcd", time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	client, err := devcert.New("edgefn", time.Hour, "edgefn")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, c tls.Certificate) (certFile, keyFile string) {
		certPEM, keyPEM, err := devcert.PEM(c)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		for f, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return certFile, keyFile
	}
	serverCert, serverKey := write("server", server)
	clientCert, _ := write("client", client)
	good := &tls.Config{RootCAs: devcert.Pool(server), Certificates: []tls.Certificate{client}}
	srv, err := etcdtest.StartTLS(dir, &etcdtest.TLS{CertFile: serverCert, KeyFile: serverKey, ClientCAFile: clientCert, Client: good})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	endpoints := []string{strings.TrimPrefix(srv.Endpoint, "https://")}

	// Authentication on: a root user, then auth enabled.
	admin, err := Open(t.Context(), endpoints, "admin/", WithTLS(good))
	if err != nil {
		t.Fatalf("Open over TLS: %v", err)
	}
	for _, step := range []func(context.Context) error{
		func(ctx context.Context) error { _, err := admin.client.UserAdd(ctx, "root", "s3cret"); return err },
		func(ctx context.Context) error { _, err := admin.client.UserGrantRole(ctx, "root", "root"); return err },
		func(ctx context.Context) error { _, err := admin.client.AuthEnable(ctx); return err },
	} {
		if err := step(t.Context()); err != nil {
			t.Fatalf("enabling authentication: %v", err)
		}
	}
	admin.Close()

	noClientCert := &tls.Config{RootCAs: devcert.Pool(server)}
	for _, tt := range []struct {
		name string
		opts []Option
		ok   bool
	}{
		{"TLS, client certificate and password", []Option{WithTLS(good), WithAuth("root", "s3cret")}, true},
		{"wrong password", []Option{WithTLS(good), WithAuth("root", "nope")}, false},
		{"no password", []Option{WithTLS(good)}, false},
		{"no client certificate", []Option{WithTLS(noClientCert), WithAuth("root", "s3cret")}, false},
		{"no TLS", []Option{WithAuth("root", "s3cret")}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A refused connection is retried until the deadline: keep it short.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			// Open makes a linearizable read: it proves the connection.
			db, err := Open(ctx, endpoints, "edgefn/", tt.opts...)
			if err == nil {
				db.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("Open: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
