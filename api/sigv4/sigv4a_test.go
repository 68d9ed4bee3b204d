package sigv4

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// referenceScalar derives the SigV4A private scalar along a different route
// than deriveScalar: a general multi-block SP 800-108 counter-mode KDF and a
// big.Int comparison with n-2.
func referenceScalar(t testing.TB, accessKeyID, secret string) *big.Int {
	t.Helper()
	kdf := func(key, label, context []byte, bits uint32) []byte {
		var out []byte
		for block := uint32(1); uint32(len(out))*8 < bits; block++ {
			var msg bytes.Buffer
			binary.Write(&msg, binary.BigEndian, block)
			msg.Write(label)
			msg.WriteByte(0)
			msg.Write(context)
			binary.Write(&msg, binary.BigEndian, bits)
			m := hmac.New(sha256.New, key)
			m.Write(msg.Bytes())
			out = m.Sum(out)
		}
		return out[:bits/8]
	}
	limit := new(big.Int).Sub(elliptic.P256().Params().N, big.NewInt(2))
	for counter := 1; counter < 256; counter++ {
		context := append([]byte(accessKeyID), byte(counter))
		c := new(big.Int).SetBytes(kdf([]byte("AWS4A"+secret), []byte("AWS4-ECDSA-P256-SHA256"), context, 256))
		if c.Cmp(limit) < 0 {
			return c.Add(c, big.NewInt(1))
		}
	}
	t.Fatal("no candidate")
	return nil
}

var derivationPairs = []Credential{
	testCred,
	otherCred,
	{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", AccountID: "123456789012"},
	{AccessKeyID: "A", SecretAccessKey: "ü", AccountID: "123456789012"},
	{AccessKeyID: strings.Repeat("K", 128), SecretAccessKey: strings.Repeat("s", 200), AccountID: "123456789012"},
}

func TestDerivedPublicKeyMatchesReference(t *testing.T) {
	v := NewVerifier(testKeyring(t))
	for i, c := range derivationPairs {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			d := referenceScalar(t, c.AccessKeyID, c.SecretAccessKey)
			// crypto/ecdh computes d·G independently of crypto/ecdsa.
			priv, err := ecdh.P256().NewPrivateKey(d.FillBytes(make([]byte, 32)))
			if err != nil {
				t.Fatal(err)
			}
			pub, err := v.publicKey(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := pub.ECDH()
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(priv.PublicKey()) {
				t.Fatalf("public key %x, reference %x", got.Bytes(), priv.PublicKey().Bytes())
			}

			// A signature made with the reference private key verifies, one
			// made with a neighbouring key does not.
			digest := sha256.Sum256([]byte("string to sign"))
			for delta, want := range map[int64]bool{0: true, 1: false} {
				sk, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), new(big.Int).Add(d, big.NewInt(delta)).FillBytes(make([]byte, 32)))
				if err != nil {
					t.Fatal(err)
				}
				sig, err := ecdsa.SignASN1(rand.Reader, sk, digest[:])
				if err != nil {
					t.Fatal(err)
				}
				if ecdsa.VerifyASN1(pub, digest[:], sig) != want {
					t.Errorf("key d+%d: verified = %v, want %v", delta, !want, want)
				}
			}
		})
	}
}

func TestPublicKeyIsCached(t *testing.T) {
	v := NewVerifier(testKeyring(t))
	first, err := v.publicKey(testCred)
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.publicKey(testCred)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("second lookup derived the key again")
	}
}

func TestLessConstantTime(t *testing.T) {
	b := func(s string) []byte { x, _ := hex.DecodeString(s); return x }
	tests := []struct {
		x, y string
		want bool
	}{
		{"00", "00", false},
		{"00", "01", true},
		{"01", "00", false},
		{"0100", "00ff", false},
		{"00ff", "0100", true},
		{"ffff", "ffff", false},
		{"fffe", "ffff", true},
	}
	for _, tt := range tests {
		if got := lessConstantTime(b(tt.x), b(tt.y)); got != tt.want {
			t.Errorf("%s < %s = %v", tt.x, tt.y, got)
		}
	}
	for range 1000 {
		x, y := make([]byte, 32), make([]byte, 32)
		rand.Read(x)
		copy(y, x)
		y[mrand.IntN(32)] ^= byte(1 + mrand.IntN(255)) // x and y share a prefix
		if want := new(big.Int).SetBytes(x).Cmp(new(big.Int).SetBytes(y)) < 0; lessConstantTime(x, y) != want {
			t.Fatalf("%x < %x: got %v", x, y, !want)
		}
	}
}

// signV4A signs a canonical request written out by hand with the reference
// private key, so that these tests do not lean on this package's canonical
// request code.
func signV4A(t testing.TB, c Credential, canonical string) string {
	t.Helper()
	d := referenceScalar(t, c.AccessKeyID, c.SecretAccessKey)
	sk, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d.FillBytes(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	sts := "AWS4-ECDSA-P256-SHA256\n20261122T140014Z\n20261122/cloudfront-keyvaluestore/aws4_request\n" + sha256Hex([]byte(canonical))
	digest := sha256.Sum256([]byte(sts))
	sig, err := ecdsa.SignASN1(rand.Reader, sk, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(sig)
}

func TestVerifySigV4AHandSigned(t *testing.T) {
	const path = "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fid/keys/a%20b"
	const canonicalPath = "/key-value-stores/arn%253Aaws%253Acloudfront%253A%253A123456789012%253Akey-value-store%252Fid/keys/a%2520b"
	scope := testCred.AccessKeyID + "/20261122/cloudfront-keyvaluestore/aws4_request"
	headerCanonical := "GET\n" + canonicalPath + "\n\nhost:kvs.example\nx-amz-date:20261122T140014Z\nx-amz-region-set:us-east-1,eu-west-1\n\nhost;x-amz-date;x-amz-region-set\n" + sha256Hex(nil)
	headerSig := signV4A(t, testCred, headerCanonical)
	headerReq := func(signed, regionSet string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: kvs.example\r\nX-Amz-Date: 20261122T140014Z\r\nX-Amz-Region-Set: " + regionSet + "\r\n" +
			"Authorization: AWS4-ECDSA-P256-SHA256 Credential=" + scope + ", SignedHeaders=" + signed + ", Signature=" + headerSig + "\r\n\r\n"
	}

	query := "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=" + strings.ReplaceAll(scope, "/", "%2F") +
		"&X-Amz-Date=20261122T140014Z&X-Amz-Region-Set=%2A&X-Amz-SignedHeaders=host"
	presignCanonical := "GET\n" + canonicalPath + "\n" + query + "\nhost:kvs.example\n\nhost\n" + sha256Hex(nil)
	presignSig := signV4A(t, testCred, presignCanonical)
	presignReq := func(q string) string {
		return "GET " + path + "?" + q + "&X-Amz-Signature=" + presignSig + " HTTP/1.1\r\nHost: kvs.example\r\n\r\n"
	}

	tests := []struct {
		name, raw, code, region string
	}{
		{"header", headerReq("host;x-amz-date;x-amz-region-set", "us-east-1,eu-west-1"), "", "us-east-1,eu-west-1"},
		{"header, region set changed", headerReq("host;x-amz-date;x-amz-region-set", "*"), CodeSignatureDoesNotMatch, ""},
		{"header, region set not signed", headerReq("host;x-amz-date", "us-east-1,eu-west-1"), CodeIncompleteSignature, ""},
		{"header, empty region in set", headerReq("host;x-amz-date;x-amz-region-set", "us-east-1,"), CodeIncompleteSignature, ""},
		{"presigned", presignReq(query), "", "*"},
		{"presigned, region set changed", presignReq(strings.Replace(query, "%2A", "us-east-1", 1)), CodeSignatureDoesNotMatch, ""},
		{"presigned, no region set", presignReq(strings.Replace(query, "&X-Amz-Region-Set=%2A", "", 1)), CodeIncompleteSignature, ""},
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := v.Verify(readRequest(t, tt.raw), nil)
			wantCode(t, err, tt.code)
			if err != nil {
				return
			}
			want := Identity{AccessKeyID: testCred.AccessKeyID, AccountID: testCred.AccountID,
				Service: ServiceKeyValueStore, Region: tt.region, Algorithm: AlgorithmSigV4A}
			if *id != want {
				t.Errorf("identity = %+v, want %+v", *id, want)
			}
		})
	}
}

func TestVerifySigV4ARejectsMalformedSignatures(t *testing.T) {
	canonical := "GET\n/\n\nhost:h\nx-amz-date:20261122T140014Z\nx-amz-region-set:*\n\nhost;x-amz-date;x-amz-region-set\n" + sha256Hex(nil)
	good := signV4A(t, testCred, canonical)
	tests := []struct{ name, sig string }{
		{"not hex", "zz" + good[2:]},
		{"truncated DER", good[:len(good)-2]},
		{"flipped nibble", good[:20] + flipHex(good[20]) + good[21:]},
		{"other key", signV4A(t, otherCred, canonical)},
	}
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for _, tt := range append(tests, struct{ name, sig string }{"control: good", good}) {
		t.Run(tt.name, func(t *testing.T) {
			r := readRequest(t, "GET / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20261122T140014Z\r\nX-Amz-Region-Set: *\r\n"+
				"Authorization: AWS4-ECDSA-P256-SHA256 Credential="+testCred.AccessKeyID+"/20261122/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature="+tt.sig+"\r\n\r\n")
			_, err := v.Verify(r, nil)
			if tt.sig == good {
				wantCode(t, err, "")
			} else {
				wantCode(t, err, CodeSignatureDoesNotMatch)
			}
		})
	}
}

func TestVerifySigV4ACredentialForms(t *testing.T) {
	v := NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)))
	for cred, code := range map[string]string{
		// SigV4A scopes have no region; a SigV4-shaped scope is malformed.
		testCred.AccessKeyID + "/20261122/us-east-1/cloudfront-keyvaluestore/aws4_request": CodeIncompleteSignature,
		"AKIDUNKNOWN/20261122/cloudfront-keyvaluestore/aws4_request":                       CodeInvalidClientTokenID,
		testCred.AccessKeyID + "/20261122/cloudfront-kvs/aws4_request":                     CodeSignatureDoesNotMatch,
	} {
		r := readRequest(t, "GET / HTTP/1.1\r\nHost: h\r\nX-Amz-Date: 20261122T140014Z\r\nX-Amz-Region-Set: *\r\n"+
			"Authorization: AWS4-ECDSA-P256-SHA256 Credential="+cred+", SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=3044\r\n\r\n")
		_, err := v.Verify(r, nil)
		wantCode(t, err, code)
	}
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}
