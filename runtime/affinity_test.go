package runtime

import (
	"context"
	"testing"
)

// TestAffinity runs a program from two workers at once, so that each takes
// a realm, and then from each alone: a worker's run takes back the realm it
// used, not the one most recently released; a run from no worker takes
// that one.
func TestAffinity(t *testing.T) {
	p := storeReader(t)
	a, b := WithAffinity(context.Background()), WithAffinity(context.Background())
	// held starts a run in ctx that waits in the store until release.
	held := func(ctx context.Context) (release func()) {
		kvs := blockingKVS{entered: make(chan struct{}), gate: make(chan struct{})}
		done := make(chan *Result)
		go func() { done <- p.Run(ctx, viewerRequest(), kvs) }()
		<-kvs.entered
		return func() {
			close(kvs.gate)
			if res := <-done; res.Err != nil {
				t.Fatal(res.Err)
			}
		}
	}
	idle := func() []*realm {
		p.mu.Lock()
		defer p.mu.Unlock()
		return append([]*realm(nil), p.idle...)
	}
	endA, endB := held(a), held(b)
	endB()
	endA() // the most recently used: a's
	rs := idle()
	if len(rs) != 2 || rs[0].owner != affinityOf(b) || rs[1].owner != affinityOf(a) {
		t.Fatalf("idle realms after a run from each worker: %v", rs)
	}
	rb, ra := rs[0], rs[1]
	for _, tt := range []struct {
		name string
		ctx  context.Context
		took *realm
	}{
		{"b's run", b, rb},
		{"a's run", a, ra},
		{"a run from no worker", context.Background(), ra},
	} {
		end := held(tt.ctx)
		if left := idle(); len(left) != 1 || left[0] == tt.took {
			t.Errorf("%s: took the other realm", tt.name)
		}
		end()
	}
}
