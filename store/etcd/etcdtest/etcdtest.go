// Package etcdtest runs a real single-member etcd server for tests: the etcd
// binary (Debian's etcd-server package, installed by scripts/install-test-deps)
// on free loopback ports with a data directory of the caller's, started with
// the flags store/etcd documents for large transactions; StartSecured adds
// TLS, client certificates and authentication.
package etcdtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
	// startAttempts covers a port picked free being taken before etcd binds it.
	startAttempts = 3
)

// Server is a running etcd.
type Server struct {
	// Endpoint is the client URL, http://127.0.0.1:PORT, or https:// with TLS.
	Endpoint string
	bin      string
	args     []string
	cmd      *exec.Cmd
	log      *syncBuffer
	done     chan struct{}
	health   *http.Client
}

// TLS makes StartTLS serve clients over TLS.
type TLS struct {
	// CertFile and KeyFile are the server's certificate and key (PEM), for
	// 127.0.0.1.
	CertFile, KeyFile string
	// Client is the client configuration that trusts the server (and, with
	// ClientCAFile, presents a certificate): the health check uses it.
	Client *tls.Config
	// ClientCAFile, when set, makes etcd require client certificates that
	// this CA (PEM) signed.
	ClientCAFile string
}

// Start runs etcd with its data under dir and waits until it is healthy.
// Flags in extra come last, so they override the defaults.
func Start(dir string, extra ...string) (*Server, error) {
	return StartTLS(dir, nil, extra...)
}

// StartTLS is Start with clients served over TLS when t is not nil.
func StartTLS(dir string, t *TLS, extra ...string) (*Server, error) {
	bin, err := exec.LookPath("etcd")
	if err != nil {
		return nil, errors.New("etcdtest: no etcd binary on PATH: run scripts/install-test-deps (it installs Debian's etcd-server)")
	}
	for attempt := 1; ; attempt++ {
		s, err := start(bin, filepath.Join(dir, "etcd"+strconv.Itoa(attempt)), t, extra)
		if !errors.Is(err, errExited) || attempt == startAttempts {
			return s, err
		}
	}
}

// errExited is etcd ending during start-up, most likely on a port taken.
var errExited = errors.New("etcdtest: etcd exited during start-up")

func start(bin, dir string, t *TLS, extra []string) (*Server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if t != nil {
		scheme = "https"
	}
	client := scheme + "://127.0.0.1:" + strconv.Itoa(ports[0])
	peer := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	args := []string{
		"--name", "edgefn-test",
		"--data-dir", dir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", "edgefn-test=" + peer,
		"--logger", "zap",
		"--log-level", "warn",
		// What store/etcd needs beyond etcd's defaults (see its package doc).
		"--max-txn-ops=262144",
		"--max-request-bytes=33554432",
	}
	transport := &http.Transport{Proxy: nil}
	if t != nil {
		args = append(args, "--cert-file", t.CertFile, "--key-file", t.KeyFile)
		if t.ClientCAFile != "" {
			args = append(args, "--client-cert-auth", "--trusted-ca-file", t.ClientCAFile)
		}
		transport.TLSClientConfig = t.Client
	}
	args = append(args, extra...)
	s := &Server{Endpoint: client, bin: bin, args: args, log: &syncBuffer{},
		health: &http.Client{Timeout: time.Second, Transport: transport}}
	if err := s.run(); err != nil {
		return nil, err
	}
	return s, nil
}

// run starts the etcd process and waits until it is healthy.
func (s *Server) run() error {
	s.cmd, s.done = exec.Command(s.bin, s.args...), make(chan struct{})
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("etcdtest: start etcd: %w", err)
	}
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.cmd, s.done)
	if err := s.waitHealthy(); err != nil {
		s.Stop()
		return fmt.Errorf("%w\n%s", err, s.Log())
	}
	return nil
}

// Restart starts a stopped server again, on the same ports and data: what an
// operator's etcd does after an outage.
func (s *Server) Restart() error { return s.run() }

// waitHealthy polls etcd's /health until it reports a leader.
func (s *Server) waitHealthy() error {
	hc := s.health
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errExited
		default:
		}
		resp, err := hc.Get(s.Endpoint + "/health")
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(b.Bytes(), []byte(`"health":"true"`)) {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("etcdtest: etcd not healthy after %v", readyTimeout)
}

// Stop ends etcd (SIGTERM, then SIGKILL) and waits for it.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Log is what etcd wrote so far.
func (s *Server) Log() string { return s.log.String() }

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("etcdtest: pick a port: %w", err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
