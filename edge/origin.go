package edge

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// CloudFront's defaults for the origin settings a configuration may leave out.
const (
	defaultAttempts  = 3
	defaultConnect   = 10 * time.Second
	defaultRead      = 30 * time.Second
	defaultKeepalive = 5 * time.Second
)

// target is one place a request can go: a custom origin over HTTP or HTTPS,
// or an S3 bucket served from the local directory.
type target struct {
	originID string
	// s3 marks an S3 origin, served from the local directory; bucket is
	// what its DomainName names, checked by serveS3.
	s3     bool
	bucket string
	domain string // dialled
	host   string // sent as Host
	// hostOverride: host is a function's hostHeader, which wins over a
	// forwarded viewer Host.
	hostOverride bool
	port         int
	tls          bool
	// A match-viewer origin goes over HTTPS to httpsPort for a viewer that
	// came over HTTPS (see forViewer).
	matchViewer bool
	httpsPort   int
	// sni is the TLS server name for HTTPS ("": the domain); certNames,
	// when set, are the names the origin's certificate may carry instead.
	sni       string
	certNames []string
	path      string // OriginPath, put before the request's uri
	headers   []edgefn.Header
	attempts  int
	connect   time.Duration
	read      time.Duration
	idle      time.Duration
}

// route is where a request goes: one target, or the primary and secondary
// of an origin group with the status codes that fail over.
type route struct {
	targets  []target
	failover []int
}

func (r *route) failsOver(status int) bool { return slices.Contains(r.failover, status) }

func seconds(n int, def time.Duration) time.Duration {
	if n <= 0 {
		return def
	}
	return time.Duration(n) * time.Second
}

// originTarget is the target of a configured origin, as a viewer over HTTP
// reaches it (see forViewer).
func originTarget(o *edgefn.Origin) target {
	t := target{
		originID: o.ID,
		path:     o.OriginPath,
		headers:  o.CustomHeaders,
		attempts: o.ConnectionAttempts,
		connect:  seconds(o.ConnectionTimeout, defaultConnect),
		read:     defaultRead,
		idle:     defaultKeepalive,
	}
	if t.attempts <= 0 {
		t.attempts = defaultAttempts
	}
	c := o.Custom
	if c == nil {
		t.s3 = true
		t.bucket, _ = edgefn.S3Endpoint(o.DomainName)
		return t
	}
	t.domain, t.host = o.DomainName, o.DomainName
	t.read, t.idle = seconds(c.ReadTimeout, defaultRead), seconds(c.KeepaliveTimeout, defaultKeepalive)
	switch c.ProtocolPolicy {
	case edgefn.OriginHTTPSOnly:
		t.tls, t.port = true, c.HTTPSPort
	case edgefn.OriginMatchViewer:
		t.matchViewer, t.port, t.httpsPort = true, c.HTTPPort, c.HTTPSPort
	default:
		t.port = c.HTTPPort
	}
	return t
}

// forViewer settles a match-viewer origin's protocol by the viewer's.
func (t *target) forViewer(viewerTLS bool) {
	if t.matchViewer && viewerTLS {
		t.tls, t.port = true, t.httpsPort
	}
}

func (t *target) addr() string { return net.JoinHostPort(t.domain, strconv.Itoa(t.port)) }

// badChange is an origin-modification call CloudFront refuses: like any
// invalid function result, the viewer gets 502.
type badChange struct{ msg string }

func (e *badChange) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badChange{fmt.Sprintf(format, args...)} }

// apply makes a viewer-request function's origin-modification call change
// the route (spec/runtime.md §3.6.2). req is the request the function
// returned: custom headers may not repeat its headers.
func (r *route) apply(ch *runtime.OriginChange, d *replica.Distribution, req *event.Request) error {
	switch ch.Method {
	case "updateRequestOrigin":
		// For an origin group only the primary changes.
		return r.targets[0].update(ch.Params, req)
	case "selectRequestOriginById":
		o := d.Origin(ch.OriginID)
		if o == nil {
			return badf("selectRequestOriginById: the distribution has no origin %q", ch.OriginID)
		}
		t := originTarget(o)
		if err := t.overrideConnection(ch.Params); err != nil {
			return err
		}
		*r = route{targets: []target{t}}
		return nil
	case "createRequestOriginGroup":
		return r.group(ch.Params, d)
	}
	return badf("unknown origin helper %s", ch.Method)
}

// update applies updateRequestOrigin's properties; any left out are kept.
func (t *target) update(p map[string]any, req *event.Request) error {
	if v, ok, err := str(p, "domainName"); err != nil {
		return err
	} else if ok {
		if err := checkDomain("domainName", v); err != nil {
			return err
		}
		if _, isS3 := edgefn.S3Endpoint(v); isS3 {
			b, ok := edgefn.S3Bucket(v)
			if !ok {
				return badf("updateRequestOrigin: domainName %q does not refer to a valid S3 bucket", v)
			}
			t.s3, t.bucket, t.domain, t.host = true, b, "", ""
		} else {
			if t.s3 {
				// An S3 origin has no port or protocol to inherit.
				t.s3, t.bucket, t.tls, t.port, t.matchViewer = false, "", true, 443, false
			}
			t.domain, t.host = v, v
		}
	}
	if err := t.overrideConnection(p); err != nil {
		return err
	}
	if v, ok, err := str(p, "originPath"); err != nil {
		return err
	} else if ok {
		if !edgefn.ValidOriginPath(v) {
			return badf("updateRequestOrigin: originPath %q must start with '/', not end with '/', have at most %d characters and no '.' or '..' segments or control characters", v, edgefn.MaxOriginPath)
		}
		t.path = v
	}
	if hs, ok, err := object(p, "customHeaders"); err != nil {
		return err
	} else if ok {
		if t.headers, err = customHeaders(hs, req); err != nil {
			return err
		}
	}
	if n, ok, err := integer(p, "connectionAttempts", 1, 3); err != nil {
		return err
	} else if ok {
		t.attempts = n
	}
	if ts, ok, err := object(p, "timeouts"); err != nil {
		return err
	} else if ok {
		if err := t.timeouts(ts); err != nil {
			return err
		}
	}
	if c, ok, err := object(p, "customOriginConfig"); err != nil {
		return err
	} else if ok {
		if t.s3 {
			return badf("updateRequestOrigin: customOriginConfig needs a custom origin, not an S3 one")
		}
		port, hasPort, err := integer(c, "port", 1, 65535)
		if err != nil {
			return err
		}
		if hasPort {
			t.port, t.httpsPort = port, port
		}
		if proto, ok, err := str(c, "protocol"); err != nil {
			return err
		} else if ok {
			if proto != "http" && proto != "https" {
				return badf("updateRequestOrigin: customOriginConfig.protocol %q must be http or https", proto)
			}
			t.tls, t.matchViewer = proto == "https", false
		}
	}
	return nil
}

// overrideConnection applies the properties both helpers take: hostHeader,
// sni and allowedCertificateNames.
func (t *target) overrideConnection(p map[string]any) error {
	if v, ok, err := str(p, "hostHeader"); err != nil {
		return err
	} else if ok {
		if t.s3 {
			return badf("hostHeader cannot be set for an S3 origin")
		}
		if err := checkDomain("hostHeader", v); err != nil {
			return err
		}
		t.host, t.hostOverride = v, true
	}
	if v, ok, err := str(p, "sni"); err != nil {
		return err
	} else if ok {
		if err := checkDomain("sni", v); err != nil {
			return err
		}
		t.sni = v
	}
	names, ok, err := stringList(p, "allowedCertificateNames")
	if err != nil || !ok {
		return err
	}
	if len(names) == 0 || len(names) > 20 {
		return badf("allowedCertificateNames must hold 1 to 20 names")
	}
	for _, n := range names {
		if n == "" || len(n) > 64 || strings.ContainsAny(n, ":/ \t") {
			return badf("allowedCertificateNames: %q must be a name of at most 64 characters", n)
		}
	}
	t.certNames = names
	return nil
}

func (t *target) timeouts(p map[string]any) error {
	read, hasRead, err := integer(p, "readTimeout", 1, 120)
	if err != nil {
		return err
	}
	connect, hasConnect, err := integer(p, "connectionTimeout", 1, 10)
	if err != nil {
		return err
	}
	keepalive, hasKeepalive, err := integer(p, "keepAliveTimeout", 1, 120)
	if err != nil {
		return err
	}
	if total, ok, err := integer(p, "responseCompletionTimeout", 1, 3600); err != nil {
		return err
	} else if ok && hasRead && total < read {
		return badf("updateRequestOrigin: responseCompletionTimeout must be at least readTimeout")
	}
	if hasRead {
		t.read = time.Duration(read) * time.Second
	}
	if hasConnect {
		t.connect = time.Duration(connect) * time.Second
	}
	if hasKeepalive {
		t.idle = time.Duration(keepalive) * time.Second
	}
	return nil
}

// customHeaders checks updateRequestOrigin's customHeaders: lower-case names
// that are neither disallowed nor already in the request.
func customHeaders(m map[string]any, req *event.Request) ([]edgefn.Header, error) {
	hs := make([]edgefn.Header, 0, len(m))
	for name, v := range m {
		value, ok := v.(string)
		switch {
		case !ok:
			return nil, badf("updateRequestOrigin: custom header %q must have a string value", name)
		case name == "" || strings.ToLower(name) != name || strings.ContainsAny(name, " \t\r\n:"):
			return nil, badf("updateRequestOrigin: custom header name %q must be a lower-case header name", name)
		case event.DisallowedHeader(name):
			return nil, badf("updateRequestOrigin: custom header %q is not allowed", name)
		case strings.ContainsAny(value, "\r\n"):
			return nil, badf("updateRequestOrigin: custom header %q has a line break", name)
		}
		if _, dup := req.Headers.Get(name); dup {
			return nil, badf("updateRequestOrigin: custom header %q is already in the request", name)
		}
		hs = append(hs, edgefn.Header{Name: event.CanonicalHeaderName(name), Value: value})
	}
	slices.SortFunc(hs, func(a, b edgefn.Header) int { return strings.Compare(a.Name, b.Name) })
	return hs, nil
}

// group applies createRequestOriginGroup: two origins of the distribution,
// the first primary, failing over on the given status codes. Ids may come as
// strings or as {originId} objects (the docs show both).
func (r *route) group(p map[string]any, d *replica.Distribution) error {
	ids, ok := p["originIds"].([]any)
	if !ok || len(ids) != 2 {
		return badf("createRequestOriginGroup: originIds must list two origins")
	}
	g := route{}
	for _, v := range ids {
		id, isString := v.(string)
		if o, isObject := v.(map[string]any); isObject {
			id, isString = o["originId"].(string)
		}
		if !isString {
			return badf("createRequestOriginGroup: each originIds entry must be an origin id")
		}
		o := d.Origin(id)
		if o == nil {
			return badf("createRequestOriginGroup: the distribution has no origin %q", id)
		}
		g.targets = append(g.targets, originTarget(o))
	}
	fc, ok, err := object(p, "failoverCriteria")
	if err != nil {
		return err
	}
	if !ok {
		return badf("createRequestOriginGroup: failoverCriteria is required")
	}
	codes, _ := fc["statusCodes"].([]any)
	if len(codes) == 0 {
		return badf("createRequestOriginGroup: failoverCriteria.statusCodes must list status codes")
	}
	for _, c := range codes {
		n, ok := whole(c)
		if !ok || n < 400 || n > 599 {
			return badf("createRequestOriginGroup: failover status code %v is not a 4xx or 5xx code", c)
		}
		g.failover = append(g.failover, n)
	}
	*r = g
	return nil
}

// checkDomain applies CloudFront's rule for domainName, hostHeader and sni:
// a DNS name of at most 253 characters (so no port, path, space or control
// character), not an IP address.
func checkDomain(what, v string) error {
	if !edgefn.ValidHostname(v) || net.ParseIP(v) != nil {
		return badf("%s %q must be a domain name of at most 253 characters, without a port, not an IP address", what, v)
	}
	return nil
}

// The helpers read a property of a JavaScript object exported by goja.

func str(m map[string]any, key string) (string, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isString := v.(string)
	if !isString {
		return "", false, badf("origin property %s must be a string", key)
	}
	return s, true, nil
}

func stringList(m map[string]any, key string) ([]string, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	items, isList := v.([]any)
	if !isList {
		return nil, false, badf("origin property %s must be an array of strings", key)
	}
	out := make([]string, len(items))
	for i, item := range items {
		s, isString := item.(string)
		if !isString {
			return nil, false, badf("origin property %s must be an array of strings", key)
		}
		out[i] = s
	}
	return out, true, nil
}

func object(m map[string]any, key string) (map[string]any, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false, nil
	}
	o, isObject := v.(map[string]any)
	if !isObject {
		return nil, false, badf("origin property %s must be an object", key)
	}
	return o, true, nil
}

func integer(m map[string]any, key string, lo, hi int) (int, bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, isInt := whole(v)
	if !isInt || n < lo || n > hi {
		return 0, false, badf("origin property %s must be an integer from %d to %d", key, lo, hi)
	}
	return n, true, nil
}

// whole returns v as an int if it is a number without a fraction.
func whole(v any) (int, bool) {
	switch n := v.(type) {
	case int64:
		return int(n), true
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	}
	return 0, false
}
