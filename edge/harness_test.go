package edge_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api"
	cfapi "github.com/edgefn/edgefn/api/cloudfront"
	"github.com/edgefn/edgefn/api/kvs"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/edge/accesslog"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

const (
	account = "123456789012"
	keyID   = "AKIAEDGETEST00000001"
	secret  = "edge-test-secret"
	// waitFor bounds every wait for a change to reach the edge.
	waitFor = 5 * time.Second
)

// env is edgefn in one process: the store, the real API behind signature
// checks, the replica and the edge, plus origins. Tests configure it only
// through the AWS SDK clients, as users do, and talk to the edge over HTTP.
type env struct {
	t       *testing.T
	st      *store.Store
	rep     *replica.Replica
	cf      *cloudfront.Client
	kvs     *kvsapi.Client
	apiURL  string
	edgeURL string
	// metricsURL serves the registry, as serve's --metrics-addr does.
	metricsURL string
	// tlsURL is the edge's HTTPS listener, by a name its certificate holds.
	tlsURL string
	s3Dir  string
	logs   *syncBuffer
	// accessLogs writes distributions' access logs under logDir; the
	// tests flush it.
	accessLogs *accesslog.Writer
	logDir     string
	viewer     *http.Client
	// srv is the edge, for the tests that drive its loop handler directly.
	srv *edge.Server
}

// syncBuffer collects log lines from concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log records written so far.
func (b *syncBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(b.buf.Bytes(), []byte("\n")) {
		var m map[string]any
		if json.Unmarshal(l, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// envOption changes how newEnv serves: the edge's configuration, or the
// path plain-HTTP viewers take.
type envOption struct {
	config func(*edge.Config)
	path   viewerPath
}

// viewerPath is the server plain-HTTP viewers get.
type viewerPath uint8

const (
	// pathDefault: Serve's (the event loops on Linux), or the goroutine
	// server with -goroutines.
	pathDefault viewerPath = iota
	pathLoop
	pathGoroutines
)

// onLoop serves viewers with Serve and ServeTLS (the event loops on Linux),
// whatever -goroutines says.
var onLoop = envOption{path: pathLoop}

// onGoroutines serves viewers (HTTP and HTTPS) with the goroutine server,
// which serves the connections the loops hand off and every viewer off
// Linux.
var onGoroutines = envOption{path: pathGoroutines}

// withConfig changes the edge's configuration.
func withConfig(f func(*edge.Config)) envOption { return envOption{config: f} }

// allOnGoroutines runs every test's edge on the goroutine server (go test
// -goroutines), not the event loops.
var allOnGoroutines = flag.Bool("goroutines", false, "serve viewers (HTTP and HTTPS) with the goroutine server in every test, not the event loops")

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	limits := edgefn.DefaultLimits()
	st := store.New(db, limits, store.WithDistributionDomain("edge.test"))
	keys, err := sigv4.NewKeyring(sigv4.Credential{AccessKeyID: keyID, SecretAccessKey: secret, AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := prometheus.NewRegistry()
	cf := cfapi.New(cfapi.Config{Store: st, Engine: cfapi.RuntimeEngine{Engine: runtime.New(runtime.Options{})}, Limits: limits, Logger: log})
	apiSrv := httptest.NewServer(api.New(api.Config{
		Verifier:      sigv4.NewVerifier(keys),
		CloudFront:    cf,
		KeyValueStore: kvs.New(kvs.Config{Store: st, Limits: limits, Logger: log}),
		Logger:        log,
	}))
	metricsSrv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	rep := replica.New(st, runtime.New(edge.RuntimeOptions()), log)
	ctx, stopReplica := context.WithCancel(context.Background())
	replicaDone := make(chan struct{})
	go func() {
		defer close(replicaDone)
		rep.Run(ctx)
	}()
	e := &env{t: t, st: st, rep: rep, apiURL: apiSrv.URL, metricsURL: metricsSrv.URL, s3Dir: t.TempDir(), logs: logs, logDir: t.TempDir()}
	e.accessLogs, err = accesslog.New(accesslog.Config{Dir: e.logDir, FlushInterval: time.Hour, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsPort := tlsLn.Addr().(*net.TCPAddr).Port
	cert := originCert(t)
	cfg := edge.Config{States: rep, S3Dir: e.s3Dir, Metrics: reg, Logger: log, Location: "TST1",
		OriginTLS: &tls.Config{RootCAs: cert.roots}, HTTPSPort: tlsPort, CacheBytes: 64 << 20, AccessLogs: e.accessLogs}
	goroutines := *allOnGoroutines
	for _, o := range opts {
		if o.config != nil {
			o.config(&cfg)
		}
		if o.path != pathDefault {
			goroutines = o.path == pathGoroutines
		}
	}
	srv, err := edge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	served, servedTLS := make(chan error, 1), make(chan error, 1)
	serve, serveTLS := srv.Serve, srv.ServeTLS
	if goroutines {
		serve, serveTLS = srv.ServeGoroutines, srv.ServeTLSGoroutines
	}
	go func() { served <- serve(ln) }()
	go func() { servedTLS <- serveTLS(tlsLn, &tls.Config{Certificates: []tls.Certificate{cert.cert}}) }()
	e.edgeURL = "http://" + ln.Addr().String()
	e.tlsURL = "https://localhost:" + strconv.Itoa(tlsPort)
	e.viewer = &http.Client{
		Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 64, TLSClientConfig: &tls.Config{RootCAs: cert.roots}},
		// Redirects are the viewer's business, not the test's.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	t.Cleanup(func() {
		e.viewer.CloseIdleConnections()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("edge shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("edge Serve: %v", err)
		}
		if err := <-servedTLS; err != nil {
			t.Errorf("edge ServeTLS: %v", err)
		}
		if err := e.accessLogs.Close(sctx); err != nil {
			t.Errorf("access logs: %v", err)
		}
		stopReplica()
		<-replicaDone
		apiSrv.Close()
		metricsSrv.Close()
		if err := cf.Close(sctx); err != nil {
			t.Error(err)
		}
		db.Close()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.buf.String())
		}
	})

	creds := credentials.NewStaticCredentialsProvider(keyID, secret, "")
	e.cf = cloudfront.New(cloudfront.Options{
		BaseEndpoint: aws.String(apiSrv.URL), Region: "us-west-2", Credentials: creds, RetryMaxAttempts: 1,
	})
	hc, err := kvs.PinnedHTTPClient(apiSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e.kvs = kvsapi.New(kvsapi.Options{
		BaseEndpoint: aws.String(apiSrv.URL), Region: "us-east-1", Credentials: creds, HTTPClient: hc, Retryer: aws.NopRetryer{},
	})
	select {
	case <-rep.Ready():
	case <-time.After(waitFor):
		t.Fatal("replica not ready")
	}
	return e
}

// overTLS is e with its requests sent to the edge's HTTPS listener.
func (e *env) overTLS() *env {
	c := *e
	c.edgeURL = e.tlsURL
	return &c
}

// sync waits until the edge serves the store's current state.
func (e *env) sync() {
	e.t.Helper()
	snap, err := e.st.Snapshot(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(waitFor)
	for e.rep.State().Rev < snap.Rev {
		if time.Now().After(deadline) {
			e.t.Fatalf("edge at revision %d, store at %d", e.rep.State().Rev, snap.Rev)
		}
		time.Sleep(time.Millisecond)
	}
}

// function creates (or updates) and publishes a cloudfront-js-2.0 function
// and returns its ARN; kvsARN associates a store.
func (e *env) function(name, code string, kvsARN ...string) string {
	e.t.Helper()
	arn, err := e.publish(name, code, kvsARN...)
	if err != nil {
		e.t.Fatal(err)
	}
	return arn
}

// publish is function without failing the test (for goroutines).
func (e *env) publish(name, code string, kvsARN ...string) (string, error) {
	ctx := e.t.Context()
	cfg := &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20}
	if len(kvsARN) > 0 {
		cfg.KeyValueStoreAssociations = &types.KeyValueStoreAssociations{Quantity: aws.Int32(1),
			Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(kvsARN[0])}}}
	}
	var etag *string
	if d, err := e.cf.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String(name)}); err == nil {
		out, err := e.cf.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String(name), IfMatch: d.ETag, FunctionCode: []byte(code), FunctionConfig: cfg})
		if err != nil {
			return "", fmt.Errorf("UpdateFunction %s: %w", name, err)
		}
		etag = out.ETag
	} else {
		out, err := e.cf.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code), FunctionConfig: cfg})
		if err != nil {
			return "", fmt.Errorf("CreateFunction %s: %w", name, err)
		}
		etag = out.ETag
	}
	out, err := e.cf.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: etag})
	if err != nil {
		return "", fmt.Errorf("PublishFunction %s: %w", name, err)
	}
	return *out.FunctionSummary.FunctionMetadata.FunctionARN, nil
}

// store creates a KeyValueStore with items and returns its ARN.
func (e *env) store(name string, items map[string]string) string {
	e.t.Helper()
	out, err := e.cf.CreateKeyValueStore(e.t.Context(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name)})
	if err != nil {
		e.t.Fatal(err)
	}
	arn := *out.KeyValueStore.ARN
	e.putKeys(arn, items)
	return arn
}

func (e *env) putKeys(arn string, items map[string]string) {
	e.t.Helper()
	if err := e.tryPutKeys(arn, items); err != nil {
		e.t.Fatal(err)
	}
}

// tryPutKeys is putKeys without failing the test (for goroutines).
func (e *env) tryPutKeys(arn string, items map[string]string) error {
	ctx := e.t.Context()
	d, err := e.kvs.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: aws.String(arn)})
	if err != nil {
		return err
	}
	var puts []kvstypes.PutKeyRequestListItem
	for k, v := range items {
		puts = append(puts, kvstypes.PutKeyRequestListItem{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := e.kvs.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: aws.String(arn), IfMatch: d.ETag, Puts: puts}); err != nil {
		return fmt.Errorf("UpdateKeys: %w", err)
	}
	return nil
}

// behaviorFns associates viewer-request and viewer-response functions ("" for none).
func behaviorFns(viewerRequest, viewerResponse string) *types.FunctionAssociations {
	fa := &types.FunctionAssociations{}
	if viewerRequest != "" {
		fa.Items = append(fa.Items, types.FunctionAssociation{EventType: types.EventTypeViewerRequest, FunctionARN: aws.String(viewerRequest)})
	}
	if viewerResponse != "" {
		fa.Items = append(fa.Items, types.FunctionAssociation{EventType: types.EventTypeViewerResponse, FunctionARN: aws.String(viewerResponse)})
	}
	fa.Quantity = aws.Int32(int32(len(fa.Items)))
	return fa
}

// distribution creates a distribution whose default behavior goes to the
// first origin and waits until the edge serves it.
func (e *env) distribution(ref string, fns *types.FunctionAssociations, origins []types.Origin, mutate ...func(*types.DistributionConfig)) *types.Distribution {
	e.t.Helper()
	cfg := &types.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String(""),
		Enabled:         aws.Bool(true),
		Origins:         &types.Origins{Quantity: aws.Int32(int32(len(origins))), Items: origins},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       origins[0].Id,
			ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
			FunctionAssociations: fns,
		},
	}
	for _, m := range mutate {
		m(cfg)
	}
	out, err := e.cf.CreateDistribution(e.t.Context(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		e.t.Fatalf("CreateDistribution: %v", err)
	}
	e.sync()
	return out.Distribution
}

// allMethods are AllowedMethods with every method (CloudFront allows GET and
// HEAD unless told otherwise).
func allMethods() *types.AllowedMethods {
	all := []types.Method{types.MethodGet, types.MethodHead, types.MethodOptions, types.MethodPut, types.MethodPatch, types.MethodPost, types.MethodDelete}
	return &types.AllowedMethods{Quantity: aws.Int32(int32(len(all))), Items: all}
}

// reply is a viewer's response, body read.
type reply struct {
	status int
	reason string // the status line's reason phrase
	header http.Header
	body   string
}

// received decodes the origin echo in the body.
func (r reply) received(t *testing.T) received {
	t.Helper()
	var got received
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("response %d is no origin echo: %v\n%s", r.status, err, r.body)
	}
	return got
}

// get sends a viewer request for host and target ("/path?query").
func (e *env) get(host, target string, header ...string) reply {
	e.t.Helper()
	return e.do("GET", host, target, "", header...)
}

func (e *env) do(method, host, target, body string, header ...string) reply {
	e.t.Helper()
	r, err := e.try(method, host, target, body, header...)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// try is do without failing the test (for goroutines).
func (e *env) try(method, host, target, body string, header ...string) (reply, error) {
	req, err := http.NewRequest(method, e.edgeURL+target, strings.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	req.Host = host
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := e.viewer.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	reason := strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)+" ")
	return reply{status: resp.StatusCode, reason: reason, header: resp.Header, body: string(data)}, nil
}

// metrics returns the metrics text.
func (e *env) metrics() string {
	e.t.Helper()
	resp, err := http.Get(e.metricsURL)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
