package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api"
	"github.com/edgefn/edgefn/api/cloudfront"
	"github.com/edgefn/edgefn/api/kvs"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/console"
	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/internal/gcpace"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
)

// defaultMetricsAddr is where metrics are served: loopback, on the port of
// the OpenTelemetry Prometheus exporter's convention.
const defaultMetricsAddr = "127.0.0.1:9464"

// The development key pair: documented in README.md and printed at start, so
// `edgefn serve` works with no set-up. It is refused beyond loopback.
const (
	devAccessKeyID     = "AKIAEDGEFNDEVELOPER1"
	devSecretAccessKey = "edgefn-development-secret-do-not-use"
	devAccountID       = "000000000000"
)

type serveConfig struct {
	dataDir     string
	store       string
	apiAddr     string
	edgeAddr    string
	edgeTLSAddr string
	edgeCerts   []string
	edgeKeys    []string
	credentials string
	s3Dir       string
	s3OriginDir string
	distDomain  string
	logLevel    string
	logFormat   string
	debugAddr   string
	metricsAddr string
	cacheSize   byteSize
	// Where distributions' access logs go, how often, compressed or not.
	accessLogDir   string
	accessLogFlush time.Duration
	accessLogPlain bool
	gcHeadroom     byteSize
	// originConns and originWait bound each origin's connection pool and
	// the wait for a free connection in it.
	originConns int
	originWait  time.Duration
	apiBodies   byteSize
	// responseMemory bounds the large responses held for viewers at once.
	responseMemory byteSize
	etcd           etcdConfig
}

func newServeCommand() *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the CloudFront and KeyValueStore APIs (and viewer traffic)",
		Long: `Serves the CloudFront 2020-05-31 API (functions, KeyValueStores,
distributions) and the cloudfront-keyvaluestore data plane on --api-addr, with
state in an embedded database under --data, and viewer traffic on --edge-addr:
the distribution is chosen by Host (its DomainName or an alias), its LIVE
functions run, requests go to its origins. --edge-tls-addr adds an HTTPS
listener for viewers (behaviors that are https-only or redirect-to-https need
it). Prometheus metrics are at /metrics on --metrics-addr (loopback by default:
they name every account's functions and distributions), and the web console at
the API's /console/ (sign in with an access key). Every flag has an EDGEFN_*
environment variable (--api-addr is EDGEFN_API_ADDR).

Credentials: --credentials FILE (a JSON list of {"accessKeyId",
"secretAccessKey", "accountId"}), or EDGEFN_ACCESS_KEY_ID,
EDGEFN_SECRET_ACCESS_KEY and EDGEFN_ACCOUNT_ID. With neither, a development
key pair is used and printed; it only listens on loopback addresses.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.dataDir, "data", "edgefn-data", "directory of the embedded store")
	f.StringVar(&cfg.store, "store", "", "etcd://host:port[,host:port...][/prefix] keeps state in an etcd cluster that many nodes share (default: the embedded store under --data)")
	f.StringVar(&cfg.apiAddr, "api-addr", "127.0.0.1:8080", "listen address of the AWS APIs")
	f.StringVar(&cfg.edgeAddr, "edge-addr", "127.0.0.1:8081", "listen address of the viewer-facing edge")
	f.StringVar(&cfg.edgeTLSAddr, "edge-tls-addr", "", "listen address of the edge for viewers over HTTPS (default: none)")
	f.StringArrayVar(&cfg.edgeCerts, "edge-tls-cert", nil, "PEM certificate chain of the HTTPS edge; repeat with --edge-tls-key for several host names, chosen by SNI (default: a self-signed development certificate)")
	f.StringArrayVar(&cfg.edgeKeys, "edge-tls-key", nil, "PEM private key of the --edge-tls-cert in the same position")
	f.StringVar(&cfg.credentials, "credentials", "", "credentials file (JSON)")
	f.StringVar(&cfg.s3OriginDir, "s3-origin-dir", "", "directory whose BUCKET/KEY files the edge serves for S3 origins (default DATA/s3)")
	f.StringVar(&cfg.distDomain, "distribution-domain", store.DefaultDistributionDomain, "domain that new distributions' DomainName ends with (<id>.DOMAIN)")
	f.StringVar(&cfg.s3Dir, "s3-dir", "", "directory whose BUCKET/KEY files serve KeyValueStore imports (default DATA/s3; unused when AWS_ENDPOINT_URL_S3 is set)")
	f.StringVar(&cfg.logLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&cfg.logFormat, "log-format", "text", "text or json")
	cfg.cacheSize = 256 << 20
	f.Var(&cfg.cacheSize, "cache-size", "memory for the edge's response cache, e.g. 256MiB or 2GiB; 0 caches nothing")
	f.StringVar(&cfg.accessLogDir, "access-log-dir", "", "directory standing for S3 where distributions that enable Logging get their access logs, in BUCKET/PREFIX/ (default DATA/logs)")
	f.DurationVar(&cfg.accessLogFlush, "access-log-flush", time.Minute, "how long access log lines wait in memory before a log file is written (and at shutdown)")
	f.BoolVar(&cfg.accessLogPlain, "access-log-plain", false, "write access log files uncompressed, without CloudFront's .gz")
	cfg.gcHeadroom = 64 << 20
	f.Var(&cfg.gcHeadroom, "gc-headroom", "how much the heap may grow past the live heap between collections when that is more than Go's default (the live heap); 0 keeps Go's default, as does a GOGC variable")
	f.IntVar(&cfg.originConns, "origin-max-conns", 512, "most connections the edge opens to one origin; more requests wait for one")
	f.DurationVar(&cfg.originWait, "origin-conn-wait", 10*time.Second, "longest a request waits for a free connection to its origin (never past the origin's read timeout) before it is answered 504")
	cfg.responseMemory = 1 << 30
	f.Var(&cfg.responseMemory, "edge-response-memory", "memory the edge's large responses (over 64 KiB) may hold at once, as they arrive from origins and while viewers read them, e.g. 1GiB; a response beyond it is answered 503")
	cfg.apiBodies = 64 << 20
	f.Var(&cfg.apiBodies, "api-body-memory", "memory all API request bodies in flight may hold at once, e.g. 64MiB; a request beyond it is answered 503")
	f.StringVar(&cfg.debugAddr, "debug-addr", "", "listen address for Go's profiles at /debug/pprof/ (default: none)")
	f.StringVar(&cfg.metricsAddr, "metrics-addr", defaultMetricsAddr, "listen address of the Prometheus metrics at /metrics, unauthenticated: keep it private (\"\": none)")
	f.StringVar(&cfg.etcd.ca, "etcd-ca", "", "PEM CA certificates that sign the etcd members' certificates: talk to etcd over TLS")
	f.StringVar(&cfg.etcd.cert, "etcd-cert", "", "PEM client certificate for etcd clusters that want one (with --etcd-key; implies TLS)")
	f.StringVar(&cfg.etcd.key, "etcd-key", "", "PEM private key of --etcd-cert")
	f.StringVar(&cfg.etcd.user, "etcd-user", "", "etcd user, for clusters with authentication enabled")
	f.StringVar(&cfg.etcd.password, "etcd-password", "", "password of --etcd-user (better given as EDGEFN_ETCD_PASSWORD)")
	bindEnv(f)
	return cmd
}

// bindEnv gives every flag an EDGEFN_<FLAG> environment variable.
func bindEnv(f *pflag.FlagSet) {
	f.VisitAll(func(fl *pflag.Flag) {
		env := "EDGEFN_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !fl.Changed {
			_ = fl.Value.Set(v)
		}
		fl.Usage += " (env " + env + ")"
	})
}

func newLogger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("--log-level: %v", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, usageError("--log-format %q: want text or json", format)
}

// keyring returns the configured key pairs and whether they are the
// development pair.
func keyring(path string) (*sigv4.Keyring, bool, error) {
	cred := sigv4.Credential{AccessKeyID: devAccessKeyID, SecretAccessKey: devSecretAccessKey, AccountID: devAccountID}
	dev := true
	if path != "" {
		k, err := sigv4.LoadKeyring(path)
		if err != nil {
			return nil, false, usageError("credentials: %v", err)
		}
		return k, false, nil
	}
	id, secret, account := os.Getenv("EDGEFN_ACCESS_KEY_ID"), os.Getenv("EDGEFN_SECRET_ACCESS_KEY"), os.Getenv("EDGEFN_ACCOUNT_ID")
	if id != "" || secret != "" || account != "" {
		cred, dev = sigv4.Credential{AccessKeyID: id, SecretAccessKey: secret, AccountID: account}, false
	}
	k, err := sigv4.NewKeyring(cred)
	if err != nil {
		return nil, false, usageError("EDGEFN_ACCESS_KEY_ID, EDGEFN_SECRET_ACCESS_KEY, EDGEFN_ACCOUNT_ID: %v", err)
	}
	return k, dev, nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func serve(ctx context.Context, cfg serveConfig) error {
	log, err := newLogger(cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	if err := cfg.checkFlags(); err != nil {
		return err
	}
	keys, dev, err := keyring(cfg.credentials)
	if err != nil {
		return err
	}
	if dev && !loopback(cfg.apiAddr) {
		return usageError("refusing to serve the API on %s with the development credentials: set --credentials or EDGEFN_ACCESS_KEY_ID/EDGEFN_SECRET_ACCESS_KEY/EDGEFN_ACCOUNT_ID", cfg.apiAddr)
	}
	if cfg.gcHeadroom > 0 && os.Getenv("GOGC") == "" {
		gcCtx, stopGC := context.WithCancel(ctx)
		defer stopGC()
		go gcpace.Run(gcCtx, uint64(cfg.gcHeadroom), time.Second, log)
	}
	if cfg.debugAddr != "" {
		dsrv, err := startDebug(cfg.debugAddr, log)
		if err != nil {
			return err
		}
		defer dsrv.Close()
	}
	db, err := openBackend(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	limits := edgefn.DefaultLimits()
	st := store.New(db, limits, store.WithDistributionDomain(cfg.distDomain), store.WithLogger(log))
	// The server's metrics registry: the edge's function metrics and the
	// process's, served on --metrics-addr.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var metricsURL string
	if cfg.metricsAddr != "" {
		msrv, url, err := startMetrics(cfg.metricsAddr, reg, log)
		if err != nil {
			return err
		}
		defer msrv.Close()
		metricsURL = url + "/metrics"
	}

	importer, err := newImporter(ctx, cfg)
	if err != nil {
		return err
	}
	engine := runtime.New(runtime.Options{})
	cf := cloudfront.New(cloudfront.Config{
		Store:    st,
		Engine:   cloudfront.RuntimeEngine{Engine: engine},
		Importer: importer,
		Limits:   limits,
		Logger:   log,
	})
	if err := cf.ResumeImports(ctx, keys.Accounts()); err != nil {
		return fmt.Errorf("resume imports: %w", err)
	}
	kv := kvs.New(kvs.Config{Store: st, Limits: limits, Logger: log})
	devKey := ""
	if dev {
		devKey = devAccessKeyID
	}
	web, err := console.New(console.Config{
		Keys:           keys,
		DevAccessKeyID: devKey,
		CloudFront:     cf,
		KeyValueStore:  kv,
		Compiler:       engine,
		Distributions:  st,
		Metrics:        reg,
		Logger:         log,
	})
	if err != nil {
		return err
	}
	handler := api.New(api.Config{
		Verifier:      sigv4.NewVerifier(keys, sigv4.WithLogger(log)),
		CloudFront:    cf,
		KeyValueStore: kv,
		Console:       web,
		Logger:        log,
		Ready:         readiness(db),
		BodyBudget:    int64(cfg.apiBodies),
	})
	viewers, err := startEdge(cfg, st, reg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.apiAddr)
	if err != nil {
		return fmt.Errorf("api listener: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if dev {
		log.Warn("using the development credentials", "access_key_id", devAccessKeyID, "secret_access_key", devSecretAccessKey, "account_id", devAccountID)
	}
	ready := []any{"api", "http://" + ln.Addr().String(), "edge", "http://" + viewers.ln.Addr().String()}
	if viewers.tlsLn != nil {
		ready = append(ready, "edge_tls", "https://"+viewers.tlsLn.Addr().String())
	}
	// Name the store this node really uses: --data means nothing to an etcd node.
	if cfg.store != "" {
		ready = append(ready, "store", cfg.store)
	} else {
		ready = append(ready, "data", cfg.dataDir)
	}
	if metricsURL != "" {
		ready = append(ready, "metrics", metricsURL)
	}
	log.Info("edgefn ready", append(ready, "health", "http://"+ln.Addr().String()+"/healthz", "console", "http://"+ln.Addr().String()+console.Prefix)...)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case err := <-errc:
			return fmt.Errorf("api server: %w", err)
		case err := <-viewers.errc:
			return fmt.Errorf("edge server: %w", err)
		case <-hup:
			viewers.reload(log)
		case <-ctx.Done():
			break wait
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if eerr := viewers.shutdown(shutdownCtx); err == nil {
		err = eerr
	}
	if cerr := cf.Close(shutdownCtx); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// checkFlags refuses, before anything listens, flags that go in pairs but
// were not given so, and pool and memory bounds that would serve nothing.
func (cfg serveConfig) checkFlags() error {
	switch {
	case len(cfg.edgeCerts) != len(cfg.edgeKeys):
		return usageError("--edge-tls-cert and --edge-tls-key come in pairs: %d certificates, %d keys", len(cfg.edgeCerts), len(cfg.edgeKeys))
	case cfg.originConns < 1:
		return usageError("--origin-max-conns %d: want at least 1", cfg.originConns)
	case cfg.originWait <= 0:
		return usageError("--origin-conn-wait %s: want a positive duration", cfg.originWait)
	case cfg.responseMemory < edge.DefaultMaxOriginBodyBytes:
		return usageError("--edge-response-memory %d: want at least %d, the largest origin response", cfg.responseMemory, edge.DefaultMaxOriginBodyBytes)
	case cfg.apiBodies < api.DefaultMaxBodyBytes:
		return usageError("--api-body-memory %d: want at least %d, the largest request body", cfg.apiBodies, api.DefaultMaxBodyBytes)
	}
	return nil
}

// newImporter reads KeyValueStore imports from a real S3 endpoint when one is
// configured the standard AWS way, and from a local directory otherwise.
func newImporter(ctx context.Context, cfg serveConfig) (kvsimport.Opener, error) {
	if os.Getenv("AWS_ENDPOINT_URL_S3") != "" && cfg.s3Dir == "" {
		s3, err := kvsimport.NewS3(ctx, true)
		if err != nil {
			return nil, fmt.Errorf("s3 import source: %w", err)
		}
		return s3, nil
	}
	dir := cfg.s3Dir
	if dir == "" {
		dir = filepath.Join(cfg.dataDir, "s3")
	}
	return kvsimport.Dir(dir), nil
}
