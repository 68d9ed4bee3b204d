//go:build linux

package edge_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestViewerGoneLogged: a viewer whose connection closes while the origin
// has not answered is counted and logged as CloudFront logs one (sc-status
// 000, x-edge-detailed-result-type ClientCommError), not as an origin
// failure (502). Only the event loop sees a viewer leave while it waits.
func TestViewerGoneLogged(t *testing.T) {
	e := newEnv(t, onLoop)
	release := make(chan struct{})
	o := &origin{name: "slow"}
	e.serveOrigin(o, func(c net.Conn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil || line == "\r\n" {
				break
			}
		}
		o.hits.Add(1)
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	defer close(release)
	d := e.distribution("gone", nil, []types.Origin{o.customOrigin("")})
	c := e.dialViewer(false)
	if _, err := io.WriteString(c, "GET /left HTTP/1.1\r\nHost: "+*d.DomainName+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); o.hits.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the origin")
		}
	}
	// A reset: a FIN alone may be a half-close, after which the viewer
	// still reads the response.
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	var line map[string]any
	for deadline := time.Now().Add(5 * time.Second); line == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no access line for the request")
		}
		for _, l := range e.logs.lines() {
			if l["log"] == "access" && l["cs_uri_stem"] == "/left" {
				line = l
			}
		}
	}
	if line["sc_status"] != 0.0 || line["x_edge_result_type"] != "Error" || line["x_edge_detailed_result_type"] != "ClientCommError" {
		t.Errorf("access line %v; want sc_status 0, Error, ClientCommError", line)
	}
	m := e.metrics()
	if want := fmt.Sprintf(`edgefn_edge_requests_total{distribution_id="%s",result_type="Error",status="000"} 1`, *d.Id); !strings.Contains(m, want) {
		t.Errorf("metrics lack %s", want)
	}
	if strings.Contains(m, fmt.Sprintf(`distribution_id="%s",result_type="Error",status="502"`, *d.Id)) {
		t.Error("the viewer that left was counted as a 502")
	}
}
