package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// clientTimeout bounds one run of another language's SDK tests.
const clientTimeout = 3 * time.Minute

// TestJavaScriptSDK runs the AWS SDK for JavaScript v3 tests in e2e/js (node's
// built-in test runner) against a server started here.
func TestJavaScriptSDK(t *testing.T) {
	if _, err := os.Stat(filepath.Join("js", "node_modules", "@aws-sdk", "client-cloudfront-keyvaluestore")); err != nil {
		t.Fatalf("the JavaScript SDK is not installed in e2e/js/node_modules (%v): run scripts/install-test-deps", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for the JavaScript SDK tests: %v", err)
	}
	files, err := filepath.Glob(filepath.Join("js", "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no js/*.test.mjs files (%v)", err)
	}
	s := startServer(t, serverConfig{})
	out := runClient(t, s, exec.Command(node, append([]string{"--test", "--test-reporter=tap"}, files...)...))
	// The TAP summary guards against a run that passed by running nothing.
	m := regexp.MustCompile(`(?m)^# pass (\d+)$`).FindSubmatch(out)
	if m == nil || string(m[1]) == "0" || !regexp.MustCompile(`(?m)^# fail 0$`).Match(out) {
		t.Fatalf("node --test reported no passing tests or some failures:\n%s", out)
	}
}

// runClient runs cmd, an SDK test program of another language, with the
// server's endpoint and credentials in EDGEFN_E2E_* variables and no AWS
// configuration files, and returns its output; it fails the test with that
// output when cmd fails.
func runClient(t *testing.T, s *server, cmd *exec.Cmd) []byte {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd = exec.CommandContext(c, cmd.Path, cmd.Args[1:]...)
	home := t.TempDir()
	var env []string
	for _, kv := range serverEnv() {
		if !strings.HasPrefix(kv, "AWS_") { // no ambient AWS configuration
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"EDGEFN_E2E_ENDPOINT="+s.url,
		"EDGEFN_E2E_KVS_ENDPOINT=http://kvs.localhost:"+s.port,
		"EDGEFN_E2E_ACCESS_KEY_ID="+devAccount.AccessKeyID,
		"EDGEFN_E2E_SECRET_ACCESS_KEY="+devAccount.SecretAccessKey,
		"EDGEFN_E2E_ACCOUNT_ID="+devAccount.AccountID,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v (timeout %v)\n%s", strconv.Quote(cmd.String()), err, clientTimeout, out)
	}
	return out
}
