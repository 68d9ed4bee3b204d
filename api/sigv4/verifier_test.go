package sigv4

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLoggerRecordsRejections(t *testing.T) {
	tests := []struct {
		name   string
		cred   Credential
		want   []string
		absent []string
	}{
		{"mismatch logs the canonical request", Credential{AccessKeyID: testCred.AccessKeyID, SecretAccessKey: "wrong"},
			[]string{"code=SignatureDoesNotMatch", "canonicalRequest=", "stringToSign=", "accessKeyId=AKIDTESTONE"},
			[]string{testCred.SecretAccessKey, "wrong"}},
		{"unknown key", Credential{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"},
			[]string{"code=InvalidClientTokenId", "accessKeyId=AKIDNOBODY"}, []string{"canonicalRequest="}},
		{"accepted request logs nothing", testCred, nil, []string{"rejected", "mismatch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
			req := newRequest(t, "GET", "http://h/2020-05-31/function", nil)
			signV4(t, req, nil, tt.cred, ServiceCloudFront, "us-east-1", testNow)
			NewVerifier(testKeyring(t), WithClock(fixedClock(testNow)), WithLogger(log)).Verify(overTheWire(t, req), nil)
			out := buf.String()
			for _, s := range tt.want {
				if !strings.Contains(out, s) {
					t.Errorf("log lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(out, s) {
					t.Errorf("log contains %q:\n%s", s, out)
				}
			}
		})
	}
}
