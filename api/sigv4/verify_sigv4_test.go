package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const kvsARNPath = "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fa1b2c3d4-5678-90ab-cdef-EXAMPLE11111"

// requestShape is one request the SDK signer signs and Verify must accept.
type requestShape struct {
	name, method, target string
	body                 string
	header               map[string][]string
}

var requestShapes = []requestShape{
	{name: "create function", method: "POST", target: "/2020-05-31/function",
		body:   `<CreateFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Name>fn</Name></CreateFunctionRequest>`,
		header: map[string][]string{"Content-Type": {"application/xml"}}},
	{name: "list functions", method: "GET", target: "/2020-05-31/function?Marker=m&MaxItems=5&Stage=LIVE"},
	{name: "escaped key path", method: "GET", target: kvsARNPath + "/keys/my%20key%2F%C3%BC"},
	{name: "put key with if-match", method: "PUT", target: kvsARNPath + "/keys/k%2F1", body: `{"Value":"v1"}`,
		header: map[string][]string{"Content-Type": {"application/json"}, "If-Match": {"KV0ETAG"}}},
	{name: "query with spaces, equals and repeats", method: "GET",
		target: "/2020-05-31/function?b=2&a=x%20y&a=1&c=p%3Dq&d=plus+sign&e=%C3%BC&MaxItems=5"},
	{name: "valueless query", method: "POST", target: "/2020-05-31/distribution?WithTags", body: "<x/>"},
	{name: "content sha256 header", method: "POST", target: kvsARNPath + "/keys", body: `{"Puts":[{"Key":"a","Value":"1"}]}`,
		header: map[string][]string{"X-Amz-Content-Sha256": {sha256Hex([]byte(`{"Puts":[{"Key":"a","Value":"1"}]}`))}}},
	{name: "unsigned payload", method: "POST", target: kvsARNPath + "/keys", body: `{"Deletes":[]}`,
		header: map[string][]string{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}},
	{name: "repeated and spaced headers", method: "GET", target: "/2020-05-31/function/fn",
		header: map[string][]string{"X-Custom": {"a   b", "  c "}, "Amz-Sdk-Request": {"attempt=1; max=3"}}},
}

func (s requestShape) build(t testing.TB, host string) (*http.Request, []byte) {
	t.Helper()
	body := []byte(s.body)
	req := newRequest(t, s.method, "http://"+host+s.target, body)
	for k, vs := range s.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req, body
}

func TestVerifySigV4AcceptsSDKSignatures(t *testing.T) {
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1"} {
		for _, service := range []string{ServiceCloudFront, ServiceKeyValueStore} {
			for _, shape := range requestShapes {
				t.Run(region+"/"+service+"/"+shape.name, func(t *testing.T) {
					req, body := shape.build(t, "127.0.0.1:9999")
					signV4(t, req, body, testCred, service, region, testNow)
					id, err := v.Verify(overTheWire(t, req), body)
					wantCode(t, err, "")
					want := Identity{AccessKeyID: testCred.AccessKeyID, AccountID: testCred.AccountID,
						Service: service, Region: region, Algorithm: AlgorithmSigV4}
					if *id != want {
						t.Errorf("identity = %+v, want %+v", *id, want)
					}
				})
			}
		}
	}
}

// signedRequest is a request as the server receives it after the SDK signed it.
type signedRequest struct {
	r    *http.Request
	body []byte
}

func TestVerifySigV4Rejects(t *testing.T) {
	const host = "127.0.0.1:9999"
	putKey := requestShapes[3]
	sign := func(t *testing.T, c Credential, at time.Time, service string, edit func(*http.Request)) signedRequest {
		req, body := putKey.build(t, host)
		signV4(t, req, body, c, service, "us-west-2", at)
		if edit != nil {
			edit(req)
		}
		return signedRequest{overTheWire(t, req), body}
	}
	setAuth := func(from, to string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), from, to, 1))
		}
	}
	tests := []struct {
		name string
		req  func(t *testing.T) signedRequest
		code string
	}{
		{"baseline is accepted", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, nil)
		}, ""},
		{"unsigned header changed", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Set("User-Agent", "other") })
		}, ""},
		{"upper-case hex signature", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				auth := r.Header.Get("Authorization")
				i := strings.Index(auth, "Signature=") + len("Signature=")
				r.Header.Set("Authorization", auth[:i]+strings.ToUpper(auth[i:]))
			})
		}, ""},
		{"14 minutes old", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow.Add(-14*time.Minute), ServiceCloudFront, nil)
		}, ""},
		{"wrong secret", func(t *testing.T) signedRequest {
			c := testCred
			c.SecretAccessKey = "not-the-secret"
			return sign(t, c, testNow, ServiceCloudFront, nil)
		}, CodeSignatureDoesNotMatch},
		{"another key's secret", func(t *testing.T) signedRequest {
			c := testCred
			c.SecretAccessKey = otherCred.SecretAccessKey
			return sign(t, c, testNow, ServiceCloudFront, nil)
		}, CodeSignatureDoesNotMatch},
		{"unknown key", func(t *testing.T) signedRequest {
			c := testCred
			c.AccessKeyID = "AKIDUNKNOWN"
			return sign(t, c, testNow, ServiceCloudFront, nil)
		}, CodeInvalidClientTokenID},
		{"tampered body", func(t *testing.T) signedRequest {
			s := sign(t, testCred, testNow, ServiceCloudFront, nil)
			s.body = []byte(`{"Value":"v2"}`)
			return s
		}, CodeSignatureDoesNotMatch},
		{"tampered body under a content hash", func(t *testing.T) signedRequest {
			req, body := putKey.build(t, host)
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex(body))
			signV4(t, req, body, testCred, ServiceCloudFront, "us-west-2", testNow)
			return signedRequest{overTheWire(t, req), []byte(`{"Value":"v2"}`)}
		}, CodeContentSHA256Mismatch},
		{"tampered path", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				r.URL.RawPath = strings.Replace(r.URL.RawPath, "k%2F1", "k%2F2", 1)
				r.URL.Path = strings.Replace(r.URL.Path, "k/1", "k/2", 1)
			})
		}, CodeSignatureDoesNotMatch},
		{"path escaping changed", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				r.URL.RawPath = strings.Replace(r.URL.RawPath, "k%2F1", "k%2f1", 1)
			})
		}, CodeSignatureDoesNotMatch},
		{"tampered query", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.URL.RawQuery = "x=1" })
		}, CodeSignatureDoesNotMatch},
		{"tampered signed header", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Set("If-Match", "OTHER") })
		}, CodeSignatureDoesNotMatch},
		{"tampered host", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Host = "127.0.0.1:9998" })
		}, CodeSignatureDoesNotMatch},
		{"expired date", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow.Add(-16*time.Minute), ServiceCloudFront, nil)
		}, CodeSignatureDoesNotMatch},
		{"date in the future", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow.Add(16*time.Minute), ServiceCloudFront, nil)
		}, CodeSignatureDoesNotMatch},
		{"other service", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, "s3", nil)
		}, CodeSignatureDoesNotMatch},
		{"scope date differs from X-Amz-Date", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth("/20261122/", "/20261121/"))
		}, CodeSignatureDoesNotMatch},
		{"bad scope terminator", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth("/aws4_request", "/aws5_request"))
		}, CodeSignatureDoesNotMatch},
		{"missing authorization", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Del("Authorization") })
		}, CodeMissingAuthenticationToken},
		{"unsupported algorithm", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"))
		}, CodeIncompleteSignature},
		{"not an AWS4 header", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") })
		}, CodeIncompleteSignature},
		{"missing signature parameter", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth("Signature=", "Sig="))
		}, CodeIncompleteSignature},
		{"empty signature", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				auth := r.Header.Get("Authorization")
				r.Header.Set("Authorization", auth[:strings.Index(auth, "Signature=")+len("Signature=")])
			})
		}, CodeIncompleteSignature},
		{"duplicate credential parameter", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				r.Header.Set("Authorization", r.Header.Get("Authorization")+", Credential=AKIDTESTTWO/20261122/us-west-2/cloudfront/aws4_request")
			})
		}, CodeIncompleteSignature},
		{"credential without region", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth("/us-west-2/", "/"))
		}, CodeIncompleteSignature},
		{"host not signed", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth(";host;", ";"))
		}, CodeIncompleteSignature},
		{"x-amz-date not signed", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, setAuth(";x-amz-date", ""))
		}, CodeIncompleteSignature},
		{"no date header", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Del("X-Amz-Date") })
		}, CodeIncompleteSignature},
		{"malformed X-Amz-Date", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-22T14:00:14Z") })
		}, CodeIncompleteSignature},
		{"header and query authentication together", func(t *testing.T) signedRequest {
			return sign(t, testCred, testNow, ServiceCloudFront, func(r *http.Request) {
				r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"
			})
		}, CodeIncompleteSignature},
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.req(t)
			_, err := v.Verify(s.r, s.body)
			wantCode(t, err, tt.code)
		})
	}
}

func TestVerifySkewMessages(t *testing.T) {
	tests := []struct {
		signedAt time.Time
		prefix   string
	}{
		{testNow.Add(-time.Hour), "Signature expired: 20261122T130014Z is now earlier than 20261122T134514Z (20261122T140014Z - 15m0s)."},
		{testNow.Add(time.Hour), "Signature not yet current: 20261122T150014Z is still later than 20261122T141514Z (20261122T140014Z + 15m0s)."},
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range tests {
		req := newRequest(t, "GET", "http://h/2020-05-31/function", nil)
		signV4(t, req, nil, testCred, ServiceCloudFront, "us-east-1", tt.signedAt)
		_, err := v.Verify(overTheWire(t, req), nil)
		wantCode(t, err, CodeSignatureDoesNotMatch)
		if e := err.(*Error); e.Message != tt.prefix || e.Status != http.StatusForbidden {
			t.Errorf("error = %d %q, want 403 %q", e.Status, e.Message, tt.prefix)
		}
	}
}

func TestWithMaxSkew(t *testing.T) {
	req := newRequest(t, "GET", "http://h/2020-05-31/function", nil)
	signV4(t, req, nil, testCred, ServiceCloudFront, "us-east-1", testNow.Add(-2*time.Minute))
	r := overTheWire(t, req)
	for skew, code := range map[time.Duration]string{time.Minute: CodeSignatureDoesNotMatch, 3 * time.Minute: ""} {
		_, err := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)), WithMaxSkew(skew)).Verify(r, nil)
		wantCode(t, err, code)
	}
}

func TestVerifySigV4NormalizedPath(t *testing.T) {
	// JavaScript and Python signers sign the path with empty and dot segments
	// removed; the request still carries them.
	tests := []struct {
		sent string
		code string
	}{
		{"/2020-05-31//function/./fn", ""},
		{"/2020-05-31/function/x/../fn", ""},
		{"/2020-05-31/function/fn2/../x", CodeSignatureDoesNotMatch},
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range tests {
		req := newRequest(t, "GET", "http://h/2020-05-31/function/fn", nil)
		signV4(t, req, nil, testCred, ServiceCloudFront, "us-east-1", testNow)
		r := overTheWire(t, req)
		r.RequestURI = tt.sent
		_, err := v.Verify(r, nil)
		wantCode(t, err, tt.code)
	}
}

func TestVerifySigV4SessionTokenIsSigned(t *testing.T) {
	req := newRequest(t, "GET", "http://h/2020-05-31/function", nil)
	creds := aws.Credentials{AccessKeyID: testCred.AccessKeyID, SecretAccessKey: testCred.SecretAccessKey, SessionToken: "tok"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(nil), ServiceCloudFront, "us-east-1", testNow); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(req.Header.Get("Authorization"), "x-amz-security-token") {
		t.Fatal("signer did not sign the session token")
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	r := overTheWire(t, req)
	_, err := v.Verify(r, nil)
	wantCode(t, err, "")
	r.Header.Set("X-Amz-Security-Token", "other")
	_, err = v.Verify(r, nil)
	wantCode(t, err, CodeSignatureDoesNotMatch)
}

func TestVerifySigV4Presigned(t *testing.T) {
	presign := func(t *testing.T, expires int) *http.Request {
		req := newRequest(t, "GET", "http://127.0.0.1:9999/2020-05-31/function?Stage=LIVE&Marker=a%20b", nil)
		if expires > 0 {
			q := req.URL.Query()
			q.Set("X-Amz-Expires", strconv.Itoa(expires))
			req.URL.RawQuery = q.Encode()
		}
		creds := aws.Credentials{AccessKeyID: testCred.AccessKeyID, SecretAccessKey: testCred.SecretAccessKey}
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sha256Hex(nil), ServiceCloudFront, "eu-west-1", testNow)
		if err != nil {
			t.Fatal(err)
		}
		out := newRequest(t, "GET", u, nil)
		for k, vs := range hdr {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return overTheWire(t, out)
	}
	tests := []struct {
		name    string
		expires int
		at      time.Time
		edit    func(*http.Request)
		code    string
	}{
		{"fresh", 300, testNow.Add(time.Minute), nil, ""},
		{"no X-Amz-Expires", 0, testNow.Add(time.Minute), nil, ""},
		{"no X-Amz-Expires, skewed", 0, testNow.Add(16 * time.Minute), nil, CodeSignatureDoesNotMatch},
		{"past X-Amz-Expires", 300, testNow.Add(6 * time.Minute), nil, CodeRequestExpired},
		{"long X-Amz-Expires", 3600, testNow.Add(30 * time.Minute), nil, ""},
		{"expires too long", 604801, testNow, nil, CodeIncompleteSignature},
		{"expires overflowing a duration", 1 << 62, testNow, nil, CodeIncompleteSignature},
		{"tampered query", 300, testNow, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "Stage=LIVE", "Stage=DEVELOPMENT", 1)
		}, CodeSignatureDoesNotMatch},
		{"tampered expiry", 300, testNow, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "X-Amz-Expires=300", "X-Amz-Expires=900", 1)
		}, CodeSignatureDoesNotMatch},
		{"signature missing", 300, testNow, func(r *http.Request) {
			r.RequestURI = strings.Replace(r.RequestURI, "X-Amz-Signature=", "X-Amz-Sig=", 1)
		}, CodeIncompleteSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := presign(t, tt.expires)
			if tt.edit != nil {
				tt.edit(r)
			}
			id, err := NewVerifier(testKeyring(t), WithClock(fixedClock(tt.at))).Verify(r, nil)
			wantCode(t, err, tt.code)
			if err == nil && (id.Region != "eu-west-1" || id.Algorithm != AlgorithmSigV4) {
				t.Errorf("identity = %+v", id)
			}
		})
	}
}

// TestVerifySigV4DateHeader signs by hand, with the HTTP Date header instead
// of X-Amz-Date, which the SDK never does.
func TestVerifySigV4DateHeader(t *testing.T) {
	const date = "Sun, 22 Nov 2026 14:00:14 GMT"
	canonical := "GET\n/2020-05-31/function\n\ndate:" + date + "\nhost:example.com\n\ndate;host\n" + sha256Hex(nil)
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	key := []byte("AWS4" + testCred.SecretAccessKey)
	for _, s := range []string{"20261122", "ap-southeast-2", "cloudfront", "aws4_request"} {
		key = mac(key, s)
	}
	sts := "AWS4-HMAC-SHA256\n20261122T140014Z\n20261122/ap-southeast-2/cloudfront/aws4_request\n" + sha256Hex([]byte(canonical))
	auth := "AWS4-HMAC-SHA256 Credential=" + testCred.AccessKeyID + "/20261122/ap-southeast-2/cloudfront/aws4_request,SignedHeaders=date;host,Signature=" + hex.EncodeToString(mac(key, sts))

	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range []struct{ signed, code string }{
		{"date;host", ""},
		{"host", CodeIncompleteSignature},
	} {
		r := readRequest(t, "GET /2020-05-31/function HTTP/1.1\r\nHost: example.com\r\nDate: "+date+"\r\n"+
			"Authorization: "+strings.Replace(auth, "date;host", tt.signed, 1)+"\r\n\r\n")
		_, err := v.Verify(r, nil)
		wantCode(t, err, tt.code)
	}
}

func TestErrorStatuses(t *testing.T) {
	tests := []struct {
		err    *Error
		code   string
		status int
	}{
		{errMissingAuth(), CodeMissingAuthenticationToken, 403},
		{errIncomplete("x"), CodeIncompleteSignature, 400},
		{errUnknownKey(), CodeInvalidClientTokenID, 403},
		{errSignature(), CodeSignatureDoesNotMatch, 403},
		{errExpired(), CodeRequestExpired, 403},
		{errContentHash(), CodeContentSHA256Mismatch, 400},
	}
	for _, tt := range tests {
		if tt.err.Code != tt.code || tt.err.Status != tt.status || tt.err.Message == "" {
			t.Errorf("%+v, want code %s status %d", tt.err, tt.code, tt.status)
		}
		if tt.err.Error() != tt.code+": "+tt.err.Message {
			t.Errorf("Error() = %q", tt.err.Error())
		}
	}
	if errUnknownKey().Message != "The security token included in the request is invalid." {
		t.Errorf("unknown key message %q", errUnknownKey().Message)
	}
}
