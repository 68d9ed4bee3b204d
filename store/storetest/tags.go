package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
)

// testTags keeps the tags of every taggable kind through one node's Store
// and reads them through another's on the same backend, as two edgefn
// nodes on one etcd cluster do: tags are plain keys of the backend, per
// account, and a resource's deletion takes its tags along.
func testTags(t *testing.T, b store.Backend) {
	const account, other = "111111111111", "222222222222"
	ctx := context.Background()
	writer, reader := store.New(b, edgefn.DefaultLimits()), store.New(b, edgefn.DefaultLimits())
	tags := []edgefn.Tag{{Key: "team", Value: "edge"}, {Key: "env", Value: "test"}}

	fn, err := writer.CreateFunction(ctx, account, "fn", edgefn.FunctionConfig{Runtime: edgefn.RuntimeJS2},
		[]byte("function handler(e) { return e.request; }"), tags...)
	if err != nil {
		t.Fatal(err)
	}
	k, err := writer.CreateKeyValueStore(ctx, account, "kvs", "", false)
	if err != nil {
		t.Fatal(err)
	}
	d, err := writer.CreateDistribution(ctx, account, edgefn.DistributionConfig{
		CallerReference: "ref", Enabled: false,
		Origins:              []edgefn.Origin{{ID: "web", DomainName: "origin.example.com", Custom: &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}}},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "web", ViewerProtocolPolicy: edgefn.ViewerAllowAll},
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	arns := []string{edgefn.FunctionARN(account, "fn"), k.ARN(), edgefn.DistributionARN(account, d.ID)}
	for _, arn := range arns[1:] {
		if err := writer.TagResource(ctx, account, arn, tags); err != nil {
			t.Fatalf("TagResource %s: %v", arn, err)
		}
	}
	if err := writer.UntagResource(ctx, account, arns[2], []string{"env"}); err != nil {
		t.Fatal(err)
	}
	for i, arn := range arns {
		want := tags
		if i == 2 {
			want = tags[:1]
		}
		if got, err := reader.ListTags(ctx, account, arn); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("tags of %s read on another node: %+v (%v); want %+v", arn, got, err, want)
		}
	}
	if _, err := reader.ListTags(ctx, other, edgefn.FunctionARN(other, "fn")); err == nil {
		t.Error("another account sees a function of the same name, and its tags")
	}

	if err := writer.DeleteFunction(ctx, account, "fn", fn.ETag); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.CreateFunction(ctx, account, "fn", edgefn.FunctionConfig{Runtime: edgefn.RuntimeJS2}, []byte("function handler(e) { return e.request; }")); err != nil {
		t.Fatal(err)
	}
	if got, err := reader.ListTags(ctx, account, arns[0]); err != nil || len(got) != 0 {
		t.Errorf("a function created again under a deleted one's name has tags %+v (%v)", got, err)
	}
}
