// Package api joins edgefn's AWS-compatible planes on one listener: it
// verifies every request's signature (SigV4 or SigV4A), then routes by path to
// the CloudFront REST-XML API (/2020-05-31/…) or the KeyValueStore REST-JSON
// API (/key-value-stores/…). Hosts are never checked: the KVS SDKs prefix the
// account id to whatever endpoint they are given.
package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/edgefn/edgefn/api/awserror"
	"github.com/edgefn/edgefn/api/sigv4"
)

// Config wires the planes.
type Config struct {
	Verifier      *sigv4.Verifier
	CloudFront    http.Handler
	KeyValueStore http.Handler
	// Console, when set, serves /console and everything under /console/: it
	// authenticates with sessions of its own, not signatures.
	Console http.Handler
	Logger  *slog.Logger
	// Ready, when set, tells /readyz whether the store answers. /healthz only
	// says the process serves: a node whose store is down still serves its
	// edges from memory.
	Ready func(context.Context) error
	// MaxBodyBytes caps request bodies (default DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// BodyBudget bounds the bytes all requests' bodies may hold at once, read
	// whole as they must be to check the signature (default 64 MiB, sixteen
	// of the largest). A request that would pass it is answered 503 at once.
	BodyBudget int64
}

// DefaultMaxBodyBytes is 4 MiB: an UpdateKeys batch of 3 MB plus JSON
// overhead is the largest legitimate body.
const DefaultMaxBodyBytes = 4 << 20

type server struct {
	cfg    Config
	log    *slog.Logger
	budget *bodyBudget
}

// New returns the API handler.
func New(cfg Config) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.BodyBudget <= 0 {
		cfg.BodyBudget = 64 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &server{cfg: cfg, log: cfg.Logger, budget: newBodyBudget(cfg.BodyBudget, cfg.MaxBodyBytes)}
}

type plane int

const (
	planeNone plane = iota
	planeCloudFront
	planeKVS
)

// pathPlanes reports which planes' paths r's has the form of. A path may
// have both: a KeyValueStore key may be named "2020-05-31".
func pathPlanes(r *http.Request) (cloudFront, kvs bool) {
	p := r.URL.EscapedPath()
	return markIndex(p, "/2020-05-31") >= 0, markIndex(p, "/key-value-stores") >= 0
}

// markIndex is where p has the segment mark (followed by '/' or the end),
// or -1.
func markIndex(p, mark string) int {
	for off := 0; ; {
		i := strings.Index(p[off:], mark)
		if i < 0 {
			return -1
		}
		end := off + i + len(mark)
		if end == len(p) || p[end] == '/' {
			return off + i
		}
		off = end
	}
}

// pathPlane is the plane a path belongs to by its form, the first plane's
// segment deciding: it gives the error format of a request whose signature
// names no service. planeNone: no API call at all.
func pathPlane(r *http.Request) plane {
	p := r.URL.EscapedPath()
	cf, kv := markIndex(p, "/2020-05-31"), markIndex(p, "/key-value-stores")
	switch {
	case cf >= 0 && (kv < 0 || cf < kv):
		return planeCloudFront
	case kv >= 0:
		return planeKVS
	}
	return planeNone
}

// planeOf is the plane of the service a request's credential scope names,
// as on AWS, where each has its own endpoint; byPath without one.
func planeOf(service string, byPath plane) plane {
	switch service {
	case sigv4.ServiceCloudFront:
		return planeCloudFront
	case sigv4.ServiceKeyValueStore:
		return planeKVS
	}
	return byPath
}

// serviceOf is the signing name of a plane's service.
func serviceOf(pl plane) string {
	if pl == planeKVS {
		return sigv4.ServiceKeyValueStore
	}
	return sigv4.ServiceCloudFront
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
		return
	case "/readyz":
		s.ready(w, r)
		return
	}
	if s.cfg.Console != nil && (r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/")) {
		s.cfg.Console.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.serveAPI(sw, r)
	// One line per call, whatever its outcome; faults also get the handlers'
	// error line with the cause.
	s.log.InfoContext(r.Context(), "api call", "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"latency", time.Since(start), "request_id", w.Header().Get(awserror.RequestIDHeader))
}

// statusWriter remembers the status a handler wrote, for the call's log line.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (s *server) serveAPI(w http.ResponseWriter, r *http.Request) {
	byPath := pathPlane(r)
	if byPath == planeNone {
		s.fail(w, byPath, awserror.Code{Name: "UnknownOperationException", Status: http.StatusNotFound}, "No operation matches "+r.Method+" "+r.URL.Path)
		return
	}
	// What the head decides is decided before the body is read: an unsigned
	// request, an unknown key or a stale date costs no body.
	service, pending, err := s.cfg.Verifier.Head(r)
	pl := planeOf(service, byPath)
	if err != nil {
		s.refuse(w, r, pl, err)
		return
	}
	if cf, kv := pathPlanes(r); pl == planeCloudFront && !cf || pl == planeKVS && !kv {
		// A signature is only good for the service it names, as on AWS.
		s.fail(w, byPath, awserror.Code{Name: sigv4.CodeSignatureDoesNotMatch, Status: http.StatusForbidden},
			"Credential should be scoped to correct service: '"+serviceOf(byPath)+"'.")
		return
	}
	body, release, err := s.budget.read(w, r)
	defer release()
	if err != nil {
		s.failErr(w, pl, err)
		return
	}
	id, err := pending.Verify(body)
	if err != nil {
		s.refuse(w, r, pl, err)
		return
	}
	r = r.WithContext(sigv4.WithIdentity(r.Context(), id))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if pl == planeCloudFront {
		s.cfg.CloudFront.ServeHTTP(w, r)
		return
	}
	s.cfg.KeyValueStore.ServeHTTP(w, r)
}

// refuse answers a request whose signature failed.
func (s *server) refuse(w http.ResponseWriter, r *http.Request, pl plane, err error) {
	var ae *sigv4.Error
	if !errors.As(err, &ae) {
		s.failErr(w, pl, err)
		return
	}
	s.log.Debug("request refused", "code", ae.Code, "method", r.Method, "path", r.URL.Path)
	code := ae.Code
	if pl == planeKVS && code == sigv4.CodeSignatureDoesNotMatch {
		code = "InvalidSignatureException" // what the KVS plane answers on AWS
	}
	s.fail(w, pl, awserror.Code{Name: code, Status: ae.Status}, ae.Message)
}

func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.log.Warn("not ready: the store does not answer", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "store unavailable\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ok\n")
}

func (s *server) failErr(w http.ResponseWriter, pl plane, err error) {
	if pl == planeKVS {
		c, msg := awserror.KeyValueStore(err)
		s.fail(w, pl, c, msg)
		return
	}
	c, msg := awserror.CloudFront(err)
	s.fail(w, pl, c, msg)
}

func (s *server) fail(w http.ResponseWriter, pl plane, c awserror.Code, msg string) {
	id := uuid.NewString()
	if pl == planeKVS {
		awserror.WriteJSON(w, id, c, msg)
		return
	}
	awserror.WriteXML(w, id, c, msg)
}
