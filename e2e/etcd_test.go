package e2e

import (
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn/store/etcd/etcdtest"
)

// TestTwoNodesOnEtcd runs two servers on one etcd cluster: what is written
// through one node's APIs is read through the other's, and the two refuse a
// stale ETag between them as one server would.
func TestTwoNodesOnEtcd(t *testing.T) {
	cluster, err := etcdtest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Stop)
	storeURL := "etcd://" + strings.TrimPrefix(cluster.Endpoint, "http://") + "/e2e"
	a, b := startServer(t, serverConfig{store: storeURL}), startServer(t, serverConfig{store: storeURL})
	cfA, cfB := a.cloudFront(devAccount), b.cloudFront(devAccount)
	c := ctx(t)

	// A function created and published through A.
	code := taggingCode("two-nodes")
	devETag := createFunction(t, cfA, "shared", code, functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	if _, err := cfA.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("shared"), IfMatch: aws.String(devETag)}); err != nil {
		t.Fatalf("PublishFunction through A: %v", err)
	}
	live, err := cfA.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String("shared"), Stage: cftypes.FunctionStageLive})
	if err != nil {
		t.Fatalf("DescribeFunction LIVE through A: %v", err)
	}
	for _, tt := range []struct {
		stage cftypes.FunctionStage
		etag  string
	}{
		{cftypes.FunctionStageDevelopment, devETag},
		{cftypes.FunctionStageLive, aws.ToString(live.ETag)},
	} {
		desc, err := cfB.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String("shared"), Stage: tt.stage})
		if err != nil {
			t.Fatalf("DescribeFunction %s through B: %v", tt.stage, err)
		}
		if got := aws.ToString(desc.ETag); got != tt.etag || desc.FunctionSummary.FunctionMetadata.Stage != tt.stage {
			t.Errorf("B describes %s with ETag %q, stage %s; A gave %q", tt.stage, got, desc.FunctionSummary.FunctionMetadata.Stage, tt.etag)
		}
		checkCode(t, cfB, "shared", tt.stage, code, tt.etag)
	}

	// A key written through A's data plane, read through B's.
	arn := createStore(t, cfA, "shared-kvs")
	dataA, dataB := a.keyValueStore(devAccount), b.keyValueStore(devAccount)
	put, err := dataA.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("greeting"), Value: aws.String("hello from A"), IfMatch: aws.String(dataETag(t, dataA, arn))})
	if err != nil {
		t.Fatalf("PutKey through A: %v", err)
	}
	got, err := dataB.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arn, Key: aws.String("greeting")})
	if err != nil || aws.ToString(got.Value) != "hello from A" {
		t.Fatalf("GetKey through B = %v, %v; want hello from A", got, err)
	}
	if etag := dataETag(t, dataB, arn); etag != aws.ToString(put.ETag) {
		t.Errorf("B's data ETag %q, A's PutKey returned %q", etag, aws.ToString(put.ETag))
	}

	// One ETag, one write each through A and B at once: exactly one lands.
	var (
		wg   sync.WaitGroup
		errs [2]error
	)
	for i, data := range []*kvsapi.Client{dataA, dataB} {
		wg.Go(func() {
			_, errs[i] = data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("race"), Value: aws.String(string(rune('A' + i))), IfMatch: put.ETag})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !isA[*kvstypes.ConflictException](err):
			t.Errorf("losing PutKey: %v; want ConflictException", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of two PutKeys with one ETag succeeded across the nodes; want 1 (%v)", won, errs)
	}
}

// TestNodeOnSecuredEtcd: serve reaches an etcd member that serves TLS,
// wants client certificates and has authentication on, with the --etcd-*
// flags, and works through it; with a wrong password it does not start.
func TestNodeOnSecuredEtcd(t *testing.T) {
	cluster, sec, err := etcdtest.StartSecured(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Stop)
	storeURL := "etcd://" + strings.TrimPrefix(cluster.Endpoint, "https://") + "/secured"
	flags := []string{"--store", storeURL, "--etcd-ca", sec.CAFile, "--etcd-cert", sec.CertFile, "--etcd-key", sec.KeyFile, "--etcd-user", sec.User}
	s := startServer(t, serverConfig{args: append(flags, "--etcd-password", sec.Password)})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	etag := createFunction(t, cf, "over-tls", taggingCode("tls"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	if _, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("over-tls"), IfMatch: aws.String(etag)}); err != nil {
		t.Fatalf("PublishFunction with the store on secured etcd: %v", err)
	}

	// The wrong password: serve says so and exits.
	out, err := exec.Command(edgefnBin, append([]string{"serve", "--api-addr", "127.0.0.1:0", "--edge-addr", "127.0.0.1:0",
		"--etcd-password", "wrong"}, flags...)...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "authentication failed") {
		t.Errorf("serve with a wrong etcd password: %v\n%s", err, out)
	}
}
