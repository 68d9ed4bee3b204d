package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
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

// TestAWSCLI drives the AWS CLI (botocore underneath, its own argument and
// output handling on top) through a create, describe and list.
func TestAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatalf("the AWS CLI is needed for this smoke test: %v", err)
	}
	s := startServer(t, serverConfig{})
	code := filepath.Join(t.TempDir(), "fn.js")
	if err := os.WriteFile(code, []byte("function handler(event) { return event.request; }"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `set -e
export AWS_ACCESS_KEY_ID="$EDGEFN_E2E_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$EDGEFN_E2E_SECRET_ACCESS_KEY" AWS_DEFAULT_REGION=ap-southeast-2
aws --endpoint-url "$EDGEFN_E2E_ENDPOINT" cloudfront create-function --name cli-fn \
  --function-config Comment=from-cli,Runtime=cloudfront-js-2.0 --function-code "fileb://$1" --output json
aws --endpoint-url "$EDGEFN_E2E_ENDPOINT" cloudfront describe-function --name cli-fn --query FunctionSummary.Status --output text
aws --endpoint-url "$EDGEFN_E2E_ENDPOINT" cloudfront list-functions --query 'FunctionList.Items[].Name' --output text`
	out := string(runClient(t, s, exec.Command("/bin/sh", "-c", script, "sh", code)))
	for _, want := range []string{`"ETag": "E`, "UNPUBLISHED", "cli-fn"} {
		if !strings.Contains(out, want) {
			t.Errorf("CLI output lacks %q:\n%s", want, out)
		}
	}
}
