// Package accesslog writes a distribution's standard (legacy) access logs
// as CloudFront does: W3C extended log files of tab-separated fields, one
// line per viewer request, gathered in memory and written as objects of the
// distribution's Logging bucket, here files under a directory per bucket.
package accesslog

import (
	"bytes"
	"crypto/tls"
	"strconv"
	"time"
)

// Header opens every log file: the format's version and its fields, in
// CloudFront's order.
const Header = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

// Entry is one viewer request's line. Empty values are written "-".
type Entry struct {
	Time     time.Time // when the response was ready (written in UTC)
	Location string    // x-edge-location
	// SCBytes and CSBytes are the response's and the request's bytes,
	// headers included.
	SCBytes, CSBytes int
	ClientIP         string
	ClientPort       int
	Method           []byte
	// Host is cs(Host), the distribution's domain name; HostHeader what
	// the viewer sent as Host (x-host-header).
	Host       string
	HostHeader []byte
	URIStem    string
	Query      string // cs-uri-query, without the '?'
	Status     int    // 0: the viewer closed the connection first ("000")
	Referer    []byte
	UserAgent  []byte
	Cookie     []byte // only when the distribution logs cookies
	// Result is x-edge-result-type and x-edge-response-result-type (the
	// edge knows the result before the response is written), Detail
	// x-edge-detailed-result-type.
	Result, Detail string
	RequestID      string
	TLS            *tls.ConnectionState // nil for HTTP
	TimeTaken      time.Duration
	// TimeToFirstByte is the time until the response's first byte.
	TimeToFirstByte time.Duration
	ForwardedFor    []byte // the X-Forwarded-For the viewer sent
	ProtocolVersion []byte // HTTP/1.1
	ContentType     []byte
	ContentLength   int // -1: none
	ContentRange    []byte
}

// AppendLine appends e's line, with its newline, to dst.
func AppendLine(dst []byte, e *Entry) []byte {
	t := e.Time.UTC()
	dst = t.AppendFormat(dst, "2006-01-02\t15:04:05")
	dst = appendField(append(dst, '\t'), e.Location)
	dst = strconv.AppendInt(append(dst, '\t'), int64(e.SCBytes), 10)
	dst = appendField(append(dst, '\t'), e.ClientIP)
	dst = appendField(append(dst, '\t'), e.Method)
	dst = appendField(append(dst, '\t'), e.Host)
	dst = appendField(append(dst, '\t'), e.URIStem)
	dst = AppendStatus(append(dst, '\t'), e.Status)
	dst = appendField(append(dst, '\t'), e.Referer)
	dst = appendField(append(dst, '\t'), e.UserAgent)
	dst = appendField(append(dst, '\t'), e.Query)
	dst = appendField(append(dst, '\t'), e.Cookie)
	dst = appendField(append(dst, '\t'), e.Result)
	dst = appendField(append(dst, '\t'), e.RequestID)
	dst = appendField(append(dst, '\t'), e.HostHeader)
	protocol, version, cipher := "http", "", ""
	if e.TLS != nil {
		protocol, version, cipher = "https", tlsVersion(e.TLS.Version), cipherName(e.TLS.CipherSuite)
	}
	dst = append(append(dst, '\t'), protocol...)
	dst = strconv.AppendInt(append(dst, '\t'), int64(e.CSBytes), 10)
	dst = appendSeconds(append(dst, '\t'), e.TimeTaken)
	dst = appendField(append(dst, '\t'), e.ForwardedFor)
	dst = appendField(append(dst, '\t'), version)
	dst = appendField(append(dst, '\t'), cipher)
	dst = appendField(append(dst, '\t'), e.Result)
	dst = appendField(append(dst, '\t'), e.ProtocolVersion)
	dst = append(dst, "\t-\t-"...) // no field-level encryption
	dst = strconv.AppendInt(append(dst, '\t'), int64(e.ClientPort), 10)
	dst = appendSeconds(append(dst, '\t'), e.TimeToFirstByte)
	dst = appendField(append(dst, '\t'), e.Detail)
	dst = appendField(append(dst, '\t'), e.ContentType)
	if e.ContentLength >= 0 {
		dst = strconv.AppendInt(append(dst, '\t'), int64(e.ContentLength), 10)
	} else {
		dst = append(dst, "\t-"...)
	}
	start, end := contentRange(e.ContentRange)
	dst = appendField(append(dst, '\t'), start)
	dst = appendField(append(dst, '\t'), end)
	return append(dst, '\n')
}

// escaped marks the bytes CloudFront writes URL-encoded in every field:
// controls and space, DEL and above, and < > " # % { } | \ ^ ~ [ ] ` '.
var escaped = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c <= ' ' || c >= 0x7f
	}
	for _, c := range []byte("<>\"#%{}|\\^~[]`'") {
		t[c] = true
	}
	return t
}()

const hex = "0123456789ABCDEF"

func appendField[T string | []byte](dst []byte, v T) []byte {
	if len(v) == 0 {
		return append(dst, '-')
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; escaped[c] {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendSeconds writes d in seconds to the thousandth, as time-taken is.
func appendSeconds(dst []byte, d time.Duration) []byte {
	ms := max(d.Milliseconds(), 0)
	dst = strconv.AppendInt(dst, ms/1000, 10)
	frac := ms % 1000
	return append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// contentRange returns the first and last byte of a Content-Range header
// ("bytes 0-99/1000"), or nothing for any other value.
func contentRange(h []byte) (start, end []byte) {
	spec, ok := bytes.CutPrefix(h, []byte("bytes "))
	if ok {
		spec, _, ok = bytes.Cut(spec, []byte("/"))
	}
	if ok {
		start, end, ok = bytes.Cut(spec, []byte("-"))
	}
	if !ok || !digits(start) || !digits(end) {
		return nil, nil
	}
	return start, end
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// tlsVersion names a TLS version as CloudFront's logs do.
func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return ""
}

// openSSLNames are the OpenSSL names CloudFront logs for the TLS 1.2 cipher
// suites Go offers; TLS 1.3 suites have one name in both.
var openSSLNames = map[uint16]string{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       "ECDHE-ECDSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       "ECDHE-ECDSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         "ECDHE-RSA-AES128-GCM-SHA256",
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         "ECDHE-RSA-AES256-GCM-SHA384",
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   "ECDHE-RSA-CHACHA20-POLY1305",
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA:          "ECDHE-ECDSA-AES128-SHA",
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          "ECDHE-ECDSA-AES256-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            "ECDHE-RSA-AES128-SHA",
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:            "ECDHE-RSA-AES256-SHA",
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:               "AES128-GCM-SHA256",
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:               "AES256-GCM-SHA384",
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:                  "AES128-SHA",
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:                  "AES256-SHA",
}

func cipherName(id uint16) string {
	if n, ok := openSSLNames[id]; ok {
		return n
	}
	return tls.CipherSuiteName(id)
}

// AppendStatus appends sc-status as CloudFront's logs write it: the code, or
// 000 for 0, a viewer that closed the connection before the response.
func AppendStatus(dst []byte, status int) []byte {
	if status == 0 {
		return append(dst, "000"...)
	}
	return strconv.AppendInt(dst, int64(status), 10)
}
