// Package replay runs CloudFront access logs through a function on the real
// runtime, and compares two versions of a function on the same traffic.
package replay

// Record is one viewer request as a CloudFront access log holds it, with
// CloudFront's field encoding already undone where it matters.
type Record struct {
	Source    string // file:line, for samples
	Method    string
	Host      string // the viewer's Host header (x-host-header)
	URI       string
	Query     string // raw, without '?'; "" when absent
	UserAgent string
	Referer   string
	Cookie    string
	ClientIP  string
}

// Malformed is a log line that could not be read as a request.
type Malformed struct {
	Source string
	Line   string
	Reason string
}
