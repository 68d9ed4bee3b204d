package etcdtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/edgefn/edgefn/internal/devcert"
)

// Secured is what a client needs to reach a member StartSecured started.
type Secured struct {
	// CAFile is the certificate that signs the member's (PEM); CertFile and
	// KeyFile are a client certificate the member accepts.
	CAFile, CertFile, KeyFile string
	// TLS is the same as a client configuration.
	TLS *tls.Config
	// User and Password are the root user's.
	User, Password string
}

// StartSecured runs a member that serves TLS, wants client certificates and
// has authentication enabled, with its files under dir.
func StartSecured(dir string) (*Server, *Secured, error) {
	server, err := devcert.New("etcd", 24*time.Hour, "127.0.0.1")
	if err != nil {
		return nil, nil, err
	}
	client, err := devcert.New("edgefn", 24*time.Hour, "edgefn")
	if err != nil {
		return nil, nil, err
	}
	serverCert, serverKey, err := writePEM(dir, "server", server)
	if err != nil {
		return nil, nil, err
	}
	clientCert, clientKey, err := writePEM(dir, "client", client)
	if err != nil {
		return nil, nil, err
	}
	sec := &Secured{CAFile: serverCert, CertFile: clientCert, KeyFile: clientKey, User: "root", Password: "etcdtest-root",
		TLS: &tls.Config{RootCAs: devcert.Pool(server), Certificates: []tls.Certificate{client}}}
	s, err := StartTLS(dir, &TLS{CertFile: serverCert, KeyFile: serverKey, ClientCAFile: clientCert, Client: sec.TLS})
	if err != nil {
		return nil, nil, err
	}
	if err := enableAuth(s, sec); err != nil {
		s.Stop()
		return nil, nil, err
	}
	return s, sec, nil
}

// enableAuth adds the root user and turns authentication on.
func enableAuth(s *Server, sec *Secured) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{strings.TrimPrefix(s.Endpoint, "https://")}, TLS: sec.TLS, DialTimeout: readyTimeout})
	if err != nil {
		return fmt.Errorf("etcdtest: connect: %w", err)
	}
	defer c.Close()
	if _, err := c.UserAdd(ctx, sec.User, sec.Password); err != nil {
		return fmt.Errorf("etcdtest: add the root user: %w", err)
	}
	if _, err := c.UserGrantRole(ctx, sec.User, "root"); err != nil {
		return fmt.Errorf("etcdtest: grant the root role: %w", err)
	}
	if _, err := c.AuthEnable(ctx); err != nil {
		return fmt.Errorf("etcdtest: enable authentication: %w", err)
	}
	return nil
}

func writePEM(dir, name string, c tls.Certificate) (certFile, keyFile string, err error) {
	certPEM, keyPEM, err := devcert.PEM(c)
	if err != nil {
		return "", "", err
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(keyFile, keyPEM, 0o600)
}
