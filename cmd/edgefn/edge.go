package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/edge/accesslog"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/internal/devcert"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
)

// replicaTimeout bounds the wait for the replica's first snapshot at start.
const replicaTimeout = 30 * time.Second

// edgeServer is the viewer-facing edge and the replica it serves from.
type edgeServer struct {
	srv   *edge.Server
	ln    net.Listener
	tlsLn net.Listener // nil without --edge-tls-addr
	// reloadCert re-reads the HTTPS certificate files; nil without them.
	reloadCert func() error
	// accessLogs writes the distributions' access logs.
	accessLogs  *accesslog.Writer
	stopReplica context.CancelFunc
	replicaDone chan struct{}
	errc        chan error
}

// startEdge starts following the store and, once the replica holds the
// store's state, serves viewers on cfg.edgeAddr.
func startEdge(cfg serveConfig, st *store.Store, reg prometheus.Registerer, log *slog.Logger) (*edgeServer, error) {
	rep := replica.New(st, runtime.New(edge.RuntimeOptions()), log)
	ctx, cancel := context.WithCancel(context.Background())
	e := &edgeServer{stopReplica: cancel, replicaDone: make(chan struct{}), errc: make(chan error, 2)}
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
	logDir := cfg.accessLogDir
	if logDir == "" {
		logDir = filepath.Join(cfg.dataDir, "logs")
	}
	var err error
	if e.accessLogs, err = accesslog.New(accesslog.Config{Dir: logDir, FlushInterval: cfg.accessLogFlush, Plain: cfg.accessLogPlain, Logger: log}); err != nil {
		e.stop()
		return nil, err
	}
	fail := func(err error) (*edgeServer, error) {
		for _, l := range e.listeners() {
			l.Close()
		}
		e.stop()
		return nil, errors.Join(err, e.accessLogs.Close(context.Background()))
	}
	var (
		tlsConfig *tls.Config
		httpsPort int
	)
	if cfg.edgeTLSAddr != "" {
		if tlsConfig, e.reloadCert, err = edgeTLSConfig(cfg, log); err != nil {
			return fail(err)
		}
		if e.tlsLn, err = net.Listen("tcp", cfg.edgeTLSAddr); err != nil {
			return fail(fmt.Errorf("edge TLS listener: %w", err))
		}
		httpsPort = e.tlsLn.Addr().(*net.TCPAddr).Port
	}
	if e.ln, err = net.Listen("tcp", cfg.edgeAddr); err != nil {
		return fail(fmt.Errorf("edge listener: %w", err))
	}
	if e.srv, err = edge.New(edge.Config{States: rep, S3Dir: s3Dir, Metrics: reg, Logger: log, HTTPSPort: httpsPort, CacheBytes: int64(cfg.cacheSize),
		MaxOriginConns: cfg.originConns, OriginConnWait: cfg.originWait, AccessLogs: e.accessLogs, ResponseMemory: int64(cfg.responseMemory)}); err != nil {
		return fail(err)
	}
	go func() { e.errc <- e.srv.Serve(e.ln) }()
	if e.tlsLn != nil {
		go func() { e.errc <- e.srv.ServeTLS(e.tlsLn, tlsConfig) }()
	}
	return e, nil
}

// edgeTLSConfig is the HTTPS listener's configuration: the certificates of
// the --edge-tls-cert/--edge-tls-key pairs, which reload re-reads (serve
// calls it on SIGHUP, so a renewed certificate is served without a
// restart), or a self-signed one made at start for local development
// (localhost and every *.DOMAIN of the distributions). reload is nil for the
// self-signed one. With several pairs, a handshake gets the first
// certificate valid for its SNI name (exact or wildcard), else the first:
// distributions with and without viewer mTLS share the listener.
func edgeTLSConfig(cfg serveConfig, log *slog.Logger) (_ *tls.Config, reload func() error, _ error) {
	if len(cfg.edgeCerts) > 0 {
		var cur atomic.Pointer[[]tls.Certificate]
		reload = func() error {
			certs := make([]tls.Certificate, len(cfg.edgeCerts))
			for i := range certs {
				var err error
				if certs[i], err = tls.LoadX509KeyPair(cfg.edgeCerts[i], cfg.edgeKeys[i]); err != nil {
					return fmt.Errorf("--edge-tls-cert/--edge-tls-key %s: %w", cfg.edgeCerts[i], err)
				}
			}
			cur.Store(&certs)
			return nil
		}
		if err := reload(); err != nil {
			return nil, nil, usageError("%v", err)
		}
		get := func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			certs := *cur.Load()
			for i := range certs {
				if hello.SupportsCertificate(&certs[i]) == nil {
					return &certs[i], nil
				}
			}
			return &certs[0], nil
		}
		return &tls.Config{GetCertificate: get, MinVersion: tls.VersionTLS12}, reload, nil
	}
	cert, err := devcert.New("edgefn development", 365*24*time.Hour, "localhost", "*."+cfg.distDomain, "127.0.0.1", "::1")
	if err != nil {
		return nil, nil, fmt.Errorf("edge TLS certificate: %w", err)
	}
	log.Warn("the HTTPS edge uses a self-signed development certificate: set --edge-tls-cert and --edge-tls-key", "names", cert.Leaf.DNSNames)
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil, nil
}

// reload re-reads what can change without a restart: the HTTPS certificate.
// A certificate that does not load leaves the current one in place.
func (e *edgeServer) reload(log *slog.Logger) {
	if e.reloadCert == nil {
		log.Info("SIGHUP: nothing to reload")
		return
	}
	if err := e.reloadCert(); err != nil {
		log.Error("SIGHUP: the HTTPS certificate was not reloaded", "err", err)
		return
	}
	log.Info("SIGHUP: HTTPS certificate reloaded")
}

// listeners are the edge's open listeners, one per Serve.
func (e *edgeServer) listeners() []net.Listener {
	var ls []net.Listener
	for _, l := range []net.Listener{e.ln, e.tlsLn} {
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

func (e *edgeServer) stop() {
	e.stopReplica()
	<-e.replicaDone
}

// shutdown lets the requests in flight finish, then stops the replica and
// writes the access log lines still in memory.
func (e *edgeServer) shutdown(ctx context.Context) error {
	err := e.srv.Shutdown(ctx)
	for range e.listeners() {
		if serr := <-e.errc; err == nil && !errors.Is(serr, net.ErrClosed) {
			err = serr
		}
	}
	e.stop()
	// Nothing is served any more: write what the access logs hold.
	return errors.Join(err, e.accessLogs.Close(ctx))
}
