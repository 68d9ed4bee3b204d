package edge

import (
	goruntime "runtime"
	"time"

	"github.com/edgefn/edgefn/runtime"
)

// RuntimeOptions configure the engine that compiles the functions the edge
// runs. The runtime's hard stop is wall-clock time, and under load a run also
// waits for a CPU: with the runtime's default of 20 ms a saturated edge
// killed healthy runs now and then, so the edge allows more (a runaway loop
// still ends, and ComputeUtilization still reports against CloudFront's
// budget). More idle VMs per function than the default keep concurrent
// requests from building new ones.
func RuntimeOptions() runtime.Options {
	return runtime.Options{Timeout: 250 * time.Millisecond, PoolSize: 8 * goruntime.GOMAXPROCS(0)}
}
