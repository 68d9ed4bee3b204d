package cloudfront

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

const (
	codeV1 = `function handler(event) { console.log("uri " + event.request.uri); return event.request; }`
	codeV2 = `function handler(event) { var r = event.request; r.uri = "/v2" + r.uri; return r; }`
	// codeExport is stored like any code but refused by the runtime at load.
	codeExport = "function handler(event) { return event.request; }\nexport default handler;\n"
	codeThrow  = `function handler(event) { console.log("before"); throw new Error("boom"); }`
	testEvent  = `{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},` +
		`"request":{"method":"GET","uri":"/index.html","querystring":{},"headers":{"host":{"value":"example.com"}},"cookies":{}}}`
)

func fnConfig(comment string) *types.FunctionConfig {
	return &types.FunctionConfig{Comment: aws.String(comment), Runtime: types.FunctionRuntimeCloudfrontJs20}
}

func createFn(t *testing.T, c *cloudfront.Client, name, code string) *cloudfront.CreateFunctionOutput {
	t.Helper()
	return must(c.CreateFunction(context.Background(), &cloudfront.CreateFunctionInput{
		Name: aws.String(name), FunctionCode: []byte(code), FunctionConfig: fnConfig("comment of " + name),
	}))(t)
}

// outputURI returns request.uri of a TestResult's FunctionOutput.
func outputURI(t *testing.T, out *string) string {
	t.Helper()
	var doc struct {
		Request struct {
			URI string `json:"uri"`
		} `json:"request"`
	}
	if out == nil || json.Unmarshal([]byte(*out), &doc) != nil {
		t.Fatalf("FunctionOutput %v is not a request", aws.ToString(out))
	}
	return doc.Request.URI
}

var etagPattern = regexp.MustCompile(`^E[A-Z0-9]{13}$`)

func TestFunctionLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	arn := "arn:aws:cloudfront::123456789012:function/fn"

	// Create.
	created := createFn(t, c, "fn", codeV1)
	s := created.FunctionSummary
	if !etagPattern.MatchString(aws.ToString(created.ETag)) {
		t.Errorf("ETag %q", aws.ToString(created.ETag))
	}
	if got := aws.ToString(created.Location); got != "https://cloudfront.amazonaws.com/2020-05-31/function/"+arn {
		t.Errorf("Location %q", got)
	}
	if aws.ToString(s.Name) != "fn" || aws.ToString(s.Status) != "UNPUBLISHED" || s.FunctionMetadata.Stage != types.FunctionStageDevelopment ||
		aws.ToString(s.FunctionMetadata.FunctionARN) != arn || aws.ToString(s.FunctionConfig.Comment) != "comment of fn" ||
		s.FunctionConfig.Runtime != types.FunctionRuntimeCloudfrontJs20 || s.FunctionMetadata.CreatedTime.IsZero() {
		t.Errorf("CreateFunction summary %+v %+v %+v", s, s.FunctionConfig, s.FunctionMetadata)
	}
	devETag := aws.ToString(created.ETag)

	// Describe and Get.
	desc := must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn")}))(t)
	if aws.ToString(desc.ETag) != devETag || !desc.FunctionSummary.FunctionMetadata.LastModifiedTime.Equal(*s.FunctionMetadata.LastModifiedTime) {
		t.Errorf("DescribeFunction ETag %q, summary %+v", aws.ToString(desc.ETag), desc.FunctionSummary.FunctionMetadata)
	}
	got := must(c.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("fn")}))(t)
	if string(got.FunctionCode) != codeV1 || aws.ToString(got.ETag) != devETag || aws.ToString(got.ContentType) != "application/octet-stream" {
		t.Errorf("GetFunction = %q, ETag %q, Content-Type %q", got.FunctionCode, aws.ToString(got.ETag), aws.ToString(got.ContentType))
	}

	// Update: the new ETag arrives in ETtag (the model's spelling), the old one is stale.
	upd := must(c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{
		Name: aws.String("fn"), IfMatch: aws.String(devETag), FunctionCode: []byte(codeV2), FunctionConfig: fnConfig("second"),
	}))(t)
	if newETag := aws.ToString(upd.ETag); newETag == "" || newETag == devETag {
		t.Fatalf("UpdateFunction ETag %q (was %q)", newETag, devETag)
	}
	if aws.ToString(upd.FunctionSummary.FunctionConfig.Comment) != "second" {
		t.Errorf("UpdateFunction comment %q", aws.ToString(upd.FunctionSummary.FunctionConfig.Comment))
	}
	if _, err := c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{
		Name: aws.String("fn"), IfMatch: aws.String(devETag), FunctionCode: []byte(codeV1), FunctionConfig: fnConfig("x"),
	}); !isA[*types.PreconditionFailed](err) {
		t.Errorf("UpdateFunction with the old ETag: %v", err)
	}
	devETag = aws.ToString(upd.ETag)

	// Test DEVELOPMENT.
	res := must(c.TestFunction(ctx, &cloudfront.TestFunctionInput{
		Name: aws.String("fn"), IfMatch: aws.String(devETag), EventObject: []byte(testEvent),
	}))(t).TestResult
	if uri := outputURI(t, res.FunctionOutput); uri != "/v2/index.html" {
		t.Errorf("TestFunction output uri %q", uri)
	}
	if aws.ToString(res.FunctionErrorMessage) != "" || aws.ToString(res.FunctionSummary.Name) != "fn" {
		t.Errorf("TestFunction error %q, summary %+v", aws.ToString(res.FunctionErrorMessage), res.FunctionSummary)
	}
	if n, err := strconv.Atoi(aws.ToString(res.ComputeUtilization)); err != nil || n < 0 || n > 100 {
		t.Errorf("ComputeUtilization %q", aws.ToString(res.ComputeUtilization))
	}

	// Publish: LIVE takes the DEVELOPMENT ETag, which does not change.
	pub := must(c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("fn"), IfMatch: aws.String(devETag)}))(t)
	if pub.FunctionSummary.FunctionMetadata.Stage != types.FunctionStageLive || aws.ToString(pub.FunctionSummary.Status) != "UNASSOCIATED" {
		t.Errorf("PublishFunction summary %+v %+v", pub.FunctionSummary, pub.FunctionSummary.FunctionMetadata)
	}
	live := must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn"), Stage: types.FunctionStageLive}))(t)
	liveETag := aws.ToString(live.ETag)
	if liveETag != devETag || live.FunctionSummary.FunctionMetadata.Stage != types.FunctionStageLive {
		t.Errorf("LIVE ETag %q (DEVELOPMENT %q)", liveETag, devETag)
	}
	liveCode := must(c.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("fn"), Stage: types.FunctionStageLive}))(t)
	if string(liveCode.FunctionCode) != codeV2 || aws.ToString(liveCode.ETag) != liveETag {
		t.Errorf("GetFunction LIVE = %q, ETag %q", liveCode.FunctionCode, aws.ToString(liveCode.ETag))
	}

	// A new DEVELOPMENT copy leaves LIVE and its ETag as published. TestFunction
	// of LIVE takes either ETag; the LIVE one is stale for DEVELOPMENT.
	devETag = aws.ToString(must(c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{
		Name: aws.String("fn"), IfMatch: aws.String(devETag), FunctionConfig: fnConfig("v3"), FunctionCode: []byte(codeV2),
	}))(t).ETag)
	if got := aws.ToString(must(c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn"), Stage: types.FunctionStageLive}))(t).ETag); got != liveETag || devETag == liveETag {
		t.Errorf("after an update, LIVE ETag %q (was %q), DEVELOPMENT %q", got, liveETag, devETag)
	}
	for _, etag := range []string{devETag, liveETag} {
		res := must(c.TestFunction(ctx, &cloudfront.TestFunctionInput{
			Name: aws.String("fn"), IfMatch: aws.String(etag), Stage: types.FunctionStageLive, EventObject: []byte(testEvent),
		}))(t).TestResult
		if res.FunctionSummary.FunctionMetadata.Stage != types.FunctionStageLive || outputURI(t, res.FunctionOutput) != "/v2/index.html" {
			t.Errorf("TestFunction LIVE with %s: %+v", etag, res)
		}
	}
	if _, err := c.TestFunction(ctx, &cloudfront.TestFunctionInput{
		Name: aws.String("fn"), IfMatch: aws.String(liveETag), EventObject: []byte(testEvent),
	}); !hasCode("PreconditionFailed")(err) {
		t.Errorf("TestFunction DEVELOPMENT with the LIVE ETag: %v", err)
	}

	// List, with and without the Stage filter, and page by page.
	createFn(t, c, "fn-b", codeV1)
	createFn(t, c, "fn-a", codeV1)
	liveOnly := must(c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Stage: types.FunctionStageLive}))(t).FunctionList
	if aws.ToInt32(liveOnly.Quantity) != 1 || aws.ToString(liveOnly.Items[0].Name) != "fn" {
		t.Errorf("ListFunctions LIVE: %+v", liveOnly)
	}
	var pages, names []string
	var marker *string
	for {
		l := must(c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Marker: marker, MaxItems: aws.Int32(2)}))(t).FunctionList
		if aws.ToInt32(l.MaxItems) != 2 || int(aws.ToInt32(l.Quantity)) != len(l.Items) {
			t.Errorf("page MaxItems %d, Quantity %d, %d items", aws.ToInt32(l.MaxItems), aws.ToInt32(l.Quantity), len(l.Items))
		}
		for _, it := range l.Items {
			names = append(names, aws.ToString(it.Name)+"/"+string(it.FunctionMetadata.Stage))
		}
		pages = append(pages, aws.ToString(l.NextMarker))
		if aws.ToString(l.NextMarker) == "" {
			break
		}
		marker = l.NextMarker
	}
	want := []string{"fn-a/DEVELOPMENT", "fn-b/DEVELOPMENT", "fn/DEVELOPMENT", "fn/LIVE"}
	slices.Sort(names)
	if !slices.Equal(names, want) || len(pages) != 2 {
		t.Errorf("ListFunctions by 2: %v in %d pages; want %v in 2", names, len(pages), want)
	}

	// Delete: the LIVE ETag is not the one, the DEVELOPMENT one is.
	if _, err := c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("fn"), IfMatch: aws.String(liveETag)}); !isA[*types.PreconditionFailed](err) {
		t.Errorf("DeleteFunction with the LIVE ETag: %v", err)
	}
	must(c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("fn"), IfMatch: aws.String(devETag)}))(t)
	for _, stage := range []types.FunctionStage{types.FunctionStageDevelopment, types.FunctionStageLive} {
		if _, err := c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("fn"), Stage: stage}); !isA[*types.NoSuchFunctionExists](err) {
			t.Errorf("DescribeFunction %s after delete: %v", stage, err)
		}
	}
}

// TestFeatureGate: code the runtime refuses is stored, tested (reporting the
// load error) and never published.
func TestFeatureGate(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	etag := createFn(t, c, "gated", codeExport).ETag
	res := must(c.TestFunction(ctx, &cloudfront.TestFunctionInput{Name: aws.String("gated"), IfMatch: etag, EventObject: []byte(testEvent)}))(t).TestResult
	if msg := aws.ToString(res.FunctionErrorMessage); !strings.Contains(msg, "SyntaxError: Illegal export statement") || aws.ToString(res.FunctionOutput) != "" {
		t.Errorf("TestFunction of refused code: error %q, output %q", msg, aws.ToString(res.FunctionOutput))
	}
	_, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("gated"), IfMatch: etag})
	if !isA[*types.InvalidArgument](err) || !strings.Contains(err.Error(), "Illegal export statement") {
		t.Fatalf("PublishFunction of refused code: %v", err)
	}
	if _, err := c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("gated"), Stage: types.FunctionStageLive}); !isA[*types.NoSuchFunctionExists](err) {
		t.Errorf("refused code reached LIVE: %v", err)
	}
	// Fixed code publishes.
	upd := must(c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("gated"), IfMatch: etag, FunctionCode: []byte(codeV1), FunctionConfig: fnConfig("")}))(t)
	must(c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("gated"), IfMatch: upd.ETag}))(t)
}

func TestTestFunctionFailure(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	etag := createFn(t, c, "thrower", codeThrow).ETag
	res := must(c.TestFunction(context.Background(), &cloudfront.TestFunctionInput{Name: aws.String("thrower"), IfMatch: etag, EventObject: []byte(testEvent)}))(t).TestResult
	if !strings.Contains(aws.ToString(res.FunctionErrorMessage), "boom") || aws.ToString(res.FunctionOutput) != "" || !slices.Equal(res.FunctionExecutionLogs, []string{"before"}) {
		t.Errorf("TestFunction of a throwing function: error %q, output %q, logs %q",
			aws.ToString(res.FunctionErrorMessage), aws.ToString(res.FunctionOutput), res.FunctionExecutionLogs)
	}
}

// TestFunctionErrors checks that each failure comes back as the SDK's typed exception.
func TestFunctionErrors(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	etag := createFn(t, c, "fn", codeV1).ETag
	create := func(name, code string, cfg *types.FunctionConfig) func() error {
		return func() error {
			_, err := c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: []byte(code), FunctionConfig: cfg})
			return err
		}
	}
	test := func(ifMatch *string, stage types.FunctionStage, event string) func() error {
		return func() error {
			_, err := c.TestFunction(ctx, &cloudfront.TestFunctionInput{Name: aws.String("fn"), IfMatch: ifMatch, Stage: stage, EventObject: []byte(event)})
			return err
		}
	}
	withStore := &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
		KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(1), Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(testARN)}}}}
	tests := []apiErrorCase{
		{"describe missing", func() error {
			_, err := c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: aws.String("nope")})
			return err
		}, isA[*types.NoSuchFunctionExists], "nope"},
		{"get missing", func() error {
			_, err := c.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: aws.String("nope")})
			return err
		}, isA[*types.NoSuchFunctionExists], "nope"},
		{"create existing", create("fn", codeV1, fnConfig("")), isA[*types.FunctionAlreadyExists], "already exists"},
		{"create over 10 KB", create("big", "//"+strings.Repeat("x", 10*1024), fnConfig("")), isA[*types.FunctionSizeLimitExceeded], "10240"},
		{"create with a bad runtime", create("rt", codeV1, &types.FunctionConfig{Comment: aws.String(""), Runtime: "cloudfront-js-3.0"}), isA[*types.InvalidArgument], "cloudfront-js-3.0"},
		{"create with a bad name", create("my.fn", codeV1, fnConfig("")), isA[*types.InvalidArgument], `"my.fn"`},
		{"create with a missing store", create("kvsfn", codeV1, withStore), isA[*types.InvalidArgument], "does not exist"},
		{"update missing", func() error {
			_, err := c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("nope"), IfMatch: etag, FunctionCode: []byte(codeV1), FunctionConfig: fnConfig("")})
			return err
		}, isA[*types.NoSuchFunctionExists], "nope"},
		{"update stale", func() error {
			_, err := c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("fn"), IfMatch: aws.String("E0000000000000"), FunctionCode: []byte(codeV1), FunctionConfig: fnConfig("")})
			return err
		}, isA[*types.PreconditionFailed], "preconditions"},
		{"update over 10 KB", func() error {
			_, err := c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("fn"), IfMatch: etag, FunctionCode: make([]byte, 10*1024+1), FunctionConfig: fnConfig("")})
			return err
		}, isA[*types.FunctionSizeLimitExceeded], "10241"},
		{"publish stale", func() error {
			_, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("fn"), IfMatch: aws.String("E0000000000000")})
			return err
		}, isA[*types.PreconditionFailed], "preconditions"},
		{"publish missing", func() error {
			_, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("nope"), IfMatch: etag})
			return err
		}, isA[*types.NoSuchFunctionExists], "nope"},
		{"delete stale", func() error {
			_, err := c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("fn"), IfMatch: aws.String("E0000000000000")})
			return err
		}, isA[*types.PreconditionFailed], "preconditions"},
		// The model lists no PreconditionFailed for TestFunction: the SDK raises a generic error.
		{"test stale", test(aws.String("E0000000000000"), "", testEvent), hasCode("PreconditionFailed"), "preconditions"},
		{"test LIVE before publish", test(etag, types.FunctionStageLive, testEvent), isA[*types.NoSuchFunctionExists], "fn"},
		{"test with a bad stage", test(etag, "STAGING", testEvent), isA[*types.InvalidArgument], "STAGING"},
		{"test with a bad event", test(etag, "", `{"request":{"uri":"/"}`), isA[*types.InvalidArgument], "invalid event object"},
		{"test with an event over 40 KB", test(etag, "", `{"request":{"uri":"/`+strings.Repeat("a", 40960)+`"}}`), isA[*types.InvalidArgument], "40960"},
		{"list with a bad stage", func() error {
			_, err := c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Stage: "BOTH"})
			return err
		}, isA[*types.InvalidArgument], "BOTH"},
		{"list with a bad marker", func() error {
			_, err := c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Marker: aws.String("not a marker")})
			return err
		}, isA[*types.InvalidArgument], "marker"},
	}
	runAPIErrors(t, tests)
}

// TestTestFunctionIgnoredFields runs an event in the form of aws-samples'
// test objects (headers and query strings with "multivalue", which the
// function does not see): FunctionExecutionLogs hold exactly the function's
// own lines, as AWS's recorded results do, and the ignored members are named
// in the server's log.
func TestTestFunctionIgnoredFields(t *testing.T) {
	var serverLog bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&serverLog, nil)) })
	c := e.cf
	etag := createFn(t, c, "rewriter", codeV1).ETag
	ev := `{"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "0.0.0.0"},
		"request": {"method": "GET", "uri": "/docs/",
			"querystring": {"page": {"value": "2", "multivalue": [{"value": "2"}, {"value": "3"}]}},
			"headers": {"host": {"value": "www.example.com"}, "accept": {"value": "text/html", "multivalue": [{"value": "text/html"}]}},
			"cookies": {"session": {"value": "abc"}}}}`
	res := must(c.TestFunction(context.Background(), &cloudfront.TestFunctionInput{Name: aws.String("rewriter"), IfMatch: etag, EventObject: []byte(ev)}))(t).TestResult
	if logs := res.FunctionExecutionLogs; !slices.Equal(logs, []string{"uri /docs/"}) {
		t.Errorf("FunctionExecutionLogs %q; want only the function's line", logs)
	}
	for _, want := range []string{`request.headers[\"accept\"].multivalue is ignored`, `request.querystring[\"page\"].multivalue is ignored`} {
		if !strings.Contains(serverLog.String(), want) {
			t.Errorf("server log lacks %s:\n%s", want, serverLog.String())
		}
	}
}
