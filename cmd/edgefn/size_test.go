package main

import "testing"

// TestByteSize: --cache-size takes bytes or binary units, and prints back
// in the largest unit that divides it.
func TestByteSize(t *testing.T) {
	for _, tt := range []struct {
		in, out string
		want    int64
	}{
		{"256MiB", "256MiB", 256 << 20},
		{"2GiB", "2GiB", 2 << 30},
		{"512 KiB", "512KiB", 512 << 10},
		{"1000", "1000B", 1000},
		{"0", "0", 0},
	} {
		var b byteSize
		if err := b.Set(tt.in); err != nil || int64(b) != tt.want || b.String() != tt.out {
			t.Errorf("Set(%q) = %d (%s), %v; want %d (%s)", tt.in, int64(b), b.String(), err, tt.want, tt.out)
		}
	}
	for _, bad := range []string{"", "-1", "1TB", "lots", "99999999999GiB"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted: %d", bad, int64(b))
		}
	}
}
