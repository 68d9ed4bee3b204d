package sigv4

import "testing"

func BenchmarkVerifySigV4(b *testing.B) {
	req, body := requestShapes[3].build(b, "127.0.0.1:9999") // PutKey with If-Match and a body
	signV4(b, req, body, testCred, ServiceCloudFront, "us-west-2", testNow)
	r := overTheWire(b, req)
	v := NewVerifier(testKeyring(b), WithClock(fixedClock(testNow)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySigV4A(b *testing.B) {
	canonical := "GET\n/key-value-stores/arn%253Aaws%253Acloudfront%253A%253A123456789012%253Akey-value-store%252Fid/keys/k1\n\n" +
		"host:123456789012.kvs.example\nx-amz-date:20261122T140014Z\nx-amz-region-set:*\n\nhost;x-amz-date;x-amz-region-set\n" + sha256Hex(nil)
	r := readRequest(b, "GET /key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fid/keys/k1 HTTP/1.1\r\n"+
		"Host: 123456789012.kvs.example\r\nX-Amz-Date: 20261122T140014Z\r\nX-Amz-Region-Set: *\r\n"+
		"Authorization: AWS4-ECDSA-P256-SHA256 Credential="+testCred.AccessKeyID+"/20261122/cloudfront-keyvaluestore/aws4_request, "+
		"SignedHeaders=host;x-amz-date;x-amz-region-set, Signature="+signV4A(b, testCred, canonical)+"\r\n\r\n")
	v := NewVerifier(testKeyring(b), WithClock(fixedClock(testNow)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, nil); err != nil {
			b.Fatal(err)
		}
	}
}
