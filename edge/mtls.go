package edge

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// Viewer mTLS. The HTTPS listener picks, by SNI, the distribution a
// handshake is for (State.Distribution, as Host is routed); when that one
// has a ViewerMtlsConfig or a connection function, the handshake runs with
// a configuration of its own: a certificate requested (optional) or
// required, verified against the trust store, then the LIVE connection
// function, whose deny fails the handshake. Requests on such a connection
// must name the same distribution (misdirected otherwise), and carry the
// CloudFront-Viewer-Cert-* headers.

// viewerListener accepts TLS connections that carry a connection id, which
// the connection function, the access log and the handshake's log share.
type viewerListener struct {
	net.Listener
	config *tls.Config
}

func (l *viewerListener) Accept() (net.Conn, error) {
	raw, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return newViewerConn(raw, l.config), nil
}

// newViewerConn is the server side of a TLS connection over raw, with a
// new connection id.
func newViewerConn(raw net.Conn, config *tls.Config) *viewerConn {
	id := newRequestID()
	return &viewerConn{Conn: tls.Server(&rawConn{Conn: raw, id: id}, config), id: id}
}

// rawConn is the TCP connection under a viewerConn: what the handshake's
// ClientHelloInfo.Conn is.
type rawConn struct {
	net.Conn
	id string
}

// viewerConn is a viewer's TLS connection; fasthttp sees a TLS connection in
// it (it has Handshake and ConnectionState).
type viewerConn struct {
	*tls.Conn
	id string
}

// connectionID is the id of the viewer connection under ctx, "" over HTTP.
// A connection the event loops handed off holds the viewerConn.
func connectionID(ctx *fasthttp.RequestCtx) string {
	c := ctx.Conn()
	vc, ok := c.(*viewerConn)
	if h, handed := c.(interface{ NetConn() net.Conn }); !ok && handed {
		vc, ok = h.NetConn().(*viewerConn)
	}
	if !ok {
		return ""
	}
	return vc.id
}

// viewerTLS is base with the per-distribution handshakes of viewer mTLS.
func (s *Server) viewerTLS(base *tls.Config) *tls.Config {
	c := base.Clone()
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		st := s.cfg.States.State()
		if st == nil {
			return nil, nil
		}
		d := st.Distribution(hello.ServerName)
		if d == nil || !d.Enabled || (d.Mtls == nil && d.Connection == nil) {
			return nil, nil
		}
		return s.distributionTLS(base, d, hello), nil
	}
	return c
}

// distributionTLS is the handshake configuration for distribution d.
// Session tickets are off: a resumed session would skip the connection
// function's say on the new connection.
func (s *Server) distributionTLS(base *tls.Config, d *replica.Distribution, hello *tls.ClientHelloInfo) *tls.Config {
	c := base.Clone()
	c.SessionTicketsDisabled = true
	if m := d.Mtls; m != nil {
		c.ClientAuth = tls.RequestClientCert
		if m.Mode == edgefn.MtlsRequired {
			c.ClientAuth = tls.RequireAnyClientCert
		}
		if m.AdvertiseCANames && m.Trust != nil {
			// Named in the certificate request only: Go verifies against
			// ClientCAs with the Verify modes, which this does not use.
			c.ClientCAs = m.Trust.Roots
		}
	}
	c.VerifyConnection = func(cs tls.ConnectionState) error { return s.verifyViewer(d, hello, cs) }
	return c
}

var (
	errNoClientCert = errors.New("viewer mTLS: the distribution requires a client certificate")
	errNoTrustStore = errors.New("viewer mTLS: the distribution's trust store is not available")
	errDenied       = errors.New("viewer mTLS: the connection function denied the connection")
)

// verifyViewer decides a handshake with d: the client certificate, then
// the connection function.
func (s *Server) verifyViewer(d *replica.Distribution, hello *tls.ClientHelloInfo, cs tls.ConnectionState) error {
	id := ""
	if rc, ok := hello.Conn.(*rawConn); ok {
		id = rc.id
	}
	if m := d.Mtls; m != nil {
		if err := verifyClientCert(m, cs.PeerCertificates, time.Now()); err != nil {
			s.metrics.handshakes(d.ID, "certificate_refused").Inc()
			s.log.Debug("edge: client certificate refused", "distribution_id", d.ID, "connection_id", id, "err", err)
			return err
		}
	}
	if f := d.Connection; f != nil {
		if err := s.runConnection(d, f, id, hello, cs); err != nil {
			s.metrics.handshakes(d.ID, "denied").Inc()
			return err
		}
	}
	s.metrics.handshakes(d.ID, "allowed").Inc()
	return nil
}

// verifyClientCert verifies the viewer's chain (leaf first) against the
// trust store at now: its roots, the intermediates the viewer sent, a leaf
// for client authentication. With IgnoreExpiry the leaf's own validity
// period is not checked; the CAs' still is.
func verifyClientCert(m *replica.Mtls, certs []*x509.Certificate, now time.Time) error {
	if len(certs) == 0 {
		if m.Mode == edgefn.MtlsRequired {
			return errNoClientCert
		}
		return nil
	}
	if m.Trust == nil {
		return errNoTrustStore
	}
	leaf := certs[0]
	if m.IgnoreExpiry && (now.After(leaf.NotAfter) || now.Before(leaf.NotBefore)) {
		// Verify checks the parsed period, the signature the raw
		// certificate: a copy valid now verifies the same chain.
		l := *leaf
		l.NotBefore, l.NotAfter = now, now
		leaf = &l
	}
	opts := x509.VerifyOptions{
		Roots:         m.Trust.Roots,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return err
	}
	return nil
}

// runConnection runs the connection function f on the handshake; any
// outcome but allow refuses it. Its logs go out framed as viewer
// functions' are, with the connection id for the request id.
func (s *Server) runConnection(d *replica.Distribution, f *replica.Function, id string, hello *tls.ClientHelloInfo, cs tls.ConnectionState) error {
	m := s.metrics.function(d.ID, f.Name)
	if f.Err != nil {
		m.throttles.Inc()
		s.logConnection(d, f, id, nil, f.Err)
		return errDenied
	}
	conn := &event.Connection{Endpoint: hello.ServerName, DistributionID: d.ID, ConnectionID: id}
	if a, ok := hello.Conn.RemoteAddr().(*net.TCPAddr); ok {
		conn.ClientIP = a.AddrPort().Addr().Unmap().WithZone("").String()
	}
	if len(cs.PeerCertificates) > 0 {
		conn.ClientCertificate = &event.ClientCertificate{}
		conn.ClientCertificate.Certificates.Leaf = event.LeafCertificate(cs.PeerCertificates[0])
	}
	res := f.Program.RunConnection(context.Background(), conn, f.KVS)
	m.runs.observe(float64(res.ComputeUtilization))
	if ee, ok := errors.AsType[*runtime.ExecutionError](res.Err); ok && ee.Timeout {
		m.throttles.Inc()
	} else if res.Err != nil {
		m.executionErrors.Inc()
	}
	s.logConnection(d, f, id, res, res.Err)
	if res.Err != nil || res.Decision != runtime.DecisionAllow {
		return errDenied
	}
	return nil
}

// logConnection writes a connection function's run: its log lines, an
// error, and the decision with the custom log data.
func (s *Server) logConnection(d *replica.Distribution, f *replica.Function, id string, res *runtime.Result, err error) {
	ctx := context.Background()
	attrs := []slog.Attr{
		slog.String("log", "connection"),
		slog.String("connection_id", id),
		slog.String("distribution_id", d.ID),
		slog.String("function", f.Name),
	}
	if res != nil {
		for _, line := range res.Logs {
			s.log.LogAttrs(ctx, slog.LevelInfo, line, attrs...)
		}
	}
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "ERROR "+err.Error(), attrs...)
	}
	decision, data := string(runtime.DecisionDeny), ""
	if res != nil {
		decision, data = string(res.Decision), res.CustomLogData
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "connection "+decision, append(attrs, slog.String("connection_log_data", data))...)
}

// The CloudFront-Viewer-Cert-* headers: the first five go with the viewer's
// request (functions see them, policies may forward them), Validity and Pem
// only to origins whose policy asks for them.
const (
	hdrCertSerial   = "cloudfront-viewer-cert-serial-number"
	hdrCertIssuer   = "cloudfront-viewer-cert-issuer"
	hdrCertSubject  = "cloudfront-viewer-cert-subject"
	hdrCertPresent  = "cloudfront-viewer-cert-present"
	hdrCertSHA256   = "cloudfront-viewer-cert-sha256"
	hdrCertValidity = "cloudfront-viewer-cert-validity"
	hdrCertPEM      = "cloudfront-viewer-cert-pem"
)

// viewerCertHeaders are the headers functions see.
var viewerCertHeaders = []string{hdrCertSerial, hdrCertIssuer, hdrCertSubject, hdrCertPresent, hdrCertSHA256}

// mtlsRequest applies a distribution's mTLS to a request: over HTTP a
// required-mode distribution is refused (a client certificate cannot have
// been checked); over TLS the connection must have been set up for this
// distribution (by SNI), else 421. It returns false when it has answered
// the viewer.
func (s *Server) mtlsRequest(x *exchange, st *replica.State) bool {
	d := x.dist
	switch {
	case d.Mtls == nil && d.Connection == nil:
		return true
	case !x.ctx.IsTLS():
		if d.Mtls != nil && d.Mtls.Mode == edgefn.MtlsRequired {
			s.fail(x, failMtlsRequired)
			return false
		}
		return true
	}
	if sni := st.Distribution(x.ctx.TLSConnectionState().ServerName); sni == nil || sni.Account != d.Account || sni.ID != d.ID {
		s.fail(x, failMisdirected)
		return false
	}
	return true
}

// withCertHeaders is req, a viewer's request as the event shows it, with
// the viewer's own CloudFront-Viewer-Cert-* headers replaced by the edge's
// for a distribution with mTLS. (Origins get the edge's through
// cloudFrontHeader: viewers' CloudFront-* headers never go.)
func withCertHeaders(x *exchange, req event.Request) event.Request {
	if x.dist.Mtls == nil {
		return req
	}
	kept := req.Headers[:0:0]
	for _, f := range req.Headers {
		if !strings.HasPrefix(f.Name, certHeaderPrefix) {
			kept = append(kept, f)
		}
	}
	var cs *tls.ConnectionState
	if x.ctx.IsTLS() {
		cs = x.ctx.TLSConnectionState()
	} else {
		cs = &tls.ConnectionState{}
	}
	for _, name := range viewerCertHeaders {
		if v, ok := viewerCertHeader(cs, name); ok {
			kept = event.AddField(kept, name, v)
		}
	}
	req.Headers = kept
	return req
}

const certHeaderPrefix = "cloudfront-viewer-cert-"

// viewerCertHeader is the value of a CloudFront-Viewer-Cert-* header (lower
// case) for a viewer's TLS connection.
func viewerCertHeader(cs *tls.ConnectionState, name string) (string, bool) {
	if name == hdrCertPresent {
		if len(cs.PeerCertificates) > 0 {
			return "1", true
		}
		return "0", true
	}
	if len(cs.PeerCertificates) == 0 {
		return "", false
	}
	c := cs.PeerCertificates[0]
	switch name {
	case hdrCertSerial:
		return event.SerialHex(c.SerialNumber), true
	case hdrCertIssuer:
		return c.Issuer.String(), true
	case hdrCertSubject:
		return c.Subject.String(), true
	case hdrCertSHA256:
		sum := sha256.Sum256(c.Raw)
		return hex.EncodeToString(sum[:]), true
	case hdrCertValidity:
		return "NotBefore=" + c.NotBefore.UTC().Format(time.RFC3339) + ";NotAfter=" + c.NotAfter.UTC().Format(time.RFC3339), true
	case hdrCertPEM:
		// Every byte that is not unreserved is escaped (space as %20), so
		// any URL decoder reads it back.
		return strings.ReplaceAll(url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))), "+", "%20"), true
	}
	return "", false
}

// mtlsHeader is the value of a CloudFront-Viewer-Cert-* header for the
// origin, when x's distribution has mTLS (Present is 0 over HTTP).
func mtlsHeader(x *exchange, name string) (string, bool) {
	if x.dist.Mtls == nil {
		return "", false
	}
	if !x.ctx.IsTLS() {
		return viewerCertHeader(&tls.ConnectionState{}, name)
	}
	return viewerCertHeader(x.ctx.TLSConnectionState(), name)
}
