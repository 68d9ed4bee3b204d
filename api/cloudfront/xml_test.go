package cloudfront

import (
	"encoding/base64"
	"encoding/xml"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/awserror"
	"github.com/edgefn/edgefn/kvsimport"
)

const (
	testARN  = "arn:aws:cloudfront::123456789012:key-value-store/54947df8-0e9e-4471-a2f9-9af509fb5889"
	testCode = "function handler(event) { return event.request; }"
	nsAttr   = ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`
)

var code64 = base64.StdEncoding.EncodeToString([]byte(testCode))

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// The decoded views of each request document, to compare whole.
type functionInput struct {
	Name   string
	Config edgefn.FunctionConfig
	Code   string
}

type testInput struct {
	Stage edgefn.Stage
	URI   string
}

type storeInput struct {
	Name    string
	Comment string
	Source  *kvsimport.Object
}

func decodeAs(root string, body string) (any, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	limits := edgefn.DefaultLimits()
	switch root {
	case "CreateFunctionRequest":
		d, err := decode[createFunctionRequest](r, limits)
		if err != nil {
			return nil, err
		}
		return functionInput{*d.Name, d.config, string(d.code)}, nil
	case "UpdateFunctionRequest":
		d, err := decode[updateFunctionRequest](r, limits)
		if err != nil {
			return nil, err
		}
		return functionInput{"", d.config, string(d.code)}, nil
	case "TestFunctionRequest":
		d, err := decode[testFunctionRequest](r, limits)
		if err != nil {
			return nil, err
		}
		return testInput{d.stage, d.event.Request.URI}, nil
	case "CreateKeyValueStoreRequest":
		d, err := decode[createKeyValueStoreRequest](r, limits)
		if err != nil {
			return nil, err
		}
		return storeInput{*d.Name, d.Comment, d.source}, nil
	case "UpdateKeyValueStoreRequest":
		d, err := decode[updateKeyValueStoreRequest](r, limits)
		if err != nil {
			return nil, err
		}
		return storeInput{Comment: *d.Comment}, nil
	}
	panic("unknown root " + root)
}

func TestDecodeRequests(t *testing.T) {
	cfg2 := edgefn.FunctionConfig{Comment: "c", Runtime: edgefn.RuntimeJS2, KeyValueStoreARNs: []string{testARN}}
	assoc := `<KeyValueStoreAssociations><Quantity>1</Quantity><Items><KeyValueStoreAssociation><KeyValueStoreARN>` + testARN + `</KeyValueStoreARN></KeyValueStoreAssociation></Items></KeyValueStoreAssociations>`
	assocGo := `<KeyValueStoreAssociations><Items><KeyValueStoreAssociation><KeyValueStoreARN>` + testARN + `</KeyValueStoreARN></KeyValueStoreAssociation></Items><Quantity>1</Quantity></KeyValueStoreAssociations>`
	event := b64(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/a","querystring":{},"headers":{},"cookies":{}}}`)
	obj := &kvsimport.Object{Bucket: "bucket", Key: "dir/kv.json"}
	tests := []struct {
		name, root, body string
		want             any
	}{
		{"create function, Go SDK order", "CreateFunctionRequest",
			`<CreateFunctionRequest` + nsAttr + `><FunctionCode>` + code64 + `</FunctionCode><FunctionConfig><Comment>c</Comment>` + assocGo + `<Runtime>cloudfront-js-2.0</Runtime></FunctionConfig><Name>fn</Name></CreateFunctionRequest>`,
			functionInput{"fn", cfg2, testCode}},
		{"create function, JS and botocore order", "CreateFunctionRequest",
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<CreateFunctionRequest` + nsAttr + `><Name>fn</Name><FunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime>` + assoc + `</FunctionConfig><FunctionCode>` + code64 + `</FunctionCode><Tags><Items><Tag><Key>k</Key><Value>v</Value></Tag></Items></Tags></CreateFunctionRequest>`,
			functionInput{"fn", cfg2, testCode}},
		{"create function, empty comment, no namespace", "CreateFunctionRequest",
			`<CreateFunctionRequest><Name>fn</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-1.0</Runtime></FunctionConfig><FunctionCode>` + code64 + `</FunctionCode></CreateFunctionRequest>`,
			functionInput{"fn", edgefn.FunctionConfig{Runtime: edgefn.RuntimeJS1}, testCode}},
		{"create function, no associations", "CreateFunctionRequest",
			`<CreateFunctionRequest><Name>fn</Name><FunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime><KeyValueStoreAssociations><Quantity>0</Quantity></KeyValueStoreAssociations></FunctionConfig><FunctionCode>` + code64 + `</FunctionCode></CreateFunctionRequest>`,
			functionInput{"fn", edgefn.FunctionConfig{Comment: "c", Runtime: edgefn.RuntimeJS2}, testCode}},
		{"update function, Go SDK order", "UpdateFunctionRequest",
			`<UpdateFunctionRequest` + nsAttr + `><FunctionCode>eA==</FunctionCode><FunctionConfig><Comment>c</Comment>` + assocGo + `<Runtime>cloudfront-js-2.0</Runtime></FunctionConfig></UpdateFunctionRequest>`,
			functionInput{"", cfg2, "x"}},
		{"update function, model order", "UpdateFunctionRequest",
			`<UpdateFunctionRequest` + nsAttr + `><FunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime>` + assoc + `</FunctionConfig><FunctionCode>eA==</FunctionCode></UpdateFunctionRequest>`,
			functionInput{"", cfg2, "x"}},
		{"test function, Go SDK order", "TestFunctionRequest",
			`<TestFunctionRequest` + nsAttr + `><EventObject>` + event + `</EventObject><Stage>LIVE</Stage></TestFunctionRequest>`,
			testInput{edgefn.StageLive, "/a"}},
		{"test function, model order", "TestFunctionRequest",
			`<TestFunctionRequest` + nsAttr + `><Stage>DEVELOPMENT</Stage><EventObject>` + event + `</EventObject></TestFunctionRequest>`,
			testInput{edgefn.StageDevelopment, "/a"}},
		{"test function, stage defaults to DEVELOPMENT", "TestFunctionRequest",
			`<TestFunctionRequest` + nsAttr + `><EventObject>` + event + `</EventObject></TestFunctionRequest>`,
			testInput{edgefn.StageDevelopment, "/a"}},
		{"create store, Go SDK order", "CreateKeyValueStoreRequest",
			`<CreateKeyValueStoreRequest` + nsAttr + `><Comment>c</Comment><ImportSource><SourceARN>arn:aws:s3:::bucket/dir/kv.json</SourceARN><SourceType>S3</SourceType></ImportSource><Name>kvs</Name></CreateKeyValueStoreRequest>`,
			storeInput{"kvs", "c", obj}},
		{"create store, model order", "CreateKeyValueStoreRequest",
			`<CreateKeyValueStoreRequest` + nsAttr + `><Name>kvs</Name><Comment>c</Comment><ImportSource><SourceType>S3</SourceType><SourceARN>arn:aws:s3:::bucket/dir/kv.json</SourceARN></ImportSource></CreateKeyValueStoreRequest>`,
			storeInput{"kvs", "c", obj}},
		{"create store, name only", "CreateKeyValueStoreRequest",
			`<CreateKeyValueStoreRequest` + nsAttr + `><Name>kvs</Name></CreateKeyValueStoreRequest>`,
			storeInput{"kvs", "", nil}},
		{"update store", "UpdateKeyValueStoreRequest",
			`<UpdateKeyValueStoreRequest` + nsAttr + `><Comment>new</Comment></UpdateKeyValueStoreRequest>`,
			storeInput{Comment: "new"}},
		{"update store, empty comment", "UpdateKeyValueStoreRequest",
			`<UpdateKeyValueStoreRequest` + nsAttr + `><Comment></Comment></UpdateKeyValueStoreRequest>`,
			storeInput{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeAs(tt.root, tt.body)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	fn := func(inner string) string {
		return `<CreateFunctionRequest` + nsAttr + `>` + inner + `</CreateFunctionRequest>`
	}
	config := `<FunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig>`
	code := `<FunctionCode>` + code64 + `</FunctionCode>`
	testReq := func(inner string) string {
		return `<TestFunctionRequest` + nsAttr + `>` + inner + `</TestFunctionRequest>`
	}
	store := func(inner string) string {
		return `<CreateKeyValueStoreRequest` + nsAttr + `><Name>kvs</Name>` + inner + `</CreateKeyValueStoreRequest>`
	}
	tests := []struct {
		name, root, body string
		code, msg        string // AWS error code and a part of the message
	}{
		{"empty body", "CreateFunctionRequest", "", "MalformedXML", "empty"},
		{"not xml", "CreateFunctionRequest", "{}", "MalformedXML", "not well-formed"},
		{"unclosed element", "CreateFunctionRequest", `<CreateFunctionRequest><Name>fn</Name>`, "MalformedXML", "not well-formed"},
		{"wrong root", "CreateFunctionRequest", `<UpdateFunctionRequest` + nsAttr + `/>`, "MalformedXML", "CreateFunctionRequest"},
		{"quantity not a number", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-2.0</Runtime><KeyValueStoreAssociations><Quantity>one</Quantity></KeyValueStoreAssociations></FunctionConfig>` + code), "MalformedXML", "not well-formed"},
		{"body too large", "CreateFunctionRequest", fn(`<Name>fn</Name>` + config + `<FunctionCode>` + strings.Repeat("QUFB", maxRequestBytes/4) + `</FunctionCode>`), "InvalidArgument", "larger than 1048576 bytes"},
		{"missing name", "CreateFunctionRequest", fn(config + code), "InvalidArgument", "Name is required"},
		{"bad name", "CreateFunctionRequest", fn(`<Name>my fn</Name>` + config + code), "InvalidArgument", `"my fn" is not valid`},
		{"long name", "CreateFunctionRequest", fn(`<Name>` + strings.Repeat("a", 65) + `</Name>` + config + code), "InvalidArgument", "[a-zA-Z0-9-_]{1,64}"},
		{"missing config", "CreateFunctionRequest", fn(`<Name>fn</Name>` + code), "InvalidArgument", "FunctionConfig is required"},
		{"missing comment", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig>` + code), "InvalidArgument", "Comment is required"},
		{"missing runtime", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/></FunctionConfig>` + code), "InvalidArgument", "Runtime is required"},
		{"bad runtime", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/><Runtime>nodejs20.x</Runtime></FunctionConfig>` + code), "InvalidArgument", `"nodejs20.x" is not valid`},
		{"missing quantity", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-2.0</Runtime><KeyValueStoreAssociations></KeyValueStoreAssociations></FunctionConfig>` + code), "InvalidArgument", "Quantity is required"},
		{"quantity mismatch", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-2.0</Runtime><KeyValueStoreAssociations><Quantity>2</Quantity><Items><KeyValueStoreAssociation><KeyValueStoreARN>` + testARN + `</KeyValueStoreARN></KeyValueStoreAssociation></Items></KeyValueStoreAssociations></FunctionConfig>` + code), "InvalidArgument", "Quantity is 2 but there are 1 Items"},
		{"store on runtime 1.0", "CreateFunctionRequest", fn(`<Name>fn</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-1.0</Runtime><KeyValueStoreAssociations><Quantity>1</Quantity><Items><KeyValueStoreAssociation><KeyValueStoreARN>` + testARN + `</KeyValueStoreARN></KeyValueStoreAssociation></Items></KeyValueStoreAssociations></FunctionConfig>` + code), "InvalidArgument", "need the cloudfront-js-2.0 runtime"},
		{"missing code", "CreateFunctionRequest", fn(`<Name>fn</Name>` + config), "InvalidArgument", "FunctionCode is required"},
		{"bad base64 code", "CreateFunctionRequest", fn(`<Name>fn</Name>` + config + `<FunctionCode>not base64!</FunctionCode>`), "InvalidArgument", "FunctionCode is not valid base64"},
		{"update missing code", "UpdateFunctionRequest", `<UpdateFunctionRequest>` + config + `</UpdateFunctionRequest>`, "InvalidArgument", "FunctionCode is required"},
		{"test missing event", "TestFunctionRequest", testReq(`<Stage>LIVE</Stage>`), "InvalidArgument", "EventObject is required"},
		{"test bad stage", "TestFunctionRequest", testReq(`<Stage>PROD</Stage><EventObject>e30=</EventObject>`), "InvalidArgument", `stage "PROD" is not valid`},
		{"test bad base64 event", "TestFunctionRequest", testReq(`<EventObject>{}</EventObject>`), "InvalidArgument", "EventObject is not valid base64"},
		{"test event too large", "TestFunctionRequest", testReq(`<EventObject>` + b64(`{"request":{"uri":"/`+strings.Repeat("a", 40960)+`"}}`) + `</EventObject>`), "InvalidArgument", "the maximum is 40960 bytes"},
		{"test event not json", "TestFunctionRequest", testReq(`<EventObject>` + b64(`{"request":`) + `</EventObject>`), "InvalidArgument", "invalid event object"},
		{"test event with bad field", "TestFunctionRequest", testReq(`<EventObject>` + b64(`{"request":{"method":"GET","uri":1}}`) + `</EventObject>`), "InvalidArgument", "request.uri"},
		{"store missing name", "CreateKeyValueStoreRequest", `<CreateKeyValueStoreRequest><Comment>c</Comment></CreateKeyValueStoreRequest>`, "InvalidArgument", "Name is required"},
		{"store bad name", "CreateKeyValueStoreRequest", `<CreateKeyValueStoreRequest><Name>a/b</Name></CreateKeyValueStoreRequest>`, "InvalidArgument", `"a/b" is not valid`},
		{"store import without type", "CreateKeyValueStoreRequest", store(`<ImportSource><SourceARN>arn:aws:s3:::bucket/k</SourceARN></ImportSource>`), "InvalidArgument", "SourceType is required"},
		{"store import without arn", "CreateKeyValueStoreRequest", store(`<ImportSource><SourceType>S3</SourceType></ImportSource>`), "InvalidArgument", "SourceARN is required"},
		{"store import bad type", "CreateKeyValueStoreRequest", store(`<ImportSource><SourceType>FTP</SourceType><SourceARN>arn:aws:s3:::bucket/k</SourceARN></ImportSource>`), "InvalidArgument", `"FTP" is not supported`},
		{"store import bad arn", "CreateKeyValueStoreRequest", store(`<ImportSource><SourceType>S3</SourceType><SourceARN>s3://bucket/k</SourceARN></ImportSource>`), "InvalidArgument", "not an S3 object ARN"},
		{"update store without comment", "UpdateKeyValueStoreRequest", `<UpdateKeyValueStoreRequest/>`, "InvalidArgument", "Comment is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAs(tt.root, tt.body)
			code, msg := awserror.CloudFront(err)
			if err == nil || code.Name != tt.code || !strings.Contains(msg, tt.msg) {
				t.Errorf("error = %v (%s: %q); want %s containing %q", err, code.Name, msg, tt.code, tt.msg)
			}
		})
	}
}

// node is a generic XML element, to check rendered documents without the
// package's own types.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

// values returns the text of every element at path ("a/b/c") below n.
func (n node) values(path string) []string {
	head, rest, more := strings.Cut(path, "/")
	var out []string
	for _, c := range n.Nodes {
		if c.XMLName.Local != head {
			continue
		}
		if more {
			out = append(out, c.values(rest)...)
		} else {
			out = append(out, c.Text)
		}
	}
	return out
}

func TestWriteResponses(t *testing.T) {
	created := time.Date(2023, 11, 7, 19, 53, 50, 334_000_000, time.UTC)
	modified := time.Date(2023, 11, 8, 1, 2, 3, 0, time.FixedZone("x", 3600))
	fn := &edgefn.Function{
		Account: "123456789012", Name: "fn", Stage: edgefn.StageDevelopment, Status: edgefn.StatusUnpublished,
		Config:  edgefn.FunctionConfig{Comment: "", Runtime: edgefn.RuntimeJS2, KeyValueStoreARNs: []string{testARN}},
		Created: created, LastModified: modified,
	}
	plain := &edgefn.Function{Account: "123456789012", Name: "plain", Stage: edgefn.StageLive, Status: edgefn.StatusUnassociated,
		Config: edgefn.FunctionConfig{Comment: "c", Runtime: edgefn.RuntimeJS1}, Created: created, LastModified: created}
	kvs := &edgefn.KeyValueStore{Account: "123456789012", Name: "kvs", ID: "54947df8-0e9e-4471-a2f9-9af509fb5889", Status: edgefn.KVSReady, LastModified: created}
	tests := []struct {
		name   string
		root   string
		value  any
		want   map[string][]string // path below the root: texts
		absent []string
	}{
		{"function summary", "FunctionSummary", summary(fn), map[string][]string{
			"Name":                   {"fn"},
			"Status":                 {"UNPUBLISHED"},
			"FunctionConfig/Comment": {""},
			"FunctionConfig/Runtime": {"cloudfront-js-2.0"},
			"FunctionConfig/KeyValueStoreAssociations/Quantity":                                        {"1"},
			"FunctionConfig/KeyValueStoreAssociations/Items/KeyValueStoreAssociation/KeyValueStoreARN": {testARN},
			"FunctionMetadata/FunctionARN":                                                             {"arn:aws:cloudfront::123456789012:function/fn"},
			"FunctionMetadata/Stage":                                                                   {"DEVELOPMENT"},
			"FunctionMetadata/CreatedTime":                                                             {"2023-11-07T19:53:50.334Z"},
			"FunctionMetadata/LastModifiedTime":                                                        {"2023-11-08T00:02:03.000Z"},
		}, nil},
		{"function summary without stores", "FunctionSummary", summary(plain), map[string][]string{
			"FunctionConfig/Comment": {"c"},
			"FunctionMetadata/Stage": {"LIVE"},
		}, []string{"FunctionConfig/KeyValueStoreAssociations"}},
		{"function list", "FunctionList", newList([]functionSummaryXML{summary(fn), summary(plain)}, 2, "plain"), map[string][]string{
			"NextMarker":                 {"plain"},
			"MaxItems":                   {"2"},
			"Quantity":                   {"2"},
			"Items/FunctionSummary/Name": {"fn", "plain"},
		}, nil},
		{"empty function list", "FunctionList", newList([]functionSummaryXML{}, 100, ""), map[string][]string{
			"MaxItems": {"100"},
			"Quantity": {"0"},
		}, []string{"Items", "NextMarker"}},
		{"test result", "TestResult", testResultXML{
			FunctionSummary: summary(plain), ComputeUtilization: "12",
			FunctionExecutionLogs: logsXML{Lines: []string{"line 1", "<b>&"}},
			FunctionOutput:        `{"request":{"uri":"/"}}`,
		}, map[string][]string{
			"FunctionSummary/Name":         {"plain"},
			"ComputeUtilization":           {"12"},
			"FunctionExecutionLogs/member": {"line 1", "<b>&"},
			"FunctionErrorMessage":         {""},
			"FunctionOutput":               {`{"request":{"uri":"/"}}`},
		}, nil},
		{"test result without logs", "TestResult", testResultXML{FunctionSummary: summary(plain), ComputeUtilization: "0", FunctionErrorMessage: "SyntaxError: x"}, map[string][]string{
			"FunctionExecutionLogs": {""},
			"FunctionErrorMessage":  {"SyntaxError: x"},
			"FunctionOutput":        {""},
		}, []string{"FunctionExecutionLogs/member"}},
		{"key value store", "KeyValueStore", storeXML(kvs), map[string][]string{
			"Name":             {"kvs"},
			"Id":               {kvs.ID},
			"ARN":              {testARN},
			"Status":           {"READY"},
			"LastModifiedTime": {"2023-11-07T19:53:50.334Z"},
		}, []string{"Comment"}},
		{"key value store list", "KeyValueStoreList", newList([]keyValueStoreXML{storeXML(kvs)}, 1, ""), map[string][]string{
			"Quantity":                {"1"},
			"Items/KeyValueStore/Id":  {kvs.ID},
			"Items/KeyValueStore/ARN": {testARN},
		}, []string{"NextMarker"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := writeXML(rec, 200, tt.root, tt.value); err != nil {
				t.Fatal(err)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q", ct)
			}
			body := rec.Body.String()
			if !strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`) {
				t.Errorf("no XML declaration: %s", body)
			}
			var root node
			if err := xml.Unmarshal(rec.Body.Bytes(), &root); err != nil {
				t.Fatalf("rendered XML does not parse: %v\n%s", err, body)
			}
			if root.XMLName != (xml.Name{Space: namespace, Local: tt.root}) {
				t.Errorf("root = %v; want %s in %s", root.XMLName, tt.root, namespace)
			}
			for path, want := range tt.want {
				if got := root.values(path); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %q; want %q\n%s", path, got, want, body)
				}
			}
			for _, path := range tt.absent {
				if got := root.values(path); got != nil {
					t.Errorf("%s present (%q); want absent\n%s", path, got, body)
				}
			}
		})
	}
}
