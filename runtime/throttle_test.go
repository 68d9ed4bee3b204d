package runtime

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
)

// A program whose runs keep hitting a limit is throttled after Burst of
// them, without running; one that failed once and then runs well is not;
// and without a Throttle nothing is refused.
func TestThrottle(t *testing.T) {
	const code = `function handler(event) {
		if (event.request.uri === '/loop') while (true) {}
		if (event.request.uri === '/bomb') { var s = 'x'; for (;;) s += s; }
		return event.request;
	}`
	tests := []struct {
		name     string
		throttle Throttle
		uris     []string
		want     string // per run: o ok, t time limit, m memory limit, x throttled
	}{
		{"keeps failing", Throttle{Burst: 3, Every: time.Hour}, []string{"/loop", "/bomb", "/loop", "/loop", "/", "/bomb"}, "tmtxxx"},
		{"fails once", Throttle{Burst: 3, Every: time.Hour}, []string{"/loop", "/", "/", "/", "/", "/"}, "tooooo"},
		{"at the edge of the debt", Throttle{Burst: 2, Every: time.Hour}, []string{"/loop", "/", "/loop", "/", "/"}, "totxx"},
		{"no throttle", Throttle{}, []string{"/loop", "/loop", "/loop", "/loop", "/"}, "tttto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(Options{Timeout: 10 * time.Millisecond, Throttle: tt.throttle}).Compile([]byte(code), edgefn.RuntimeJS2)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, uri := range tt.uris {
				ev := viewerRequest()
				ev.Request.URI = uri
				res := p.Run(context.Background(), ev, nil)
				ee, _ := errors.AsType[*ExecutionError](res.Err)
				switch {
				case res.Err == nil:
					got += "o"
				case ee != nil && ee.Throttled:
					got += "x"
				case ee != nil && ee.Timeout:
					got += "t"
				case ee != nil && ee.Memory:
					got += "m"
				default:
					t.Fatalf("%s: %v", uri, res.Err)
				}
			}
			if got != tt.want {
				t.Fatalf("runs %q, want %q", got, tt.want)
			}
		})
	}
}
