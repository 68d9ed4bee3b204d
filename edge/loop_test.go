package edge

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgefn/edgefn/edge/replica"
)

func TestRanLong(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	at := func(d time.Duration) *replica.Function {
		var v atomic.Int64
		if d >= 0 {
			v.Store(now.Add(-d).UnixNano())
		}
		return &replica.Function{LongRun: &v}
	}
	for _, tt := range []struct {
		name string
		f    *replica.Function
		want bool
	}{
		{"no function", nil, false},
		{"no code", &replica.Function{}, false},
		{"never ran long", at(-1), false},
		{"ran long just now", at(0), true},
		{"ran long a while ago", at(longRunMemory - time.Second), true},
		{"ran long long ago", at(longRunMemory), false},
	} {
		if got := ranLong(tt.f, now); got != tt.want {
			t.Errorf("%s: ranLong = %v, want %v", tt.name, got, tt.want)
		}
	}
}
