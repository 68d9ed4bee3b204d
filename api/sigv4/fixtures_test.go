package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test credentials: made up for these tests.
var (
	testCred  = Credential{AccessKeyID: "AKIDTESTONE", SecretAccessKey: "s3cr3t/One+Key=Example", AccountID: "123456789012"}
	otherCred = Credential{AccessKeyID: "AKIDTESTTWO", SecretAccessKey: "another-secret", AccountID: "210987654321"}
	testNow   = time.Date(2026, 11, 22, 14, 0, 14, 0, time.UTC)
)

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := NewKeyring(testCred, otherCred)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// signV4 signs req with the AWS SDK's SigV4 signer. The payload hash is the
// X-Amz-Content-Sha256 header when set, as the SDK middleware does.
func signV4(t testing.TB, req *http.Request, body []byte, c Credential, service, region string, at time.Time) {
	t.Helper()
	hash := req.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		hash = sha256Hex(body)
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, service, region, at); err != nil {
		t.Fatal(err)
	}
}

// newRequest builds a client-side request whose body can be written out.
func newRequest(t testing.TB, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// overTheWire serializes a client request and parses it back as a server
// would receive it (RequestURI, Host, Content-Length as sent).
func overTheWire(t testing.TB, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantCode checks that err is an *Error with the given code (or nil for "").
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error = %#v, want *Error with code %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
}
