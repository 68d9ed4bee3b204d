package etcd

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// TestTLSAndAuth: against a member that serves TLS, wants client
// certificates and has authentication on, Open succeeds with the CA, the
// client certificate and the password, and fails without any one of them.
func TestTLSAndAuth(t *testing.T) {
	srv, sec, err := etcdtest.StartSecured(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	endpoints := []string{strings.TrimPrefix(srv.Endpoint, "https://")}
	noClientCert := &tls.Config{RootCAs: sec.TLS.RootCAs}
	for _, tt := range []struct {
		name string
		opts []Option
		ok   bool
	}{
		{"TLS, client certificate and password", []Option{WithTLS(sec.TLS), WithAuth(sec.User, sec.Password)}, true},
		{"wrong password", []Option{WithTLS(sec.TLS), WithAuth(sec.User, "nope")}, false},
		{"no password", []Option{WithTLS(sec.TLS)}, false},
		{"no client certificate", []Option{WithTLS(noClientCert), WithAuth(sec.User, sec.Password)}, false},
		{"no TLS", []Option{WithAuth(sec.User, sec.Password)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A refused connection is retried until the deadline: keep it short.
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			// Open makes a linearizable read: it proves the connection.
			db, err := Open(ctx, endpoints, "edgefn/", append(tt.opts, testLog(t))...)
			if err == nil {
				db.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("Open: %v, want ok %v", err, tt.ok)
			}
		})
	}
}
