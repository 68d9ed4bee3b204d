package edge

import (
	"testing"
	"time"

	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
)

func TestRanLong(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	at := func(d time.Duration) *replica.Function {
		f := &replica.Function{Runs: new(replica.Runs)}
		if d >= 0 {
			f.Runs.Slow.Store(now.Add(-d).UnixNano())
		}
		return f
	}
	for _, tt := range []struct {
		name string
		f    *replica.Function
		want bool
	}{
		{"no function", nil, false},
		{"no code", &replica.Function{}, false},
		{"never slow", at(-1), false},
		{"slow just now", at(0), true},
		{"slow a while ago", at(slowMemory - time.Second), true},
		{"slow long ago", at(slowMemory), false},
	} {
		if got := ranLong(tt.f, now); got != tt.want {
			t.Errorf("%s: ranLong = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestNoteRun: a function is slow after a run stopped at its time or
// memory limit or throttled, or after longRunStreak long runs in a row; quick runs in between (a busy
// machine's long wall times) do not add up.
func TestNoteRun(t *testing.T) {
	quick := &runtime.Result{Duration: 100 * time.Microsecond}
	long := &runtime.Result{Duration: longRun}
	stopped := &runtime.Result{Duration: 30 * time.Millisecond, Err: &runtime.ExecutionError{Timeout: true}}
	outOfMemory := &runtime.Result{Duration: time.Millisecond, Err: &runtime.ExecutionError{Memory: true}}
	throttled := &runtime.Result{Err: &runtime.ExecutionError{Throttled: true}}
	for _, tt := range []struct {
		name string
		runs []*runtime.Result
		want bool
	}{
		{"quick runs", []*runtime.Result{quick, quick, quick, quick}, false},
		{"stopped at the limit", []*runtime.Result{quick, stopped}, true},
		{"stopped at the memory limit", []*runtime.Result{quick, outOfMemory}, true},
		{"throttled", []*runtime.Result{throttled}, true},
		{"long runs in a row", []*runtime.Result{quick, long, long, long}, true},
		{"long runs between quick ones", []*runtime.Result{long, long, quick, long, long, quick, long}, false},
	} {
		f := &replica.Function{Runs: new(replica.Runs)}
		for _, r := range tt.runs {
			noteRun(f.Runs, r)
		}
		if got := ranLong(f, time.Now()); got != tt.want {
			t.Errorf("%s: slow = %v, want %v", tt.name, got, tt.want)
		}
	}
	noteRun(nil, stopped) // a function with no code has no record
}
