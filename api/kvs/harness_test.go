package kvs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	"github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/kvs"
	"github.com/edgefn/edgefn/api/sigv4"
)

const account = "123456789012"

// backend is the state store under test: the handler's data plane plus the
// control-plane call that creates a store.
type backend interface {
	kvs.Store
	CreateKeyValueStore(ctx context.Context, account, name, comment string, importing bool, tags ...edgefn.Tag) (*edgefn.KeyValueStore, error)
}

// env is a handler behind an httptest server and an SDK client pointed at it.
type env struct {
	url    string
	client *kvsapi.Client
	store  backend
	arn    string // a store created empty in account
}

type envOption func(*envConfig)

type envConfig struct {
	limits edgefn.Limits
	// basePath is a path in the client's endpoint URL.
	basePath string
}

func withLimits(l edgefn.Limits) envOption { return func(c *envConfig) { c.limits = l } }
func withBasePath(p string) envOption      { return func(c *envConfig) { c.basePath = p } }

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	cfg := envConfig{limits: edgefn.DefaultLimits()}
	for _, o := range opts {
		o(&cfg)
	}
	st := openStore(t, cfg.limits)
	h := kvs.New(kvs.Config{Store: st, Limits: cfg.limits})
	srv := httptest.NewServer(asCaller(account, h))
	t.Cleanup(srv.Close)
	e := &env{url: srv.URL, store: st, client: newClient(t, srv.URL+cfg.basePath)}
	e.arn = e.createStore(t, "test")
	return e
}

// asCaller stands in for signature verification, which is wired elsewhere.
func asCaller(account string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := sigv4.WithIdentity(r.Context(), &sigv4.Identity{AccountID: account})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// newClient returns an unmodified SDK client; only its dialer is pinned, as
// users of an IP-literal endpoint need.
func newClient(t testing.TB, endpoint string) *kvsapi.Client {
	t.Helper()
	hc, err := kvs.PinnedHTTPClient(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	return kvsapi.New(kvsapi.Options{
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   hc,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

func (e *env) createStore(t testing.TB, name string) string {
	t.Helper()
	s, err := e.store.CreateKeyValueStore(context.Background(), account, name, "", false)
	if err != nil {
		t.Fatal(err)
	}
	return s.ARN()
}

func (e *env) etag(t testing.TB) string {
	t.Helper()
	out, err := e.client.DescribeKeyValueStore(context.Background(), &kvsapi.DescribeKeyValueStoreInput{KvsARN: &e.arn})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ETag)
}

// put writes items in one UpdateKeys and returns the new ETag.
func (e *env) put(t testing.TB, items map[string]string) string {
	t.Helper()
	var puts []types.PutKeyRequestListItem
	for k, v := range items {
		puts = append(puts, types.PutKeyRequestListItem{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := e.client.UpdateKeys(context.Background(), &kvsapi.UpdateKeysInput{KvsARN: &e.arn, IfMatch: aws.String(e.etag(t)), Puts: puts})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.ETag)
}

// listAll pages through ListKeys with the SDK paginator.
func (e *env) listAll(t testing.TB, pageSize int32) (map[string]string, []string) {
	t.Helper()
	p := kvsapi.NewListKeysPaginator(e.client, &kvsapi.ListKeysInput{KvsARN: &e.arn}, func(o *kvsapi.ListKeysPaginatorOptions) { o.Limit = pageSize })
	items := map[string]string{}
	var order []string
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if pageSize > 0 && int32(len(page.Items)) > pageSize {
			t.Fatalf("page of %d items, MaxResults %d", len(page.Items), pageSize)
		}
		for _, it := range page.Items {
			items[*it.Key] = *it.Value
			order = append(order, *it.Key)
		}
	}
	return items, order
}

// wantAPIError checks that err is the modelled exception with its status.
func wantAPIError[T error](t testing.TB, err error, status int) {
	t.Helper()
	var typed T
	if !errors.As(err, &typed) {
		t.Fatalf("error = %v, want %T", err, typed)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("error = %v, want HTTP status %d", err, status)
	}
	if re.ServiceRequestID() == "" {
		t.Errorf("error %v carries no request id", err)
	}
}

func keyName(i int) string { return fmt.Sprintf("key-%05d", i) }
