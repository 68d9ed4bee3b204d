package cloudfront

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn"
)

var storeARNPattern = regexp.MustCompile(`^arn:aws:cloudfront::123456789012:key-value-store/[0-9a-f-]{36}$`)

func createStore(t *testing.T, c *cloudfront.Client, name string) *cloudfront.CreateKeyValueStoreOutput {
	t.Helper()
	return must(c.CreateKeyValueStore(context.Background(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name), Comment: aws.String("comment of " + name)}))(t)
}

func TestKeyValueStoreLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()

	created := createStore(t, c, "kvs1")
	k := created.KeyValueStore
	arn := aws.ToString(k.ARN)
	if !storeARNPattern.MatchString(arn) || !strings.HasSuffix(arn, "/"+aws.ToString(k.Id)) || aws.ToString(k.Status) != "READY" ||
		aws.ToString(k.Name) != "kvs1" || aws.ToString(k.Comment) != "comment of kvs1" || k.LastModifiedTime.IsZero() {
		t.Errorf("CreateKeyValueStore %+v", k)
	}
	if aws.ToString(created.Location) != "https://cloudfront.amazonaws.com/2020-05-31/key-value-store/"+arn || aws.ToString(created.ETag) == "" {
		t.Errorf("Location %q, ETag %q", aws.ToString(created.Location), aws.ToString(created.ETag))
	}
	etag := aws.ToString(created.ETag)
	desc := must(c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("kvs1")}))(t)
	if aws.ToString(desc.ETag) != etag || aws.ToString(desc.KeyValueStore.ARN) != arn {
		t.Errorf("DescribeKeyValueStore ETag %q, %+v", aws.ToString(desc.ETag), desc.KeyValueStore)
	}

	upd := must(c.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("kvs1"), IfMatch: aws.String(etag), Comment: aws.String("")}))(t)
	if aws.ToString(upd.ETag) == etag || aws.ToString(upd.KeyValueStore.Comment) != "" {
		t.Errorf("UpdateKeyValueStore ETag %q (was %q), comment %q", aws.ToString(upd.ETag), etag, aws.ToString(upd.KeyValueStore.Comment))
	}
	if _, err := c.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("kvs1"), IfMatch: aws.String(etag), Comment: aws.String("x")}); !isA[*types.PreconditionFailed](err) {
		t.Errorf("UpdateKeyValueStore with the old ETag: %v", err)
	}
	etag = aws.ToString(upd.ETag)

	// A store created without a comment is described without one (the
	// Terraform provider reads "" where its plan has null as a change).
	plain := must(c.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("plain")}))(t)
	plainDesc := must(c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("plain")}))(t)
	if plain.KeyValueStore.Comment != nil || plainDesc.KeyValueStore.Comment != nil {
		t.Errorf("a store created without a comment: Create says %q, Describe %q; want no Comment",
			aws.ToString(plain.KeyValueStore.Comment), aws.ToString(plainDesc.KeyValueStore.Comment))
	}
	must(c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("plain"), IfMatch: plainDesc.ETag}))(t)

	// List page by page, and by status.
	createStore(t, c, "kvs3")
	createStore(t, c, "kvs2")
	var names []string
	pager := cloudfront.NewListKeyValueStoresPaginator(c, &cloudfront.ListKeyValueStoresInput{MaxItems: aws.Int32(2)})
	pages := 0
	for pager.HasMorePages() {
		l := must(pager.NextPage(ctx))(t).KeyValueStoreList
		pages++
		for _, it := range l.Items {
			names = append(names, aws.ToString(it.Name))
		}
	}
	if !slices.Equal(names, []string{"kvs1", "kvs2", "kvs3"}) || pages != 2 {
		t.Errorf("ListKeyValueStores by 2: %v in %d pages", names, pages)
	}
	for status, want := range map[string]int32{"READY": 3, "PROVISIONING": 0} {
		l := must(c.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{Status: aws.String(status)}))(t).KeyValueStoreList
		if aws.ToInt32(l.Quantity) != want || len(l.Items) != int(want) || aws.ToInt32(l.MaxItems) != 100 {
			t.Errorf("ListKeyValueStores %s: Quantity %d, %d items, MaxItems %d; want %d", status, aws.ToInt32(l.Quantity), len(l.Items), aws.ToInt32(l.MaxItems), want)
		}
	}

	// A function reads the store in TestFunction; while associated the store cannot go.
	data := must(e.st.KeyValueStoreByID(ctx, account, aws.ToString(k.Id)))(t)
	must(e.st.UpdateKeys(ctx, account, data.ID, data.DataETag, []edgefn.Item{{Key: "greeting", Value: "hello from kvs"}}, nil))(t)
	code := `import cf from 'cloudfront';
const kvs = cf.kvs('` + aws.ToString(k.Id) + `');
async function handler(event) {
  const greeting = await kvs.get('greeting');
  console.log(greeting);
  return event.request;
}`
	fn := must(c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name: aws.String("reader"), FunctionCode: []byte(code),
		FunctionConfig: &types.FunctionConfig{Comment: aws.String(""), Runtime: types.FunctionRuntimeCloudfrontJs20,
			KeyValueStoreAssociations: &types.KeyValueStoreAssociations{Quantity: aws.Int32(1), Items: []types.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(arn)}}}},
	}))(t)
	if got := fn.FunctionSummary.FunctionConfig.KeyValueStoreAssociations; got == nil || aws.ToInt32(got.Quantity) != 1 || aws.ToString(got.Items[0].KeyValueStoreARN) != arn {
		t.Errorf("CreateFunction associations %+v", got)
	}
	res := must(c.TestFunction(ctx, &cloudfront.TestFunctionInput{Name: aws.String("reader"), IfMatch: fn.ETag, EventObject: []byte(testEvent)}))(t).TestResult
	if !slices.Equal(res.FunctionExecutionLogs, []string{"hello from kvs"}) || aws.ToString(res.FunctionErrorMessage) != "" {
		t.Errorf("TestFunction with a store: logs %q, error %q", res.FunctionExecutionLogs, aws.ToString(res.FunctionErrorMessage))
	}
	if _, err := c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("kvs1"), IfMatch: aws.String(etag)}); !isA[*types.CannotDeleteEntityWhileInUse](err) {
		t.Errorf("DeleteKeyValueStore while associated: %v", err)
	}
	must(c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: aws.String("reader"), IfMatch: fn.ETag}))(t)
	must(c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("kvs1"), IfMatch: aws.String(etag)}))(t)
	if _, err := c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("kvs1")}); !isA[*types.EntityNotFound](err) {
		t.Errorf("DescribeKeyValueStore after delete: %v", err)
	}
}

func TestKeyValueStoreErrors(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	createStore(t, c, "kvs")
	create := func(name, comment string, src *types.ImportSource) func() error {
		return func() error {
			_, err := c.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name), Comment: aws.String(comment), ImportSource: src})
			return err
		}
	}
	stale := aws.String("E0000000000000")
	tests := []apiErrorCase{
		{"describe missing", func() error {
			_, err := c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: aws.String("nope")})
			return err
		}, isA[*types.EntityNotFound], "nope"},
		{"create existing", create("kvs", "", nil), isA[*types.EntityAlreadyExists], "already exists"},
		{"create with a bad name", create("k v s", "", nil), isA[*types.InvalidArgument], `"k v s"`},
		{"create with a long comment", create("long", strings.Repeat("c", 129), nil), isA[*types.InvalidArgument], "Comment is too big"},
		{"import with a bad type", create("imp", "", &types.ImportSource{SourceType: "HTTP", SourceARN: aws.String("arn:aws:s3:::bucket/k")}), isA[*types.InvalidArgument], "HTTP"},
		{"import with a bad ARN", create("imp", "", &types.ImportSource{SourceType: types.ImportSourceTypeS3, SourceARN: aws.String("arn:aws:s3:::bucket")}), isA[*types.InvalidArgument], "no object key"},
		{"update missing", func() error {
			_, err := c.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("nope"), IfMatch: stale, Comment: aws.String("")})
			return err
		}, isA[*types.EntityNotFound], "nope"},
		{"update stale", func() error {
			_, err := c.UpdateKeyValueStore(ctx, &cloudfront.UpdateKeyValueStoreInput{Name: aws.String("kvs"), IfMatch: stale, Comment: aws.String("")})
			return err
		}, isA[*types.PreconditionFailed], "preconditions"},
		{"delete missing", func() error {
			_, err := c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("nope"), IfMatch: stale})
			return err
		}, isA[*types.EntityNotFound], "nope"},
		{"delete stale", func() error {
			_, err := c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: aws.String("kvs"), IfMatch: stale})
			return err
		}, isA[*types.PreconditionFailed], "preconditions"},
		{"list with a bad status", func() error {
			_, err := c.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{Status: aws.String("DONE")})
			return err
		}, isA[*types.InvalidArgument], "DONE"},
	}
	runAPIErrors(t, tests)
	// Refused creates leave nothing behind.
	l := must(c.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{}))(t).KeyValueStoreList
	if aws.ToInt32(l.Quantity) != 1 {
		t.Errorf("%d stores after refused creates; want 1", aws.ToInt32(l.Quantity))
	}
}

// waitImported polls until the store has left PROVISIONING and returns it.
func waitImported(t *testing.T, e *env, name string) *edgefn.KeyValueStore {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		k := must(e.st.GetKeyValueStore(context.Background(), account, name))(t)
		if k.Status != edgefn.KVSProvisioning {
			return k
		}
	}
	t.Fatalf("store %s still %s", name, edgefn.KVSProvisioning)
	return nil
}

func importSource(key string) *types.ImportSource {
	return &types.ImportSource{SourceType: types.ImportSourceTypeS3, SourceARN: aws.String("arn:aws:s3:::bucket/" + key)}
}

func TestImport(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		file   string // "" means no file
		status string
		reason string // part of the failure reason
		items  []edgefn.Item
	}{
		{"ok", `{"data":[{"key":"b","value":"2"},{"key":"a","value":"1"}]}`, edgefn.KVSReady, "", []edgefn.Item{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
		{"empty", `{"data":[]}`, edgefn.KVSReady, "", nil},
		{"malformed", `{"data":[{"key":"a","value":"1"},`, edgefn.KVSImportFailure, "not valid JSON", nil},
		{"duplicate", `{"data":[{"key":"a","value":"1"},{"key":"a","value":"2"}]}`, edgefn.KVSImportFailure, `the key "a" twice`, nil},
		{"value too long", `{"data":[{"key":"a","value":"1"},{"key":"b","value":"` + strings.Repeat("v", 1025) + `"}]}`, edgefn.KVSImportFailure, "the limit is 1024", nil},
		{"file too large", `{"data":[` + strings.Repeat(" ", 5<<20) + `]}`, edgefn.KVSImportFailure, "larger than the limit of 5242880 bytes", nil},
		{"missing", "", edgefn.KVSImportFailure, "arn:aws:s3:::bucket/missing.json does not exist", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := strings.ReplaceAll(tt.name, " ", "-")
			key := name + ".json"
			if tt.file != "" {
				writeFile(t, filepath.Join(e.imports, "bucket", key), tt.file)
			}
			out := must(e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String(name), ImportSource: importSource(key)}))(t)
			if s := aws.ToString(out.KeyValueStore.Status); s != edgefn.KVSProvisioning {
				t.Errorf("CreateKeyValueStore status %s; want %s", s, edgefn.KVSProvisioning)
			}
			k := waitImported(t, e, name)
			if k.Status != tt.status || !strings.Contains(k.FailureReason, tt.reason) || (tt.reason == "") != (k.FailureReason == "") {
				t.Errorf("status %s, reason %q; want %s, %q", k.Status, k.FailureReason, tt.status, tt.reason)
			}
			items, _, err := e.st.ListKeys(ctx, account, k.ID, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(items, tt.items) || k.ItemCount != int64(len(tt.items)) {
				t.Errorf("items %v (count %d); want %v", items, k.ItemCount, tt.items)
			}
		})
	}
}

func TestImportNotConfigured(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Importer = nil })
	_, err := e.cf.CreateKeyValueStore(context.Background(), &cloudfront.CreateKeyValueStoreInput{Name: aws.String("kvs"), ImportSource: importSource("k.json")})
	if !isA[*types.UnsupportedOperation](err) {
		t.Fatalf("import without an importer: %v", err)
	}
}

// gate is an Opener whose Open waits for release (or its context).
type gate struct {
	opened  chan struct{}
	release chan struct{}
}

func (g *gate) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	close(g.opened)
	select {
	case <-g.release:
		return io.NopCloser(strings.NewReader(`{"data":[{"key":"k","value":"v"}]}`)), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func newGate() *gate { return &gate{opened: make(chan struct{}), release: make(chan struct{})} }

func TestCloseWaitsForImports(t *testing.T) {
	g := newGate()
	e := newEnv(t, func(c *Config) { c.Importer = g })
	ctx := context.Background()
	must(e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("slow"), ImportSource: importSource("k.json")}))(t)
	<-g.opened
	closed := make(chan error)
	go func() { closed <- e.h.Close(ctx) }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while an import was running", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(g.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if k := must(e.st.GetKeyValueStore(ctx, account, "slow"))(t); k.Status != edgefn.KVSReady || k.ItemCount != 1 {
		t.Errorf("after Close: %s with %d items; want READY with 1", k.Status, k.ItemCount)
	}
}

func TestCloseInterruptsImports(t *testing.T) {
	g := newGate()
	e := newEnv(t, func(c *Config) { c.Importer = g })
	ctx := context.Background()
	must(e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("stuck"), ImportSource: importSource("k.json")}))(t)
	<-g.opened
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := e.h.Close(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close = %v; want %v", err, context.DeadlineExceeded)
	}
	if k := must(e.st.GetKeyValueStore(ctx, account, "stuck"))(t); k.Status != edgefn.KVSImportFailure || k.FailureReason != "import interrupted" {
		t.Errorf("after Close: %s, %q", k.Status, k.FailureReason)
	}
	// A closed handler starts no import, and creates no store for one.
	_, err := e.cf.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: aws.String("late"), ImportSource: importSource("k.json")})
	if !hasCode("InternalError")(err) {
		t.Errorf("import after Close: %v; want InternalError", err)
	}
	if _, err := e.st.GetKeyValueStore(ctx, account, "late"); err == nil {
		t.Error("a store was created for a refused import")
	}
}

func TestResumeImports(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// What a crash leaves: stores PROVISIONING with nobody importing.
	for _, name := range []string{"crashed-1", "crashed-2"} {
		must(e.st.CreateKeyValueStore(ctx, account, name, "", true))(t)
	}
	must(e.st.CreateKeyValueStore(ctx, "210987654321", "other-account", "", true))(t)
	createStore(t, e.cf, "fine")
	if err := e.h.ResumeImports(ctx, []string{account}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"crashed-1": edgefn.KVSImportFailure, "crashed-2": edgefn.KVSImportFailure, "fine": edgefn.KVSReady} {
		k := must(e.st.GetKeyValueStore(ctx, account, name))(t)
		if k.Status != want || (want == edgefn.KVSImportFailure) != (k.FailureReason == "import interrupted") {
			t.Errorf("%s: %s, %q; want %s", name, k.Status, k.FailureReason, want)
		}
	}
	if k := must(e.st.GetKeyValueStore(ctx, "210987654321", "other-account"))(t); k.Status != edgefn.KVSProvisioning {
		t.Errorf("a store of an account not named was touched: %s", k.Status)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
