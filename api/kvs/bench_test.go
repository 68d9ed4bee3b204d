package kvs_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
)

// The benchmarks go through the SDK (SigV4A signing included) and a real
// HTTP connection, as a client sees the service.

func BenchmarkGetKey(b *testing.B) {
	e := newEnv(b)
	e.put(b, map[string]string{"k": "value"})
	in := &kvsapi.GetKeyInput{KvsARN: &e.arn, Key: aws.String("k")}
	for b.Loop() {
		if _, err := e.client.GetKey(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPutKey(b *testing.B) {
	e := newEnv(b)
	etag := e.etag(b)
	for b.Loop() {
		out, err := e.client.PutKey(context.Background(), &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: aws.String("k"), Value: aws.String("value"), IfMatch: &etag})
		if err != nil {
			b.Fatal(err)
		}
		etag = aws.ToString(out.ETag)
	}
}

func BenchmarkUpdateKeys50(b *testing.B) {
	e := newEnv(b)
	etag := e.etag(b)
	puts := make([]types.PutKeyRequestListItem, 50)
	for i := range puts {
		puts[i] = types.PutKeyRequestListItem{Key: aws.String(keyName(i)), Value: aws.String("value")}
	}
	for b.Loop() {
		out, err := e.client.UpdateKeys(context.Background(), &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: &etag, Puts: puts})
		if err != nil {
			b.Fatal(err)
		}
		etag = aws.ToString(out.ETag)
	}
}
