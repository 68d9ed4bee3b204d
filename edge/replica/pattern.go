package replica

// MatchPath reports whether a request path matches a cache behavior's
// PathPattern as CloudFront matches it: '*' stands for any run of characters
// ('/' included), '?' for exactly one, everything else is compared
// case-sensitively, and a leading '/' is optional on both sides.
func MatchPath(pattern, path string) bool {
	pattern, path = trimSlash(pattern), trimSlash(path)
	// Greedy matching with one backtrack point: the last '*' seen absorbs
	// one more character each time the rest fails, which is linear in
	// practice and never exponential.
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == path[s]):
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			mark++
			p, s = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}
