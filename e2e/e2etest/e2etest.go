// Package e2etest is the part of the end-to-end harness that test packages
// under e2e/ share: it builds the real binary, starts `edgefn serve` as a
// process on loopback ports and hands out unmodified AWS SDK clients for it.
package e2etest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/smithy-go"

	"github.com/edgefn/edgefn/api/kvs"
)

// Main builds the binary into a temporary directory, sets *bin to its path
// and runs the package's tests: call it from TestMain.
func Main(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "edgefn-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	*bin = filepath.Join(dir, "edgefn")
	build := exec.Command("go", "build", "-o", *bin, "github.com/edgefn/edgefn/cmd/edgefn")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build ./cmd/edgefn:", err)
		return 1
	}
	return m.Run()
}

// Account is one key pair the server knows and the account it acts for.
type Account struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
}

// DevAccount mirrors the development credentials of cmd/edgefn/serve.go,
// which the server uses when it is given none.
var DevAccount = Account{
	AccessKeyID:     "AKIAEDGEFNDEVELOPER1",
	SecretAccessKey: "edgefn-development-secret-do-not-use",
	AccountID:       "000000000000",
}

// Region is what the Go clients sign CloudFront requests for: not
// us-east-1, because with a custom endpoint the SDKs sign with the client's
// region.
const Region = "us-west-2"

// ReadyTimeout bounds the wait for a started process to serve.
const ReadyTimeout = 30 * time.Second

const (
	stopTimeout = 20 * time.Second
	callTimeout = 60 * time.Second
)

// Config says how to start a server. The zero value is a fresh data
// directory and the development credentials.
type Config struct {
	DataDir  string    // "" means a new t.TempDir()
	S3Dir    string    // --s3-dir; "" leaves the default (DATA/s3)
	Accounts []Account // written to a --credentials file; nil: development pair
	Store    string    // --store; "" keeps the embedded store
	// EdgeCert and EdgeKey are --edge-tls-cert and --edge-tls-key; ""
	// leaves the self-signed development certificate.
	EdgeCert, EdgeKey string
	Args              []string // more flags
}

// Server is one running `edgefn serve` process.
type Server struct {
	t      testing.TB
	Config Config // as started, DataDir resolved
	Cmd    *exec.Cmd
	URL    string // http://127.0.0.1:PORT, read from the "edgefn ready" line
	Port   string
	// EdgeURL and EdgeTLSURL are the edge's listeners for viewers over HTTP
	// and HTTPS (a self-signed development certificate).
	EdgeURL, EdgeTLSURL string
	MetricsURL          string // http://127.0.0.1:PORT/metrics, "" with --metrics-addr=""
	Log                 *LogLines
	done                chan struct{} // closed once the process has exited
	err                 error         // cmd.Wait's result, set before done closes
}

// readyLine matches the line serve logs once it listens, and captures the
// addresses the kernel gave --api-addr, --edge-addr, --edge-tls-addr and
// --metrics-addr.
var readyLine = regexp.MustCompile(`msg="edgefn ready".* api=(http://127\.0\.0\.1:(\d+)) edge=(http://\S+) edge_tls=(https://\S+)(?:.* metrics=(http://\S+))?`)

// Start runs bin's `serve` on free loopback ports and waits until it is
// ready. The process is stopped (SIGTERM, then SIGKILL) when the test ends;
// the server's log is shown if the test failed.
func Start(t testing.TB, bin string, cfg Config) *Server {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	args := []string{"serve", "--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0", "--edge-tls-addr", "127.0.0.1:0",
		"--metrics-addr", "127.0.0.1:0", "--data", cfg.DataDir}
	if cfg.S3Dir != "" {
		args = append(args, "--s3-dir", cfg.S3Dir)
	}
	if cfg.Store != "" {
		args = append(args, "--store", cfg.Store)
	}
	if cfg.EdgeCert != "" {
		args = append(args, "--edge-tls-cert", cfg.EdgeCert, "--edge-tls-key", cfg.EdgeKey)
	}
	args = append(args, cfg.Args...)
	if cfg.Accounts != nil {
		b, err := json.Marshal(cfg.Accounts)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "credentials.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--credentials", path)
	}
	s := &Server{t: t, Config: cfg, Log: newLogLines(), done: make(chan struct{})}
	s.Cmd = exec.Command(bin, args...)
	s.Cmd.Env = Env()
	s.Cmd.Stdout = s.Log
	s.Cmd.Stderr = s.Log
	if err := s.Cmd.Start(); err != nil {
		t.Fatalf("start edgefn: %v", err)
	}
	go func() {
		s.err = s.Cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("edgefn serve log (%s):\n%s", s.URL, s.Log)
		}
		s.Terminate()
	})
	select {
	case m := <-s.Log.ready:
		s.URL, s.Port, s.EdgeURL, s.EdgeTLSURL, s.MetricsURL = m[1], m[2], m[3], m[4], m[5]
	case <-s.done:
		t.Fatalf("edgefn serve exited before it was ready (%v):\n%s", s.err, s.Log)
	case <-time.After(ReadyTimeout):
		t.Fatalf("edgefn serve not ready after %v:\n%s", ReadyTimeout, s.Log)
	}
	return s
}

// Env is this process's environment without the variables that would
// configure the server from outside the test (EDGEFN_*, a real S3 endpoint).
func Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "EDGEFN_") || strings.HasPrefix(kv, "AWS_ENDPOINT_URL") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Stop shuts the server down gracefully (SIGTERM) and fails the test unless
// it exits with status 0.
func (s *Server) Stop() {
	s.t.Helper()
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if s.err != nil {
			s.t.Errorf("edgefn serve after SIGTERM: %v\n%s", s.err, s.Log)
		}
	case <-time.After(stopTimeout):
		s.t.Errorf("edgefn serve still running %v after SIGTERM", stopTimeout)
		s.Kill()
	}
}

// Kill ends the server at once (SIGKILL), as a crash or power cut would.
func (s *Server) Kill() {
	_ = s.Cmd.Process.Kill()
	<-s.done
}

// Terminate ends the process whatever state it is in, for cleanup.
func (s *Server) Terminate() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		s.Kill()
	}
}

// LogLines collects the server's output and reports the ready line.
type LogLines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	ready   chan []string
}

func newLogLines() *LogLines { return &LogLines{ready: make(chan []string, 1)} }

func (l *LogLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		if m := readyLine.FindStringSubmatch(string(l.partial[:i])); m != nil {
			select {
			case l.ready <- m:
			default:
			}
		}
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *LogLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// SDK clients. They never retry: a retry would hide a server fault, and the
// durability test must know exactly which writes were acknowledged.

// CloudFront returns a control-plane client signing as a.
func (s *Server) CloudFront(a Account) *cloudfront.Client {
	return cloudfront.New(cloudfront.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, ""),
		HTTPClient:   &http.Client{Transport: DirectTransport()},
		Retryer:      aws.NopRetryer{},
	})
}

// KeyValueStore returns a data-plane client for the server's IP endpoint.
// The SDK sends to "<account>.127.0.0.1:PORT", which only connects because
// the client is pinned to the server (kvs.PinnedHTTPClient).
func (s *Server) KeyValueStore(a Account) *kvsapi.Client {
	return s.KeyValueStoreAt(a, s.URL)
}

// KeyValueStoreAt returns a data-plane client whose base endpoint is
// endpoint, connecting to the server whatever host name the SDK derives.
func (s *Server) KeyValueStoreAt(a Account, endpoint string) *kvsapi.Client {
	hc, err := kvs.PinnedHTTPClient(s.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	return kvsapi.New(kvsapi.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, ""),
		HTTPClient:   hc,
		Retryer:      aws.NopRetryer{},
	})
}

// DirectTransport never uses a proxy: every server here is on loopback.
func DirectTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return tr
}

// Ctx bounds one test's calls.
func Ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return c
}

// IsA reports whether err wraps a T: the typed exceptions the SDKs raise.
func IsA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// WantAPIError fails the test unless err is the AWS error code with the
// HTTP status, as the SDK surfaced it.
func WantAPIError(t testing.TB, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded; want %s (%d)", code, status)
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("error %v is not an AWS API error; want %s", err, code)
	}
	if api.ErrorCode() != code {
		t.Fatalf("error code %q (%v); want %q", api.ErrorCode(), err, code)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("error %v: HTTP status is not %d", err, status)
	}
	if re.ServiceRequestID() == "" {
		t.Errorf("error %v carries no request id", err)
	}
}
