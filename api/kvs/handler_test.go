package kvs_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn"
)

func TestDescribeKeyValueStore(t *testing.T) {
	before := time.Now().Add(-time.Second)
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.client.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.KvsARN) != e.arn || aws.ToInt32(out.ItemCount) != 0 || aws.ToInt64(out.TotalSizeInBytes) != 0 {
		t.Errorf("new store = %s %d items %d bytes", aws.ToString(out.KvsARN), aws.ToInt32(out.ItemCount), aws.ToInt64(out.TotalSizeInBytes))
	}
	if aws.ToString(out.Status) != edgefn.KVSReady || aws.ToString(out.ETag) == "" {
		t.Errorf("Status %q ETag %q", aws.ToString(out.Status), aws.ToString(out.ETag))
	}
	created := aws.ToTime(out.Created)
	if created.Before(before) || created.After(time.Now().Add(time.Second)) {
		t.Errorf("Created = %v, want about now", created)
	}

	etag := e.put(t, map[string]string{"a": "1", "bc": "23"})
	out, err = e.client.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != etag || aws.ToInt32(out.ItemCount) != 2 || aws.ToInt64(out.TotalSizeInBytes) != 6 {
		t.Errorf("after write: ETag %q (want %q), %d items, %d bytes", aws.ToString(out.ETag), etag, aws.ToInt32(out.ItemCount), aws.ToInt64(out.TotalSizeInBytes))
	}
	if out.LastModified == nil || out.LastModified.Before(created) {
		t.Errorf("LastModified = %v, want at or after Created %v", out.LastModified, created)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	keys := []string{
		"plain", "with/slash", "/leading", "trailing/", "a//b", "with space", "ünïcødé/日本語",
		".", "..", "a%2Fb", "q?x=1&y#z", "+plus+", "emoji 🙂", strings.Repeat("k", 512),
	}
	for _, key := range keys {
		t.Run(fmt.Sprintf("%.20q", key), func(t *testing.T) {
			value := "value of " + key
			put, err := e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: &key, Value: &value, IfMatch: aws.String(e.etag(t))})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt32(put.ItemCount) != 1 || aws.ToInt64(put.TotalSizeInBytes) != int64(len(key)+len(value)) {
				t.Errorf("PutKey: %d items, %d bytes", aws.ToInt32(put.ItemCount), aws.ToInt64(put.TotalSizeInBytes))
			}
			if aws.ToString(put.ETag) != e.etag(t) {
				t.Errorf("PutKey ETag %q is not the store's", aws.ToString(put.ETag))
			}
			got, err := e.client.GetKey(ctx, &kvsapi.GetKeyInput{KvsARN: &e.arn, Key: &key})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(got.Key) != key || aws.ToString(got.Value) != value || aws.ToInt32(got.ItemCount) != 1 {
				t.Errorf("GetKey = %q: %q (%d items)", aws.ToString(got.Key), aws.ToString(got.Value), aws.ToInt32(got.ItemCount))
			}
			if items, _ := e.listAll(t, 0); !maps.Equal(items, map[string]string{key: value}) {
				t.Errorf("ListKeys = %q", items)
			}
			del, err := e.client.DeleteKey(ctx, &kvsapi.DeleteKeyInput{KvsARN: &e.arn, Key: &key, IfMatch: put.ETag})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt32(del.ItemCount) != 0 || aws.ToInt64(del.TotalSizeInBytes) != 0 || aws.ToString(del.ETag) == aws.ToString(put.ETag) {
				t.Errorf("DeleteKey: %d items, %d bytes, ETag %q", aws.ToInt32(del.ItemCount), aws.ToInt64(del.TotalSizeInBytes), aws.ToString(del.ETag))
			}
			_, err = e.client.GetKey(ctx, &kvsapi.GetKeyInput{KvsARN: &e.arn, Key: &key})
			wantAPIError[*types.ResourceNotFoundException](t, err, 404)
		})
	}
}

func TestListKeysPagination(t *testing.T) {
	e := newEnv(t)
	want := map[string]string{}
	for i := range 123 {
		want[keyName(i)] = strings.Repeat("v", i)
		if len(want) == 50 || i == 122 {
			e.put(t, want)
			clear(want)
		}
	}
	for i := range 123 {
		want[keyName(i)] = strings.Repeat("v", i)
	}
	for _, size := range []int32{0, 1, 7, 50} {
		got, order := e.listAll(t, size)
		if !maps.Equal(got, want) || len(order) != len(want) {
			t.Errorf("MaxResults %d: listed %d keys (%d distinct), want %d", size, len(order), len(got), len(want))
		}
		if !slices.IsSorted(order) {
			t.Errorf("MaxResults %d: keys not in order", size)
		}
	}

	ctx := context.Background()
	first, err := e.client.ListKeys(ctx, &kvsapi.ListKeysInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 10 || first.NextToken == nil {
		t.Errorf("default page: %d items, NextToken %v; want 10 and a token", len(first.Items), first.NextToken)
	}
	for _, bad := range []int32{0, -1, 51} {
		_, err := e.client.ListKeys(ctx, &kvsapi.ListKeysInput{KvsARN: &e.arn, MaxResults: aws.Int32(bad)})
		wantAPIError[*types.ValidationException](t, err, 400)
	}
	_, err = e.client.ListKeys(ctx, &kvsapi.ListKeysInput{KvsARN: &e.arn, NextToken: aws.String("!!not a token!!")})
	wantAPIError[*types.ValidationException](t, err, 400)
}

func TestEmptyStoreLists(t *testing.T) {
	e := newEnv(t)
	out, err := e.client.ListKeys(context.Background(), &kvsapi.ListKeysInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 0 || out.NextToken != nil {
		t.Errorf("empty store lists %d items, NextToken %v", len(out.Items), out.NextToken)
	}
}

// TestStaleETag: every write with an out-of-date ETag is refused and changes nothing.
func TestStaleETag(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(e *env, etag *string) error
	}{
		{"PutKey", func(e *env, etag *string) error {
			_, err := e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: aws.String("a"), Value: aws.String("new"), IfMatch: etag})
			return err
		}},
		{"DeleteKey", func(e *env, etag *string) error {
			_, err := e.client.DeleteKey(ctx, &kvsapi.DeleteKeyInput{KvsARN: &e.arn, Key: aws.String("a"), IfMatch: etag})
			return err
		}},
		{"UpdateKeys", func(e *env, etag *string) error {
			_, err := e.client.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: etag,
				Puts:    []types.PutKeyRequestListItem{{Key: aws.String("c"), Value: aws.String("3")}},
				Deletes: []types.DeleteKeyRequestListItem{{Key: aws.String("a")}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			stale := e.etag(t)
			current := e.put(t, map[string]string{"a": "1", "b": "2"})
			for _, etag := range []string{stale, "garbage"} {
				err := tt.write(e, aws.String(etag))
				wantAPIError[*types.ConflictException](t, err, 409)
			}
			if got := e.etag(t); got != current {
				t.Errorf("ETag moved from %q to %q after refused writes", current, got)
			}
			if items, _ := e.listAll(t, 50); !maps.Equal(items, map[string]string{"a": "1", "b": "2"}) {
				t.Errorf("items after refused writes = %q", items)
			}
			if err := tt.write(e, aws.String(current)); err != nil {
				t.Errorf("write with the current ETag: %v", err)
			}
		})
	}
}

func TestUpdateKeysIsAtomic(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	etag := e.put(t, map[string]string{"keep": "1", "drop": "2"})
	bad := []types.PutKeyRequestListItem{
		{Key: aws.String("new"), Value: aws.String("x")},
		{Key: aws.String("huge"), Value: aws.String(strings.Repeat("x", 1025))},
	}
	_, err := e.client.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: &etag, Puts: bad,
		Deletes: []types.DeleteKeyRequestListItem{{Key: aws.String("drop")}}})
	wantAPIError[*types.ValidationException](t, err, 400)
	if items, _ := e.listAll(t, 50); !maps.Equal(items, map[string]string{"keep": "1", "drop": "2"}) {
		t.Errorf("a refused batch changed the store: %q", items)
	}

	out, err := e.client.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: &etag, Puts: bad[:1],
		Deletes: []types.DeleteKeyRequestListItem{{Key: aws.String("drop")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.ItemCount) != 2 || aws.ToInt64(out.TotalSizeInBytes) != int64(len("keep1new"+"x")) {
		t.Errorf("UpdateKeys: %d items, %d bytes", aws.ToInt32(out.ItemCount), aws.ToInt64(out.TotalSizeInBytes))
	}
	if items, _ := e.listAll(t, 50); !maps.Equal(items, map[string]string{"keep": "1", "new": "x"}) {
		t.Errorf("after the batch: %q", items)
	}
}

// TestConcurrentWriters: writers racing with the same ETag; exactly one wins.
func TestConcurrentWriters(t *testing.T) {
	e := newEnv(t)
	etag := e.etag(t)
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = e.client.PutKey(context.Background(), &kvsapi.PutKeyInput{
				KvsARN: &e.arn, Key: aws.String(keyName(i)), Value: aws.String("v"), IfMatch: &etag})
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		var conflict *types.ConflictException
		switch {
		case err == nil:
			wins++
		case !errors.As(err, &conflict):
			t.Errorf("loser got %v, want ConflictException", err)
		}
	}
	items, _ := e.listAll(t, 50)
	if wins != 1 || len(items) != 1 {
		t.Errorf("%d winners, %d keys stored; want exactly one", wins, len(items))
	}
}

// TestDeployToolPattern replays what SST and Terraform do: Describe for the
// ETag, ListKeys for the current items, then UpdateKeys in batches of 50,
// re-describing and retrying a batch when another writer got in first.
func TestDeployToolPattern(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := map[string]string{}
	for i := range 40 {
		old[keyName(i)] = "old"
	}
	e.put(t, old)
	desired := map[string]string{}
	for i := 30; i < 160; i++ {
		desired[keyName(i)] = "new"
	}

	current, _ := e.listAll(t, 50)
	var puts []types.PutKeyRequestListItem
	var deletes []types.DeleteKeyRequestListItem
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		if current[k] != desired[k] {
			puts = append(puts, types.PutKeyRequestListItem{Key: aws.String(k), Value: aws.String(desired[k])})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(current)) {
		if _, ok := desired[k]; !ok {
			deletes = append(deletes, types.DeleteKeyRequestListItem{Key: aws.String(k)})
		}
	}
	etag := e.etag(t)
	conflicts, batches := 0, 0
	for len(puts)+len(deletes) > 0 {
		np := min(len(puts), 50)
		nd := min(len(deletes), 50-np)
		if batches == 1 && conflicts == 0 {
			// Someone else writes between two batches.
			e.put(t, map[string]string{"intruder": "x"})
		}
		out, err := e.client.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: &etag, Puts: puts[:np], Deletes: deletes[:nd]})
		var conflict *types.ConflictException
		if errors.As(err, &conflict) {
			conflicts++
			etag = e.etag(t)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		etag = aws.ToString(out.ETag)
		puts, deletes = puts[np:], deletes[nd:]
		batches++
	}
	if conflicts != 1 || batches != 4 {
		t.Errorf("%d conflicts, %d batches; want 1 and 4 (130 puts + 30 deletes)", conflicts, batches)
	}
	want := maps.Clone(desired)
	want["intruder"] = "x"
	if got, _ := e.listAll(t, 50); !maps.Equal(got, want) {
		t.Errorf("store after sync has %d keys, want %d", len(got), len(want))
	}
}

func TestSizeLimits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	long := func(s string, n int) *string { return aws.String(strings.Repeat(s, n)) }
	tests := []struct {
		name       string
		key, value *string
		ok         bool
	}{
		{"largest key and value", long("k", 512), long("v", 1024), true},
		{"key over 512 bytes", long("k", 513), aws.String("v"), false},
		{"key of 300 two-byte characters", long("é", 300), aws.String("v"), false},
		{"key over 1024 characters", long("k", 1025), aws.String("v"), false},
		{"value over 1024 bytes", aws.String("k"), long("v", 1025), false},
		{"empty value", aws.String("empty"), aws.String(""), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.etag(t)
			_, putErr := e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: tt.key, Value: tt.value, IfMatch: &before})
			if tt.ok {
				if putErr != nil {
					t.Fatal(putErr)
				}
				return
			}
			wantAPIError[*types.ValidationException](t, putErr, 400)
			_, err := e.client.UpdateKeys(ctx, &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: &before,
				Puts: []types.PutKeyRequestListItem{{Key: tt.key, Value: tt.value}}})
			wantAPIError[*types.ValidationException](t, err, 400)
			if after := e.etag(t); after != before {
				t.Error("a refused write changed the store")
			}
		})
	}
}

func TestStoreQuota(t *testing.T) {
	limits := edgefn.DefaultLimits()
	limits.KVSStoreBytes = 4000
	e := newEnv(t, withLimits(limits))
	ctx := context.Background()
	etag := e.put(t, map[string]string{"a": strings.Repeat("x", 1000), "b": strings.Repeat("x", 1000), "c": strings.Repeat("x", 1000)})
	_, err := e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: aws.String("d"), Value: aws.String(strings.Repeat("x", 1000)), IfMatch: &etag})
	wantAPIError[*types.ServiceQuotaExceededException](t, err, 402)
	out, err := e.client.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ETag) != etag || aws.ToInt32(out.ItemCount) != 3 {
		t.Errorf("refused write changed the store: ETag %q, %d items", aws.ToString(out.ETag), aws.ToInt32(out.ItemCount))
	}
	// Replacing a value with one of the same size fits.
	if _, err := e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: aws.String("a"), Value: aws.String(strings.Repeat("y", 1000)), IfMatch: &etag}); err != nil {
		t.Errorf("same-size replacement: %v", err)
	}
}

// TestFullStore fills a store to exactly the 5 MB quota and lists it back.
func TestFullStore(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	quota := edgefn.DefaultLimits().KVSStoreBytes
	value := strings.Repeat("v", 1024-len(keyName(0)))
	start := time.Now()
	var size int64
	batch := map[string]string{}
	for i := 0; size < quota; i++ {
		k, v := keyName(i), value
		if rest := quota - size; int64(len(k)+len(v)) > rest {
			v = v[:rest-int64(len(k))]
		}
		batch[k] = v
		size += int64(len(k) + len(v))
		if len(batch) == 50 || size == quota {
			e.put(t, batch)
			clear(batch)
		}
	}
	out, err := e.client.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(out.TotalSizeInBytes) != quota {
		t.Fatalf("TotalSizeInBytes = %d, want %d", aws.ToInt64(out.TotalSizeInBytes), quota)
	}
	_, err = e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &e.arn, Key: aws.String("one-more"), Value: aws.String(""), IfMatch: out.ETag})
	wantAPIError[*types.ServiceQuotaExceededException](t, err, 402)

	items, order := e.listAll(t, 50)
	var listed int64
	for k, v := range items {
		listed += int64(len(k) + len(v))
	}
	if len(order) != int(aws.ToInt32(out.ItemCount)) || listed != quota {
		t.Errorf("listed %d items, %d bytes; want %d, %d", len(order), listed, aws.ToInt32(out.ItemCount), quota)
	}
	t.Logf("filled and listed %d items (%d bytes) in %v", len(order), listed, time.Since(start))
}

func TestTypedErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	missing := edgefn.KeyValueStoreARN(account, "00000000-0000-0000-0000-000000000000")
	foreign := edgefn.KeyValueStoreARN("210987654321", "00000000-0000-0000-0000-000000000001")

	_, err := e.client.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &missing})
	wantAPIError[*types.ResourceNotFoundException](t, err, 404)
	_, err = e.client.GetKey(ctx, &kvsapi.GetKeyInput{KvsARN: &e.arn, Key: aws.String("absent")})
	wantAPIError[*types.ResourceNotFoundException](t, err, 404)
	_, err = e.client.PutKey(ctx, &kvsapi.PutKeyInput{KvsARN: &missing, Key: aws.String("k"), Value: aws.String("v"), IfMatch: aws.String("E1")})
	wantAPIError[*types.ResourceNotFoundException](t, err, 404)
	_, err = e.client.ListKeys(ctx, &kvsapi.ListKeysInput{KvsARN: &foreign})
	wantAPIError[*types.AccessDeniedException](t, err, 403)
	_, err = e.client.DeleteKey(ctx, &kvsapi.DeleteKeyInput{KvsARN: &foreign, Key: aws.String("k"), IfMatch: aws.String("E1")})
	wantAPIError[*types.AccessDeniedException](t, err, 403)
}

// TestBasePath: an endpoint URL with a path keeps it as a prefix.
func TestBasePath(t *testing.T) {
	e := newEnv(t, withBasePath("/edge/api"))
	e.put(t, map[string]string{"k": "v"})
	got, err := e.client.GetKey(context.Background(), &kvsapi.GetKeyInput{KvsARN: &e.arn, Key: aws.String("k")})
	if err != nil || aws.ToString(got.Value) != "v" {
		t.Fatalf("GetKey under a base path = %v, %v", got, err)
	}
}
