package runtime

import (
	"sync"
	"sync/atomic"
	"time"
)

// Throttle bounds what a program whose runs keep hitting the time or memory
// limit may take from the others: CloudFront throttles a function that keeps
// exceeding its budget (spec §4.3). Each such run adds Every to the program's
// debt, and debt is paid back as time passes; a run that would take the debt
// past Burst × Every is refused without running. While the program is in
// debt, every run it starts counts as a failure until it ends well, so a
// failing program runs at most Burst runs at once and, failing, at most one
// run per Every on average. The zero value throttles nothing.
type Throttle struct {
	Burst int
	Every time.Duration
}

// throttle is a program's debt (the generic cell rate algorithm: due is the
// instant the debt is paid back). A program that never failed pays one
// atomic load per run.
type throttle struct {
	opts    Throttle
	suspect atomic.Bool // due is set
	mu      sync.Mutex
	due     time.Time
}

// admit reports whether a run may go (ok), and whether it was counted as a
// failure in advance (suspect), which done gives back if it ends well.
func (t *throttle) admit() (suspect, ok bool) {
	if !t.suspect.Load() {
		return false, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if !t.due.After(now) {
		t.due = time.Time{}
		t.suspect.Store(false)
		return false, true
	}
	if t.due.Sub(now)+t.opts.Every > time.Duration(t.opts.Burst)*t.opts.Every {
		return false, false
	}
	t.due = t.due.Add(t.opts.Every)
	return true, true
}

// done ends a run admitted with suspect; failed: it hit a limit.
func (t *throttle) done(suspect, failed bool) {
	if t.opts.Burst <= 0 || suspect == failed {
		return // nothing to count, or counted in advance
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if suspect {
		t.due = t.due.Add(-t.opts.Every)
		return
	}
	if now := time.Now(); t.due.Before(now) {
		t.due = now
	}
	t.due = t.due.Add(t.opts.Every)
	t.suspect.Store(true)
}
