package sigv4

import (
	"context"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
	"github.com/aws/smithy-go"
)

const testKVSARN = "arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

// seenRequest is one request the test server received and what Verify said.
type seenRequest struct {
	method, requestURI, host string
	id                       *Identity
	err                      error
	// tamperedErr is Verify's answer for the same request with one byte more body.
	tamperedErr error
}

// sdkServer verifies every request with v, records it, and answers with ok
// (or a 403 naming the error code, which is all the SDKs need to fail).
type sdkServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newSDKServer(t *testing.T, v *Verifier, ok func(http.ResponseWriter)) *sdkServer {
	s := &sdkServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		id, verr := v.Verify(r, body)
		_, terr := v.Verify(r, append(body, ' '))
		s.mu.Lock()
		s.seen = append(s.seen, seenRequest{r.Method, r.RequestURI, r.Host, id, verr, terr})
		s.mu.Unlock()
		var e *Error
		switch {
		case !errors.As(verr, &e):
		case strings.HasPrefix(r.URL.Path, "/2020-05-31/"):
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(e.Status)
			io.WriteString(w, "<ErrorResponse><Error><Type>Sender</Type><Code>"+e.Code+"</Code><Message>"+
				html.EscapeString(e.Message)+"</Message></Error><RequestId>r</RequestId></ErrorResponse>")
			return
		default:
			w.Header().Set("X-Amzn-ErrorType", e.Code)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(e.Status)
			io.WriteString(w, `{"message":"`+e.Message+`"}`)
			return
		}
		ok(w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sdkServer) take() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := s.seen
	s.seen = nil
	return seen
}

// pinnedConfig is an SDK config whose connections all go to srv, whatever host
// the SDK puts in the URL (the KVS client prefixes the account id to it).
func pinnedConfig(t *testing.T, srv *sdkServer, c Credential, region string) aws.Config {
	addr := srv.Listener.Addr().String()
	var dialer net.Dialer
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}
	t.Cleanup(transport.CloseIdleConnections)
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""),
		HTTPClient:       &http.Client{Transport: transport},
		RetryMaxAttempts: 1,
	}
}

func TestKeyValueStoreClientSignaturesVerify(t *testing.T) {
	srv := newSDKServer(t, NewVerifier(testKeyring(t)), func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	client := cloudfrontkeyvaluestore.NewFromConfig(pinnedConfig(t, srv, testCred, "us-west-2"), func(o *cloudfrontkeyvaluestore.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
		// uri is a substring the request target must contain.
		uri string
	}{
		{"GetKey", func() error {
			_, err := client.GetKey(ctx, &cloudfrontkeyvaluestore.GetKeyInput{KvsARN: aws.String(testKVSARN), Key: aws.String("my key/ü")})
			return err
		}, "%2Fa1b2c3d4-5678-90ab-cdef-EXAMPLE11111/keys/my%20key%2F%C3%BC"},
		{"PutKey", func() error {
			_, err := client.PutKey(ctx, &cloudfrontkeyvaluestore.PutKeyInput{KvsARN: aws.String(testKVSARN), Key: aws.String("k1"), Value: aws.String("v1"), IfMatch: aws.String("KV0ETAG")})
			return err
		}, "/keys/k1"},
		{"ListKeys", func() error {
			_, err := client.ListKeys(ctx, &cloudfrontkeyvaluestore.ListKeysInput{KvsARN: aws.String(testKVSARN), MaxResults: aws.Int32(10), NextToken: aws.String("abc= /+")})
			return err
		}, "NextToken=abc%3D%20%2F%2B"},
		{"UpdateKeys", func() error {
			_, err := client.UpdateKeys(ctx, &cloudfrontkeyvaluestore.UpdateKeysInput{KvsARN: aws.String(testKVSARN), IfMatch: aws.String("KV0ETAG"),
				Puts:    []kvstypes.PutKeyRequestListItem{{Key: aws.String("a"), Value: aws.String("1")}},
				Deletes: []kvstypes.DeleteKeyRequestListItem{{Key: aws.String("b")}}})
			return err
		}, "/keys"},
		{"DeleteKey", func() error {
			_, err := client.DeleteKey(ctx, &cloudfrontkeyvaluestore.DeleteKeyInput{KvsARN: aws.String(testKVSARN), Key: aws.String("k1"), IfMatch: aws.String("KV0ETAG")})
			return err
		}, "/keys/k1"},
		{"DescribeKeyValueStore", func() error {
			_, err := client.DescribeKeyValueStore(ctx, &cloudfrontkeyvaluestore.DescribeKeyValueStoreInput{KvsARN: aws.String(testKVSARN)})
			return err
		}, "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2F"},
	}
	want := Identity{AccessKeyID: testCred.AccessKeyID, AccountID: testCred.AccountID,
		Service: ServiceKeyValueStore, Region: "*", Algorithm: AlgorithmSigV4A}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err != nil {
				t.Fatalf("client: %v", err)
			}
			seen := srv.take()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests", len(seen))
			}
			s := seen[0]
			if s.err != nil || *s.id != want {
				t.Fatalf("Verify = %+v, %v; want %+v", s.id, s.err, want)
			}
			wantCode(t, s.tamperedErr, CodeSignatureDoesNotMatch)
			if !strings.HasPrefix(s.host, "123456789012.127.0.0.1:") || !strings.Contains(s.requestURI, c.uri) {
				t.Errorf("request %s %s (host %s) does not look like the SDK's %s", s.method, s.requestURI, s.host, c.name)
			}
		})
	}
}

func TestKeyValueStoreClientWrongSecret(t *testing.T) {
	srv := newSDKServer(t, NewVerifier(testKeyring(t)), func(w http.ResponseWriter) { io.WriteString(w, `{}`) })
	wrong := testCred
	wrong.SecretAccessKey = "wrong"
	client := cloudfrontkeyvaluestore.NewFromConfig(pinnedConfig(t, srv, wrong, "us-west-2"), func(o *cloudfrontkeyvaluestore.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	_, err := client.GetKey(context.Background(), &cloudfrontkeyvaluestore.GetKeyInput{KvsARN: aws.String(testKVSARN), Key: aws.String("k")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != CodeSignatureDoesNotMatch {
		t.Fatalf("client error = %v, want %s", err, CodeSignatureDoesNotMatch)
	}
	seen := srv.take()
	if len(seen) != 1 {
		t.Fatalf("server saw %d requests", len(seen))
	}
	wantCode(t, seen[0].err, CodeSignatureDoesNotMatch)
}

func TestCloudFrontClientSignaturesVerify(t *testing.T) {
	srv := newSDKServer(t, NewVerifier(testKeyring(t)), func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("ETag", "E1")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `<FunctionSummary xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Name>fn</Name></FunctionSummary>`)
	})
	tests := []struct {
		region string
		cred   Credential
		code   string
	}{
		{"us-west-2", testCred, ""},
		{"eu-west-1", otherCred, ""},
		{"us-east-1", Credential{AccessKeyID: testCred.AccessKeyID, SecretAccessKey: "wrong"}, CodeSignatureDoesNotMatch},
		{"us-east-1", Credential{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, CodeInvalidClientTokenID},
	}
	for _, tt := range tests {
		t.Run(tt.region+"/"+tt.cred.AccessKeyID+"/"+tt.code, func(t *testing.T) {
			client := cloudfront.NewFromConfig(pinnedConfig(t, srv, tt.cred, tt.region), func(o *cloudfront.Options) {
				o.BaseEndpoint = aws.String(srv.URL)
			})
			_, err := client.CreateFunction(context.Background(), &cloudfront.CreateFunctionInput{
				Name:         aws.String("fn"),
				FunctionCode: []byte("function handler(event) { return event.request; }"),
				FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String("c"), Runtime: cftypes.FunctionRuntimeCloudfrontJs20,
					KeyValueStoreAssociations: &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(1),
						Items: []cftypes.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(testKVSARN)}}}},
			})
			if (err == nil) != (tt.code == "") {
				t.Fatalf("client error = %v", err)
			}
			seen := srv.take()
			if len(seen) != 1 {
				t.Fatalf("server saw %d requests", len(seen))
			}
			s := seen[0]
			wantCode(t, s.err, tt.code)
			if tt.code != "" {
				return
			}
			want := Identity{AccessKeyID: tt.cred.AccessKeyID, AccountID: tt.cred.AccountID,
				Service: ServiceCloudFront, Region: tt.region, Algorithm: AlgorithmSigV4}
			if *s.id != want {
				t.Errorf("identity = %+v, want %+v", *s.id, want)
			}
			wantCode(t, s.tamperedErr, CodeSignatureDoesNotMatch)
			if s.method != http.MethodPost || s.requestURI != "/2020-05-31/function" {
				t.Errorf("request %s %s", s.method, s.requestURI)
			}
		})
	}
}

// TestSDKCorrectsClockSkew shows why skew is reported as SignatureDoesNotMatch:
// the SDK reads the server's Date header from that error and re-signs. (Only
// the SigV4 client is checked: aws-sdk-go-v2's SigV4A adapter computes the
// corrected signing time but discards it, so KVS clients cannot recover.)
func TestSDKCorrectsClockSkew(t *testing.T) {
	serverClock := func() time.Time { return time.Now().Add(time.Hour) }
	srv := newSDKServer(t, NewVerifier(testKeyring(t), WithClock(serverClock)), func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<FunctionList/>`)
	})
	// The Date header must come from the same skewed clock.
	handler := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", serverClock().UTC().Format(http.TimeFormat))
		handler.ServeHTTP(w, r)
	})
	cfg := pinnedConfig(t, srv, testCred, "us-west-2")
	cfg.RetryMaxAttempts = 2
	client := cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	if _, err := client.ListFunctions(context.Background(), &cloudfront.ListFunctionsInput{}); err != nil {
		t.Fatalf("client did not recover from skew: %v", err)
	}
	seen := srv.take()
	if len(seen) != 2 {
		t.Fatalf("server saw %d requests, want a rejected one and a corrected retry", len(seen))
	}
	wantCode(t, seen[0].err, CodeSignatureDoesNotMatch)
	wantCode(t, seen[1].err, "")
}
