package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// revocationCode denies a client certificate whose serial is a key of the
// associated store.
var revocationCode = []byte(`import cf from 'cloudfront';
async function connectionHandler(connection) {
	const serial = connection.clientCertificate.certificates.leaf.serialNumber;
	if (await cf.kvs().exists(serial)) {
		connection.logCustomData('REVOKED:' + serial);
		console.log('denied ' + serial);
		return connection.deny();
	}
	connection.allow();
}`)

func connectionObject(serial string) []byte {
	return []byte(`{"clientCertificate":{"certificates":{"leaf":{"serialNumber":"` + serial + `","issuer":"CN=Test CA","subject":"CN=device","validity":{"notBefore":"2025-01-01T00:00:00Z","notAfter":"2035-01-01T00:00:00Z"},"sha256Fingerprint":"x"}}},` +
		`"clientIp":"192.0.2.10","endpoint":"d111111abcdef8.cloudfront.net","distributionId":"EDFDVBD6EXAMPLE","connectionId":"c1"}`)
}

func TestConnectionFunctionLifecycle(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	c := ctx(t)
	storeARN := createStore(t, cf, "revoked-serials")
	if _, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &storeARN, Key: aws.String("0a:0b"), Value: aws.String("revoked"), IfMatch: aws.String(dataETag(t, data, storeARN))}); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	cfg := functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, storeARN)

	created, err := cf.CreateConnectionFunction(c, &cloudfront.CreateConnectionFunctionInput{
		Name: aws.String("mtls-check"), ConnectionFunctionConfig: cfg, ConnectionFunctionCode: revocationCode,
	})
	if err != nil {
		t.Fatalf("CreateConnectionFunction: %v", err)
	}
	sum := created.ConnectionFunctionSummary
	id, devETag := aws.ToString(sum.Id), aws.ToString(created.ETag)
	if id == "" || devETag == "" || aws.ToString(sum.Status) != "UNPUBLISHED" || sum.Stage != cftypes.FunctionStageDevelopment ||
		aws.ToString(sum.ConnectionFunctionArn) != "arn:aws:cloudfront::"+devAccount.AccountID+":connection-function/"+id ||
		aws.ToString(sum.ConnectionFunctionConfig.KeyValueStoreAssociations.Items[0].KeyValueStoreARN) != storeARN ||
		!strings.HasSuffix(aws.ToString(created.Location), "/connection-function/"+id) {
		t.Fatalf("CreateConnectionFunction: %+v ETag %q Location %q", sum, devETag, aws.ToString(created.Location))
	}
	_, err = cf.CreateConnectionFunction(c, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("mtls-check"), ConnectionFunctionConfig: cfg, ConnectionFunctionCode: revocationCode})
	wantAPIError(t, err, "EntityAlreadyExists", 409)

	for _, ident := range []string{id, "mtls-check"} {
		desc, err := cf.DescribeConnectionFunction(c, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(ident)})
		if err != nil || aws.ToString(desc.ETag) != devETag || aws.ToString(desc.ConnectionFunctionSummary.Id) != id {
			t.Fatalf("DescribeConnectionFunction(%s): %v %+v", ident, err, desc)
		}
	}
	got, err := cf.GetConnectionFunction(c, &cloudfront.GetConnectionFunctionInput{Identifier: aws.String(id)})
	if err != nil || string(got.ConnectionFunctionCode) != string(revocationCode) || aws.ToString(got.ETag) != devETag {
		t.Fatalf("GetConnectionFunction: %v %q", err, got.ConnectionFunctionCode)
	}
	_, err = cf.DescribeConnectionFunction(c, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(id), Stage: cftypes.FunctionStageLive})
	wantAPIError(t, err, "EntityNotFound", 404)

	// TestConnectionFunction: a revoked serial is denied, another allowed.
	for serial, want := range map[string]string{"0a:0b": "deny", "0c:0d": "allow"} {
		res, err := cf.TestConnectionFunction(c, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag), ConnectionObject: connectionObject(serial)})
		if err != nil {
			t.Fatalf("TestConnectionFunction: %v", err)
		}
		r := res.ConnectionFunctionTestResult
		var out struct{ Decision, CustomLogData string }
		if err := json.Unmarshal([]byte(aws.ToString(r.ConnectionFunctionOutput)), &out); err != nil || out.Decision != want {
			t.Fatalf("serial %s: output %q (%v), want decision %s; error %q logs %q", serial, aws.ToString(r.ConnectionFunctionOutput), err, want, aws.ToString(r.ConnectionFunctionErrorMessage), r.ConnectionFunctionExecutionLogs)
		}
		if want == "deny" && (out.CustomLogData != "REVOKED:0a:0b" || len(r.ConnectionFunctionExecutionLogs) != 1) {
			t.Errorf("deny: custom data %q logs %q", out.CustomLogData, r.ConnectionFunctionExecutionLogs)
		}
		if aws.ToString(r.ComputeUtilization) == "0" || aws.ToString(r.ConnectionFunctionSummary.Id) != id {
			t.Errorf("ComputeUtilization %q summary %+v", aws.ToString(r.ComputeUtilization), r.ConnectionFunctionSummary)
		}
	}
	_, err = cf.TestConnectionFunction(c, &cloudfront.TestConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag), ConnectionObject: []byte("{")})
	wantAPIError(t, err, "InvalidArgument", 400)

	// Refusals at Create and Update, in the runtime's words.
	_, err = cf.CreateConnectionFunction(c, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("broken"), ConnectionFunctionConfig: cfg,
		ConnectionFunctionCode: []byte("function connectionHandler(c) { setTimeout(c.allow, 1); }")})
	wantAPIError(t, err, "InvalidArgument", 400)
	_, err = cf.CreateConnectionFunction(c, &cloudfront.CreateConnectionFunctionInput{Name: aws.String("js1"),
		ConnectionFunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs10), ConnectionFunctionCode: revocationCode})
	wantAPIError(t, err, "InvalidArgument", 400)

	v2 := []byte("function connectionHandler(c) { c.allow(); }")
	_, err = cf.UpdateConnectionFunction(c, &cloudfront.UpdateConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String("EWRONGWRONGWRO"), ConnectionFunctionConfig: cfg, ConnectionFunctionCode: v2})
	wantAPIError(t, err, "PreconditionFailed", 412)
	upd, err := cf.UpdateConnectionFunction(c, &cloudfront.UpdateConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag), ConnectionFunctionConfig: cfg, ConnectionFunctionCode: v2})
	if err != nil || aws.ToString(upd.ETag) == devETag {
		t.Fatalf("UpdateConnectionFunction: %v", err)
	}
	devETag = aws.ToString(upd.ETag)

	pub, err := cf.PublishConnectionFunction(c, &cloudfront.PublishConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag)})
	if err != nil || pub.ConnectionFunctionSummary.Stage != cftypes.FunctionStageLive || aws.ToString(pub.ConnectionFunctionSummary.Status) != "UNASSOCIATED" {
		t.Fatalf("PublishConnectionFunction: %v %+v", err, pub)
	}
	live, err := cf.GetConnectionFunction(c, &cloudfront.GetConnectionFunctionInput{Identifier: aws.String(id), Stage: cftypes.FunctionStageLive})
	if err != nil || string(live.ConnectionFunctionCode) != string(v2) {
		t.Fatalf("GetConnectionFunction LIVE: %v", err)
	}

	list, err := cf.ListConnectionFunctions(c, &cloudfront.ListConnectionFunctionsInput{})
	if err != nil || len(list.ConnectionFunctions) != 2 {
		t.Fatalf("ListConnectionFunctions: %v %+v", err, list)
	}
	page, err := cf.ListConnectionFunctions(c, &cloudfront.ListConnectionFunctionsInput{MaxItems: aws.Int32(1), Stage: cftypes.FunctionStageLive})
	if err != nil || len(page.ConnectionFunctions) != 1 || page.ConnectionFunctions[0].Stage != cftypes.FunctionStageLive {
		t.Fatalf("ListConnectionFunctions LIVE: %v %+v", err, page)
	}
	// Viewer functions are another resource.
	if fns, err := cf.ListFunctions(c, &cloudfront.ListFunctionsInput{}); err != nil || len(fns.FunctionList.Items) != 0 {
		t.Fatalf("ListFunctions: %v %+v", err, fns)
	}

	_, err = cf.DeleteConnectionFunction(c, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(aws.ToString(created.ETag))})
	wantAPIError(t, err, "PreconditionFailed", 412)
	if _, err := cf.DeleteConnectionFunction(c, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(id), IfMatch: aws.String(devETag)}); err != nil {
		t.Fatalf("DeleteConnectionFunction: %v", err)
	}
	_, err = cf.GetConnectionFunction(c, &cloudfront.GetConnectionFunctionInput{Identifier: aws.String(id)})
	wantAPIError(t, err, "EntityNotFound", 404)
}
