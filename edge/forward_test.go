package edge

import (
	"bufio"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestCleanOriginResponse: the headers CloudFront never passes on are
// dropped wherever the origin put them, and the others keep their order.
func TestCleanOriginResponse(t *testing.T) {
	tests := []struct {
		name, head string
		want       []string // header lines after the status line, in order
	}{
		{"nothing hidden", "X-A: 1\r\nX-B: 2\r\nX-A: 3\r\n", []string{"X-A: 1", "X-B: 2", "X-A: 3"}},
		{"hidden at the end", "X-A: 1\r\nX-B: 2\r\nX-A: 3\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\n",
			[]string{"X-A: 1", "X-B: 2", "X-A: 3"}},
		{"hidden repeated at the end", "X-A: 1\r\nX-A: 2\r\nX-Cache: a\r\nX-Cache: b\r\n", []string{"X-A: 1", "X-A: 2"}},
		{"hidden in the middle", "X-A: 1\r\nX-Accel-Redirect: /x\r\nX-B: 2\r\nX-A: 3\r\nConnection: keep-alive\r\nX-C: 4\r\n",
			[]string{"X-A: 1", "X-B: 2", "X-A: 3", "X-C: 4"}},
		{"only hidden", "X-Amz-Cf-Id: forged\r\nConnection: keep-alive\r\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp fasthttp.Response
			raw := "HTTP/1.1 200 OK\r\n" + tt.head + "Content-Length: 0\r\n\r\n"
			if err := resp.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
				t.Fatal(err)
			}
			cleanOriginResponse(&resp)
			var got []string
			for k, v := range resp.Header.All() {
				if string(k) != fasthttp.HeaderContentLength && string(k) != fasthttp.HeaderContentType {
					got = append(got, string(k)+": "+string(v))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("headers %q, want %q", got, tt.want)
			}
		})
	}
}
