package codec

// DecodeBase64 decodes base64 the way Node's Buffer does for both 'base64'
// and 'base64url': either alphabet is accepted, characters outside it
// (whitespace included) are skipped, decoding stops at the first '=', and a
// trailing group of two or three characters yields its whole bytes.
func DecodeBase64(src []byte) []byte {
	out := make([]byte, 0, len(src)*3/4+2)
	var acc uint32
	n := 0
	for _, c := range src {
		if c == '=' {
			break
		}
		v := base64Value(c)
		if v < 0 {
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

func base64Value(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+' || c == '-':
		return 62
	case c == '/' || c == '_':
		return 63
	}
	return -1
}

// DecodeBase64Prefix decodes the leading run of characters of one base64
// alphabet (url selects '-' and '_'), stopping at the first other character
// ('=' included), the way njs's String.bytesFrom does.
func DecodeBase64Prefix(src []byte, url bool) []byte {
	n := 0
	for ; n < len(src); n++ {
		c := src[n]
		if c == '+' || c == '/' {
			if url {
				break
			}
		} else if c == '-' || c == '_' {
			if !url {
				break
			}
		} else if base64Value(c) < 0 {
			break
		}
	}
	return DecodeBase64(src[:n])
}
