package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// Hostile viewers and unauthenticated clients against the real binary: held
// uploads, unsigned uploads, a burst beyond an origin's connection pool,
// heads HTTP refuses, and what the API listener must not give away.

// rss is the server's resident memory, from /proc.
func (s *server) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// originAt starts an origin served by h and returns its port.
func originAt(t *testing.T, h http.HandlerFunc) int {
	t.Helper()
	o := httptest.NewServer(h)
	t.Cleanup(o.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(o.URL, "http://"))
	n, _ := strconv.Atoi(port)
	return n
}

// serving creates a distribution of every method in front of the origin on
// port and waits until the edge serves it; it returns its domain.
func (s *server) serving(t *testing.T, ref string, port int) string {
	t.Helper()
	all := []cftypes.Method{cftypes.MethodGet, cftypes.MethodHead, cftypes.MethodOptions, cftypes.MethodPut, cftypes.MethodPatch, cftypes.MethodPost, cftypes.MethodDelete}
	d, err := s.cloudFront(devAccount).CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin(ref, port,
		&cftypes.DefaultCacheBehavior{
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			AllowedMethods:       &cftypes.AllowedMethods{Quantity: aws.Int32(int32(len(all))), Items: all},
		})})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	domain := aws.ToString(d.Distribution.DomainName)
	eventually(t, 5*time.Second, "the edge serves "+domain, func() (bool, error) {
		return s.view(t, domain, "/ready") == 200, nil
	})
	return domain
}

// view sends a GET for host to the edge and returns the status.
func (s *server) view(t *testing.T, host, path string) int {
	t.Helper()
	req, err := http.NewRequest("GET", s.edgeURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := (&http.Client{Transport: directTransport(), Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// holdUploads opens n connections to addr, each sending head and then sent
// bytes of its declared body, and keeps them open until the test ends. It
// returns once every connection has sent its bytes or been answered.
func holdUploads(t *testing.T, addr string, n int, head string, sent int) {
	t.Helper()
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	var wg sync.WaitGroup
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		wg.Go(func() {
			_ = c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := io.WriteString(c, head); err != nil {
				return
			}
			for left := sent; left > 0; left -= len(chunk) {
				// A server that answered and closed ends the writes.
				if _, err := c.Write(chunk[:min(left, len(chunk))]); err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}

const mib = 1 << 20

// TestHeldUploads: 40 viewers each declare a 20 MiB body and send 4 MiB of
// it, then hold their connections, to an unknown Host and to a distribution
// whose origin takes POSTs. The edge refuses the first without reading, and
// streams the second to the origin: its memory grows by far less than the
// 160 MiB on the wire (it grew by the bodies when it read them whole), and
// it keeps serving.
func TestHeldUploads(t *testing.T) {
	s := startServer(t, serverConfig{})
	var received sync.Map
	port := originAt(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Store(r, n)
	})
	domain := s.serving(t, "held-uploads", port)
	edgeAddr := strings.TrimPrefix(s.edgeURL, "http://")
	const (
		viewers = 40
		sent    = 4 * mib
		bound   = 64 * mib
	)
	for _, tt := range []struct{ name, host string }{
		{"unknown Host", "nobody.example"},
		{"distribution", domain},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.rss(t)
			head := fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", tt.host, 20*mib)
			holdUploads(t, edgeAddr, viewers, head, sent)
			during := s.rss(t)
			t.Logf("RSS %d MiB before, %d MiB with %d uploads of %d MiB held", before/mib, during/mib, viewers, sent/mib)
			if during-before > bound {
				t.Errorf("RSS grew by %d MiB with %d held uploads, bound %d MiB", (during-before)/mib, viewers, bound/mib)
			}
			if status := s.view(t, domain, "/still-serving"); status != 200 {
				t.Errorf("with the uploads held, a GET got %d", status)
			}
		})
	}
}

// TestUnsignedUploads: 50 clients upload 4 MiB bodies to the API without a
// signature, and 50 more with a signature head of a real key that cannot
// match (a forged signature); their connections stay open. The unsigned are
// refused before their bodies are read; the forged ones are read within the
// API's body budget (64 MiB) and the rest answered 503. Memory stays bounded
// and signed calls keep working.
func TestUnsignedUploads(t *testing.T) {
	s := startServer(t, serverConfig{})
	apiAddr := strings.TrimPrefix(s.url, "http://")
	const (
		clients = 50
		size    = 4*mib - 1024
	)
	before := s.rss(t)
	unsigned := fmt.Sprintf("POST /2020-05-31/function HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", apiAddr, size)
	holdUploads(t, apiAddr, clients, unsigned, size-1)
	afterUnsigned := s.rss(t)
	t.Logf("RSS %d MiB before, %d MiB with %d unsigned uploads held", before/mib, afterUnsigned/mib, clients)
	if grown := afterUnsigned - before; grown > 32*mib {
		t.Errorf("RSS grew by %d MiB with %d unsigned uploads held", grown/mib, clients)
	}

	date := time.Now().UTC()
	forged := fmt.Sprintf("POST /2020-05-31/function HTTP/1.1\r\nHost: %s\r\nX-Amz-Date: %s\r\n"+
		"Authorization: AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/cloudfront/aws4_request, SignedHeaders=host;x-amz-date, Signature=%064d\r\n"+
		"Content-Length: %d\r\n\r\n", apiAddr, date.Format("20060102T150405Z"), devAccount.AccessKeyID, date.Format("20060102"), 0, size)
	statuses := make(chan int, clients)
	var wg sync.WaitGroup
	for range clients {
		c, err := net.Dial("tcp", apiAddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		wg.Go(func() {
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			go func() {
				_, _ = io.WriteString(c, forged)
				_, _ = c.Write(make([]byte, size))
			}()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	afterForged := s.rss(t)
	t.Logf("forged uploads: statuses %v; RSS %d MiB", count, afterForged/mib)
	if count[403]+count[503] != clients || count[503] == 0 {
		t.Errorf("statuses %v: want 403 SignatureDoesNotMatch for those read, 503 for the rest", count)
	}
	// The budget, the uploads' buffers and the runtime's slack.
	if grown := afterForged - before; grown > 160*mib {
		t.Errorf("RSS grew by %d MiB with forged uploads", grown/mib)
	}
	if _, err := s.cloudFront(devAccount).ListFunctions(ctx(t), &cloudfront.ListFunctionsInput{}); err != nil {
		t.Errorf("a signed call after the uploads: %v", err)
	}
}

// TestOriginBurst: with a pool of 4 connections per origin, 100 viewers at
// once all get 200 (they wait for a connection; none gets 502), and a
// request that finds every connection held past --origin-conn-wait gets 504.
func TestOriginBurst(t *testing.T) {
	s := startServer(t, serverConfig{args: []string{"--origin-max-conns", "4", "--origin-conn-wait", "3s"}})
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	held := make(chan struct{}, 4)
	port := originAt(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			held <- struct{}{}
			<-release
		} else {
			time.Sleep(10 * time.Millisecond)
		}
		io.WriteString(w, "ok")
	})
	domain := s.serving(t, "burst", port)

	const viewers = 100
	statuses := make(chan int, viewers)
	var wg sync.WaitGroup
	for range viewers {
		wg.Go(func() { statuses <- s.view(t, domain, "/burst") })
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[200] != viewers {
		t.Errorf("burst of %d beyond a pool of 4: statuses %v, want all 200", viewers, count)
	}

	done := make(chan int, 4)
	for range 4 {
		go func() { done <- s.view(t, domain, "/hold") }()
	}
	for range 4 {
		<-held
	}
	start := time.Now()
	late := s.view(t, domain, "/late")
	waited := time.Since(start)
	releaseOnce.Do(func() { close(release) })
	if late != 504 || waited < 3*time.Second {
		t.Errorf("with every connection held: %d after %v, want 504 once the 3s wait expired", late, waited)
	}
	for range 4 {
		if st := <-done; st != 200 {
			t.Errorf("held request: %d", st)
		}
	}
}

// TestHostileHeadsAndListeners: on the real binary, an HTTP version other
// than 1.0/1.1 is 505 and a header name with a space 400; the API listener
// serves no metrics (they are on --metrics-addr); a KeyValueStore key named
// 2020-05-31 is written, read and deleted like any other.
func TestHostileHeadsAndListeners(t *testing.T) {
	s := startServer(t, serverConfig{})
	port := originAt(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	domain := s.serving(t, "heads", port)
	edgeAddr := strings.TrimPrefix(s.edgeURL, "http://")
	for _, tt := range []struct {
		head   string
		status int
	}{
		{"GET / HTTP/9.9\r\nHost: " + domain + "\r\n\r\n", 505},
		{"GET / HTTP/1.1\r\nHost: " + domain + "\r\nX A: b\r\n\r\n", 400},
	} {
		c, err := net.Dial("tcp", edgeAddr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, tt.head)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil || resp.StatusCode != tt.status {
			t.Errorf("%q: %v %v, want %d", tt.head, resp, err, tt.status)
		}
	}

	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || strings.Contains(string(body), "edgefn_") {
		t.Errorf("the API's /metrics: %d %.200s, want 404", resp.StatusCode, body)
	}
	resp, err = http.Get(s.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "edgefn_edge_requests_total") {
		t.Errorf("--metrics-addr: %d %.200s, want the metrics", resp.StatusCode, body)
	}

	arn := createStore(t, s.cloudFront(devAccount), "dates")
	kv := s.keyValueStore(devAccount)
	etag := dataETag(t, kv, arn)
	const key = "2020-05-31"
	put, err := kv.PutKey(ctx(t), &kvsapi.PutKeyInput{KvsARN: aws.String(arn), Key: aws.String(key), Value: aws.String("v"), IfMatch: aws.String(etag)})
	if err != nil {
		t.Fatalf("PutKey %s: %v", key, err)
	}
	got, err := kv.GetKey(ctx(t), &kvsapi.GetKeyInput{KvsARN: aws.String(arn), Key: aws.String(key)})
	if err != nil || aws.ToString(got.Value) != "v" {
		t.Fatalf("GetKey %s: %v %v", key, got, err)
	}
	if _, err := kv.DeleteKey(ctx(t), &kvsapi.DeleteKeyInput{KvsARN: aws.String(arn), Key: aws.String(key), IfMatch: put.ETag}); err != nil {
		t.Fatalf("DeleteKey %s: %v", key, err)
	}
}
