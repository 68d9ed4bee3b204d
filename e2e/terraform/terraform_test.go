// Package terraform replays, through aws-sdk-go-v2 against a real `edgefn
// serve`, the call sequences the Terraform AWS provider makes for
// aws_cloudfront_function, aws_cloudfront_key_value_store,
// aws_cloudfrontkeyvaluestore_key, aws_cloudfrontkeyvaluestore_keys_exclusive
// and aws_cloudfront_distribution, and checks what the provider relies on:
// the members it dereferences without a nil check, the values it compares
// with its plan, the ETags it carries from one call to the next.
package terraform

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn/e2e/e2etest"
)

var edgefnBin string

func TestMain(m *testing.M) { os.Exit(e2etest.Main(m, &edgefnBin)) }

// tags is a resource's tags as the provider sends them (default_tags and
// the resource's own, merged).
func tags(kv ...string) *cftypes.Tags {
	t := &cftypes.Tags{Items: []cftypes.Tag{}}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Items = append(t.Items, cftypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return t
}

// checkTags reads tags as the provider does after every read.
func checkTags(t *testing.T, cf *cloudfront.Client, arn string, want ...string) {
	t.Helper()
	out, err := cf.ListTagsForResource(e2etest.Ctx(t), &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", arn, err)
	}
	var got []string
	for _, tag := range out.Tags.Items {
		got = append(got, aws.ToString(tag.Key), aws.ToString(tag.Value))
	}
	if !slices.Equal(got, want) {
		t.Errorf("tags of %s: %q; want %q", arn, got, want)
	}
}

// functionState is what resourceFunctionRead puts in the state.
type functionState struct {
	arn, comment, etag, liveETag, status, code, runtime string
}

// readFunction replays resourceFunctionRead: DescribeFunction DEVELOPMENT,
// GetFunction DEVELOPMENT, DescribeFunction LIVE (NoSuchFunctionExists
// there means "never published").
func readFunction(t *testing.T, cf *cloudfront.Client, name string) functionState {
	t.Helper()
	c := e2etest.Ctx(t)
	dev, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageDevelopment})
	if err != nil {
		t.Fatalf("DescribeFunction DEVELOPMENT: %v", err)
	}
	if dev.FunctionSummary == nil || dev.FunctionSummary.FunctionMetadata == nil || dev.FunctionSummary.FunctionConfig == nil {
		t.Fatalf("DescribeFunction: a summary without metadata or config: %+v", dev.FunctionSummary)
	}
	s := functionState{
		arn: aws.ToString(dev.FunctionSummary.FunctionMetadata.FunctionARN), comment: aws.ToString(dev.FunctionSummary.FunctionConfig.Comment),
		etag: aws.ToString(dev.ETag), status: aws.ToString(dev.FunctionSummary.Status), runtime: string(dev.FunctionSummary.FunctionConfig.Runtime),
	}
	code, err := cf.GetFunction(c, &cloudfront.GetFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageDevelopment})
	if err != nil {
		t.Fatalf("GetFunction DEVELOPMENT: %v", err)
	}
	s.code = string(code.FunctionCode)
	live, err := cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageLive})
	switch {
	case e2etest.IsA[*cftypes.NoSuchFunctionExists](err):
	case err != nil:
		t.Fatalf("DescribeFunction LIVE: %v", err)
	default:
		s.liveETag = aws.ToString(live.ETag)
	}
	return s
}

// TestFunction replays aws_cloudfront_function: create (with tags) and
// publish with the create's ETag, read, update with the state's ETag and
// publish, read, delete with the state's ETag.
func TestFunction(t *testing.T) {
	s := e2etest.Start(t, edgefnBin, e2etest.Config{})
	cf := s.CloudFront(e2etest.DevAccount)
	c := e2etest.Ctx(t)
	const name = "tf-function"
	v1 := "function handler(event) { return event.request; }"
	created, err := cf.CreateFunction(c, &cloudfront.CreateFunctionInput{
		Name: aws.String(name), FunctionCode: []byte(v1),
		FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String(""), Runtime: cftypes.FunctionRuntimeCloudfrontJs20},
		Tags:           tags("team", "edge"),
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if _, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: created.FunctionSummary.Name, IfMatch: created.ETag}); err != nil {
		t.Fatalf("PublishFunction with the CreateFunction ETag: %v", err)
	}
	st := readFunction(t, cf, name)
	want := functionState{
		arn: "arn:aws:cloudfront::" + e2etest.DevAccount.AccountID + ":function/" + name, comment: "",
		etag: st.etag, liveETag: st.etag, status: "UNASSOCIATED", code: v1, runtime: "cloudfront-js-2.0",
	}
	if st != want || st.etag == "" {
		t.Errorf("state after create:\n got %+v\nwant %+v (live_stage_etag == etag after a publish)", st, want)
	}
	checkTags(t, cf, st.arn, "team", "edge")

	v2 := "function handler(event) { event.request.uri = '/v2' + event.request.uri; return event.request; }"
	upd, err := cf.UpdateFunction(c, &cloudfront.UpdateFunctionInput{
		Name: aws.String(name), IfMatch: aws.String(st.etag), FunctionCode: []byte(v2),
		FunctionConfig: &cftypes.FunctionConfig{Comment: aws.String("second"), Runtime: cftypes.FunctionRuntimeCloudfrontJs20},
	})
	if err != nil {
		t.Fatalf("UpdateFunction with the state's ETag: %v", err)
	}
	if _, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String(name), IfMatch: upd.ETag}); err != nil {
		t.Fatalf("PublishFunction with the UpdateFunction ETag: %v", err)
	}
	st = readFunction(t, cf, name)
	if st.etag != aws.ToString(upd.ETag) || st.liveETag != st.etag || st.comment != "second" || st.code != v2 {
		t.Errorf("state after update: %+v (UpdateFunction's ETag %s)", st, aws.ToString(upd.ETag))
	}
	if _, err := cf.TagResource(c, &cloudfront.TagResourceInput{Resource: aws.String(st.arn), Tags: tags("env", "prod")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if _, err := cf.UntagResource(c, &cloudfront.UntagResourceInput{Resource: aws.String(st.arn), TagKeys: &cftypes.TagKeys{Items: []string{"team"}}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	checkTags(t, cf, st.arn, "env", "prod")

	if _, err := cf.DeleteFunction(c, &cloudfront.DeleteFunctionInput{Name: aws.String(name), IfMatch: aws.String(st.etag)}); err != nil {
		t.Fatalf("DeleteFunction with the state's ETag: %v", err)
	}
	_, err = cf.DescribeFunction(c, &cloudfront.DescribeFunctionInput{Name: aws.String(name), Stage: cftypes.FunctionStageDevelopment})
	e2etest.WantAPIError(t, err, "NoSuchFunctionExists", 404)
}

// TestKeyValueStore replays aws_cloudfront_key_value_store: create without
// a comment, wait for READY, read (the state's comment stays null), update
// the comment with the state's ETag, delete with the new one.
func TestKeyValueStore(t *testing.T) {
	s := e2etest.Start(t, edgefnBin, e2etest.Config{})
	cf := s.CloudFront(e2etest.DevAccount)
	c := e2etest.Ctx(t)
	const name = "tf-store"
	if _, err := cf.CreateKeyValueStore(c, &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name), Tags: tags("team", "edge")}); err != nil {
		t.Fatalf("CreateKeyValueStore: %v", err)
	}
	desc := waitStoreReady(t, cf, name)
	k := desc.KeyValueStore
	if k.Comment != nil {
		t.Errorf("a store created without a comment is described with Comment %q; the provider's plan has null", aws.ToString(k.Comment))
	}
	if aws.ToString(k.ARN) != "arn:aws:cloudfront::"+e2etest.DevAccount.AccountID+":key-value-store/"+aws.ToString(k.Id) || k.LastModifiedTime == nil || aws.ToString(desc.ETag) == "" {
		t.Errorf("DescribeKeyValueStore: %+v, ETag %q", k, aws.ToString(desc.ETag))
	}
	checkTags(t, cf, aws.ToString(k.ARN), "team", "edge")

	upd, err := cf.UpdateKeyValueStore(c, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String(name), IfMatch: desc.ETag, Comment: aws.String("now with a comment")})
	if err != nil {
		t.Fatalf("UpdateKeyValueStore: %v", err)
	}
	if aws.ToString(upd.KeyValueStore.Comment) != "now with a comment" || aws.ToString(upd.ETag) == aws.ToString(desc.ETag) {
		t.Errorf("UpdateKeyValueStore: %+v, ETag %q", upd.KeyValueStore, aws.ToString(upd.ETag))
	}
	if _, err := cf.DeleteKeyValueStore(c, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String(name), IfMatch: upd.ETag}); err != nil {
		t.Fatalf("DeleteKeyValueStore: %v", err)
	}
	_, err = cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String(name)})
	e2etest.WantAPIError(t, err, "EntityNotFound", 404)
}

// waitStoreReady polls DescribeKeyValueStore while it says PROVISIONING, as
// the provider's waiter does.
func waitStoreReady(t *testing.T, cf *cloudfront.Client, name string) *cloudfront.DescribeKeyValueStoreOutput {
	t.Helper()
	return waitFor(t, "store "+name, "READY", "PROVISIONING", func() (*cloudfront.DescribeKeyValueStoreOutput, string) {
		out, err := cf.DescribeKeyValueStore(e2etest.Ctx(t), &cloudfront.DescribeKeyValueStoreInput{Name: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeKeyValueStore: %v", err)
		}
		return out, aws.ToString(out.KeyValueStore.Status)
	})
}

// waitFor calls read while the status it reports is pending, as the
// provider's waiters poll, and returns what it read once the status is
// ready; any other status, or 30 s of pending, fails the test.
func waitFor[T any](t *testing.T, what, ready, pending string, read func() (T, string)) T {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, status := read()
		switch {
		case status == ready:
			return out
		case status != pending || time.Now().After(deadline):
			t.Fatalf("%s is %s", what, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKeys replays aws_cloudfrontkeyvaluestore_key (PutKey with the
// store's data ETag, GetKey, DeleteKey) and
// aws_cloudfrontkeyvaluestore_keys_exclusive: list every key, then
// UpdateKeys in batches of at most 50, each with the ETag the previous one
// returned, until the store holds exactly the configured keys.
func TestKeys(t *testing.T) {
	s := e2etest.Start(t, edgefnBin, e2etest.Config{})
	cf, data := s.CloudFront(e2etest.DevAccount), s.KeyValueStore(e2etest.DevAccount)
	c := e2etest.Ctx(t)
	created, err := cf.CreateKeyValueStore(c, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("tf-keys")})
	if err != nil {
		t.Fatalf("CreateKeyValueStore: %v", err)
	}
	arn := created.KeyValueStore.ARN

	// aws_cloudfrontkeyvaluestore_key.
	etag := func() *string {
		d, err := data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: arn})
		if err != nil {
			t.Fatalf("DescribeKeyValueStore: %v", err)
		}
		return d.ETag
	}
	put, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: arn, Key: aws.String("single"), Value: aws.String("one"), IfMatch: etag()})
	if err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	got, err := data.GetKey(c, &kvsapi.GetKeyInput{KvsARN: arn, Key: aws.String("single")})
	if err != nil || aws.ToString(got.Value) != "one" || aws.ToString(got.Key) != "single" {
		t.Fatalf("GetKey: %+v, %v", got, err)
	}
	if _, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: arn, Key: aws.String("single"), Value: aws.String("uno"), IfMatch: put.ETag}); err != nil {
		t.Fatalf("PutKey with the previous PutKey's ETag: %v", err)
	}
	if _, err := data.DeleteKey(c, &kvsapi.DeleteKeyInput{KvsARN: arn, Key: aws.String("single"), IfMatch: etag()}); err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	_, err = data.GetKey(c, &kvsapi.GetKeyInput{KvsARN: arn, Key: aws.String("single")})
	e2etest.WantAPIError(t, err, "ResourceNotFoundException", 404)

	// aws_cloudfrontkeyvaluestore_keys_exclusive: 120 keys, then a change
	// that rewrites some, deletes some and adds some.
	want := map[string]string{}
	for i := range 120 {
		want[fmt.Sprintf("k%03d", i)] = fmt.Sprint("v", i)
	}
	if n := applyExclusive(t, data, arn, want); n != 3 {
		t.Errorf("creating 120 keys took %d UpdateKeys batches; want 3 of at most 50", n)
	}
	next := map[string]string{}
	for i := 60; i < 200; i++ {
		next[fmt.Sprintf("k%03d", i)] = fmt.Sprint("w", i)
	}
	applyExclusive(t, data, arn, next)
	if got := listKeys(t, data, arn); !maps.Equal(got, next) {
		t.Errorf("after the second apply the store holds %d keys; want exactly the %d configured", len(got), len(next))
	}
}

// applyExclusive makes the store hold exactly want, as keys_exclusive does,
// and returns the number of UpdateKeys calls.
func applyExclusive(t *testing.T, data *kvsapi.Client, arn *string, want map[string]string) int {
	t.Helper()
	c := e2etest.Ctx(t)
	have := listKeys(t, data, arn)
	var puts []kvstypes.PutKeyRequestListItem
	var deletes []kvstypes.DeleteKeyRequestListItem
	for _, k := range sortedKeys(want) {
		if v, ok := have[k]; !ok || v != want[k] {
			puts = append(puts, kvstypes.PutKeyRequestListItem{Key: aws.String(k), Value: aws.String(want[k])})
		}
	}
	for _, k := range sortedKeys(have) {
		if _, ok := want[k]; !ok {
			deletes = append(deletes, kvstypes.DeleteKeyRequestListItem{Key: aws.String(k)})
		}
	}
	d, err := data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: arn})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	etag, calls := d.ETag, 0
	const maxBatch = 50
	for len(puts)+len(deletes) > 0 {
		in := &kvsapi.UpdateKeysInput{KvsARN: arn, IfMatch: etag}
		n := min(len(puts), maxBatch)
		in.Puts, puts = puts[:n], puts[n:]
		m := min(len(deletes), maxBatch-n)
		in.Deletes, deletes = deletes[:m], deletes[m:]
		out, err := data.UpdateKeys(c, in)
		if err != nil {
			t.Fatalf("UpdateKeys batch %d (%d puts, %d deletes): %v", calls+1, n, m, err)
		}
		if out.ETag == nil || aws.ToString(out.ETag) == aws.ToString(etag) || out.ItemCount == nil || out.TotalSizeInBytes == nil {
			t.Fatalf("UpdateKeys answered %+v; the next batch needs a new ETag", out)
		}
		etag = out.ETag
		calls++
	}
	return calls
}

func listKeys(t *testing.T, data *kvsapi.Client, arn *string) map[string]string {
	t.Helper()
	items := map[string]string{}
	p := kvsapi.NewListKeysPaginator(data, &kvsapi.ListKeysInput{KvsARN: arn})
	for p.HasMorePages() {
		page, err := p.NextPage(e2etest.Ctx(t))
		if err != nil {
			t.Fatalf("ListKeys: %v", err)
		}
		for _, it := range page.Items {
			items[aws.ToString(it.Key)] = aws.ToString(it.Value)
		}
	}
	return items
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
