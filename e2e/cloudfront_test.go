package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// TestFunctionLifecycle walks one function through every operation, with
// real signatures, and checks what each answer says about the two stages.
func TestFunctionLifecycle(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	c := ctx(t)

	storeARN := createStore(t, cf, "greetings")
	if _, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &storeARN, Key: aws.String("greeting"), Value: aws.String("hello"), IfMatch: aws.String(dataETag(t, data, storeARN))}); err != nil {
		t.Fatalf("PutKey: %v", err)
	}

	const name = "lifecycle"
	arn := "arn:aws:cloudfront::" + devAccount.AccountID + ":function/" + name
	v1 := kvsReaderCode("greeting", "v1")
	created, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{
		Name: aws.String(name), FunctionCode: v1, FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, storeARN),
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	devETag := aws.ToString(created.ETag)
	if devETag == "" || !strings.HasSuffix(aws.ToString(created.Location), arn) {
		t.Errorf("CreateFunction ETag %q, Location %q; want an ETag and a Location ending in %s", devETag, aws.ToString(created.Location), arn)
	}
	checkSummary(t, "CreateFunction", created.FunctionSummary, name, cftypes.FunctionStageDevelopment, storeARN)
	if got := aws.ToString(created.FunctionSummary.Status); got != "UNPUBLISHED" {
		t.Errorf("CreateFunction Status %q; want UNPUBLISHED", got)
	}
	if got := aws.ToString(created.FunctionSummary.FunctionMetadata.FunctionARN); got != arn {
		t.Errorf("FunctionARN %q; want %q", got, arn)
	}

	desc, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeFunction: %v", err)
	}
	if aws.ToString(desc.ETag) != devETag {
		t.Errorf("DescribeFunction ETag %q; CreateFunction said %q", aws.ToString(desc.ETag), devETag)
	}
	checkSummary(t, "DescribeFunction", desc.FunctionSummary, name, cftypes.FunctionStageDevelopment, storeARN)
	_, err = cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageLive})
	wantAPIError(t, err, "NoSuchFunctionExists", 404) // nothing published yet
	checkCode(t, cf, name, cftypes.FunctionStageDevelopment, v1, devETag)

	// UpdateFunction's ETag travels in the header the model misspells "ETtag".
	v2 := kvsReaderCode("greeting", "v2")
	devETag = updateFunction(t, cf, name, devETag, v2, storeARN)
	checkCode(t, cf, name, cftypes.FunctionStageDevelopment, v2, devETag)
	if h := testFunction(t, cf, name, devETag, cftypes.FunctionStageDevelopment); h["x-kvs"] != "hello" || h["x-tag"] != "v2" {
		t.Errorf("TestFunction DEVELOPMENT headers %v; want x-kvs hello, x-tag v2", h)
	}

	pub, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: aws.String(devETag)})
	if err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}
	checkSummary(t, "PublishFunction", pub.FunctionSummary, name, cftypes.FunctionStageLive, storeARN)
	live, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageLive})
	if err != nil {
		t.Fatalf("DescribeFunction LIVE: %v", err)
	}
	liveETag := aws.ToString(live.ETag)
	if liveETag != devETag {
		t.Errorf("LIVE ETag %q; want the DEVELOPMENT one it was published from, %q", liveETag, devETag)
	}
	checkCode(t, cf, name, cftypes.FunctionStageLive, v2, liveETag)

	// A new DEVELOPMENT copy leaves LIVE as published.
	devETag = updateFunction(t, cf, name, devETag, kvsReaderCode("greeting", "v3"), storeARN)
	for _, tt := range []struct {
		stage   cftypes.FunctionStage
		etag    string
		wantTag string
	}{
		{cftypes.FunctionStageDevelopment, devETag, "v3"},
		{cftypes.FunctionStageLive, devETag, "v2"},
		{cftypes.FunctionStageLive, liveETag, "v2"},
	} {
		if h := testFunction(t, cf, name, tt.etag, tt.stage); h["x-kvs"] != "hello" || h["x-tag"] != tt.wantTag {
			t.Errorf("TestFunction %s (If-Match %s) headers %v; want x-kvs hello, x-tag %s", tt.stage, tt.etag, h, tt.wantTag)
		}
	}

	createFunction(t, cf, "lifecycle-other", taggingCode("other"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	for _, tt := range []struct {
		stage cftypes.FunctionStage
		want  []string
	}{
		{"", []string{"lifecycle/DEVELOPMENT", "lifecycle/LIVE", "lifecycle-other/DEVELOPMENT"}},
		{cftypes.FunctionStageDevelopment, []string{"lifecycle/DEVELOPMENT", "lifecycle-other/DEVELOPMENT"}},
		{cftypes.FunctionStageLive, []string{"lifecycle/LIVE"}},
	} {
		if got := listFunctions(t, cf, tt.stage); !sameSet(got, tt.want) {
			t.Errorf("ListFunctions Stage=%q (one per page) = %v; want %v", tt.stage, got, tt.want)
		}
	}

	if _, err := cf.DeleteFunction(c, &cloudfront.DeleteFunctionInput{Name: aws.String(name), IfMatch: aws.String(devETag)}); err != nil {
		t.Fatalf("DeleteFunction: %v", err)
	}
	for _, stage := range []cftypes.FunctionStage{cftypes.FunctionStageDevelopment, cftypes.FunctionStageLive} {
		_, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: stage})
		wantAPIError(t, err, "NoSuchFunctionExists", 404)
	}
	if got := listFunctions(t, cf, ""); !sameSet(got, []string{"lifecycle-other/DEVELOPMENT"}) {
		t.Errorf("ListFunctions after DeleteFunction = %v", got)
	}
	s.stop()
}

// checkSummary checks the members of a FunctionSummary a client relies on.
func checkSummary(t *testing.T, op string, fs *cftypes.FunctionSummary, name string, stage cftypes.FunctionStage, storeARN string) {
	t.Helper()
	if fs == nil || fs.FunctionConfig == nil || fs.FunctionMetadata == nil {
		t.Fatalf("%s: incomplete FunctionSummary %+v", op, fs)
	}
	if aws.ToString(fs.Name) != name || fs.FunctionMetadata.Stage != stage || fs.FunctionConfig.Runtime != cftypes.FunctionRuntimeCloudfrontJs20 {
		t.Errorf("%s: Name %q, Stage %q, Runtime %q; want %q, %q, 2.0", op, aws.ToString(fs.Name), fs.FunctionMetadata.Stage, fs.FunctionConfig.Runtime, name, stage)
	}
	if fs.FunctionMetadata.LastModifiedTime == nil || fs.FunctionMetadata.CreatedTime == nil {
		t.Errorf("%s: no CreatedTime or LastModifiedTime", op)
	}
	a := fs.FunctionConfig.KeyValueStoreAssociations
	if a == nil || aws.ToInt32(a.Quantity) != 1 || len(a.Items) != 1 || aws.ToString(a.Items[0].KeyValueStoreARN) != storeARN {
		t.Errorf("%s: KeyValueStoreAssociations %+v; want exactly %s", op, a, storeARN)
	}
}

// updateFunction updates the code and returns the new DEVELOPMENT ETag, which
// it checks the UpdateFunction output carries (the ETtag header trap) and
// DescribeFunction agrees with.
func updateFunction(t *testing.T, cf *cloudfront.Client, name, etag string, code []byte, storeARN string) string {
	t.Helper()
	out, err := cf.UpdateFunction(ctx(t), &cloudfront.UpdateFunctionInput{
		Name: aws.String(name), IfMatch: aws.String(etag), FunctionCode: code,
		FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, storeARN),
	})
	if err != nil {
		t.Fatalf("UpdateFunction %s: %v", name, err)
	}
	next := aws.ToString(out.ETag)
	if next == "" || next == etag {
		t.Fatalf("UpdateFunction ETag %q (was %q): want a new ETag in the output (ETtag header)", next, etag)
	}
	desc, err := cf.DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeFunction: %v", err)
	}
	if aws.ToString(desc.ETag) != next {
		t.Errorf("DescribeFunction ETag %q; UpdateFunction said %q", aws.ToString(desc.ETag), next)
	}
	return next
}

// TestFunctionErrors checks that every documented CloudFront error reaches the
// SDK as its typed exception, and that a refused request changed nothing.
func TestFunctionErrors(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)

	staleETag := createFunction(t, cf, "existing", taggingCode("a"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	out, err := cf.UpdateFunction(c, &cloudfront.UpdateFunctionInput{Name: aws.String("existing"), IfMatch: aws.String(staleETag),
		FunctionCode: taggingCode("b"), FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
	if err != nil {
		t.Fatalf("UpdateFunction: %v", err)
	}
	etag := aws.ToString(out.ETag)
	// Stored as AWS stores it (the runtime refuses it only when loading).
	letCode := []byte("function handler(event) { let uri = event.request.uri; return event.request; }")
	gatedETag := createFunction(t, cf, "gated", letCode, functionConfig(cftypes.FunctionRuntimeCloudfrontJs10))
	storeARN := createStore(t, cf, "in-use")
	createFunction(t, cf, "uses-store", kvsReaderCode("k", "t"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, storeARN))
	store, err := cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("in-use")})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	storeETag := aws.ToString(store.ETag)
	createStore(t, cf, "idle")

	tooBig := bytes.Repeat([]byte("/"), 10*1024+1) // the 10 KB quota, plus one byte
	js2 := functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)
	update := func(ifMatch string, code []byte) func(context.Context) error {
		return func(c context.Context) error {
			_, err := cf.UpdateFunction(c, &cloudfront.UpdateFunctionInput{Name: aws.String("existing"), IfMatch: aws.String(ifMatch), FunctionCode: code, FunctionConfig: js2})
			return err
		}
	}
	create := func(name string, code []byte, cfg *cftypes.FunctionConfig) func(context.Context) error {
		return func(c context.Context) error {
			_, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: code, FunctionConfig: cfg})
			return err
		}
	}
	runErrorCases(t, []errorCase{
		{"DescribeFunction unknown", func(c context.Context) error {
			_, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String("nope")})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"GetFunction unknown", func(c context.Context) error {
			_, err := cf.GetFunction(c, &cloudfront.GetFunctionInput{Name: aws.String("nope")})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"TestFunction unknown", func(c context.Context) error {
			_, err := cf.TestFunction(c, &cloudfront.TestFunctionInput{Name: aws.String("nope"), IfMatch: aws.String(etag), EventObject: viewerRequest("/")})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"CreateFunction taken name", create("existing", taggingCode("c"), js2), "FunctionAlreadyExists", 409, isA[*cftypes.FunctionAlreadyExists]},
		{"CreateFunction code over 10 KB", create("big", tooBig, js2), "FunctionSizeLimitExceeded", 413, isA[*cftypes.FunctionSizeLimitExceeded]},
		{"CreateFunction unknown runtime", create("rt", taggingCode("c"), &cftypes.FunctionConfig{Comment: aws.String(""), Runtime: "cloudfront-js-3.0"}),
			"InvalidArgument", 400, isA[*cftypes.InvalidArgument]},
		{"CreateFunction bad name", create("bad name!", taggingCode("c"), js2), "InvalidArgument", 400, isA[*cftypes.InvalidArgument]},
		{"CreateFunction 1.0 with a store", create("js1-kvs", taggingCode("c"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs10, storeARN)),
			"InvalidArgument", 400, isA[*cftypes.InvalidArgument]},
		{"UpdateFunction code over 10 KB", update(etag, tooBig), "FunctionSizeLimitExceeded", 413, isA[*cftypes.FunctionSizeLimitExceeded]},
		// The SDK requires IfMatch but sends no header for an empty one.
		{"UpdateFunction without If-Match", update("", taggingCode("c")), "InvalidIfMatchVersion", 400, isA[*cftypes.InvalidIfMatchVersion]},
		{"UpdateFunction stale If-Match", update(staleETag, taggingCode("c")), "PreconditionFailed", 412, isA[*cftypes.PreconditionFailed]},
		{"PublishFunction stale If-Match", func(c context.Context) error {
			_, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("existing"), IfMatch: aws.String(staleETag)})
			return err
		}, "PreconditionFailed", 412, isA[*cftypes.PreconditionFailed]},
		{"PublishFunction refused by the 1.0 gate", func(c context.Context) error {
			_, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("gated"), IfMatch: aws.String(gatedETag)})
			return err
		}, "InvalidArgument", 400, isA[*cftypes.InvalidArgument]},
		{"DeleteFunction stale If-Match", func(c context.Context) error {
			_, err := cf.DeleteFunction(c, &cloudfront.DeleteFunctionInput{Name: aws.String("existing"), IfMatch: aws.String(staleETag)})
			return err
		}, "PreconditionFailed", 412, isA[*cftypes.PreconditionFailed]},
		{"DescribeKeyValueStore unknown", func(c context.Context) error {
			_, err := cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("nope")})
			return err
		}, "EntityNotFound", 404, isA[*cftypes.EntityNotFound]},
		{"CreateKeyValueStore taken name", func(c context.Context) error {
			_, err := cf.CreateKeyValueStore(c, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("idle")})
			return err
		}, "EntityAlreadyExists", 409, isA[*cftypes.EntityAlreadyExists]},
		{"DeleteKeyValueStore associated with a function", func(c context.Context) error {
			_, err := cf.DeleteKeyValueStore(c, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("in-use"), IfMatch: aws.String(storeETag)})
			return err
		}, "CannotDeleteEntityWhileInUse", 409, isA[*cftypes.CannotDeleteEntityWhileInUse]},
		{"UpdateKeyValueStore stale If-Match", func(c context.Context) error {
			_, err := cf.UpdateKeyValueStore(c, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("idle"), IfMatch: aws.String(storeETag), Comment: aws.String("x")})
			return err
		}, "PreconditionFailed", 412, isA[*cftypes.PreconditionFailed]},
	})

	// Nothing a refused request named has changed.
	checkCode(t, cf, "existing", cftypes.FunctionStageDevelopment, taggingCode("b"), etag)
	for _, name := range []string{"big", "rt", "js1-kvs"} {
		_, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name)})
		if !isA[*cftypes.NoSuchFunctionExists](err) {
			t.Errorf("DescribeFunction %q after a refused CreateFunction: %v; want it absent", name, err)
		}
	}
	_, err = cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String("gated"), Stage: cftypes.FunctionStageLive})
	wantAPIError(t, err, "NoSuchFunctionExists", 404) // the refused publish made no LIVE copy
	if _, err := cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("in-use")}); err != nil {
		t.Errorf("store deleted although in use: %v", err)
	}

	// TestFunction reports code the runtime refuses as the function's error,
	// not as an API error.
	res, err := cf.TestFunction(c, &cloudfront.TestFunctionInput{Name: aws.String("gated"), IfMatch: aws.String(gatedETag), EventObject: viewerRequest("/")})
	if err != nil {
		t.Fatalf("TestFunction gated: %v", err)
	}
	if msg := aws.ToString(res.TestResult.FunctionErrorMessage); !strings.Contains(msg, "SyntaxError") || aws.ToString(res.TestResult.FunctionOutput) != "" {
		t.Errorf("TestFunction of 1.0 code with let: error %q, output %q; want a SyntaxError and no output", msg, aws.ToString(res.TestResult.FunctionOutput))
	}
}

// TestConcurrentUpdateFunction races ten clients updating with the same ETag:
// exactly one wins, the others get PreconditionFailed, and the winner's code
// is what is stored.
func TestConcurrentUpdateFunction(t *testing.T) {
	const clients = 10
	s := startServer(t, serverConfig{})
	etag := createFunction(t, s.cloudFront(devAccount), "contended", taggingCode("start"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))

	type outcome struct {
		code []byte
		etag string
		err  error
	}
	results := make([]outcome, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		cf := s.cloudFront(devAccount) // one client, one connection each
		code := taggingCode(fmt.Sprintf("writer-%d", i))
		wg.Go(func() {
			<-start
			out, err := cf.UpdateFunction(ctx(t), &cloudfront.UpdateFunctionInput{Name: aws.String("contended"), IfMatch: aws.String(etag),
				FunctionCode: code, FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
			results[i] = outcome{code: code, err: err}
			if err == nil {
				results[i].etag = aws.ToString(out.ETag)
			}
		})
	}
	close(start)
	wg.Wait()

	var winners []outcome
	for i, r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, r)
		case !isA[*cftypes.PreconditionFailed](r.err):
			t.Errorf("writer %d: %v; want success or PreconditionFailed", i, r.err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d of %d updates with the same ETag succeeded; want exactly 1", len(winners), clients)
	}
	checkCode(t, s.cloudFront(devAccount), "contended", cftypes.FunctionStageDevelopment, winners[0].code, winners[0].etag)
}
