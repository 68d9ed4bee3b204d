package deploy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api"
	cfapi "github.com/edgefn/edgefn/api/cloudfront"
	"github.com/edgefn/edgefn/api/kvs"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/project"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

// apiServer serves the CloudFront and KeyValueStore APIs over a real store,
// as `edgefn serve` does, and returns SDK clients for it.
func apiServer(t *testing.T) Clients {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	quiet := slog.New(slog.DiscardHandler)
	st := store.New(db, edgefn.DefaultLimits(), store.WithLogger(quiet))
	cred := sigv4.Credential{AccessKeyID: "AKIDDEPLOYTEST", SecretAccessKey: "secret", AccountID: "111122223333"}
	keys, err := sigv4.NewKeyring(cred)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{
		Verifier:      sigv4.NewVerifier(keys),
		CloudFront:    cfapi.New(cfapi.Config{Store: st, Engine: cfapi.RuntimeEngine{Engine: runtime.New(runtime.Options{})}, Logger: quiet}),
		KeyValueStore: kvs.New(kvs.Config{Store: st, Logger: quiet}),
		Logger:        quiet,
	}))
	t.Cleanup(srv.Close)
	pin, err := kvs.PinTransport(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""),
		HTTPClient:  awshttp.NewBuildableClient().WithTransportOptions(pin),
	}
	return Clients{
		CloudFront:    cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
		KeyValueStore: kvsapi.NewFromConfig(cfg, func(o *kvsapi.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
	}
}

func writeProject(t *testing.T, dir string, files map[string]string) *project.Project {
	t.Helper()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := project.Load(filepath.Join(dir, "edgefn.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func deploy(t *testing.T, c Clients, p *project.Project) *Plan {
	t.Helper()
	plan, err := MakePlan(context.Background(), c, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), c, plan); err != nil {
		t.Fatal(err)
	}
	return plan
}

func TestDeploy(t *testing.T) {
	ctx := context.Background()
	c := apiServer(t)
	dir := t.TempDir()
	var items strings.Builder
	items.WriteString(`{"data":[`)
	for i := range 120 {
		if i > 0 {
			items.WriteString(",")
		}
		fmt.Fprintf(&items, `{"key":"k%03d","value":"v%d"}`, i, i)
	}
	items.WriteString("]}")
	p := writeProject(t, dir, map[string]string{
		"edgefn.yaml": "functions:\n  reader:\n    code: reader.js\n    kvs: data\n    comment: reads\n  plain:\n    code: plain.js\nstores:\n  data:\n    data: data.json\n",
		"reader.js":   "import cf from 'cloudfront';\nconst kvs = cf.kvs();\nasync function handler(e) { return e.request; }",
		"plain.js":    "function handler(e) { return e.request; }",
		"data.json":   items.String(),
	})

	first := deploy(t, c, p)
	if got := first.String(); !strings.Contains(got, "+ store data: create, put 120 keys in 3 UpdateKeys batches\n    + \"k000\"\n    + \"k001\"\n") || strings.Count(got, "    + \"k") != 120 ||
		!strings.Contains(got, "+ function reader: create, publish") || !strings.Contains(got, "+ function plain: create, publish") {
		t.Errorf("first plan:\n%s", got)
	}
	// Both functions are LIVE, reader associated with the store, which holds every item.
	store, err := c.CloudFront.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("data")})
	if err != nil {
		t.Fatal(err)
	}
	live, err := c.CloudFront.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("reader"), Stage: cftypes.FunctionStageLive})
	if err != nil {
		t.Fatal(err)
	}
	if a := live.FunctionSummary.FunctionConfig.KeyValueStoreAssociations; a == nil || len(a.Items) != 1 || aws.ToString(a.Items[0].KeyValueStoreARN) != aws.ToString(store.KeyValueStore.ARN) {
		t.Errorf("LIVE reader's stores %+v; want %s", a, aws.ToString(store.KeyValueStore.ARN))
	}
	if got, want := first.Created(), "created store data: "+aws.ToString(store.KeyValueStore.ARN)+"\ncreated function plain: arn:aws:cloudfront::111122223333:function/plain\ncreated function reader: arn:aws:cloudfront::111122223333:function/reader\n"; got != want {
		t.Errorf("created:\n%s\nwant\n%s", got, want)
	}
	have, err := listItems(ctx, c.KeyValueStore, aws.ToString(store.KeyValueStore.ARN))
	if err != nil || len(have) != 120 || have["k007"] != "v7" {
		t.Errorf("store holds %d items (%v)", len(have), err)
	}

	// A second deploy of the same project changes nothing.
	second, err := MakePlan(ctx, c, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !second.Empty() || !strings.Contains(second.String(), "nothing to change") {
		t.Errorf("second plan:\n%s", second)
	}
	before, _ := c.KeyValueStore.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: store.KeyValueStore.ARN})
	if err := Apply(ctx, c, second); err != nil {
		t.Fatal(err)
	}
	after, _ := c.KeyValueStore.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: store.KeyValueStore.ARN})
	if aws.ToString(before.ETag) != aws.ToString(after.ETag) {
		t.Error("an empty plan changed the store's ETag")
	}

	// Changing one item and one function: only those.
	p = writeProject(t, dir, map[string]string{
		"data.json": strings.Replace(items.String(), `"v7"`, `"seven"`, 1),
		"plain.js":  "function handler(e) { e.request.uri = '/x'; return e.request; }",
	})
	third := deploy(t, c, p)
	storeARN := aws.ToString(store.KeyValueStore.ARN)
	if got := third.String(); !strings.Contains(got, "~ store data: put 1 keys, delete 0, in 1 UpdateKeys batches ("+storeARN+")\n    ~ \"k007\"\n") ||
		!strings.Contains(got, "~ function plain: update, publish (arn:aws:cloudfront::111122223333:function/plain)") || !strings.Contains(got, "= function reader: unchanged (arn:aws:cloudfront::111122223333:function/reader)") {
		t.Errorf("third plan:\n%s", got)
	}
	code, err := c.CloudFront.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("plain"), Stage: cftypes.FunctionStageLive})
	if err != nil || !strings.Contains(string(code.FunctionCode), "'/x'") {
		t.Errorf("LIVE plain is %q (%v)", code.FunctionCode, err)
	}
	if plan, err := MakePlan(ctx, c, p, Options{}); err != nil || !plan.Empty() {
		t.Errorf("after the third deploy: %v\n%s", err, plan)
	}
}

func TestDeployRefusesBrokenCode(t *testing.T) {
	c := apiServer(t)
	p := writeProject(t, t.TempDir(), map[string]string{
		"edgefn.yaml": "functions:\n  bad:\n    code: bad.js\n    runtime: cloudfront-js-1.0\n",
		"bad.js":      "function handler(e) {\n  let x = 1;\n  return e.request;\n}",
	})
	_, err := MakePlan(context.Background(), c, p, Options{})
	ce, ok := errors.AsType[*CompileError](err)
	if !ok || !strings.Contains(ce.Report, "bad.js:2:3: SyntaxError: let declarations") {
		t.Fatalf("got %v; want a CompileError with the position", err)
	}
	if _, err := c.CloudFront.DescribeFunction(context.Background(), &cloudfront.DescribeFunctionInput{Name: aws.String("bad")}); err == nil {
		t.Error("the broken function was created")
	}
}

// TestDeployPrune: --prune deletes the functions and stores the project no
// longer names, after the project's own changes, and says so in the plan;
// without it they stay.
func TestDeployPrune(t *testing.T) {
	ctx := context.Background()
	c := apiServer(t)
	dir := t.TempDir()
	p := writeProject(t, dir, map[string]string{
		"edgefn.yaml": "functions:\n  keep:\n    code: f.js\n  old:\n    code: f.js\n    kvs: olddata\nstores:\n  olddata:\n    data: data.json\n",
		"f.js":        "function handler(e) { return e.request; }",
		"data.json":   `{"data":[{"key":"a","value":"1"}]}`,
	})
	deploy(t, c, p)
	p = writeProject(t, dir, map[string]string{"edgefn.yaml": "functions:\n  keep:\n    code: f.js\n"})
	kept, err := MakePlan(ctx, c, p, Options{})
	if err != nil || !kept.Empty() {
		t.Fatalf("without --prune: %v\n%s", err, kept)
	}
	plan, err := MakePlan(ctx, c, p, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	got := plan.String()
	if !strings.Contains(got, "- function old: delete, not in the project (arn:aws:cloudfront::111122223333:function/old)\n") || !strings.Contains(got, "- store olddata: delete, not in the project (arn:aws:cloudfront::111122223333:key-value-store/") || strings.Contains(got, "- function keep") {
		t.Errorf("prune plan:\n%s", got)
	}
	if err := Apply(ctx, c, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CloudFront.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("old")}); !isA[*cftypes.NoSuchFunctionExists](err) {
		t.Errorf("old function after prune: %v", err)
	}
	if _, err := c.CloudFront.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("olddata")}); !isA[*cftypes.EntityNotFound](err) {
		t.Errorf("old store after prune: %v", err)
	}
	if _, err := c.CloudFront.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("keep")}); err != nil {
		t.Errorf("the project's function: %v", err)
	}
	if again, err := MakePlan(ctx, c, p, Options{Prune: true}); err != nil || !again.Empty() {
		t.Errorf("after pruning: %v\n%s", err, again)
	}
}

// TestDeployUnusableInput: a store or function file that cannot be used is
// an InputError (exit 2), and nothing is deployed.
func TestDeployUnusableInput(t *testing.T) {
	c := apiServer(t)
	for name, files := range map[string]map[string]string{
		"bad store file":      {"edgefn.yaml": "functions:\n  f:\n    code: f.js\n    kvs: s\nstores:\n  s:\n    data: data.json\n", "f.js": "function handler(e) { return e.request; }", "data.json": `{"data":[{"key":"a"}]}`},
		"missing store file":  {"edgefn.yaml": "stores:\n  s:\n    data: absent.json\n"},
		"missing code":        {"edgefn.yaml": "functions:\n  f:\n    code: absent.js\n"},
		"connection function": {"edgefn.yaml": "functions:\n  gate:\n    code: g.js\n    kind: connection\n", "g.js": "function connectionHandler(c) { c.allow(); }"},
	} {
		_, err := MakePlan(context.Background(), c, writeProject(t, t.TempDir(), files), Options{})
		if !isA[*InputError](err) {
			t.Errorf("%s: %v; want an InputError", name, err)
		}
	}
}

func isA[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}
