package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
)

// distConfig is a valid configuration with one origin and no functions.
func distConfig(ref string) edgefn.DistributionConfig {
	return edgefn.DistributionConfig{
		CallerReference: ref,
		Enabled:         true,
		Origins: []edgefn.Origin{{
			ID:         "web",
			DomainName: "origin.example.com",
			Custom:     &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly},
		}},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "web", ViewerProtocolPolicy: "allow-all"},
	}
}

func withFunction(c edgefn.DistributionConfig, eventType, arn string) edgefn.DistributionConfig {
	c.DefaultCacheBehavior.FunctionAssociations = append(c.DefaultCacheBehavior.FunctionAssociations,
		edgefn.FunctionAssociation{EventType: eventType, FunctionARN: arn})
	return c
}

func createDist(t testing.TB, s *store.Store, account string, c edgefn.DistributionConfig) *edgefn.Distribution {
	t.Helper()
	d, err := s.CreateDistribution(t.Context(), account, c, []byte("<DistributionConfig/>"), nil)
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return d
}

func TestDistributionLifecycle(t *testing.T) {
	_, db := newStore(t, nil)
	s := store.New(db, edgefn.DefaultLimits(), store.WithDistributionDomain("cdn.test"))
	ctx := t.Context()
	raw := []byte(`<DistributionConfig xmlns="x"><Comment>kept as sent</Comment></DistributionConfig>`)
	tags := []edgefn.Tag{{Key: "team", Value: "edge"}}
	d, err := s.CreateDistribution(ctx, acct, distConfig("ref-1"), raw, tags)
	if err != nil {
		t.Fatal(err)
	}
	if d.DomainName != fmt.Sprintf("%s.cdn.test", toLower(d.ID)) || d.Status != edgefn.DistributionDeployed || d.ETag == "" {
		t.Fatalf("created %+v", d)
	}
	got, err := s.GetDistribution(ctx, acct, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.RawConfig) != string(raw) || !reflect.DeepEqual(got.Tags, tags) || got.ETag != d.ETag ||
		!reflect.DeepEqual(got.Config, d.Config) {
		t.Fatalf("read back %+v, want %+v", got, d)
	}
	if _, err := s.GetDistribution(ctx, other, d.ID); err == nil {
		t.Fatal("another account reads the distribution")
	}

	// Update: new ETag, the old one is stale.
	cfg2 := distConfig("ref-1")
	cfg2.Comment = "second"
	upd, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, cfg2, []byte("<DistributionConfig>2</DistributionConfig>"))
	if err != nil {
		t.Fatal(err)
	}
	if upd.ETag == d.ETag || upd.Config.Comment != "second" || upd.DomainName != d.DomainName {
		t.Fatalf("updated %+v", upd)
	}
	if got, _ := s.GetDistribution(ctx, acct, d.ID); !reflect.DeepEqual(got.Tags, tags) {
		t.Fatalf("tags after update %+v", got.Tags)
	}
	_, err = s.UpdateDistribution(ctx, acct, d.ID, d.ETag, cfg2, nil)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceDistribution)

	// Delete needs it disabled first.
	err = s.DeleteDistribution(ctx, acct, d.ID, upd.ETag)
	wantErr(t, err, edgefn.ErrInUse, edgefn.ResourceDistribution)
	cfg2.Enabled = false
	off, err := s.UpdateDistribution(ctx, acct, d.ID, upd.ETag, cfg2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDistribution(ctx, acct, d.ID, off.ETag); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetDistribution(ctx, acct, d.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceDistribution)
	// The caller reference is free again.
	createDist(t, s, acct, distConfig("ref-1"))
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestListDistributions(t *testing.T) {
	s, _ := newStore(t, nil)
	want := map[string]bool{}
	for i := range 5 {
		want[createDist(t, s, acct, distConfig(fmt.Sprint("ref-", i))).ID] = true
	}
	createDist(t, s, other, distConfig("ref-0"))
	seen := map[string]bool{}
	marker := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		ds, next, err := s.ListDistributions(t.Context(), acct, marker, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if seen[d.ID] || !want[d.ID] {
				t.Fatalf("listed %s twice or from another account", d.ID)
			}
			seen[d.ID] = true
		}
		if next == "" {
			break
		}
		marker = next
	}
	if len(seen) != len(want) {
		t.Fatalf("listed %d distributions, want %d", len(seen), len(want))
	}
	_, _, err := s.ListDistributions(t.Context(), acct, "not/a/marker", 0)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution)
}

func TestDistributionErrors(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.DistributionsPerFunc = 1 })
	createFunction(t, s, acct, "live", cfg)
	publish(t, s, acct, "live")
	createFunction(t, s, acct, "unpublished", cfg)
	createFunction(t, s, other, "theirs", cfg)
	publish(t, s, other, "theirs")
	live := edgefn.FunctionARN(acct, "live")
	taken := distConfig("taken")
	taken.Aliases = []string{"www.example.com"}
	createDist(t, s, other, taken)

	// A second distribution on "live" is over the per-function limit of 1.
	limited := createDist(t, s, acct, withFunction(distConfig("uses-live"), "viewer-request", live))

	tests := []struct {
		name   string
		mutate func(c *edgefn.DistributionConfig)
		kind   edgefn.ErrorKind
		res    edgefn.Resource
	}{
		{"unknown target origin", func(c *edgefn.DistributionConfig) { c.DefaultCacheBehavior.TargetOriginID = "nope" }, edgefn.ErrNotFound, edgefn.ResourceOrigin},
		{"unknown origin in ordered behavior", func(c *edgefn.DistributionConfig) {
			c.CacheBehaviors = []edgefn.CacheBehavior{{PathPattern: "/api/*", TargetOriginID: "api"}}
		}, edgefn.ErrNotFound, edgefn.ResourceOrigin},
		{"unpublished function", func(c *edgefn.DistributionConfig) {
			*c = withFunction(*c, "viewer-request", edgefn.FunctionARN(acct, "unpublished"))
		}, edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation},
		{"unknown function", func(c *edgefn.DistributionConfig) {
			*c = withFunction(*c, "viewer-request", edgefn.FunctionARN(acct, "missing"))
		}, edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation},
		{"function of another account", func(c *edgefn.DistributionConfig) {
			*c = withFunction(*c, "viewer-request", edgefn.FunctionARN(other, "theirs"))
		}, edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation},
		{"origin event", func(c *edgefn.DistributionConfig) { *c = withFunction(*c, "origin-request", live) }, edgefn.ErrInvalidArgument, edgefn.ResourceFunctionAssociation},
		{"two functions for one event", func(c *edgefn.DistributionConfig) {
			*c = withFunction(withFunction(*c, "viewer-request", live), "viewer-request", live)
		}, edgefn.ErrLimitExceeded, edgefn.ResourceFunctionAssociation},
		{"too many distributions for the function", func(c *edgefn.DistributionConfig) { *c = withFunction(*c, "viewer-response", live) }, edgefn.ErrLimitExceeded, edgefn.ResourceFunctionDistributions},
		{"alias of another distribution", func(c *edgefn.DistributionConfig) { c.Aliases = []string{"WWW.example.com"} }, edgefn.ErrAlreadyExists, edgefn.ResourceAlias},
		{"alias twice", func(c *edgefn.DistributionConfig) { c.Aliases = []string{"a.example.com", "A.example.com"} }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"bad alias", func(c *edgefn.DistributionConfig) { c.Aliases = []string{"not a host"} }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"caller reference reused", func(c *edgefn.DistributionConfig) { c.CallerReference = "uses-live" }, edgefn.ErrAlreadyExists, edgefn.ResourceDistribution},
		{"no caller reference", func(c *edgefn.DistributionConfig) { c.CallerReference = "" }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"no origins", func(c *edgefn.DistributionConfig) { c.Origins = nil }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"duplicate origin", func(c *edgefn.DistributionConfig) { c.Origins = append(c.Origins, c.Origins[0]) }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"bad origin path", func(c *edgefn.DistributionConfig) { c.Origins[0].OriginPath = "/trailing/" }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"bad port", func(c *edgefn.DistributionConfig) { c.Origins[0].Custom.HTTPPort = 0 }, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"root object with slash", func(c *edgefn.DistributionConfig) { c.DefaultRootObject = "/index.html" }, edgefn.ErrInvalidArgument, edgefn.ResourceDefaultRootObject},
		{"root object with a space", func(c *edgefn.DistributionConfig) { c.DefaultRootObject = "index .html" }, edgefn.ErrInvalidArgument, edgefn.ResourceDefaultRootObject},
		{"error code not an error", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 200}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceErrorCode},
		{"response code unknown", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 404, ResponsePagePath: "/e.html", ResponseCode: 302}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceResponseCode},
		{"page without response code", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 404, ResponsePagePath: "/e.html"}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"page path relative", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 404, ResponsePagePath: "e.html", ResponseCode: 200}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"error code twice", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 404}, {ErrorCode: 404}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"negative error caching TTL", func(c *edgefn.DistributionConfig) {
			c.CustomErrorResponses = []edgefn.CustomErrorResponse{{ErrorCode: 404, ErrorCachingMinTTL: new(int64(-1))}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
		{"behavior without pattern", func(c *edgefn.DistributionConfig) {
			c.CacheBehaviors = []edgefn.CacheBehavior{{TargetOriginID: "web"}}
		}, edgefn.ErrInvalidArgument, edgefn.ResourceDistribution},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := distConfig("fresh")
			c.Origins[0].Custom = &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}
			tt.mutate(&c)
			_, err := s.CreateDistribution(t.Context(), acct, c, nil, nil)
			wantErr(t, err, tt.kind, tt.res)
		})
	}

	// Update checks the same rules, and refuses a new CallerReference.
	c := distConfig("uses-live")
	c.DefaultCacheBehavior.TargetOriginID = "nope"
	_, err := s.UpdateDistribution(t.Context(), acct, limited.ID, limited.ETag, c, nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceOrigin)
	_, err = s.UpdateDistribution(t.Context(), acct, limited.ID, limited.ETag, distConfig("changed"), nil)
	wantErr(t, err, edgefn.ErrConflict, edgefn.ResourceDistribution)
	_, err = s.UpdateDistribution(t.Context(), acct, limited.ID, "", distConfig("uses-live"), nil)
	wantErr(t, err, edgefn.ErrInvalidIfMatch, edgefn.ResourceDistribution)
	_, err = s.UpdateDistribution(t.Context(), acct, "E00000000000000", "EXXX", distConfig("uses-live"), nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceDistribution)
	err = s.DeleteDistribution(t.Context(), acct, "bogus", "EXXX")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceDistribution)
}

func TestDistributionsPerAccount(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.DistributionsPerAccount = 1 })
	createDist(t, s, acct, distConfig("one"))
	_, err := s.CreateDistribution(t.Context(), acct, distConfig("two"), nil, nil)
	wantErr(t, err, edgefn.ErrLimitExceeded, edgefn.ResourceDistribution)
	createDist(t, s, other, distConfig("two"))
}

// An associated function is DEPLOYED and cannot be deleted; once no
// distribution references it, it is UNASSOCIATED and can.
func TestFunctionUsersFollowDistributions(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	createFunction(t, s, acct, "fn", cfg)
	publish(t, s, acct, "fn")
	arn := edgefn.FunctionARN(acct, "fn")
	status := func() edgefn.FunctionStatus {
		t.Helper()
		fn, err := s.GetFunction(ctx, acct, "fn", edgefn.StageLive)
		if err != nil {
			t.Fatal(err)
		}
		return fn.Status
	}
	if got := status(); got != edgefn.StatusUnassociated {
		t.Fatalf("before association: %s", got)
	}
	// Associated twice in one distribution (default and ordered behavior): one user.
	c := withFunction(distConfig("ref"), "viewer-request", arn)
	c.CacheBehaviors = []edgefn.CacheBehavior{{PathPattern: "/a/*", TargetOriginID: "web",
		FunctionAssociations: []edgefn.FunctionAssociation{{EventType: "viewer-response", FunctionARN: arn}}}}
	d := createDist(t, s, acct, c)
	if got := status(); got != edgefn.StatusDeployed {
		t.Fatalf("associated: %s", got)
	}
	dev, _ := s.GetFunction(ctx, acct, "fn", edgefn.StageDevelopment)
	if dev.Status != edgefn.StatusDeployed {
		t.Errorf("DEVELOPMENT copy that LIVE came from: %s", dev.Status)
	}
	err := s.DeleteFunction(ctx, acct, "fn", dev.ETag)
	wantErr(t, err, edgefn.ErrInUse, edgefn.ResourceFunction)

	// Dropping the association in an update releases the function.
	plain := distConfig("ref")
	d, err = s.UpdateDistribution(ctx, acct, d.ID, d.ETag, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := status(); got != edgefn.StatusUnassociated {
		t.Fatalf("after update: %s", got)
	}
	// Deleting a distribution releases it too.
	d, err = s.UpdateDistribution(ctx, acct, d.ID, d.ETag, withFunction(plain, "viewer-request", arn), nil)
	if err != nil {
		t.Fatal(err)
	}
	off := withFunction(plain, "viewer-request", arn)
	off.Enabled = false
	if d, err = s.UpdateDistribution(ctx, acct, d.ID, d.ETag, off, nil); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != edgefn.StatusDeployed {
		t.Fatalf("disabled but associated: %s", got)
	}
	if err := s.DeleteDistribution(ctx, acct, d.ID, d.ETag); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFunction(ctx, acct, "fn", dev.ETag); err != nil {
		t.Fatalf("DeleteFunction after the distribution went: %v", err)
	}
}

// Aliases are claimed across accounts, released by update and delete, and
// compared without case.
func TestAliasClaims(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	c := distConfig("a")
	c.Aliases = []string{"Shop.Example.com"}
	d := createDist(t, s, acct, c)
	c2 := distConfig("b")
	c2.Aliases = []string{"shop.example.com"}
	_, err := s.CreateDistribution(ctx, other, c2, nil, nil)
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceAlias)
	// Keeping its own alias on update is fine.
	d, err = s.UpdateDistribution(ctx, acct, d.ID, d.ETag, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Aliases = []string{"other.example.com"}
	if _, err := s.UpdateDistribution(ctx, acct, d.ID, d.ETag, c, nil); err != nil {
		t.Fatal(err)
	}
	createDist(t, s, other, c2)
}

func TestDistributionFeed(t *testing.T) {
	s, _ := newStore(t, nil)
	base := snapshot(t, s)
	feed, err := s.Follow(t.Context(), base.Rev)
	if err != nil {
		t.Fatal(err)
	}
	createFunction(t, s, acct, "fn", cfg)
	publish(t, s, acct, "fn")
	d := createDist(t, s, acct, withFunction(distConfig("ref"), "viewer-request", edgefn.FunctionARN(acct, "fn")))
	doomedCfg := distConfig("doomed")
	doomedCfg.Enabled = false
	doomed := createDist(t, s, other, doomedCfg)
	if err := s.DeleteDistribution(t.Context(), other, doomed.ID, doomed.ETag); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, s)
	var kinds []store.EventKind
	for base.Rev < want.Rev {
		b := next(t, feed)
		for _, e := range b.Events {
			if e.Kind == store.EventDistributionPut || e.Kind == store.EventDistributionDeleted {
				kinds = append(kinds, e.Kind)
			}
		}
		base.Apply(b)
	}
	if !reflect.DeepEqual(base, want) {
		t.Errorf("snapshot + batches differs from a new snapshot:\n got %+v\nwant %+v", base.Distributions, want.Distributions)
	}
	if wantKinds := []store.EventKind{store.EventDistributionPut, store.EventDistributionPut, store.EventDistributionDeleted}; !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("distribution events %v, want %v", kinds, wantKinds)
	}
	got := want.Distributions[edgefn.DistributionARN(acct, d.ID)]
	if len(want.Distributions) != 1 || got == nil || got.RawConfig != nil || got.ETag != d.ETag || got.DomainName != d.DomainName ||
		!reflect.DeepEqual(got.Config, d.Config) {
		t.Errorf("replicated distribution %+v, want %+v without RawConfig", got, d)
	}
}
