// Package gcpace sizes the garbage collector's target from the live heap.
//
// Go's default (GOGC=100) collects when the heap has grown by its live
// size. An edge node whose live heap is small (a few MB of distributions and
// compiled functions) then collects several times a second under load, for
// garbage that is all per-request; a node holding hundreds of MB of
// KeyValueStores collects rarely. A fixed larger GOGC would help the first
// and multiply the second's memory. So the target is the live heap plus
// max(live, headroom): the percentage is recomputed from the live heap the
// last collection measured, never below Go's 100.
//
// Why not a memory limit (debug.SetMemoryLimit) instead: with GOGC off it
// collects only near the limit, which must then be known in advance; the
// edge's live heap follows its KeyValueStores, which the operator changes
// through the API, and a live heap near the limit makes the collector run
// back to back. An operator's GOMEMLIMIT still applies on top.
package gcpace

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

const liveMetric = "/gc/heap/live:bytes"

// Percent is the GOGC that gives a heap target of live + max(live,
// headroom).
func Percent(live, headroom uint64) int {
	if live == 0 || headroom <= live {
		return 100
	}
	return int(min(headroom*100/live, 10000))
}

// Run sets the collector's percentage from the live heap every interval
// until ctx ends, then restores the one it found. The caller leaves it
// alone when the operator set GOGC.
func Run(ctx context.Context, headroom uint64, interval time.Duration, log *slog.Logger) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	sample := []metrics.Sample{{Name: liveMetric}}
	last := 100
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			if p := Percent(sample[0].Value.Uint64(), headroom); p != last {
				debug.SetGCPercent(p)
				log.Debug("gc: target set from the live heap", "live_bytes", sample[0].Value.Uint64(), "gogc", p)
				last = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
