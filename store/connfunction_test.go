package store_test

import (
	"testing"

	"github.com/edgefn/edgefn"
)

func TestConnectionFunctionLifecycle(t *testing.T) {
	s, _ := newStore(t, nil)
	ctx := t.Context()
	k := createStore(t, s, acct, "revoked")
	// A viewer function of the same name is another resource.
	createFunction(t, s, acct, "mtls", cfg)

	c := withARN(k)
	c.Runtime = edgefn.RuntimeJS2
	fn, err := s.CreateConnectionFunction(ctx, acct, "mtls", c, code)
	if err != nil {
		t.Fatal(err)
	}
	if fn.ID == "" || fn.Status != edgefn.StatusUnpublished || fn.Stage != edgefn.StageDevelopment {
		t.Fatalf("created %+v", fn)
	}
	_, err = s.CreateConnectionFunction(ctx, acct, "mtls", c, code)
	wantErr(t, err, edgefn.ErrAlreadyExists, edgefn.ResourceConnectionFunction)

	for _, ident := range []string{fn.ID, "mtls"} {
		got, err := s.GetConnectionFunction(ctx, acct, ident, "")
		if err != nil || got.ID != fn.ID || got.ETag != fn.ETag {
			t.Fatalf("get %s: %+v %v", ident, got, err)
		}
	}
	_, err = s.GetConnectionFunction(ctx, other, fn.ID, "")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceConnectionFunction)
	_, err = s.UpdateConnectionFunction(ctx, acct, "mtls", fn.ETag, c, code) // by name: Update takes the id
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceConnectionFunction)
	_, err = s.UpdateConnectionFunction(ctx, acct, fn.ID, "EAAAAAAAAAAAAA", c, code)
	wantErr(t, err, edgefn.ErrPreconditionFailed, edgefn.ResourceConnectionFunction)
	upd, err := s.UpdateConnectionFunction(ctx, acct, fn.ID, fn.ETag, c, []byte("function connectionHandler(c) { c.allow(); }"))
	if err != nil || upd.ETag == fn.ETag || upd.ID != fn.ID {
		t.Fatalf("update %+v %v", upd, err)
	}
	live, err := s.PublishConnectionFunction(ctx, acct, fn.ID, upd.ETag)
	if err != nil || live.Stage != edgefn.StageLive || live.Status != edgefn.StatusUnassociated || live.ID != fn.ID {
		t.Fatalf("publish %+v %v", live, err)
	}
	list, next, err := s.ListConnectionFunctions(ctx, acct, "", "", 0)
	if err != nil || len(list) != 2 || next != "" {
		t.Fatalf("list %v %q %v", list, next, err)
	}
	if viewer, _, _ := s.ListFunctions(ctx, acct, "", "", 0); len(viewer) != 1 {
		t.Fatalf("viewer functions %v", viewer)
	}

	// The association holds the store: it cannot be deleted under the function.
	kk, _ := s.KeyValueStoreByID(ctx, acct, k.ID)
	wantErr(t, s.DeleteKeyValueStore(ctx, acct, k.Name, kk.ETag), edgefn.ErrInUse, edgefn.ResourceKeyValueStore)

	wantErr(t, s.DeleteConnectionFunction(ctx, acct, fn.ID, fn.ETag), edgefn.ErrPreconditionFailed, edgefn.ResourceConnectionFunction)
	if err := s.DeleteConnectionFunction(ctx, acct, fn.ID, upd.ETag); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetConnectionFunction(ctx, acct, fn.ID, "")
	wantErr(t, err, edgefn.ErrNotFound, edgefn.ResourceConnectionFunction)
	if _, err := s.GetFunction(ctx, acct, "mtls", ""); err != nil {
		t.Fatalf("the viewer function went with it: %v", err)
	}
	if err := s.DeleteKeyValueStore(ctx, acct, k.Name, kk.ETag); err != nil {
		t.Fatalf("store still held: %v", err)
	}
}

func TestConnectionFunctionRuntime(t *testing.T) {
	s, _ := newStore(t, nil)
	c := cfg
	c.Runtime = edgefn.RuntimeJS1
	_, err := s.CreateConnectionFunction(t.Context(), acct, "js1", c, code)
	wantErr(t, err, edgefn.ErrInvalidArgument, edgefn.ResourceConnectionFunction)
}
