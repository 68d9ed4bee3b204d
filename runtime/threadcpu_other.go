//go:build !linux

package runtime

import "time"

// threadCPUTime is not read beyond Linux: runs are stopped by wall time.
func threadCPUTime() (time.Duration, bool) { return 0, false }
