package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestAWSCLIDocumentedExamples runs the AWS CLI's documented examples of the
// function and distribution operations, in the order a user follows them:
// create, describe, publish and test a function; create a distribution from
// --origin-domain-name; get its config, disable it by editing that config
// (the documented update workflow) and delete it. The config read back must
// be complete enough to be sent again unchanged.
func TestAWSCLIDocumentedExamples(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Fatalf("the AWS CLI is needed for this smoke test: %v", err)
	}
	s := startServer(t, serverConfig{})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "function.js"), []byte("function handler(event) { console.log('rewriting'); event.request.uri = '/index.html'; return event.request; }"))
	writeFile(t, filepath.Join(dir, "event.json"), viewerRequest("/"))
	script := `set -eu
export AWS_ACCESS_KEY_ID="$EDGEFN_E2E_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$EDGEFN_E2E_SECRET_ACCESS_KEY" AWS_DEFAULT_REGION=us-east-1
cf() { aws --endpoint-url "$EDGEFN_E2E_ENDPOINT" cloudfront "$@"; }
cd "$1"
cf create-function --name MaxAge --function-config Comment="Max Age 2 years",Runtime="cloudfront-js-2.0" --function-code fileb://function.js >/dev/null
etag=$(cf describe-function --name MaxAge --query ETag --output text)
cf publish-function --name MaxAge --if-match "$etag" --query FunctionSummary.FunctionMetadata.Stage --output text
live=$(cf describe-function --name MaxAge --stage LIVE --query ETag --output text)
[ "$live" = "$etag" ] && echo "live etag: same"
cf test-function --name MaxAge --if-match "$etag" --event-object fileb://event.json --query 'TestResult.[FunctionExecutionLogs, FunctionOutput]' --output json > test.json
cat test.json
cf create-distribution --origin-domain-name amzn-s3-demo-bucket.s3.amazonaws.com --default-root-object index.html --query Distribution.Id --output text > id
id=$(cat id)
cf get-distribution-config --id "$id" > config.json
python3 -c '
import json
doc = json.load(open("config.json"))
cfg = doc["DistributionConfig"]
for key in ("OriginGroups", "CacheBehaviors", "CustomErrorResponses", "Aliases", "Restrictions", "ViewerCertificate"):
    assert key in cfg, key
assert cfg["DefaultCacheBehavior"]["AllowedMethods"]["CachedMethods"]["Quantity"] == 2, cfg
cfg["Enabled"] = False
json.dump(cfg, open("disabled.json", "w"))
print("config etag:", doc["ETag"] != "")
open("etag", "w").write(doc["ETag"])
'
cf update-distribution --id "$id" --distribution-config file://disabled.json --if-match "$(cat etag)" --query Distribution.DistributionConfig.Enabled --output text
etag=$(cf get-distribution --id "$id" --query ETag --output text)
cf delete-distribution --id "$id" --if-match "$etag"
cf get-distribution --id "$id" 2>&1 | grep -o NoSuchDistribution || true`
	out := string(runClient(t, s, exec.Command("/bin/sh", "-c", script, "sh", dir)))
	for _, want := range []string{"LIVE", "live etag: same", `"rewriting"`, `\"uri\":\"/index.html\"`, "config etag: True", "False", "NoSuchDistribution"} {
		if !strings.Contains(out, want) {
			t.Errorf("CLI output lacks %q:\n%s", want, out)
		}
	}
	var result []json.RawMessage
	var logs []string
	b, err := os.ReadFile(filepath.Join(dir, "test.json"))
	if err != nil || json.Unmarshal(b, &result) != nil || len(result) != 2 || json.Unmarshal(result[0], &logs) != nil || !slices.Equal(logs, []string{"rewriting"}) {
		t.Errorf("test-function [FunctionExecutionLogs, FunctionOutput] = %s (%v); want the function's one log line", b, err)
	}
}
