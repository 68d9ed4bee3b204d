package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPythonSDK is a smoke test with a third client, boto3, on the CloudFront
// control plane (botocore signs SigV4 with its own region and sends no
// Content-Type). boto3's KeyValueStore client needs awscrt for SigV4A, which
// cannot be installed on these machines, so the data plane is not tested here.
func TestPythonSDK(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed for the boto3 smoke test: %v", err)
	}
	if out, err := exec.Command(python, "-c", "import boto3").CombinedOutput(); err != nil {
		t.Fatalf("boto3 is needed for the smoke test (pip install boto3): %v\n%s", err, out)
	}
	s := startServer(t, serverConfig{})
	out := runClient(t, s, exec.Command(python, "python/cloudfront_smoke.py"))
	if !strings.Contains(string(out), "boto3 smoke: ok") {
		t.Fatalf("the smoke script did not finish:\n%s", out)
	}
}
