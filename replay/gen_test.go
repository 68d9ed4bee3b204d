package replay

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// w3cFields is the field list of CloudFront standard access logs, in AWS's order.
var w3cFields = strings.Fields(`date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status
cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header
cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type
cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type
sc-content-type sc-content-len sc-range-start sc-range-end`)

// logRequest is what the generator writes for one line.
type logRequest struct {
	method, host, uri, query, ua, cookie string
}

func (r logRequest) fields() map[string]string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return map[string]string{
		"date": "2026-12-05", "time": "18:00:00", "x-edge-location": "FRA56-P1", "sc-bytes": "512",
		"c-ip": "192.0.2.10", "cs-method": r.method, "cs(Host)": "d111111abcdef8.cloudfront.net",
		"cs-uri-stem": r.uri, "sc-status": "200", "cs(Referer)": "-",
		// CloudFront percent-encodes spaces (and '%', twice in the query).
		"cs(User-Agent)":     dash(strings.ReplaceAll(r.ua, " ", "%20")),
		"cs-uri-query":       dash(strings.ReplaceAll(r.query, "%", "%25")),
		"cs(Cookie)":         dash(strings.ReplaceAll(r.cookie, " ", "%20")),
		"x-edge-result-type": "Hit", "x-edge-request-id": "abc==", "x-host-header": r.host,
		"cs-protocol": "https", "cs-bytes": "100", "time-taken": "0.001", "x-forwarded-for": "-",
		"ssl-protocol": "TLSv1.3", "ssl-cipher": "TLS_AES_128_GCM_SHA256", "x-edge-response-result-type": "Hit",
		"cs-protocol-version": "HTTP/2.0", "fle-status": "-", "fle-encrypted-fields": "-", "c-port": "443",
		"time-to-first-byte": "0.001", "x-edge-detailed-result-type": "Hit", "sc-content-type": "text/html",
		"sc-content-len": "512", "sc-range-start": "-", "sc-range-end": "-",
	}
}

func (r logRequest) w3cLine() string {
	f := r.fields()
	cols := make([]string, len(w3cFields))
	for i, name := range w3cFields {
		cols[i] = f[name]
	}
	return strings.Join(cols, "\t")
}

func (r logRequest) jsonLine() string {
	b, _ := json.Marshal(r.fields())
	return string(b)
}

func w3cHeader() string {
	return "#Version: 1.0\n#Fields: " + strings.Join(w3cFields, " ") + "\n"
}

// writeLog writes lines to path, gzipped when the name ends in .gz.
func writeLog(t testing.TB, path, content string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".gz") {
		gz := gzip.NewWriter(f)
		fmt.Fprint(gz, content)
		if err := gz.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	fmt.Fprint(f, content)
}
