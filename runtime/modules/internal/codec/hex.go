package codec

// DecodeHex decodes pairs of hex digits the way Node's Buffer does: decoding
// stops at the first pair that is not two hex digits, and an odd trailing
// digit is dropped.
func DecodeHex(src []byte) []byte {
	out := make([]byte, 0, len(src)/2)
	for i := 0; i+1 < len(src); i += 2 {
		hi, ok1 := hexValue(src[i])
		lo, ok2 := hexValue(src[i+1])
		if !ok1 || !ok2 {
			break
		}
		out = append(out, hi<<4|lo)
	}
	return out
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
