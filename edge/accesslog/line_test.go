package accesslog

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

func TestAppendLine(t *testing.T) {
	at := time.Date(2019, 12, 4, 21, 2, 31, 0, time.FixedZone("CET", 3600))
	base := func() *Entry {
		return &Entry{
			Time: at, Location: "LOCAL", SCBytes: 392, CSBytes: 23, ClientIP: "192.0.2.100", ClientPort: 11040,
			Method: []byte("GET"), Host: "d111111abcdef8.cloudfront.net", HostHeader: []byte("www.example.com"),
			URIStem: "/index.html", Status: 200, UserAgent: []byte("curl/8.0"), Result: "Hit", Detail: "Hit",
			RequestID: "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", TimeTaken: 1500 * time.Microsecond,
			TimeToFirstByte: 1500 * time.Microsecond, ProtocolVersion: []byte("HTTP/1.1"), ContentType: []byte("text/html"), ContentLength: 78,
		}
	}
	tests := []struct {
		name   string
		change func(*Entry)
		want   string
	}{
		{"plain", func(*Entry) {},
			"2019-12-04\t20:02:31\tLOCAL\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tcurl/8.0\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttp\t23\t0.001\t-\t-\t-\tHit\tHTTP/1.1\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"},
		{"encoded fields", func(e *Entry) {
			e.URIStem = "/a b/%20/~x/ü"
			e.Query = "q=\"<x>\"&t=\t"
			e.UserAgent = []byte("Mozilla/5.0 (X11; {}|\\^[]`')")
			e.Cookie = []byte("a=1; b=#2")
			e.Referer = []byte("http://example.com/\r\nX: y")
		}, "2019-12-04\t20:02:31\tLOCAL\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/a%20b/%2520/%7Ex/%C3%BC\t200\thttp://example.com/%0D%0AX:%20y\tMozilla/5.0%20(X11;%20%7B%7D%7C%5C%5E%5B%5D%60%27)\tq=%22%3Cx%3E%22&t=%09\ta=1;%20b=%232\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttp\t23\t0.001\t-\t-\t-\tHit\tHTTP/1.1\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"},
		{"https, range, no length", func(e *Entry) {
			e.TLS = &tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
			e.ContentRange = []byte("bytes 100-199/1000")
			e.ContentLength = -1
			e.Result, e.Detail = "Error", "OriginDnsError"
			e.ForwardedFor = []byte("203.0.113.9")
			e.TimeTaken = 2*time.Second + 345*time.Millisecond
		}, "2019-12-04\t20:02:31\tLOCAL\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tcurl/8.0\t-\t-\tError\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t23\t2.345\t203.0.113.9\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tError\tHTTP/1.1\t-\t-\t11040\t0.001\tOriginDnsError\ttext/html\t-\t100\t199\n"},
		{"the viewer left", func(e *Entry) {
			e.Status, e.Result, e.Detail = 0, "Error", "ClientCommError"
		}, "2019-12-04\t20:02:31\tLOCAL\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t000\t-\tcurl/8.0\t-\t-\tError\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttp\t23\t0.001\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t11040\t0.001\tClientCommError\ttext/html\t78\t-\t-\n"},
		{"TLS 1.3 and a range of another unit", func(e *Entry) {
			e.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256}
			e.ContentRange = []byte("items 1-2/3")
		}, "2019-12-04\t20:02:31\tLOCAL\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tcurl/8.0\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t23\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/1.1\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"},
	}
	fields := len(strings.Fields(strings.TrimPrefix(strings.Split(Header, "\n")[1], "#Fields:")))
	if fields != 33 {
		t.Fatalf("Header names %d fields, CloudFront's logs have 33", fields)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.change(e)
			got := string(AppendLine(nil, e))
			if got != tt.want {
				t.Errorf("AppendLine\n got %q\nwant %q", got, tt.want)
			}
			if n := len(strings.Split(strings.TrimSuffix(got, "\n"), "\t")); n != fields {
				t.Errorf("%d fields, want %d", n, fields)
			}
		})
	}
}

func TestContentRange(t *testing.T) {
	for h, want := range map[string][2]string{
		"bytes 0-99/1000": {"0", "99"},
		"bytes 5-5/*":     {"5", "5"},
		"bytes */1000":    {},
		"bytes 1-2":       {},
		"bytes -2/3":      {},
		"bytes a-2/3":     {},
		"":                {},
	} {
		s, e := contentRange([]byte(h))
		if string(s) != want[0] || string(e) != want[1] {
			t.Errorf("contentRange(%q) = %q, %q, want %q", h, s, e, want)
		}
	}
}
