package jsval

import "math"

// ToUint32 is ECMAScript's ToUint32 for a number.
func ToUint32(f float64) uint32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return uint32(int64(math.Mod(math.Trunc(f), 1<<32)))
}
