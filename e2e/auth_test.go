package e2e

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
)

var (
	accountA = account{AccessKeyID: "AKIAE2EACCOUNTA00001", SecretAccessKey: "secret-of-account-a", AccountID: "111111111111"}
	accountB = account{AccessKeyID: "AKIAE2EACCOUNTB00001", SecretAccessKey: "secret-of-account-b", AccountID: "222222222222"}
)

// TestAccountIsolation runs two accounts from a credentials file: neither sees
// or changes the other's functions and stores, on either plane.
func TestAccountIsolation(t *testing.T) {
	s := startServer(t, serverConfig{accounts: []account{accountA, accountB}})
	cfA, cfB := s.cloudFront(accountA), s.cloudFront(accountB)
	dataA, dataB := s.keyValueStore(accountA), s.keyValueStore(accountB)
	c := ctx(t)

	arnA := createStore(t, cfA, "shared-name")
	etagA := createFunction(t, cfA, "shared-name", taggingCode("a"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, arnA))
	storeA, err := cfA.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("shared-name")})
	if err != nil {
		t.Fatal(err)
	}
	dataETagA := dataETag(t, dataA, arnA)
	if _, err := dataA.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arnA, Key: aws.String("secret"), Value: aws.String("a's"), IfMatch: &dataETagA}); err != nil {
		t.Fatal(err)
	}
	dataETagA = dataETag(t, dataA, arnA)

	runErrorCases(t, []errorCase{
		{"B describes A's function", func(c context.Context) error {
			_, err := cfB.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String("shared-name")})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"B gets A's code", func(c context.Context) error {
			_, err := cfB.GetFunction(c, &cloudfront.GetFunctionInput{Name: aws.String("shared-name")})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"B updates A's function", func(c context.Context) error {
			_, err := cfB.UpdateFunction(c, &cloudfront.UpdateFunctionInput{Name: aws.String("shared-name"), IfMatch: &etagA,
				FunctionCode: taggingCode("b"), FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"B deletes A's function", func(c context.Context) error {
			_, err := cfB.DeleteFunction(c, &cloudfront.DeleteFunctionInput{Name: aws.String("shared-name"), IfMatch: &etagA})
			return err
		}, "NoSuchFunctionExists", 404, isA[*cftypes.NoSuchFunctionExists]},
		{"B describes A's store", func(c context.Context) error {
			_, err := cfB.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("shared-name")})
			return err
		}, "EntityNotFound", 404, isA[*cftypes.EntityNotFound]},
		{"B deletes A's store", func(c context.Context) error {
			_, err := cfB.DeleteKeyValueStore(c, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("shared-name"), IfMatch: storeA.ETag})
			return err
		}, "EntityNotFound", 404, isA[*cftypes.EntityNotFound]},
		{"B associates A's store", func(c context.Context) error {
			_, err := cfB.CreateFunction(c, &cloudfront.CreateFunctionInput{Name: aws.String("thief"), FunctionCode: kvsReaderCode("secret", "b"),
				FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, arnA)})
			return err
		}, "InvalidArgument", 400, isA[*cftypes.InvalidArgument]},
		{"B describes A's store on the data plane", func(c context.Context) error {
			_, err := dataB.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arnA})
			return err
		}, "AccessDeniedException", 403, isA[*kvstypes.AccessDeniedException]},
		{"B reads A's key", func(c context.Context) error {
			_, err := dataB.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arnA, Key: aws.String("secret")})
			return err
		}, "AccessDeniedException", 403, isA[*kvstypes.AccessDeniedException]},
		{"B lists A's keys", func(c context.Context) error {
			_, err := dataB.ListKeys(c, &kvsapi.ListKeysInput{KvsARN: &arnA})
			return err
		}, "AccessDeniedException", 403, isA[*kvstypes.AccessDeniedException]},
		{"B writes A's key", func(c context.Context) error {
			_, err := dataB.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arnA, Key: aws.String("secret"), Value: aws.String("b's"), IfMatch: &dataETagA})
			return err
		}, "AccessDeniedException", 403, isA[*kvstypes.AccessDeniedException]},
		// With a credentials file the development pair is not accepted.
		{"development key", func(c context.Context) error {
			_, err := s.cloudFront(devAccount).ListFunctions(c, &cloudfront.ListFunctionsInput{})
			return err
		}, "InvalidClientTokenId", 403, nil},
	})

	for _, tt := range []struct {
		name string
		cf   *cloudfront.Client
		want int
	}{{"A", cfA, 1}, {"B", cfB, 0}} {
		fns, err := tt.cf.ListFunctions(c, &cloudfront.ListFunctionsInput{})
		if err != nil {
			t.Fatal(err)
		}
		stores, err := tt.cf.ListKeyValueStores(c, &cloudfront.ListKeyValueStoresInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(fns.FunctionList.Items) != tt.want || len(stores.KeyValueStoreList.Items) != tt.want {
			t.Errorf("account %s lists %d functions and %d stores; want %d of each", tt.name, len(fns.FunctionList.Items), len(stores.KeyValueStoreList.Items), tt.want)
		}
	}

	// Names are per account: B may use A's names, and gets resources of its own.
	arnB := createStore(t, cfB, "shared-name")
	if !strings.Contains(arnB, ":"+accountB.AccountID+":") || arnB == arnA {
		t.Errorf("B's store ARN %q; want one in account %s", arnB, accountB.AccountID)
	}
	createFunction(t, cfB, "shared-name", taggingCode("b"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))

	// A's resources are as A left them.
	checkCode(t, cfA, "shared-name", cftypes.FunctionStageDevelopment, taggingCode("a"), etagA)
	got, err := dataA.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arnA, Key: aws.String("secret")})
	if err != nil || aws.ToString(got.Value) != "a's" {
		t.Errorf("A's key after B's attempts = %v, %v", got, err)
	}
	if h := testFunction(t, cfA, "shared-name", etagA, cftypes.FunctionStageDevelopment); h["x-tag"] != "a" {
		t.Errorf("A's function output %v", h)
	}
}

// TestBadSignatures checks that wrong secrets and unknown keys are refused with
// the codes each plane uses, as the SDKs surface them.
func TestBadSignatures(t *testing.T) {
	s := startServer(t, serverConfig{})
	arn := createStore(t, s.cloudFront(devAccount), "signed")
	wrongSecret := account{AccessKeyID: devAccount.AccessKeyID, SecretAccessKey: "not-the-secret", AccountID: devAccount.AccountID}
	unknownKey := account{AccessKeyID: "AKIAUNKNOWNKEY000001", SecretAccessKey: devAccount.SecretAccessKey, AccountID: devAccount.AccountID}
	listFunctions := func(a account) func(context.Context) error {
		return func(c context.Context) error {
			_, err := s.cloudFront(a).ListFunctions(c, &cloudfront.ListFunctionsInput{})
			return err
		}
	}
	getKey := func(a account) func(context.Context) error {
		return func(c context.Context) error {
			_, err := s.keyValueStore(a).GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arn, Key: aws.String("k")})
			return err
		}
	}
	runErrorCases(t, []errorCase{
		{"CloudFront wrong secret", listFunctions(wrongSecret), "SignatureDoesNotMatch", 403, nil},
		{"CloudFront unknown key", listFunctions(unknownKey), "InvalidClientTokenId", 403, nil},
		{"KVS wrong secret", getKey(wrongSecret), "InvalidSignatureException", 403, nil},
		{"KVS unknown key", getKey(unknownKey), "InvalidClientTokenId", 403, nil},
	})

	for _, tt := range []struct {
		name, path string
		check      func(t *testing.T, r rawResponse, code string, status int)
	}{
		{"CloudFront", "/2020-05-31/function", checkXMLError},
		{"KVS", storePath(arn), checkJSONError},
	} {
		t.Run(tt.name+" unsigned", func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, s.url+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s.do(t, req), "MissingAuthenticationToken", 403)
		})
	}
	// A signature names its service; it is no good on the other plane.
	t.Run("CloudFront signed for the KVS service", func(t *testing.T) {
		checkXMLError(t, s.signedRequest(t, devAccount, "cloudfront-keyvaluestore", http.MethodGet, "/2020-05-31/function", nil, nil), "SignatureDoesNotMatch", 403)
	})
	t.Run("KVS signed for the CloudFront service", func(t *testing.T) {
		checkJSONError(t, s.signedRequest(t, devAccount, "cloudfront", http.MethodGet, storePath(arn), nil, nil), "SignatureDoesNotMatch", 403)
	})
}

// TestMalformedRequests sends signed requests no SDK would send and checks the
// AWS-shaped errors, then that the server still serves.
func TestMalformedRequests(t *testing.T) {
	s := startServer(t, serverConfig{})
	arn := createStore(t, s.cloudFront(devAccount), "malformed")
	etag := dataETag(t, s.keyValueStore(devAccount), arn)
	keysPath := storePath(arn) + "/keys"
	xmlHeader := http.Header{"Content-Type": {"application/xml"}}
	jsonHeader := http.Header{"Content-Type": {"application/json"}, "If-Match": {etag}}
	// padded is a CreateFunctionRequest of about n bytes that is otherwise valid.
	padded := func(n int) []byte {
		head := `<CreateFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Name>padded</Name>` +
			`<FunctionConfig><Comment></Comment><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig><FunctionCode>` + b64("function handler(e){return e.request}") + `</FunctionCode><!--`
		return []byte(head + strings.Repeat("x", n-len(head)-4) + `-->`)
	}

	for _, tt := range []struct {
		name, service, method, path string
		body                        []byte
		header                      http.Header
		code                        string
		status                      int
		check                       func(*testing.T, rawResponse, string, int)
	}{
		{"unclosed XML", "cloudfront", "POST", "/2020-05-31/function", []byte(`<CreateFunctionRequest><Name>x</Name`), xmlHeader, "MalformedXML", 400, checkXMLError},
		{"wrong root element", "cloudfront", "POST", "/2020-05-31/function", []byte(`<UpdateFunctionRequest><Name>x</Name></UpdateFunctionRequest>`), xmlHeader, "MalformedXML", 400, checkXMLError},
		{"not XML", "cloudfront", "POST", "/2020-05-31/key-value-store", []byte(`{"Name":"json"}`), xmlHeader, "MalformedXML", 400, checkXMLError},
		{"empty body", "cloudfront", "POST", "/2020-05-31/function", nil, xmlHeader, "MalformedXML", 400, checkXMLError},
		{"bad base64 code", "cloudfront", "POST", "/2020-05-31/function", []byte(`<CreateFunctionRequest><Name>b</Name><FunctionConfig><Comment/><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig><FunctionCode>%%%</FunctionCode></CreateFunctionRequest>`),
			xmlHeader, "InvalidArgument", 400, checkXMLError},
		{"2 MiB document", "cloudfront", "POST", "/2020-05-31/function", padded(2 << 20), xmlHeader, "InvalidArgument", 400, checkXMLError},
		{"body over the 4 MiB cap", "cloudfront", "POST", "/2020-05-31/function", padded(4<<20 + 64<<10), xmlHeader, "InvalidArgument", 400, checkXMLError},
		{"unknown operation", "cloudfront", "GET", "/2020-05-31/no-such-thing", nil, nil, "UnsupportedOperation", 400, checkXMLError},
		{"malformed JSON", "cloudfront-keyvaluestore", "POST", keysPath, []byte(`{"Puts":[{"Key":"a","Value":`), jsonHeader, "ValidationException", 400, checkJSONError},
		{"wrong JSON types", "cloudfront-keyvaluestore", "POST", keysPath, []byte(`{"Puts":"a"}`), jsonHeader, "ValidationException", 400, checkJSONError},
		{"KVS body over the 4 MiB cap", "cloudfront-keyvaluestore", "POST", keysPath, bytes.Repeat([]byte(" "), 4<<20+64<<10), jsonHeader, "ValidationException", 400, checkJSONError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, s.signedRequest(t, devAccount, tt.service, tt.method, tt.path, tt.body, tt.header), tt.code, tt.status)
		})
	}

	// Still serving, and nothing was created or written.
	checkHealthz(t, s)
	fns, err := s.cloudFront(devAccount).ListFunctions(ctx(t), &cloudfront.ListFunctionsInput{})
	if err != nil || len(fns.FunctionList.Items) != 0 {
		t.Errorf("ListFunctions after malformed requests = %v, %v; want no functions", fns, err)
	}
	if got := dataETag(t, s.keyValueStore(devAccount), arn); got != etag {
		t.Errorf("store ETag changed from %s to %s by refused writes", etag, got)
	}
}

// TestHealthz checks the unauthenticated health endpoint.
func TestHealthz(t *testing.T) {
	checkHealthz(t, startServer(t, serverConfig{}))
}
