package runtime

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
)

// slowKVS answers after a wait that costs the run wall time but no CPU
// time, as a run waiting for a core does.
type slowKVS struct {
	fakeKVS
	wait time.Duration
}

func (s slowKVS) Get(ctx context.Context, k string) (string, bool, error) {
	time.Sleep(s.wait)
	return s.fakeKVS.Get(ctx, k)
}

// TestTimeoutCountsCPUTime: the run limit counts the run's CPU time, so a run
// that spends three times the limit waiting still succeeds, while one that
// spins after the same wait is stopped, within the limit's bounds.
func TestTimeoutCountsCPUTime(t *testing.T) {
	const limit = 20 * time.Millisecond
	kvs := slowKVS{fakeKVS{id: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", items: map[string]string{"k": "v"}}, 3 * limit}
	eng := New(Options{Timeout: limit})
	waits := `import cf from 'cloudfront';
		async function handler(e) {
			var v = await cf.kvs().get('k');
			e.request.headers['x-v'] = {value: v};
			%s
			return e.request;
		}`
	res := run(t, eng, edgefn.RuntimeJS2, fmt.Sprintf(waits, ""), viewerRequest(), kvs)
	if res.Err != nil {
		t.Fatalf("a run that waited %v under a %v limit failed: %v", kvs.wait, limit, res.Err)
	}
	if res.Duration < kvs.wait {
		t.Fatalf("the run took %v, less than its wait: the test measures nothing", res.Duration)
	}

	res = run(t, eng, edgefn.RuntimeJS2, fmt.Sprintf(waits, "for (;;) {}"), viewerRequest(), kvs)
	var ee *ExecutionError
	if !errors.As(res.Err, &ee) || !ee.Timeout {
		t.Fatalf("a run spinning after its wait: %v, want the time limit's error", res.Err)
	}
	if res.Duration > wallBackstop*limit {
		t.Fatalf("the spinning run was stopped after %v, beyond the %v backstop", res.Duration, wallBackstop*limit)
	}

	// The realm's goroutine was locked to its thread for the slow runs and
	// is unlocked after: the engine serves on.
	res = run(t, eng, edgefn.RuntimeJS2, `function handler(e) { return e.request; }`, viewerRequest(), nil)
	if res.Err != nil {
		t.Fatalf("after slow runs: %v", res.Err)
	}
}

// TestComputeUtilizationCPUTime: with CPUTime, a run that mostly waits (wall
// time without CPU) reports the CPU it used, not the wall time.
func TestComputeUtilizationCPUTime(t *testing.T) {
	if _, ok := threadCPUTime(); !ok {
		t.Skip("no thread CPU clock on this platform: ComputeUtilization is wall time")
	}
	kvs := slowKVS{fakeKVS{id: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", items: map[string]string{"k": "v"}}, 5 * time.Millisecond}
	code := `import cf from 'cloudfront';
		async function handler(e) { var v = await cf.kvs().get('k'); return e.request; }`
	for _, tt := range []struct {
		cpu  bool
		want func(int) bool
	}{
		{false, func(cu int) bool { return cu == 100 }}, // 5 ms of wall time over a 1 ms budget
		{true, func(cu int) bool { return cu < 100 }},
	} {
		res := run(t, New(Options{CPUTime: tt.cpu}), edgefn.RuntimeJS2, code, viewerRequest(), kvs)
		if res.Err != nil || !tt.want(res.ComputeUtilization) {
			t.Errorf("CPUTime %v: ComputeUtilization %d, err %v", tt.cpu, res.ComputeUtilization, res.Err)
		}
	}
}

// TestThreadClockReads: the thread's CPU clock, a system call, is read only
// where it is needed: twice per run with CPUTime (replay), never for a
// quick run without it (the edge, which reads it only for a run past its
// time limit's first tick).
func TestThreadClockReads(t *testing.T) {
	for _, tt := range []struct {
		cpu  bool
		want int
	}{{false, 0}, {true, 2 * 10}} {
		e := New(Options{CPUTime: tt.cpu})
		reads := 0
		e.threadClock = func() (time.Duration, bool) {
			reads++
			return time.Duration(reads) * time.Microsecond, true
		}
		p, err := e.Compile([]byte(`function handler(e) { return e.request; }`), edgefn.RuntimeJS2)
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if res := p.Run(context.Background(), viewerRequest(), nil); res.Err != nil {
				t.Fatal(res.Err)
			}
		}
		if reads != tt.want {
			t.Errorf("CPUTime %v: the thread clock was read %d times in 10 runs, want %d", tt.cpu, reads, tt.want)
		}
	}
}
