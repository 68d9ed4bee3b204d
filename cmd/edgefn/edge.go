package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
)

// replicaTimeout bounds the wait for the replica's first snapshot at start.
const replicaTimeout = 30 * time.Second

// edgeServer is the viewer-facing edge and the replica it serves from.
type edgeServer struct {
	srv         *edge.Server
	ln          net.Listener
	stopReplica context.CancelFunc
	replicaDone chan struct{}
	errc        chan error
}

// startEdge starts following the store and, once the replica holds the
// store's state, serves viewers on cfg.edgeAddr.
func startEdge(cfg serveConfig, st *store.Store, reg prometheus.Registerer, log *slog.Logger) (*edgeServer, error) {
	rep := replica.New(st, runtime.New(edge.RuntimeOptions()), log)
	ctx, cancel := context.WithCancel(context.Background())
	e := &edgeServer{stopReplica: cancel, replicaDone: make(chan struct{}), errc: make(chan error, 1)}
	go func() {
		defer close(e.replicaDone)
		rep.Run(ctx)
	}()
	select {
	case <-rep.Ready():
	case <-time.After(replicaTimeout):
		e.stop()
		return nil, fmt.Errorf("edge: no snapshot of the store after %s", replicaTimeout)
	}
	s3Dir := cfg.s3OriginDir
	if s3Dir == "" {
		s3Dir = filepath.Join(cfg.dataDir, "s3")
	}
	srv, err := edge.New(edge.Config{States: rep, S3Dir: s3Dir, Metrics: reg, Logger: log})
	if err != nil {
		e.stop()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.edgeAddr)
	if err != nil {
		e.stop()
		return nil, fmt.Errorf("edge listener: %w", err)
	}
	e.srv, e.ln = srv, ln
	go func() { e.errc <- srv.Serve(ln) }()
	return e, nil
}

func (e *edgeServer) stop() {
	e.stopReplica()
	<-e.replicaDone
}

// shutdown lets the requests in flight finish, then stops the replica.
func (e *edgeServer) shutdown(ctx context.Context) error {
	err := e.srv.Shutdown(ctx)
	if serr := <-e.errc; err == nil && !errors.Is(serr, net.ErrClosed) {
		err = serr
	}
	e.stop()
	return err
}
