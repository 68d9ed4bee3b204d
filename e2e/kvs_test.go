package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"
)

// importTimeout bounds how long an import of a few hundred items may take.
const importTimeout = 15 * time.Second

// TestKeyValueStoreLifecycle covers the control plane of stores: create,
// describe, list with pagination, update with ETag, delete.
func TestKeyValueStoreLifecycle(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	c := ctx(t)

	created, err := cf.CreateKeyValueStore(c, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("colours"), Comment: aws.String("first")})
	if err != nil {
		t.Fatalf("CreateKeyValueStore: %v", err)
	}
	k := created.KeyValueStore
	arn := aws.ToString(k.ARN)
	wantARN := "arn:aws:cloudfront::" + devAccount.AccountID + ":key-value-store/" + aws.ToString(k.Id)
	if arn != wantARN || aws.ToString(k.Status) != "READY" || aws.ToString(k.Comment) != "first" || aws.ToString(created.ETag) == "" {
		t.Errorf("CreateKeyValueStore = ARN %q, Status %q, Comment %q, ETag %q; want ARN %q, READY, first, an ETag",
			arn, aws.ToString(k.Status), aws.ToString(k.Comment), aws.ToString(created.ETag), wantARN)
	}
	if !strings.HasSuffix(aws.ToString(created.Location), arn) {
		t.Errorf("Location %q does not name %s", aws.ToString(created.Location), arn)
	}
	createStore(t, cf, "shapes")

	desc, err := cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("colours")})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	etag := aws.ToString(desc.ETag)
	if etag != aws.ToString(created.ETag) || aws.ToString(desc.KeyValueStore.ARN) != arn {
		t.Errorf("DescribeKeyValueStore ETag %q ARN %q; CreateKeyValueStore said %q %q", etag, aws.ToString(desc.KeyValueStore.ARN), aws.ToString(created.ETag), arn)
	}
	// The data plane versions the items with an ETag of its own: the
	// control-plane one must not pass for it.
	if d := dataETag(t, data, arn); d == etag {
		t.Errorf("data-plane ETag %q equals the control-plane ETag", d)
	}
	_, err = data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("k"), Value: aws.String("v"), IfMatch: &etag})
	wantAPIError(t, err, "ConflictException", 409)

	var names []string
	in := &cloudfront.ListKeyValueStoresInput{MaxItems: aws.Int32(1)}
	for page := 0; page < 10; page++ {
		out, err := cf.ListKeyValueStores(c, in)
		if err != nil {
			t.Fatalf("ListKeyValueStores: %v", err)
		}
		if len(out.KeyValueStoreList.Items) > 1 {
			t.Fatalf("ListKeyValueStores MaxItems 1 returned %d", len(out.KeyValueStoreList.Items))
		}
		for _, it := range out.KeyValueStoreList.Items {
			names = append(names, aws.ToString(it.Name))
		}
		if aws.ToString(out.KeyValueStoreList.NextMarker) == "" {
			break
		}
		in.Marker = out.KeyValueStoreList.NextMarker
	}
	if !sameSet(names, []string{"colours", "shapes"}) {
		t.Errorf("ListKeyValueStores pages = %v; want colours and shapes", names)
	}

	up, err := cf.UpdateKeyValueStore(c, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("colours"), IfMatch: &etag, Comment: aws.String("second")})
	if err != nil {
		t.Fatalf("UpdateKeyValueStore: %v", err)
	}
	if aws.ToString(up.KeyValueStore.Comment) != "second" || aws.ToString(up.ETag) == "" || aws.ToString(up.ETag) == etag {
		t.Errorf("UpdateKeyValueStore: Comment %q, ETag %q (was %q)", aws.ToString(up.KeyValueStore.Comment), aws.ToString(up.ETag), etag)
	}
	_, err = cf.DeleteKeyValueStore(c, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("colours"), IfMatch: &etag})
	wantAPIError(t, err, "PreconditionFailed", 412)
	if _, err := cf.DeleteKeyValueStore(c, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("colours"), IfMatch: up.ETag}); err != nil {
		t.Fatalf("DeleteKeyValueStore: %v", err)
	}
	_, err = cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("colours")})
	wantAPIError(t, err, "EntityNotFound", 404)
	_, err = data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", 404)
}

// TestKeyValueStoreImport creates stores from files in the server's local S3
// directory: PROVISIONING at once, then READY with every item, or a failure
// status with the reason and no items.
func TestKeyValueStoreImport(t *testing.T) {
	s3Dir := t.TempDir()
	good := map[string]string{"path/to/a": "1", "with space": "2", "ünïcødé": "3"}
	for i := range 200 {
		good[fmt.Sprintf("key-%03d", i)] = fmt.Sprintf("value-%d", i)
	}
	var doc struct {
		Data []map[string]string `json:"data"`
	}
	for k, v := range good {
		doc.Data = append(doc.Data, map[string]string{"key": k, "value": v})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s3Dir, "e2e-bucket", "dir", "items.json"), b)
	writeFile(t, filepath.Join(s3Dir, "e2e-bucket", "dup.json"),
		[]byte(`{"data":[{"key":"a","value":"1"},{"key":"dup-key","value":"2"},{"key":"dup-key","value":"3"}]}`))

	s := startServer(t, serverConfig{s3Dir: s3Dir})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	for _, tt := range []struct {
		name, object string
		wantStatus   string
		wantItems    map[string]string
		wantReason   string // part of the data plane's FailureReason
	}{
		{"imported", "dir/items.json", "READY", good, ""},
		{"duplicate-keys", "dup.json", "IMPORT_FAILURE", map[string]string{}, `"dup-key"`},
		{"missing-object", "absent.json", "IMPORT_FAILURE", map[string]string{}, "absent.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ctx(t)
			out, err := cf.CreateKeyValueStore(c, &cloudfront.CreateKeyValueStoreInput{
				Name: aws.String(tt.name),
				ImportSource: &cftypes.ImportSource{
					SourceType: cftypes.ImportSourceTypeS3,
					SourceARN:  aws.String("arn:aws:s3:::e2e-bucket/" + tt.object),
				},
			})
			if err != nil {
				t.Fatalf("CreateKeyValueStore: %v", err)
			}
			if got := aws.ToString(out.KeyValueStore.Status); got != "PROVISIONING" {
				t.Errorf("CreateKeyValueStore Status %q; want PROVISIONING", got)
			}
			arn := aws.ToString(out.KeyValueStore.ARN)
			var status string
			eventually(t, importTimeout, "import finished", func() (bool, error) {
				d, err := cf.DescribeKeyValueStore(c, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String(tt.name)})
				if err != nil {
					return false, err
				}
				status = aws.ToString(d.KeyValueStore.Status)
				return status != "PROVISIONING", nil
			})
			if status != tt.wantStatus {
				t.Errorf("status %q; want %q", status, tt.wantStatus)
			}
			d, err := data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
			if err != nil {
				t.Fatalf("data-plane DescribeKeyValueStore: %v", err)
			}
			reason := aws.ToString(d.FailureReason)
			if aws.ToString(d.Status) != tt.wantStatus || int(aws.ToInt32(d.ItemCount)) != len(tt.wantItems) ||
				(tt.wantReason == "") != (reason == "") || !strings.Contains(reason, tt.wantReason) {
				t.Errorf("data plane: Status %q, ItemCount %d, FailureReason %q; want %q, %d, a reason containing %q",
					aws.ToString(d.Status), aws.ToInt32(d.ItemCount), reason, tt.wantStatus, len(tt.wantItems), tt.wantReason)
			}
			if tt.wantStatus == "READY" {
				if got := listAll(t, data, arn, 50); !maps.Equal(got, tt.wantItems) {
					t.Errorf("imported %d items, want %d (%v)", len(got), len(tt.wantItems), diffKeys(got, tt.wantItems))
				}
			}
		})
	}
}

// awkwardKeys are keys the SDK percent-encodes in the path; the server must
// route on the escaped path and give back exactly the key.
var awkwardKeys = []string{
	"dir/sub/key", "with space", "percent%2Fliteral", "ünïcødé/ключ", "emoji 🎉", "query?x=1&y=2#frag",
	"plus+sign", "trailing/", "/leading", "a//b", ".", "..", "./..", "tab\tkey", `quote"'`,
}

// TestKVSDataPlane drives every data-plane operation through the Go SDK, signed
// with SigV4A: batches with ETag retries, pagination, awkward keys, and the
// documented errors.
func TestKVSDataPlane(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	c := ctx(t)
	arn := createStore(t, cf, "data-plane")

	d, err := data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	if aws.ToString(d.KvsARN) != arn || aws.ToInt32(d.ItemCount) != 0 || aws.ToInt64(d.TotalSizeInBytes) != 0 || aws.ToString(d.ETag) == "" || d.Created == nil {
		t.Errorf("new store: KvsARN %q ItemCount %d Size %d ETag %q Created %v", aws.ToString(d.KvsARN), aws.ToInt32(d.ItemCount), aws.ToInt64(d.TotalSizeInBytes), aws.ToString(d.ETag), d.Created)
	}
	initial := aws.ToString(d.ETag)
	if got := listAll(t, data, arn, 10); len(got) != 0 {
		t.Errorf("new store lists %v", got)
	}

	// Two writers start from the same ETag, so at least one batch is refused
	// with ConflictException and must be retried with a fresh ETag.
	const writers, batches = 2, 3
	want := map[string]string{}
	var (
		mu        sync.Mutex
		conflicts int
		wg        sync.WaitGroup
	)
	for w := range writers {
		client := s.keyValueStore(devAccount)
		var puts [][]kvstypes.PutKeyRequestListItem
		for b := range batches {
			prefix := fmt.Sprintf("w%d-b%d-", w, b)
			puts = append(puts, batch(prefix, 50, func(i int) string { return prefix + fmt.Sprint(i) }))
			for _, p := range puts[b] {
				want[*p.Key] = *p.Value
			}
		}
		wg.Go(func() {
			etag := initial
			for _, p := range puts {
				n, err := updateKeys(c, client, arn, &etag, p, nil)
				mu.Lock()
				conflicts += n
				mu.Unlock()
				if err != nil {
					t.Errorf("writer %d: UpdateKeys: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if conflicts == 0 {
		t.Error("two writers from one ETag met no ConflictException")
	}
	d, err = data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
	if err != nil {
		t.Fatalf("DescribeKeyValueStore: %v", err)
	}
	if int(aws.ToInt32(d.ItemCount)) != len(want) {
		t.Errorf("ItemCount %d after %d puts", aws.ToInt32(d.ItemCount), len(want))
	}
	for _, size := range []int32{50, 7} {
		if got := listAll(t, data, arn, size); !maps.Equal(got, want) {
			t.Errorf("ListKeys by %d: %v", size, diffKeys(got, want))
		}
	}

	etag := aws.ToString(d.ETag)
	for _, key := range awkwardKeys {
		value := "value of " + key
		put, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String(key), Value: &value, IfMatch: &etag})
		if err != nil {
			t.Errorf("PutKey %q: %v", key, err)
			continue
		}
		etag = aws.ToString(put.ETag)
		want[key] = value
		got, err := data.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arn, Key: aws.String(key)})
		if err != nil || aws.ToString(got.Key) != key || aws.ToString(got.Value) != value || int(aws.ToInt32(got.ItemCount)) != len(want) {
			t.Errorf("GetKey %q = %+v, %v; want the value just put and ItemCount %d", key, got, err, len(want))
		}
	}
	if got := listAll(t, data, arn, 50); !maps.Equal(got, want) {
		t.Errorf("ListKeys after awkward keys: %v", diffKeys(got, want))
	}
	del, err := data.DeleteKey(c, &kvsapi.DeleteKeyInput{KvsARN: &arn, Key: aws.String("dir/sub/key"), IfMatch: &etag})
	if err != nil {
		t.Fatalf("DeleteKey: %v", err)
	}
	if int(aws.ToInt32(del.ItemCount)) != len(want)-1 {
		t.Errorf("DeleteKey ItemCount %d; want %d", aws.ToInt32(del.ItemCount), len(want)-1)
	}
	etag = aws.ToString(del.ETag)
	// A batch mixing puts and deletes is applied whole.
	up, err := data.UpdateKeys(c, &kvsapi.UpdateKeysInput{KvsARN: &arn, IfMatch: &etag,
		Puts:    []kvstypes.PutKeyRequestListItem{{Key: aws.String("w0-b0-0"), Value: aws.String("replaced")}},
		Deletes: []kvstypes.DeleteKeyRequestListItem{{Key: aws.String("w0-b0-1")}, {Key: aws.String("with space")}},
	})
	if err != nil {
		t.Fatalf("UpdateKeys mixed: %v", err)
	}
	if int(aws.ToInt32(up.ItemCount)) != len(want)-3 {
		t.Errorf("UpdateKeys mixed ItemCount %d; want %d", aws.ToInt32(up.ItemCount), len(want)-3)
	}

	unknownARN := "arn:aws:cloudfront::" + devAccount.AccountID + ":key-value-store/00000000-0000-4000-8000-000000000000"
	runErrorCases(t, []errorCase{
		{"PutKey stale ETag", func(c context.Context) error {
			_, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("w0-b0-0"), Value: aws.String("lost"), IfMatch: &initial})
			return err
		}, "ConflictException", 409, isA[*kvstypes.ConflictException]},
		{"UpdateKeys stale ETag", func(c context.Context) error {
			_, err := data.UpdateKeys(c, &kvsapi.UpdateKeysInput{KvsARN: &arn, IfMatch: &etag, Puts: batch("lost-", 2, func(int) string { return "x" })})
			return err
		}, "ConflictException", 409, isA[*kvstypes.ConflictException]},
		{"DeleteKey stale ETag", func(c context.Context) error {
			_, err := data.DeleteKey(c, &kvsapi.DeleteKeyInput{KvsARN: &arn, Key: aws.String("w0-b0-0"), IfMatch: &initial})
			return err
		}, "ConflictException", 409, isA[*kvstypes.ConflictException]},
		{"UpdateKeys of 51 keys", func(c context.Context) error {
			_, err := data.UpdateKeys(c, &kvsapi.UpdateKeysInput{KvsARN: &arn, IfMatch: up.ETag, Puts: batch("over-", 51, func(int) string { return "x" })})
			return err
		}, "ServiceQuotaExceededException", 402, isA[*kvstypes.ServiceQuotaExceededException]},
		{"GetKey absent", func(c context.Context) error {
			_, err := data.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arn, Key: aws.String("dir/sub/key")})
			return err
		}, "ResourceNotFoundException", 404, isA[*kvstypes.ResourceNotFoundException]},
		{"ListKeys MaxResults 51", func(c context.Context) error {
			_, err := data.ListKeys(c, &kvsapi.ListKeysInput{KvsARN: &arn, MaxResults: aws.Int32(51)})
			return err
		}, "ValidationException", 400, isA[*kvstypes.ValidationException]},
		{"DescribeKeyValueStore unknown store", func(c context.Context) error {
			_, err := data.DescribeKeyValueStore(c, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &unknownARN})
			return err
		}, "ResourceNotFoundException", 404, isA[*kvstypes.ResourceNotFoundException]},
	})

	// The refused writes changed nothing.
	want["w0-b0-0"] = "replaced"
	delete(want, "w0-b0-1")
	delete(want, "with space")
	delete(want, "dir/sub/key")
	if got := listAll(t, data, arn, 50); !maps.Equal(got, want) {
		t.Errorf("items after refused writes: %v", diffKeys(got, want))
	}
}

// TestKVSChangesVisibleToTestFunction checks that TestFunction reads the
// store's current items: a data-plane write is seen by the very next test, in
// both stages (items are not staged with the function).
func TestKVSChangesVisibleToTestFunction(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	c := ctx(t)
	arn := createStore(t, cf, "live-items")
	fnETag := createFunction(t, cf, "reader", kvsReaderCode("colour", "t"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, arn))
	if _, err := cf.PublishFunction(c, &cloudfront.PublishFunctionInput{Name: aws.String("reader"), IfMatch: &fnETag}); err != nil {
		t.Fatalf("PublishFunction: %v", err)
	}

	etag := dataETag(t, data, arn)
	for _, step := range []struct {
		name  string
		write func(etag string) (*string, error)
		want  string
	}{
		{"before any write", nil, "missing"},
		{"PutKey", func(etag string) (*string, error) {
			out, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("colour"), Value: aws.String("red"), IfMatch: &etag})
			if err != nil {
				return nil, err
			}
			return out.ETag, nil
		}, "red"},
		{"UpdateKeys", func(etag string) (*string, error) {
			out, err := data.UpdateKeys(c, &kvsapi.UpdateKeysInput{KvsARN: &arn, IfMatch: &etag,
				Puts: []kvstypes.PutKeyRequestListItem{{Key: aws.String("colour"), Value: aws.String("blue")}}})
			if err != nil {
				return nil, err
			}
			return out.ETag, nil
		}, "blue"},
		{"DeleteKey", func(etag string) (*string, error) {
			out, err := data.DeleteKey(c, &kvsapi.DeleteKeyInput{KvsARN: &arn, Key: aws.String("colour"), IfMatch: &etag})
			if err != nil {
				return nil, err
			}
			return out.ETag, nil
		}, "missing"},
	} {
		if step.write != nil {
			next, err := step.write(etag)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			etag = aws.ToString(next)
		}
		for _, stage := range []cftypes.FunctionStage{cftypes.FunctionStageDevelopment, cftypes.FunctionStageLive} {
			if got := testFunction(t, cf, "reader", fnETag, stage)["x-kvs"]; got != step.want {
				t.Errorf("after %s: %s function read %q; want %q", step.name, stage, got, step.want)
			}
		}
	}
}

// TestKVSEndpoints checks that the data plane answers whatever host the SDK
// derives from its endpoint ("<account>." + host) and keeps a base path.
func TestKVSEndpoints(t *testing.T) {
	s := startServer(t, serverConfig{})
	arn := createStore(t, s.cloudFront(devAccount), "endpoints")
	for _, tt := range []struct{ name, endpoint string }{
		{"ip", s.url}, // host 000000000000.127.0.0.1:PORT
		{"kvs.localhost", "http://kvs.localhost:" + s.port}, // host 000000000000.kvs.localhost:PORT
		{"base path", s.url + "/base/path"},                 // path /base/path/key-value-stores/…
	} {
		endpoint := tt.endpoint
		t.Run(tt.name, func(t *testing.T) {
			data := s.keyValueStoreAt(devAccount, endpoint)
			c := ctx(t)
			value := "via " + endpoint
			if _, err := data.PutKey(c, &kvsapi.PutKeyInput{KvsARN: &arn, Key: aws.String("k/1"), Value: &value, IfMatch: aws.String(dataETag(t, data, arn))}); err != nil {
				t.Fatalf("PutKey: %v", err)
			}
			got, err := data.GetKey(c, &kvsapi.GetKeyInput{KvsARN: &arn, Key: aws.String("k/1")})
			if err != nil || aws.ToString(got.Value) != value {
				t.Errorf("GetKey = %v, %v; want %q", got, err, value)
			}
		})
	}
}
