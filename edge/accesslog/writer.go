package accesslog

import (
	"compress/gzip"
	"context"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/edgefn/edgefn"
)

// Destination is where a distribution's logs go: its Logging Bucket (an S3
// bucket endpoint name) and Prefix, and its id, which names the files.
type Destination struct {
	Bucket, Prefix, Distribution string
}

// Config configures a Writer. Zero values take the defaults.
type Config struct {
	// Dir stands for S3: the bucket b is the directory Dir/b.
	Dir string
	// FlushInterval is how long lines wait in memory before they are
	// written (default one minute); Close writes what is left.
	FlushInterval time.Duration
	// Plain writes the files uncompressed, without CloudFront's ".gz".
	Plain bool
	// MaxBuffered bounds the bytes of lines waiting (default 32 MiB): past
	// half of it they are written at once, past all of it new lines are
	// dropped (CloudFront's logs are best-effort too) and counted.
	MaxBuffered int
	Logger      *slog.Logger
}

// Writer gathers lines per distribution and hour and writes each batch as
// one file, <prefix><distribution>.YYYY-MM-DD-HH.<unique id>.gz, named for
// the hour (UTC) the requests were served in. Files are written whole
// under a temporary name and renamed, so a reader never sees half a file,
// and through an os.Root, so no bucket or prefix reaches outside Dir.
type Writer struct {
	cfg  Config
	log  *slog.Logger
	root *os.Root

	mu      sync.Mutex
	batches map[batchKey][]byte
	held    int
	dropped int
	closed  bool

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

type batchKey struct {
	dest Destination
	hour int64 // Unix hours
}

// partialDir holds files being written; no bucket can have its name.
const partialDir = ".partial"

// New opens cfg.Dir (made if missing) and starts writing batches on a
// timer until Close.
func New(cfg Config) (*Writer, error) {
	w, err := open(cfg)
	if err != nil {
		return nil, err
	}
	go w.run()
	return w, nil
}

// open makes a Writer that writes nothing until Flush.
func open(cfg Config) (*Writer, error) {
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Minute
	}
	if cfg.MaxBuffered <= 0 {
		cfg.MaxBuffered = 32 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("access logs: %w", err)
	}
	root, err := os.OpenRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("access logs: %w", err)
	}
	w := &Writer{
		cfg: cfg, log: cfg.Logger, root: root,
		batches: map[batchKey][]byte{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	return w, nil
}

// Write adds a line (AppendLine's) for dest, served at t. It copies line
// and never waits for the disk.
func (w *Writer) Write(dest Destination, t time.Time, line []byte) {
	k := batchKey{dest, t.Unix() / 3600}
	w.mu.Lock()
	if w.closed || w.held+len(line) > w.cfg.MaxBuffered {
		w.dropped++
		w.mu.Unlock()
		return
	}
	b := w.batches[k]
	if b == nil {
		b = make([]byte, 0, 4096)
	}
	w.batches[k] = append(b, line...)
	w.held += len(line)
	full := w.held > w.cfg.MaxBuffered/2
	w.mu.Unlock()
	if full {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Close writes the lines still in memory and stops; lines written after it
// are dropped. It returns early when ctx ends.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.quit)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return w.root.Close()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) run() {
	defer close(w.done)
	tick := time.NewTicker(w.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-w.wake:
		case <-w.quit:
			w.Flush()
			return
		}
		w.Flush()
	}
}

// Flush writes the lines gathered so far, one file per distribution and
// hour.
func (w *Writer) Flush() {
	w.mu.Lock()
	batches, dropped := w.batches, w.dropped
	w.batches, w.held, w.dropped = map[batchKey][]byte{}, 0, 0
	w.mu.Unlock()
	if dropped > 0 {
		w.log.Warn("access logs: lines dropped: more were waiting than the buffer holds", "dropped", dropped)
	}
	for k, lines := range batches {
		if err := w.writeFile(k, lines); err != nil {
			w.log.Warn("access logs: a batch was not written", "distribution_id", k.dest.Distribution, "bucket", k.dest.Bucket, "err", err)
		}
	}
}

// Name is the object key of a log file: CloudFront's
// <prefix>/<distribution id>.YYYY-MM-DD-HH.<unique id>.gz (a prefix that
// does not end with '/' gets one, as CloudFront appends it).
func Name(prefix, distribution string, hour time.Time, id string, plain bool) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	name := prefix + distribution + "." + hour.UTC().Format("2006-01-02-15") + "." + id
	if !plain {
		name += ".gz"
	}
	return name
}

var uniqueIDs = base32.StdEncoding.WithPadding(base32.NoPadding)

func uniqueID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return uniqueIDs.EncodeToString(b[:])
}

// writeFile writes one batch as a new file of its bucket.
func (w *Writer) writeFile(k batchKey, lines []byte) error {
	bucket, ok := edgefn.S3Bucket(k.dest.Bucket)
	switch {
	case !ok:
		return fmt.Errorf("the Bucket %q is not an S3 bucket", k.dest.Bucket)
	case !edgefn.ValidLogPrefix(k.dest.Prefix):
		return fmt.Errorf("the Prefix %q cannot name a file", k.dest.Prefix)
	case !edgefn.ValidHostname(k.dest.Distribution):
		return fmt.Errorf("the distribution id %q cannot name a file", k.dest.Distribution)
	}
	id := uniqueID()
	key := path.Join(bucket, Name(k.dest.Prefix, k.dest.Distribution, time.Unix(k.hour*3600, 0), id, w.cfg.Plain))
	if err := w.root.MkdirAll(partialDir, 0o755); err != nil {
		return err
	}
	if err := w.root.MkdirAll(path.Dir(key), 0o755); err != nil {
		return err
	}
	tmp := path.Join(partialDir, id)
	f, err := w.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = w.encode(f, lines)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.root.Rename(tmp, key)
	}
	if err != nil {
		return errors.Join(err, w.root.Remove(tmp))
	}
	return nil
}

func (w *Writer) encode(f io.Writer, lines []byte) error {
	if w.cfg.Plain {
		if _, err := io.WriteString(f, Header); err != nil {
			return err
		}
		_, err := f.Write(lines)
		return err
	}
	gz := gzip.NewWriter(f)
	if _, err := io.WriteString(gz, Header); err != nil {
		return err
	}
	if _, err := gz.Write(lines); err != nil {
		return err
	}
	return gz.Close()
}
