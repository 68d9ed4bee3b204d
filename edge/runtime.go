package edge

import (
	goruntime "runtime"
	"time"

	"github.com/edgefn/edgefn/runtime"
)

// RuntimeOptions configure the engine that compiles the functions the edge
// runs: the runtime's time limit, which counts a run's CPU time, so a
// saturated edge whose runs wait for a core does not stop them; more idle
// VMs per function than the default, which keep concurrent requests from
// building new ones; and the throttle of functions that keep hitting their
// time or memory limit, so that one cannot take the node's CPU from the
// others (docs/DESIGN.md, "Runtime").
func RuntimeOptions() runtime.Options {
	return runtime.Options{
		PoolSize: 8 * goruntime.GOMAXPROCS(0),
		Throttle: runtime.Throttle{Burst: throttleBurst, Every: throttleEvery},
	}
}

// A function may fail by its limits throttleBurst times at once, then once
// per throttleEvery: at most 40 ms of CPU (twice the time limit) and a new
// VM per second for a function that always fails. A throttled answer waits
// throttlePause: a connection looping on it then sends 20 requests a second,
// not thousands that would take the CPU of other distributions' requests.
const (
	throttleBurst = 8
	throttleEvery = time.Second
	throttlePause = 50 * time.Millisecond
)
