package edgefn

import (
	"net"
	"net/url"
	"strings"
)

// The name rules below are shared by the API, which refuses bad names, and
// the edge, which checks them again for what a function sets at run time
// and for anything stored before a rule existed.

// ValidHostname reports whether name is a DNS host name: dot-separated
// labels of 1 to 63 letters, digits and hyphens, no label starting or ending
// with a hyphen, 253 characters at most. It holds no control character,
// space, slash, colon or percent sign, so it is safe in a Host header, a
// dial address and a file name.
func ValidHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// S3Endpoint returns the bucket part of an S3 bucket endpoint name, the
// DomainName of an S3 origin ("media.s3.amazonaws.com",
// "media.s3.us-east-2.amazonaws.com", "media.s3-us-west-2.amazonaws.com"):
// what comes before the last ".s3." or ".s3-". ok is false for names of
// another shape. The bucket is not checked: see ValidBucketName.
func S3Endpoint(domain string) (bucket string, ok bool) {
	d := strings.ToLower(domain)
	if !strings.HasSuffix(d, ".amazonaws.com") {
		return "", false
	}
	i := max(strings.LastIndex(d, ".s3."), strings.LastIndex(d, ".s3-"))
	if i <= 0 {
		return "", false
	}
	return domain[:i], true
}

// ValidBucketName applies S3's naming rules for general purpose buckets: 3
// to 63 lower-case letters, digits, dots and hyphens, beginning and ending
// with a letter or digit, no two adjacent dots, not an IP address. Such a
// name is one path segment that is neither "." nor "..". S3's reserved
// prefixes and suffixes are not refused: CloudFront takes access point
// aliases (`-s3alias`, `--ol-s3`) as S3 origins, and AWS's own examples
// use `amzn-s3-demo-bucket`.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 || strings.Contains(name, "..") || net.ParseIP(name) != nil {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	return true
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// S3Bucket returns the bucket of an S3 origin's DomainName, if the name is
// an S3 bucket endpoint of a bucket S3 would accept.
func S3Bucket(domain string) (string, bool) {
	b, ok := S3Endpoint(domain)
	if !ok || !ValidBucketName(b) || !ValidHostname(domain) {
		return "", false
	}
	return b, true
}

// MaxOriginPath is CloudFront's limit on an OriginPath.
const MaxOriginPath = 255

// ValidOriginPath reports whether p may be an OriginPath: empty, or
// starting and not ending with '/', at most 255 characters, without control
// characters, and without "." or ".." segments however they are escaped
// (the path is put before request paths, and for S3 origins becomes part of
// a file name).
func ValidOriginPath(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > MaxOriginPath || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	u, err := url.PathUnescape(p)
	if err != nil || HasControl(u) {
		return false
	}
	for seg := range strings.SplitSeq(u[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// HasControl reports whether s holds an ASCII control character (NUL, CR,
// LF, tab, DEL ...).
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// MaxLogPrefix bounds a Logging.Prefix: S3 keys are at most 1024 bytes and
// the log file's own name takes about 50.
const MaxLogPrefix = 900

// ValidLogPrefix reports whether p may be a Logging.Prefix: the start of the
// log files' object keys, which the edge writes as files under the bucket's
// directory, so each '/'-separated segment must be a file name: not empty,
// "." or "..", at most 255 bytes, no control characters, and p does not
// start with '/'. The empty prefix is valid.
func ValidLogPrefix(p string) bool {
	if p == "" {
		return true
	}
	if len(p) > MaxLogPrefix || p[0] == '/' || HasControl(p) {
		return false
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." || len(seg) > 255 {
			return false
		}
	}
	return true
}
