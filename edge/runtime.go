package edge

import (
	goruntime "runtime"

	"github.com/edgefn/edgefn/runtime"
)

// RuntimeOptions configure the engine that compiles the functions the edge
// runs: the runtime's time limit, which counts a run's CPU time, so a
// saturated edge whose runs wait for a core does not stop them, and more idle
// VMs per function than the default, which keep concurrent requests from
// building new ones.
func RuntimeOptions() runtime.Options {
	return runtime.Options{PoolSize: 8 * goruntime.GOMAXPROCS(0)}
}
