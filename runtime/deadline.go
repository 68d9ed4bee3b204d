package runtime

import (
	goruntime "runtime"
	"time"
)

// A run is stopped by its own CPU time, not the wall clock: under CPU
// contention a run waiting for a core must not fail. Reading a thread's CPU
// clock is a system call (1–1.7 µs on the machines measured), too dear for
// every run, so the wall-clock timer decides when to look: runs that end
// within Timeout of wall time, nearly all, never read it. When the timer
// fires, goja asks checkTimeout, on the run's own goroutine, whether to stop.
// The first time, the goroutine is locked to its thread, whose CPU clock from
// then on counts only the run, and the run is given Timeout more: the CPU it
// had before is unknown but at most the wall time so far. So a run is never
// stopped before Timeout of CPU time and always by twice that, or by
// wallBackstop times Timeout of wall time whatever the clocks say.
const wallBackstop = 50

// arm starts the deadline of the run that started at start. A timer already
// ticking is left alone: resetting and stopping it on every run cost more
// than the rest of the run's bookkeeping.
func (r *realm) arm(start time.Time) {
	r.timerMu.Lock()
	r.started = start
	if !r.ticking {
		r.ticking = true
		r.timer.Reset(r.e.opts.Timeout)
	}
	r.timerMu.Unlock()
}

// disarm ends the run's deadline, so a tick, however late, finds no run to
// stop, and clears an interrupt a tick made after the handler returned. It
// runs on the run's goroutine, which it unlocks from its thread.
func (r *realm) disarm() {
	r.timerMu.Lock()
	r.started = time.Time{}
	fired := r.fired
	r.fired = false
	r.timerMu.Unlock()
	if fired {
		r.vm.ClearInterrupt()
	}
	if r.cpuLocked {
		r.cpuLocked = false
		goruntime.UnlockOSThread()
	}
}

// onTimeout interrupts the run in progress if it is past its deadline, waits
// for the deadline of one that is not, and lets the timer idle between runs.
func (r *realm) onTimeout() {
	r.timerMu.Lock()
	defer r.timerMu.Unlock()
	if r.started.IsZero() {
		r.ticking = false
		return
	}
	if left := r.e.opts.Timeout - time.Since(r.started); left > 0 {
		r.timer.Reset(left)
		return
	}
	r.ticking, r.fired = false, true
	r.vm.Interrupt(errTimeout)
}

// checkTimeout is goja's interrupt check: whether the timer's interrupt stops
// the run, by the CPU time of the run's thread (see wallBackstop).
func (r *realm) checkTimeout(v any) bool {
	if v != errTimeout {
		return true
	}
	now, ok := r.e.threadClock()
	if !ok {
		return true // no thread clock here: the wall clock decides
	}
	budget := r.e.opts.Timeout
	if !r.cpuLocked {
		goruntime.LockOSThread()
		r.cpuLocked, r.cpuStart = true, now
	} else if used := now - r.cpuStart; used < budget {
		budget -= used
	} else {
		return true
	}
	return !r.extend(budget)
}

// extend sets the timer to look again after d, unless the run is past the
// wall backstop; it reports whether it did.
func (r *realm) extend(d time.Duration) bool {
	r.timerMu.Lock()
	defer r.timerMu.Unlock()
	if time.Since(r.started) >= wallBackstop*r.e.opts.Timeout {
		return false
	}
	r.fired, r.ticking = false, true
	r.timer.Reset(d)
	return true
}
