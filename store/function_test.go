package store_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

var etagPattern = regexp.MustCompile(`^E[A-Z2-7]{13}$`)

func TestCreateFunctionValidation(t *testing.T) {
	s, _ := newStore(t, nil)
	k := createStore(t, s, acct, "kvs")
	theirs := createStore(t, s, other, "kvs")
	k2 := createStore(t, s, acct, "kvs2")
	big := edgefn.DefaultLimits().FunctionCodeBytes

	tests := []struct {
		desc    string
		account string
		name    string
		cfg     func(*edgefn.FunctionConfig)
		code    []byte
		kind    edgefn.ErrorKind // 0 (ErrInternal) means success
		res     edgefn.Resource
	}{
		{desc: "ok", name: "ok-name_1"},
		{desc: "64-char name", name: strings.Repeat("n", 64)},
		{desc: "128-char comment", name: "c128", cfg: func(c *edgefn.FunctionConfig) { c.Comment = strings.Repeat("é", 128) }},
		{desc: "code at the limit", name: "max-code", code: bytes.Repeat([]byte("x"), big)},
		{desc: "runtime 1.0", name: "js1", cfg: func(c *edgefn.FunctionConfig) { c.Runtime = edgefn.RuntimeJS1 }},
		{desc: "own store", name: "with-kvs", cfg: func(c *edgefn.FunctionConfig) { c.KeyValueStoreARNs = []string{k.ARN()} }},
		{desc: "empty name", name: "", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "65-char name", name: strings.Repeat("n", 65), kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "space in name", name: "a b", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "non-ASCII name", name: "café", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "slash in name", name: "a/b", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "129-char comment", name: "c129", cfg: func(c *edgefn.FunctionConfig) { c.Comment = strings.Repeat("c", 129) },
			kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "bad runtime", name: "rt", cfg: func(c *edgefn.FunctionConfig) { c.Runtime = "cloudfront-js-3.0" },
			kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "empty code", name: "empty", code: []byte{}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "code over the limit", name: "big", code: bytes.Repeat([]byte("x"), big+1), kind: edgefn.ErrTooLarge, res: edgefn.ResourceFunction},
		{desc: "empty account", account: "-", name: "acct", kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceRequest},
		{desc: "store of another account", name: "theirs", cfg: func(c *edgefn.FunctionConfig) { c.KeyValueStoreARNs = []string{theirs.ARN()} },
			kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "malformed store ARN", name: "bad-arn", cfg: func(c *edgefn.FunctionConfig) {
			c.KeyValueStoreARNs = []string{"arn:aws:cloudfront::" + acct + ":key-value-store/x"}
		},
			kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "missing store", name: "missing-kvs", cfg: func(c *edgefn.FunctionConfig) {
			c.KeyValueStoreARNs = []string{edgefn.KeyValueStoreARN(acct, "00000000-0000-0000-0000-000000000000")}
		}, kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
		{desc: "two stores", name: "two-kvs", cfg: func(c *edgefn.FunctionConfig) { c.KeyValueStoreARNs = []string{k.ARN(), k2.ARN()} },
			kind: edgefn.ErrInvalidArgument, res: edgefn.ResourceFunction},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			account := tc.account
			switch account {
			case "":
				account = acct
			case "-":
				account = ""
			}
			c := cfg
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			src := code
			if tc.code != nil {
				src = tc.code
			}
			fn, err := s.CreateFunction(t.Context(), account, tc.name, c, src)
			if tc.kind != edgefn.ErrInternal {
				wantErr(t, err, tc.kind, tc.res)
				if _, err := s.GetFunction(t.Context(), acct, tc.name, edgefn.StageDevelopment); err == nil {
					t.Error("a refused function exists")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.GetFunction(t.Context(), account, tc.name, edgefn.StageDevelopment)
			if err != nil {
				t.Fatal(err)
			}
			if got.Config.Comment != c.Comment || got.Config.Runtime != c.Runtime || !bytes.Equal(got.Code, src) ||
				strings.Join(got.Config.KeyValueStoreARNs, ",") != strings.Join(c.KeyValueStoreARNs, ",") {
				t.Errorf("stored %+v, want config %+v", got, c)
			}
			if got.ETag != fn.ETag {
				t.Errorf("Get ETag %s, Create returned %s", got.ETag, fn.ETag)
			}
		})
	}
}

func TestCreateFunctionDuplicateAndQuota(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.FunctionsPerAccount = 3 })
	for _, name := range []string{"a", "b", "c"} {
		createFunction(t, s, acct, name, cfg)
	}
	_, err := s.CreateFunction(t.Context(), acct, "a", cfg, code)
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceFunction)
	_, err = s.CreateFunction(t.Context(), acct, "d", cfg, code)
	wantErr(t, err, edgefn.ErrLimitExceeded, edgefn.ResourceFunction)

	// The quota is per account and freed by deleting.
	createFunction(t, s, other, "d", cfg)
	fn, err := s.GetFunction(t.Context(), acct, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFunction(t.Context(), acct, "b", fn.ETag); err != nil {
		t.Fatal(err)
	}
	createFunction(t, s, acct, "d", cfg)
}

func TestFunctionLifecycle(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()

	created := createFunction(t, s, acct, "fn", cfg)
	if created.Stage != edgefn.StageDevelopment || created.Status != edgefn.StatusUnpublished ||
		created.Account != acct || created.Name != "fn" || !etagPattern.MatchString(created.ETag) ||
		created.Created.IsZero() || !created.Created.Equal(created.LastModified) {
		t.Fatalf("created %+v", created)
	}
	if _, err := s.GetFunction(ctx, acct, "fn", edgefn.StageLive); err == nil {
		t.Fatal("LIVE copy exists before any publish")
	} else {
		wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	}
	_, err := s.GetFunction(ctx, acct, "fn", "TEST")
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)

	// Update needs the current DEVELOPMENT ETag.
	newCode := []byte("function handler(event) { return event.response; }")
	newCfg := edgefn.FunctionConfig{Comment: "v2", Runtime: edgefn.RuntimeJS1}
	_, err = s.UpdateFunction(ctx, acct, "fn", "", newCfg, newCode)
	wantErr(t, err, edgefn.ErrInvalidIfMatch, edgefn.ResourceFunction)
	_, err = s.UpdateFunction(ctx, acct, "fn", "ETVPDKIKX0DER", newCfg, newCode)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceFunction)
	_, err = s.UpdateFunction(ctx, acct, "nope", created.ETag, newCfg, newCode)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	updated, err := s.UpdateFunction(ctx, acct, "fn", created.ETag, newCfg, newCode)
	if err != nil {
		t.Fatal(err)
	}
	if updated.ETag == created.ETag || updated.Status != edgefn.StatusUnpublished || !bytes.Equal(updated.Code, newCode) ||
		updated.Config.Comment != "v2" || !updated.Created.Equal(created.Created) || !updated.LastModified.After(created.LastModified) {
		t.Fatalf("updated %+v", updated)
	}
	_, err = s.UpdateFunction(ctx, acct, "fn", created.ETag, newCfg, newCode)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceFunction)

	// Publish copies DEVELOPMENT to LIVE, ETag included (AWS: live_stage_etag == etag).
	_, err = s.PublishFunction(ctx, acct, "fn", created.ETag)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceFunction)
	live, err := s.PublishFunction(ctx, acct, "fn", updated.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if live.Stage != edgefn.StageLive || live.Status != edgefn.StatusUnassociated || live.ETag != updated.ETag ||
		!etagPattern.MatchString(live.ETag) || !bytes.Equal(live.Code, newCode) || live.Config.Runtime != edgefn.RuntimeJS1 {
		t.Fatalf("published %+v", live)
	}
	dev, err := s.GetFunction(ctx, acct, "fn", edgefn.StageDevelopment)
	if err != nil {
		t.Fatal(err)
	}
	if dev.ETag != updated.ETag || dev.Status != edgefn.StatusUnassociated {
		t.Errorf("DEVELOPMENT after publish: ETag %s status %s, want %s UNASSOCIATED", dev.ETag, dev.Status, updated.ETag)
	}
	gotLive, err := s.GetFunction(ctx, acct, "fn", edgefn.StageLive)
	if err != nil {
		t.Fatal(err)
	}
	if gotLive.ETag != live.ETag || gotLive.Status != edgefn.StatusUnassociated || !bytes.Equal(gotLive.Code, newCode) {
		t.Errorf("LIVE read back %+v, want %+v", gotLive, live)
	}

	// A further update leaves LIVE alone.
	v3, err := s.UpdateFunction(ctx, acct, "fn", updated.ETag, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	if gotLive, _ = s.GetFunction(ctx, acct, "fn", edgefn.StageLive); gotLive.ETag != live.ETag || !bytes.Equal(gotLive.Code, newCode) {
		t.Errorf("LIVE changed by an update: %+v", gotLive)
	}
	if dev, _ = s.GetFunction(ctx, acct, "fn", ""); dev.Status != edgefn.StatusUnpublished {
		t.Errorf("DEVELOPMENT status after update of a published function = %s, want UNPUBLISHED", dev.Status)
	}

	// Once DEVELOPMENT moved on, the LIVE ETag is not the one Publish and
	// Delete want.
	_, err = s.PublishFunction(ctx, acct, "fn", live.ETag)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceFunction)
	err = s.DeleteFunction(ctx, acct, "fn", live.ETag)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceFunction)
	err = s.DeleteFunction(ctx, acct, "fn", "")
	wantErr(t, err, edgefn.ErrInvalidIfMatch, edgefn.ResourceFunction)
	if err := s.DeleteFunction(ctx, acct, "fn", v3.ETag); err != nil {
		t.Fatal(err)
	}
	for _, st := range []edgefn.Stage{edgefn.StageDevelopment, edgefn.StageLive} {
		_, err := s.GetFunction(ctx, acct, "fn", st)
		wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	}
	err = s.DeleteFunction(ctx, acct, "fn", v3.ETag)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	_, err = s.PublishFunction(ctx, acct, "fn", v3.ETag)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)

	// A name comes back fresh after deletion.
	again := createFunction(t, s, acct, "fn", cfg)
	if again.ETag == v3.ETag || again.Status != edgefn.StatusUnpublished {
		t.Errorf("recreated %+v", again)
	}
}

func TestFunctionInUseByDistribution(t *testing.T) {
	s, _ := newStore(t, nil)
	createFunction(t, s, acct, "fn", cfg)
	publish(t, s, acct, "fn")
	if err := s.AddFunctionUser(t.Context(), acct, "fn", "E2QWRUHAPOMQZL"); err != nil {
		t.Fatal(err)
	}
	for _, st := range []edgefn.Stage{edgefn.StageDevelopment, edgefn.StageLive} {
		fn, err := s.GetFunction(t.Context(), acct, "fn", st)
		if err != nil {
			t.Fatal(err)
		}
		if fn.Status != edgefn.StatusDeployed {
			t.Errorf("%s status = %s, want DEPLOYED", st, fn.Status)
		}
	}
	dev, _ := s.GetFunction(t.Context(), acct, "fn", "")
	err := s.DeleteFunction(t.Context(), acct, "fn", dev.ETag)
	wantErr(t, err, edgefn.ErrInUse, edgefn.ResourceFunction)
}

func TestListFunctions(t *testing.T) {
	s, _ := newStore(t, nil)
	for _, name := range []string{"b", "a-b", "c_", "a"} {
		createFunction(t, s, acct, name, cfg)
	}
	publish(t, s, acct, "a")
	publish(t, s, acct, "b")
	createFunction(t, s, other, "a0", cfg)

	all := []string{"a/DEVELOPMENT", "a/LIVE", "a-b/DEVELOPMENT", "b/DEVELOPMENT", "b/LIVE", "c_/DEVELOPMENT"}
	tests := []struct {
		stage edgefn.Stage
		want  []string
	}{
		{"", all},
		{edgefn.StageDevelopment, []string{"a/DEVELOPMENT", "a-b/DEVELOPMENT", "b/DEVELOPMENT", "c_/DEVELOPMENT"}},
		{edgefn.StageLive, []string{"a/LIVE", "b/LIVE"}},
	}
	for _, tc := range tests {
		for _, max := range []int{0, 1, 2, 3, 5, 6, 7} {
			var got []string
			marker, pages := "", 0
			for {
				fns, next, err := s.ListFunctions(t.Context(), acct, tc.stage, marker, max)
				if err != nil {
					t.Fatal(err)
				}
				if max > 0 && len(fns) > max {
					t.Fatalf("page of %d over max %d", len(fns), max)
				}
				for _, fn := range fns {
					got = append(got, fn.Name+"/"+string(fn.Stage))
					if fn.Code != nil {
						t.Errorf("%s listed with its code", fn.Name)
					}
					want := edgefn.StatusUnpublished
					if fn.Name == "a" || fn.Name == "b" {
						want = edgefn.StatusUnassociated
					}
					if fn.Status != want || fn.Account != acct {
						t.Errorf("%s/%s status %s account %s, want %s %s", fn.Name, fn.Stage, fn.Status, fn.Account, want, acct)
					}
				}
				if pages++; next == "" || pages > 10 {
					break
				}
				marker = next
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("stage %q max %d: listed %v, want %v", tc.stage, max, got, tc.want)
			}
		}
	}

	for _, bad := range []string{"a/LIVE", "a b", "a/DEVELOPMENT/x", "/DEVELOPMENT"} {
		_, _, err := s.ListFunctions(t.Context(), acct, "", bad, 0)
		wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)
	}
	_, _, err := s.ListFunctions(t.Context(), acct, "STAGING", "", 0)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)
	// A marker need not name an existing function.
	fns, _, err := s.ListFunctions(t.Context(), acct, edgefn.StageDevelopment, "a-a", 0)
	if err != nil || len(fns) != 3 || fns[0].Name != "a-b" {
		t.Errorf("list after marker a-a: %d functions, %v", len(fns), err)
	}
}

func TestFunctionStoreAssociations(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.FunctionsPerKVS = 2 })
	ctx := t.Context()
	k := createStore(t, s, acct, "kvs")
	deleteStore := func() error {
		cur, err := s.GetKeyValueStore(ctx, acct, "kvs")
		if err != nil {
			t.Fatal(err)
		}
		return s.DeleteKeyValueStore(ctx, acct, "kvs", cur.ETag)
	}

	f1 := createFunction(t, s, acct, "f1", withARN(k))
	createFunction(t, s, acct, "f2", withARN(k))
	_, err := s.CreateFunction(ctx, acct, "f3", withARN(k), code)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)
	wantErr(t, deleteStore(), edgefn.ErrInUse, edgefn.ResourceKeyValueStore)

	// Publishing f1 adds its LIVE copy: still two functions.
	live := publish(t, s, acct, "f1")
	if len(live.Config.KeyValueStoreARNs) != 1 || live.Config.KeyValueStoreARNs[0] != k.ARN() {
		t.Fatalf("LIVE associations %v", live.Config.KeyValueStoreARNs)
	}
	// f1's DEVELOPMENT copy lets go; its LIVE copy still holds the store.
	f1, err = s.UpdateFunction(ctx, acct, "f1", f1.ETag, cfg, code)
	if err != nil {
		t.Fatal(err)
	}
	f3 := createFunction(t, s, acct, "f3", cfg)
	_, err = s.UpdateFunction(ctx, acct, "f3", f3.ETag, withARN(k), code)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)

	// Republishing f1 and deleting f2 free the store.
	publish(t, s, acct, "f1")
	wantErr(t, deleteStore(), edgefn.ErrInUse, edgefn.ResourceKeyValueStore)
	f2, _ := s.GetFunction(ctx, acct, "f2", "")
	if err := s.DeleteFunction(ctx, acct, "f2", f2.ETag); err != nil {
		t.Fatal(err)
	}
	if _, err = s.UpdateFunction(ctx, acct, "f3", f3.ETag, withARN(k), code); err != nil {
		t.Fatalf("associating after the store was freed: %v", err)
	}
	f3, _ = s.GetFunction(ctx, acct, "f3", "")
	if _, err := s.UpdateFunction(ctx, acct, "f3", f3.ETag, cfg, code); err != nil {
		t.Fatal(err)
	}
	if err := deleteStore(); err != nil {
		t.Fatalf("deleting an unused store: %v", err)
	}
}

func TestAccountIsolation(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	fn := createFunction(t, s, acct, "mine", cfg)
	publish(t, s, acct, "mine")
	k := createStore(t, s, acct, "store")
	k = updateKeys(t, s, k, []edgefn.Item{{Key: "k", Value: "v"}})

	for _, st := range []edgefn.Stage{edgefn.StageDevelopment, edgefn.StageLive} {
		_, err := s.GetFunction(ctx, other, "mine", st)
		wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	}
	_, err := s.UpdateFunction(ctx, other, "mine", fn.ETag, cfg, code)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	_, err = s.PublishFunction(ctx, other, "mine", fn.ETag)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceFunction)
	wantErr(t, s.DeleteFunction(ctx, other, "mine", fn.ETag), edgefn.ErrNotFound, edgefn.ResourceFunction)
	if fns, _, err := s.ListFunctions(ctx, other, "", "", 0); err != nil || len(fns) != 0 {
		t.Errorf("other account lists %d functions, %v", len(fns), err)
	}
	_, err = s.CreateFunction(ctx, other, "theirs", withARN(k), code)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceFunction)

	_, err = s.GetKeyValueStore(ctx, other, "store")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.KeyValueStoreByID(ctx, other, k.ID)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, _, err = s.GetKey(ctx, other, k.ID, "k")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, _, err = s.ListKeys(ctx, other, k.ID, "", 0)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.UpdateKeys(ctx, other, k.ID, k.DataETag, []edgefn.Item{{Key: "k", Value: "stolen"}}, nil)
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.UpdateKeyValueStore(ctx, other, "store", k.ETag, "stolen")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	wantErr(t, s.DeleteKeyValueStore(ctx, other, "store", k.ETag), edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	_, err = s.CompleteImport(ctx, other, k.ID, nil, "")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceKeyValueStore)
	if list, _, err := s.ListKeyValueStores(ctx, other, "", "", 0); err != nil || len(list) != 0 {
		t.Errorf("other account lists %d stores, %v", len(list), err)
	}

	// The same names are free in the other account, and independent.
	createFunction(t, s, other, "mine", cfg)
	createStore(t, s, other, "store")
	if it, _, err := s.GetKey(ctx, acct, k.ID, "k"); err != nil || it.Value != "v" {
		t.Errorf("own item after the other account's attempts = %+v, %v", it, err)
	}
	if got, err := s.GetFunction(ctx, acct, "mine", ""); err != nil || got.ETag != fn.ETag {
		t.Errorf("own function changed: %+v, %v", got, err)
	}
}
