package replica_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

const acct = "111111111111"

type env struct {
	t  *testing.T
	st *store.Store
	r  *replica.Replica
}

// start runs a replica of a fresh store; wrap may interpose on the source.
func start(t *testing.T, wrap func(replica.Source) replica.Source) *env {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "edgefn.db"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db, edgefn.DefaultLimits())
	var src replica.Source = st
	if wrap != nil {
		src = wrap(st)
	}
	r := replica.New(src, runtime.New(runtime.Options{Timeout: time.Second}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := r.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		db.Close()
	})
	select {
	case <-r.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("replica not ready")
	}
	return &env{t: t, st: st, r: r}
}

// eventually polls cond on the current State for up to 5 s.
func (e *env) eventually(what string, cond func(*replica.State) bool) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond(e.r.State()) {
		if time.Now().After(deadline) {
			e.t.Fatalf("replica never got %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (e *env) function(name, code string, stores ...string) {
	e.t.Helper()
	ctx := e.t.Context()
	cfg := edgefn.FunctionConfig{Comment: "", Runtime: edgefn.RuntimeJS2, KeyValueStoreARNs: stores}
	dev, err := e.st.GetFunction(ctx, acct, name, edgefn.StageDevelopment)
	if err != nil {
		dev, err = e.st.CreateFunction(ctx, acct, name, cfg, []byte(code))
	} else {
		dev, err = e.st.UpdateFunction(ctx, acct, name, dev.ETag, cfg, []byte(code))
	}
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.PublishFunction(ctx, acct, name, dev.ETag); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) distribution(cfg edgefn.DistributionConfig) *edgefn.Distribution {
	e.t.Helper()
	d, err := e.st.CreateDistribution(e.t.Context(), acct, cfg, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func config(ref string, fnARN string) edgefn.DistributionConfig {
	c := edgefn.DistributionConfig{
		CallerReference: ref,
		Enabled:         true,
		Aliases:         []string{"www.example.com", "*.wild.example.com"},
		Origins: []edgefn.Origin{
			{ID: "web", DomainName: "web.example.com", Custom: &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: "http-only"}},
			{ID: "api", DomainName: "api.example.com", Custom: &edgefn.CustomOrigin{HTTPPort: 8080, HTTPSPort: 443, ProtocolPolicy: "http-only"}},
		},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "web"},
		CacheBehaviors:       []edgefn.CacheBehavior{{PathPattern: "/api/*", TargetOriginID: "api"}},
	}
	if fnARN != "" {
		c.DefaultCacheBehavior.FunctionAssociations = []edgefn.FunctionAssociation{{EventType: "viewer-request", FunctionARN: fnARN}}
	}
	return c
}

// run invokes the default behavior's viewer-request function and returns its uri.
func run(t *testing.T, f *replica.Function) string {
	t.Helper()
	if f == nil || f.Err != nil {
		t.Fatalf("function %+v not runnable", f)
	}
	ev := &event.Event{Context: event.Context{EventType: event.ViewerRequest}, Request: event.Request{Method: "GET", URI: "/"}}
	res := f.Program.Run(t.Context(), ev, f.KVS)
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	return res.Output.Request.URI
}

func TestRouting(t *testing.T) {
	e := start(t, nil)
	d := e.distribution(config("r", ""))
	e.eventually("the distribution", func(s *replica.State) bool { return s.Distribution(d.DomainName) != nil })
	s := e.r.State()
	tests := []struct {
		host string
		want bool
	}{
		{d.DomainName, true},
		{d.DomainName + ":8081", true},
		{"WWW.Example.COM", true},
		{"a.wild.example.com", true},
		{"a.b.wild.example.com", true},
		{"wild.example.com", false},
		{"example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.Distribution(tt.host) != nil; got != tt.want {
			t.Errorf("Distribution(%q) found = %v, want %v", tt.host, got, tt.want)
		}
	}
	dist := s.Distribution(d.DomainName)
	if b := dist.Behavior("/api/users"); b.PathPattern != "/api/*" || b.Origin.ID != "api" {
		t.Errorf("/api/users -> %+v", b)
	}
	if b := dist.Behavior("/index.html"); b.PathPattern != "" || b.Origin.ID != "web" {
		t.Errorf("/index.html -> %+v", b)
	}
	if dist.Origin("api") == nil || dist.Origin("nope") != nil {
		t.Error("Origin lookup")
	}
}

func TestPublishAndKVSReachTheState(t *testing.T) {
	e := start(t, nil)
	k, err := e.st.CreateKeyValueStore(t.Context(), acct, "kvs", "", false)
	if err != nil {
		t.Fatal(err)
	}
	code := func(v string) string {
		return `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) { const x = await kvs.get('k'); event.request.uri = '/` + v + `/' + x; return event.request; }`
	}
	e.function("fn", code("v1"), k.ARN())
	arn := edgefn.FunctionARN(acct, "fn")
	if _, err := e.st.UpdateKeys(t.Context(), acct, k.ID, k.DataETag, []edgefn.Item{{Key: "k", Value: "a"}}, nil); err != nil {
		t.Fatal(err)
	}
	d := e.distribution(config("r", arn))
	viewerRequest := func(s *replica.State) *replica.Function {
		if dd := s.Distribution(d.DomainName); dd != nil {
			return dd.Behavior("/").ViewerRequest
		}
		return nil
	}
	e.eventually("the function", func(s *replica.State) bool { return viewerRequest(s) != nil })
	old := viewerRequest(e.r.State())
	if got := run(t, old); got != "/v1/a" {
		t.Fatalf("uri %q", got)
	}

	// A new LIVE version is compiled and swapped in, with its own record of
	// long runs.
	old.Runs.Slow.Store(1)
	e.function("fn", code("v2"), k.ARN())
	e.eventually("v2", func(s *replica.State) bool { return viewerRequest(s).ETag != old.ETag })
	if got := run(t, viewerRequest(e.r.State())); got != "/v2/a" {
		t.Fatalf("after publish uri %q", got)
	}
	v2 := viewerRequest(e.r.State())
	if v2.Runs == old.Runs || v2.Runs.Slow.Load() != 0 {
		t.Errorf("a new version shares the old one's long runs")
	}
	// A request that took the old State keeps the old version and data.
	if got := run(t, old); got != "/v1/a" {
		t.Fatalf("old state uri %q", got)
	}

	// A KVS write needs no publish.
	cur, _ := e.st.KeyValueStoreByID(t.Context(), acct, k.ID)
	if _, err := e.st.UpdateKeys(t.Context(), acct, k.ID, cur.DataETag, []edgefn.Item{{Key: "k", Value: "b"}}, nil); err != nil {
		t.Fatal(err)
	}
	e.eventually("the new value", func(s *replica.State) bool {
		v, _, _ := viewerRequest(s).KVS.Get(t.Context(), "k")
		return v == "b"
	})
	if got := run(t, viewerRequest(e.r.State())); got != "/v2/b" {
		t.Fatalf("after KVS write uri %q", got)
	}
	// The same code in a new State remembers its long runs.
	if viewerRequest(e.r.State()).Runs != v2.Runs {
		t.Errorf("a new State forgot the function's long runs")
	}
	if v, _, _ := old.KVS.Get(t.Context(), "k"); v != "a" {
		t.Fatalf("old state's store changed to %q", v)
	}
}

func TestBadCodeAndRemoval(t *testing.T) {
	e := start(t, nil)
	// Code the runtime refuses at load: publish is the API's gate, the store
	// accepts it, so the replica must cope.
	e.function("bad", "function handler(event) { return event.request; } export default handler;")
	d := e.distribution(config("r", edgefn.FunctionARN(acct, "bad")))
	e.eventually("the distribution", func(s *replica.State) bool { return s.Distribution(d.DomainName) != nil })
	f := e.r.State().Distribution(d.DomainName).Behavior("/").ViewerRequest
	if f == nil || f.Err == nil || f.Program != nil {
		t.Fatalf("uncompilable function %+v", f)
	}

	cfg := config("r", "")
	cfg.Enabled = false
	d, err := e.st.UpdateDistribution(t.Context(), acct, d.ID, d.ETag, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.eventually("the disabled distribution", func(s *replica.State) bool {
		dd := s.Distribution(d.DomainName)
		return dd != nil && !dd.Enabled && dd.Behavior("/").ViewerRequest == nil
	})
	if err := e.st.DeleteDistribution(t.Context(), acct, d.ID, d.ETag); err != nil {
		t.Fatal(err)
	}
	e.eventually("the deletion", func(s *replica.State) bool {
		return s.Distribution(d.DomainName) == nil && s.Distribution("www.example.com") == nil
	})
}

// breakingSource closes the first feeds it hands out, as a watch that fell
// behind compaction does.
type breakingSource struct {
	replica.Source
	breaks    atomic.Int32
	snapshots atomic.Int32
}

func (b *breakingSource) Snapshot(ctx context.Context) (*store.Snapshot, error) {
	b.snapshots.Add(1)
	return b.Source.Snapshot(ctx)
}

func (b *breakingSource) Follow(ctx context.Context, rev int64) (<-chan store.Batch, error) {
	if b.breaks.Add(-1) >= 0 {
		ch := make(chan store.Batch)
		close(ch)
		return ch, nil
	}
	return b.Source.Follow(ctx, rev)
}

func TestResnapshotWhenTheFeedBreaks(t *testing.T) {
	var src *breakingSource
	e := start(t, func(s replica.Source) replica.Source {
		src = &breakingSource{Source: s}
		src.breaks.Store(2)
		return src
	})
	deadline := time.Now().Add(5 * time.Second)
	for src.snapshots.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The third feed works: changes flow without more snapshots.
	d := e.distribution(config("r", ""))
	e.eventually("the distribution after resync", func(s *replica.State) bool { return s.Distribution(d.DomainName) != nil })
	if n := src.snapshots.Load(); n != 3 {
		t.Errorf("%d snapshots, want one per broken feed and one more (3)", n)
	}
}
