package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
	"github.com/edgefn/edgefn/store/etcd"
)

// openBackend opens the store --store names: the embedded bolt file under
// --data when it is empty, an etcd cluster for an etcd:// URL.
func openBackend(ctx context.Context, cfg serveConfig, log *slog.Logger) (store.Backend, error) {
	if cfg.store == "" {
		if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		db, err := bolt.Open(filepath.Join(cfg.dataDir, "edgefn.db"), bolt.WithLogger(log))
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	}
	endpoints, prefix, err := etcd.ParseURL(cfg.store)
	if err != nil {
		return nil, usageError("--store: %v", err)
	}
	opts, err := cfg.etcd.options()
	if err != nil {
		return nil, err
	}
	db, err := etcd.Open(ctx, endpoints, prefix, append(opts, etcd.WithLogger(log))...)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log.Info("store on etcd", "endpoints", endpoints, "prefix", prefix)
	return db, nil
}

// etcdConfig is how serve connects to etcd beyond the endpoints: TLS (the
// members' CA, a client certificate) and a user.
type etcdConfig struct {
	ca, cert, key  string
	user, password string
}

func (c etcdConfig) options() ([]etcd.Option, error) {
	var opts []etcd.Option
	if c.user != "" || c.password != "" {
		if c.user == "" {
			return nil, usageError("--etcd-password needs --etcd-user")
		}
		opts = append(opts, etcd.WithAuth(c.user, c.password))
	}
	if c.ca == "" && c.cert == "" && c.key == "" {
		return opts, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.ca != "" {
		pem, err := os.ReadFile(c.ca)
		if err != nil {
			return nil, usageError("--etcd-ca: %v", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageError("--etcd-ca %s: no PEM certificate in it", c.ca)
		}
	}
	if c.cert != "" || c.key != "" {
		cert, err := tls.LoadX509KeyPair(c.cert, c.key)
		if err != nil {
			return nil, usageError("--etcd-cert/--etcd-key: %v", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return append(opts, etcd.WithTLS(t)), nil
}

// readiness is the backend's own check for /readyz when it can fail apart
// from the process (etcd's can; the embedded file's cannot).
func readiness(db store.Backend) func(context.Context) error {
	if r, ok := db.(interface{ Ready(context.Context) error }); ok {
		return r.Ready
	}
	return nil
}
