package e2e

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
)

// TestDurabilityAfterSIGKILL kills the server in the middle of a write storm
// and restarts it on the same data directory: every write the server
// acknowledged must be there, and no batch may be half applied.
func TestDurabilityAfterSIGKILL(t *testing.T) {
	const (
		functionWriters   = 3
		functionsEach     = 30 // 90 in all, under the 100-function quota
		batchWriters      = 3
		batchesEach       = 60
		batchKeys         = 50
		killAfterWrites   = 10 // of each kind; creates outpace contended batches ~3:1
		stormTimeout      = 60 * time.Second
		killPollInterval  = 5 * time.Millisecond
		maxFunctionsTotal = functionWriters * functionsEach
	)
	s := startServer(t, serverConfig{})
	arn := createStore(t, s.cloudFront(devAccount), "storm")

	var (
		killed    atomic.Bool
		mu        sync.Mutex
		functions = map[string][]byte{} // acknowledged CreateFunction: name -> code
		batches   = map[int]bool{}      // acknowledged UpdateKeys batch numbers
		nextBatch atomic.Int64
		wg        sync.WaitGroup
	)
	stormCtx, cancel := context.WithTimeout(context.Background(), stormTimeout)
	defer cancel()
	// failed reports an error unless the kill explains it, and stops the writer.
	failed := func(what string, err error) bool {
		if err == nil {
			return false
		}
		if !killed.Load() {
			t.Errorf("%s before the kill: %v", what, err)
		}
		return true
	}
	for w := range functionWriters {
		cf := s.cloudFront(devAccount)
		wg.Go(func() {
			for i := range functionsEach {
				name := fmt.Sprintf("storm-%d-%d", w, i)
				code := taggingCode(name)
				_, err := cf.CreateFunction(stormCtx, &cloudfront.CreateFunctionInput{Name: aws.String(name), FunctionCode: code,
					FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)})
				if failed("CreateFunction "+name, err) {
					return
				}
				mu.Lock()
				functions[name] = code
				mu.Unlock()
			}
		})
	}
	for w := range batchWriters {
		data := s.keyValueStore(devAccount)
		wg.Go(func() {
			etag := ""
			for range batchesEach {
				n := int(nextBatch.Add(1))
				_, err := updateKeys(stormCtx, data, arn, &etag, batch(fmt.Sprintf("b%d-", n), batchKeys, batchValue(n)), nil)
				if failed(fmt.Sprintf("writer %d: UpdateKeys batch %d", w, n), err) {
					return
				}
				mu.Lock()
				batches[n] = true
				mu.Unlock()
			}
		})
	}
	stormDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(stormDone)
	}()

	// Kill once both kinds of writes are well under way.
	for {
		mu.Lock()
		enough := len(functions) >= killAfterWrites && len(batches) >= killAfterWrites
		mu.Unlock()
		if enough {
			break
		}
		select {
		case <-stormDone:
			t.Fatal("the storm ended before the kill; raise its bounds")
		case <-stormCtx.Done():
			t.Fatalf("fewer than %d writes of each kind within %v", killAfterWrites, stormTimeout)
		case <-time.After(killPollInterval):
		}
	}
	killed.Store(true)
	s.kill()
	<-stormDone
	mu.Lock()
	defer mu.Unlock()
	if len(functions) == maxFunctionsTotal || len(batches) == batchWriters*batchesEach {
		t.Fatal("a writer finished before the kill: the kill was not mid-storm")
	}
	t.Logf("killed after %d functions and %d batches were acknowledged", len(functions), len(batches))

	s = s.restart(t)
	cf, data := s.cloudFront(devAccount), s.keyValueStore(devAccount)
	for name, code := range functions {
		out, err := cf.GetFunction(ctx(t), &cloudfront.GetFunctionInput{Name: aws.String(name)})
		if err != nil || !bytes.Equal(out.FunctionCode, code) {
			t.Errorf("acknowledged function %s after restart: %v", name, err)
		}
	}
	// Functions created but not acknowledged may exist; if so, whole.
	for _, got := range listFunctions(t, cf, cftypes.FunctionStageDevelopment) {
		name := got[:len(got)-len("/DEVELOPMENT")]
		out, err := cf.GetFunction(ctx(t), &cloudfront.GetFunctionInput{Name: aws.String(name)})
		if err != nil || !bytes.Equal(out.FunctionCode, taggingCode(name)) {
			t.Errorf("function %s after restart: code %q, %v", name, out.FunctionCode, err)
		}
	}

	items := listAll(t, data, arn, 50)
	present := map[int]int{} // batch -> keys present
	keyPattern := regexp.MustCompile(`^b(\d+)-(\d+)$`)
	for k, v := range items {
		m := keyPattern.FindStringSubmatch(k)
		if m == nil {
			t.Errorf("unexpected key %q", k)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		i, _ := strconv.Atoi(m[2])
		if v != batchValue(n)(i) {
			t.Errorf("key %s = %q; want %q", k, v, batchValue(n)(i))
		}
		present[n]++
	}
	for n, count := range present {
		if count != batchKeys {
			t.Errorf("batch %d half applied: %d of %d keys", n, count, batchKeys)
		}
	}
	for n := range batches {
		if present[n] == 0 {
			t.Errorf("acknowledged batch %d lost", n)
		}
	}
	d, err := data.DescribeKeyValueStore(ctx(t), &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if int(aws.ToInt32(d.ItemCount)) != len(items) {
		t.Errorf("ItemCount %d, but %d items listed", aws.ToInt32(d.ItemCount), len(items))
	}
	// The restarted server takes writes on top of what survived.
	etag := aws.ToString(d.ETag)
	if _, err := updateKeys(ctx(t), data, arn, &etag, batch("after-", 1, batchValue(0)), nil); err != nil {
		t.Errorf("UpdateKeys after restart: %v", err)
	}
	s.stop()
}

// batchValue is the value of key i of batch n.
func batchValue(n int) func(i int) string {
	return func(i int) string { return fmt.Sprintf("v%d-%d", n, i) }
}
