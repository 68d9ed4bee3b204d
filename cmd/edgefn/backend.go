package main

import (
	"context"
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
		db, err := bolt.Open(filepath.Join(cfg.dataDir, "edgefn.db"))
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	}
	endpoints, prefix, err := etcd.ParseURL(cfg.store)
	if err != nil {
		return nil, usageError("--store: %v", err)
	}
	db, err := etcd.Open(ctx, endpoints, prefix, etcd.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	log.Info("store on etcd", "endpoints", endpoints, "prefix", prefix)
	return db, nil
}
