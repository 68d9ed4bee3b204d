package runtime

import "context"

// Runs of a program take turns on a few realms (see Program.get). The
// edge runs functions on event loops, one per core: a realm that moves
// from one loop to the other at every run must bring its memory (the VM's
// stack, the event's objects) into the new core's caches each time. A loop
// that marks its context WithAffinity gets, when it is idle, the realm its
// own last run of the program used. (The gain measured under wrk, 0-3% of
// the CPU per request, is within the test machine's noise.)

type affinityKey struct{}

// affinity identifies a worker by its address.
type affinity struct{ _ byte }

// WithAffinity returns a context for one worker that runs functions on its
// own core, such as an event loop: runs in it prefer the realm the
// worker's previous run of the same program used.
func WithAffinity(parent context.Context) context.Context {
	return context.WithValue(parent, affinityKey{}, new(affinity))
}

// affinityOf is ctx's worker, nil if it has none.
func affinityOf(ctx context.Context) *affinity {
	a, _ := ctx.Value(affinityKey{}).(*affinity)
	return a
}
