// Package edge serves viewer traffic as CloudFront does: the distribution is
// chosen by Host, the cache behavior by path; the behavior's LIVE
// viewer-request function may answer at once or rewrite the request, which
// then goes to the origin over kept-alive connections; the viewer-response
// function sees what the origin answered. CloudFront's rules apply on the way:
// 503 for a function that throws or cannot run, 502 for a result CloudFront
// would refuse, read-only and hidden headers, no viewer-response function for
// origin errors. Responses are cached as the behavior's cache policy says,
// keyed on the request the viewer-request function returned (caching.go).
//
// The viewer path runs on fasthttp: net/http's reverse proxy reached less than
// half of nginx+njs on the target machines before any JavaScript ran
// (../shared/DESIGN.md). What to serve comes from a replica.State, swapped
// atomically as the store changes.
package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/semaphore"

	"github.com/edgefn/edgefn/edge/accesslog"
	"github.com/edgefn/edgefn/edge/deadline"
	"github.com/edgefn/edgefn/edge/evloop"
	"github.com/edgefn/edgefn/edge/replica"
)

// States provides the current replica.State; *replica.Replica implements it.
type States interface {
	State() *replica.State
}

// Config configures a Server. Zero values take the defaults.
type Config struct {
	States States
	// S3Dir serves S3 origins: the object <key> of bucket <bucket> is the file
	// S3Dir/<bucket>/<key>. Empty answers requests for S3 origins with 502.
	S3Dir string
	// Metrics registers the function and request metrics; nil collects none.
	Metrics prometheus.Registerer
	// Logger receives the function logs at Info, the edge's own faults at
	// Warn and Error, one access line per request and viewers' connection
	// errors at Debug.
	Logger *slog.Logger
	// AccessLogs receives the standard access log lines of distributions
	// whose Logging is enabled; nil writes none.
	AccessLogs AccessLogs
	// Location names the edge in X-Amz-Cf-Pop (default "LOCAL").
	Location string
	// HTTPSPort is where viewers reach the edge over HTTPS (see ServeTLS):
	// redirect-to-https sends them there. Zero means CloudFront's 443.
	HTTPSPort int

	// ReadTimeout and WriteTimeout bound reading a viewer's request and
	// writing the response (default 60 s each); IdleTimeout a kept-alive
	// viewer connection between requests (default 60 s).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MaxBodyBytes bounds a viewer's request body (default 20 MiB). Bodies
	// stream to the origin (see body.go): the bound is on what an origin
	// may be sent, not on memory.
	MaxBodyBytes int
	// MaxOriginConns bounds the connections to one origin (default 512,
	// fasthttp's). A request that finds them all busy waits for one, up to
	// OriginConnWait (default 10 s, CloudFront's longest connection timeout)
	// and never past the origin's read timeout; then it is answered 504.
	MaxOriginConns int
	OriginConnWait time.Duration
	// OriginTLS configures the TLS connections to HTTPS origins (RootCAs for
	// origins with certificates of a private CA); nil verifies them against
	// the system's roots, as CloudFront verifies against public ones.
	OriginTLS *tls.Config
	// MaxOriginBodyBytes bounds an origin's response body, which the edge
	// reads whole before answering (default DefaultMaxOriginBodyBytes).
	MaxOriginBodyBytes int
	// CacheBytes bounds the response cache; 0 caches nothing.
	CacheBytes int64
	// ResponseMemory bounds the bytes of large responses (bodies over
	// 64 KiB) the node holds at once: as they arrive from origins on the
	// event loops, and from the end of their response phase until written
	// (default 1 GiB). A response that finds no room is answered 503
	// instead (see holdResponse).
	ResponseMemory int64
}

// AccessLogs takes access log lines (accesslog.AppendLine's) for a
// distribution's log files; *accesslog.Writer is one.
type AccessLogs interface {
	Write(dest accesslog.Destination, t time.Time, line []byte)
}

// DefaultMaxOriginBodyBytes is the default of Config.MaxOriginBodyBytes.
const DefaultMaxOriginBodyBytes = 64 << 20

// CloudFront's request size limits: the request line's URL, and the headers.
const (
	maxURLBytes    = 8192
	maxHeaderBytes = 20480
)

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Location == "" {
		c.Location = "LOCAL"
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 60 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 60 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 20 << 20
	}
	if c.MaxOriginBodyBytes <= 0 {
		c.MaxOriginBodyBytes = DefaultMaxOriginBodyBytes
	}
	if c.ResponseMemory <= 0 {
		c.ResponseMemory = 1 << 30
	}
	if c.MaxOriginConns <= 0 {
		c.MaxOriginConns = fasthttp.DefaultMaxConnsPerHost
	}
	if c.OriginConnWait <= 0 {
		c.OriginConnWait = defaultConnect
	}
	return c
}

// Server is the viewer-facing edge.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	origins *origins
	cache   *responseCache // nil: caching disabled
	http    *fasthttp.Server
	// deadlines holds the coarse deadlines of the viewers' and origins'
	// connections on goroutines (see deadlineTick).
	deadlines *deadline.Sweeper
	// exchanges recycles the per-request state (see newExchange).
	exchanges sync.Pool
	// logLines recycles the buffers access log lines are built in.
	logLines sync.Pool
	// responses is the budget of ResponseMemory (see holdResponse).
	responses *semaphore.Weighted
	// loops are the event loops of serveLoop.
	loopsMu sync.Mutex
	loops   []*evloop.Server
}

// New returns a Server; it fails only when the metrics cannot be registered
// or the cache cannot be made.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	cache, err := newResponseCache(cfg.CacheBytes)
	if err != nil {
		return nil, err
	}
	var cacheSize func() float64
	if cache != nil {
		cacheSize = func() float64 { return float64(cache.size()) }
	}
	m, err := newMetrics(cfg.Metrics, cacheSize)
	if err != nil {
		return nil, fmt.Errorf("edge: metrics: %w", err)
	}
	deadlines := deadline.New(deadlineTick)
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		metrics:   m,
		origins:   newOrigins(cfg, deadlines),
		cache:     cache,
		deadlines: deadlines,
		responses: semaphore.NewWeighted(cfg.ResponseMemory),
	}
	s.http = &fasthttp.Server{
		Handler:      s.serve,
		ErrorHandler: s.serveError,
		// The request line and headers must fit: a larger request is
		// refused by fasthttp before the handler, as 413.
		ReadBufferSize:        maxURLBytes + maxHeaderBytes + 1024,
		ReadTimeout:           cfg.ReadTimeout,
		WriteTimeout:          cfg.WriteTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		MaxRequestBodySize:    cfg.MaxBodyBytes,
		StreamRequestBody:     true,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		CloseOnShutdown:       true,
		// A kept-alive connection lets go of its buffers and its last
		// response's body between requests: an idle viewer must not pin
		// a large response (TestIdleViewersHoldNoLargeBodies). This server
		// serves what the event loops hand off (and every viewer off
		// Linux), where the CPU it costs matters less.
		ReduceMemoryUsage: true,
		// Bodies go to the origin as they came: never parse them.
		DisablePreParseMultipartForm: true,
		Logger:                       fasthttpLogger{cfg.Logger},
	}
	return s, nil
}

// deadlineTick is how often the coarse deadlines of the goroutine path's
// connections are swept, and so how late a timeout may fire: fasthttp sets
// three deadlines per viewer request and two per origin request, each a
// runtime timer to modify, while the edge's timeouts are whole seconds.
const deadlineTick = 100 * time.Millisecond

// Serve serves plain-HTTP viewers on ln until Shutdown; it returns nil
// after a Shutdown. A TCP listener is served on event loops where the
// platform has them (Linux, see serveLoop); any other listener, or any other
// platform, on the goroutine server.
func (s *Server) Serve(ln net.Listener) error {
	if tl, ok := ln.(*net.TCPListener); ok && evloop.Supported {
		return s.serveLoop(tl)
	}
	return s.serveGoroutines(ln)
}

// serveGoroutines serves viewers on ln with the fasthttp server: a goroutine
// per connection, its deadlines coarse.
func (s *Server) serveGoroutines(ln net.Listener) error {
	return s.serveConns(s.deadlines.Listener(ln))
}

// serveConns serves the connections ln accepts, their deadlines coarse
// already.
func (s *Server) serveConns(ln net.Listener) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.origins.sweep(ctx)
	err := s.http.Serve(ln)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// ServeTLS serves viewers over HTTPS on ln, as Serve does; requests that
// arrive this way satisfy the https-only and redirect-to-https viewer
// protocol policies, and match-viewer origins are reached over HTTPS.
// Distributions with viewer mTLS or a connection function get their own
// handshake (mtls.go). Where the platform has event loops (Linux), each
// handshake runs on a goroutine and the connection then on the loops
// (serveTLSLoop); elsewhere on the goroutine server.
func (s *Server) ServeTLS(ln net.Listener, config *tls.Config) error {
	if evloop.Supported {
		return s.serveTLSLoop(ln, s.viewerTLS(config))
	}
	return s.serveTLSGoroutines(ln, config)
}

// serveTLSGoroutines serves HTTPS viewers on ln with the goroutine server.
func (s *Server) serveTLSGoroutines(ln net.Listener, config *tls.Config) error {
	// The deadlines are the TCP connection's, under TLS.
	return s.serveConns(&viewerListener{Listener: s.deadlines.Listener(ln), config: s.viewerTLS(config)})
}

// Shutdown stops accepting viewers and waits, until ctx ends, for the
// requests in flight to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.loopsMu.Lock()
	loops := s.loops
	s.loopsMu.Unlock()
	var err error
	for _, l := range loops {
		err = errors.Join(err, l.Shutdown(ctx))
	}
	err = errors.Join(err, s.http.ShutdownWithContext(ctx))
	s.origins.closeIdle()
	return err
}

// fasthttpLogger sends fasthttp's own messages to slog at Debug: they are
// connection-level errors of viewers (plain HTTP on the HTTPS port, broken
// connections), which at Warn would let any scanner flood the log.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug("edge: " + fmt.Sprintf(format, args...))
	}
}
