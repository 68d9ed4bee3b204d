// Package dev is `edgefn dev`: a project served on the real edge, replica
// and store, in one process. The store is an embedded bolt file in a
// temporary directory, filled through the same store operations the
// CloudFront API uses (create, update and publish functions, UpdateKeys,
// distributions), so the edge serves the project exactly as it would serve
// it after a deploy. Saving a file applies the change: the replica swaps in
// the new version between requests, and code that does not compile is
// reported with the last good version left serving (with none, the
// function's behaviors answer 503).
package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/project"
	"github.com/edgefn/edgefn/runtime"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
	"github.com/edgefn/edgefn/watch"
)

// siteBucket is the S3 bucket a directory origin is served as.
const siteBucket = "site"

// Config configures a Server.
type Config struct {
	// Load reads the project; it is called at start and on every change.
	Load func() (*project.Project, error)
	// Origin, when set, replaces the project's origin: a URL or a directory.
	Origin string
	// Addr is where the edge listens (host:port; port 0 picks one).
	Addr string
	// Out receives the request lines, reloads and problems; Colour adds
	// ANSI colours, JSON makes every line a JSON object.
	Out    io.Writer
	Colour bool
	JSON   bool
}

// Server is a running `edgefn dev`.
type Server struct {
	cfg    Config
	out    *printer
	tmp    string
	db     *bolt.DB
	store  *store.Store
	engine *runtime.Engine

	stopReplica context.CancelFunc
	replicaDone chan struct{}
	edge        *edge.Server
	ln          net.Listener
	served      chan error

	mu    sync.Mutex // one apply at a time
	dist  *edgefn.Distribution
	files []string // what the project read last, for the watcher
	// standIns are the functions whose LIVE copy stands in for code that
	// never loaded (see syncFunction).
	standIns map[string]bool
}

// Start loads and applies the project and serves it; problems in the
// project's files are printed and do not stop it.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	s := &Server{cfg: cfg, out: newPrinter(cfg.Out, cfg.Colour, cfg.JSON), engine: runtime.New(edge.RuntimeOptions()), served: make(chan error, 1), standIns: map[string]bool{}}
	if s.tmp, err = os.MkdirTemp("", "edgefn-dev-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	quiet := slog.New(slog.DiscardHandler)
	if s.db, err = bolt.Open(filepath.Join(s.tmp, "dev.db"), bolt.WithLogger(quiet)); err != nil {
		return nil, err
	}
	s.store = store.New(s.db, edgefn.DefaultLimits(), store.WithLogger(quiet))
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	log := slog.New(s.out)
	rep := replica.New(s.store, s.engine, log)
	rctx, cancel := context.WithCancel(context.Background())
	s.stopReplica, s.replicaDone = cancel, make(chan struct{})
	go func() {
		defer close(s.replicaDone)
		rep.Run(rctx)
	}()
	select {
	case <-rep.Ready():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if s.edge, err = edge.New(edge.Config{States: rep, S3Dir: filepath.Join(s.tmp, "s3"), Logger: log, Location: "DEV"}); err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	go func() { s.served <- s.edge.Serve(s.ln) }()
	return s, nil
}

// URL is where the edge serves.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Reload reads the project again and applies it. A project file that does
// not load, code that does not compile and store files that do not parse
// are printed, and what was serving goes on serving; the error is for
// failures of the store itself.
func (s *Server) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	p, err := s.cfg.Load()
	if err != nil {
		if s.dist == nil {
			return err // nothing to serve yet
		}
		s.out.message("\x1b[31m", err.Error()+"\n(the last version that loaded keeps serving)")
		return nil
	}
	s.files = p.Files()
	problems, err := s.apply(ctx, p)
	for _, pr := range problems {
		s.out.message("\x1b[31m", pr.String())
	}
	if err != nil {
		if s.dist == nil {
			return err // nothing to serve yet
		}
		s.out.message("\x1b[31m", err.Error())
		return nil
	}
	if len(problems) == 0 {
		s.out.message("\x1b[2m", fmt.Sprintf("loaded %s in %s", p.Path, time.Since(start).Round(time.Millisecond/10)))
	}
	return nil
}

// Watch applies every change to the project's files until ctx ends;
// ready (if not nil) is called once they are watched, so that a change
// made after it is seen.
func (s *Server) Watch(ctx context.Context, ready func()) error {
	s.mu.Lock()
	files := s.files
	s.mu.Unlock()
	w, err := watch.Start(files, func(err error) { s.out.message("\x1b[31m", err.Error()) })
	if err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	return w.Run(ctx, func() []string {
		if err := s.Reload(ctx); err != nil {
			s.out.message("\x1b[31m", err.Error())
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.files
	})
}

// Message prints a line of the command's own among the request lines.
func (s *Server) Message(text string) { s.out.message("\x1b[1m", text) }

// Close stops serving (the requests in flight finish) and removes the
// temporary store.
func (s *Server) Close() error {
	var err error
	if s.edge != nil && s.ln != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.edge.Shutdown(ctx)
		cancel()
		if serr := <-s.served; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) {
			err = serr
		}
	}
	if s.stopReplica != nil {
		s.stopReplica()
		<-s.replicaDone
	}
	if s.db != nil {
		s.db.Close()
	}
	os.RemoveAll(s.tmp)
	return err
}

// linkSite serves dir as the S3 bucket siteBucket.
func (s *Server) linkSite(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return fmt.Errorf("origin %s: not a directory", dir)
	}
	link := filepath.Join(s.tmp, "s3", siteBucket)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	if cur, err := os.Readlink(link); err == nil && cur == abs {
		return nil
	}
	os.Remove(link)
	return os.Symlink(abs, link)
}
