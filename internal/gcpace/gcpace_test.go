package gcpace

import "testing"

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		live, headroom uint64
		want           int
	}{
		{8 * mib, 64 * mib, 800},   // a small node: the heap may grow by 64 MiB
		{32 * mib, 64 * mib, 200},  //
		{64 * mib, 64 * mib, 100},  // from here Go's default
		{500 * mib, 64 * mib, 100}, // a node of large KeyValueStores: never less than Go's
		{0, 64 * mib, 100},         // no collection yet
		{1, 64 * mib, 10000},       // bounded
		{8 * mib, 0, 100},          // no headroom: Go's default
	} {
		if got := Percent(tt.live, tt.headroom); got != tt.want {
			t.Errorf("Percent(%d MiB, %d MiB) = %d, want %d", tt.live/mib, tt.headroom/mib, got, tt.want)
		}
	}
}
