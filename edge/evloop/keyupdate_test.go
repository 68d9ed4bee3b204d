//go:build linux

package evloop

import (
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTLSKeyUpdate: a TLS 1.3 viewer that updates its keys mid-connection
// and asks the edge to update its own (KeyUpdate, update_requested) is
// answered on the loop before and after, under the new keys, and the edge
// updates its own. Go's client
// cannot send a KeyUpdate; OpenSSL's s_client sends one for a line "K"
// (scripts/install-test-deps installs openssl).
func TestTLSKeyUpdate(t *testing.T) {
	_, addr, _ := startTLS(t, &tlsProxy{}, Config{})
	cmd := exec.Command("openssl", "s_client", "-connect", addr, "-servername", "localhost", "-tls1_3", "-crlf", "-msg")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("openssl s_client: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var mu sync.Mutex
	var out strings.Builder
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// waitFor waits until s_client has printed what ok looks for.
	waitFor := func(what string, ok func(printed string) bool) string {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			got := out.String()
			mu.Unlock()
			if ok(got) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited for %s; s_client printed %q, and on stderr %q", what, got, stderr.String())
			}
		}
	}
	answers := func(n int) func(string) bool {
		return func(s string) bool { return strings.Count(s, "TLS localhost TLS 1.3") >= n }
	}
	// keyUpdate: -msg printed a KeyUpdate going out (>>>) or coming in
	// (<<<).
	keyUpdate := func(dir string) func(string) bool {
		return func(s string) bool {
			for _, line := range strings.Split(s, "\n") {
				if strings.HasPrefix(line, dir) && strings.HasSuffix(line, "KeyUpdate") {
					return true
				}
			}
			return false
		}
	}
	// s_client reads each write to its input as one piece: a command
	// only when the piece is the command's line alone.
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(stdin, s); err != nil {
			t.Fatal(err)
		}
	}
	send("GET /tls/before HTTP/1.1\nHost: x\n\n")
	waitFor("the first answer", answers(1))
	send("K\n")
	waitFor("the viewer's KeyUpdate", keyUpdate(">>>"))
	send("GET /tls/after HTTP/1.1\nHost: x\n\n")
	// The edge's own KeyUpdate came before the second answer, under the
	// keys it announces.
	if got := waitFor("the second answer", answers(2)); !keyUpdate("<<<")(got) {
		t.Fatalf("the edge sent no KeyUpdate of its own; s_client printed %q", got)
	}
}
