package edge

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
)

// TestLogFunctionLevels: at the server's default level (Info) a run that
// logged nothing and did not fail writes nothing; one that logged writes
// its frame at Info; a failure writes its error at Warn, framed.
func TestLogFunctionLevels(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  *runtime.Result
		err  error
		want []string
	}{
		{"quiet", &runtime.Result{}, nil, nil},
		{"console.log", &runtime.Result{Logs: []string{"hello"}}, nil, []string{"INFO START DistributionID: E1", "INFO hello", "INFO END"}},
		{"failed", &runtime.Result{}, errors.New("boom"), []string{"INFO START DistributionID: E1", "WARN ERROR boom", "INFO END"}},
		{"did not load", nil, errors.New("no code"), []string{"INFO START DistributionID: E1", "WARN ERROR no code", "INFO END"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &Server{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			}))}
			x := &exchange{id: "req-1", dist: &replica.Distribution{ID: "E1"}}
			s.logFunction(x, &replica.Function{Name: "fn"}, "viewer-request", tc.res, tc.err)
			var got []string
			for line := range strings.Lines(buf.String()) {
				// level=INFO msg="START DistributionID: E1" log=function ...
				rest, _ := strings.CutPrefix(line, "level=")
				level, rest, _ := strings.Cut(rest, " msg=")
				msg := rest
				if strings.HasPrefix(msg, `"`) {
					msg = msg[1 : 1+strings.Index(msg[1:], `"`)]
				} else {
					msg, _, _ = strings.Cut(msg, " ")
				}
				got = append(got, level+" "+msg)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("logged %q, want %q", got, tc.want)
			}
		})
	}
}
