package edge

import (
	"crypto/tls"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

// handedOff stands for a TLS connection the event loops handed to the
// goroutine server: it is no viewerConn, and its NetConn is one.
type handedOff struct {
	net.Conn
	tc net.Conn
}

func (h handedOff) NetConn() net.Conn { return h.tc }

func TestConnectionID(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	vc := newViewerConn(server, &tls.Config{})
	for _, tc := range []struct {
		name string
		conn net.Conn
		want string
	}{
		{"plain HTTP", server, ""},
		{"TLS", vc, vc.id},
		{"TLS handed off by the loops", handedOff{Conn: server, tc: vc}, vc.id},
		{"a wrapper around a plain connection", handedOff{Conn: server, tc: server}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			ctx.Init2(tc.conn, nil, false)
			if got := connectionID(&ctx); got != tc.want {
				t.Errorf("connectionID = %q, want %q", got, tc.want)
			}
		})
	}
}
