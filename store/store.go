// Package store keeps edgefn's state (functions and their two stages,
// KeyValueStores and their items) and enforces CloudFront's rules for it in
// one place, over a small Backend: store/bolt embedded, store/etcd
// distributed. Every write is a revision; ETags derive from revisions; a
// Snapshot and the Follow feed let the edge keep a replica of what it serves.
//
// Errors meant for clients are *edgefn.Error; anything else is internal.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/edgefn/edgefn"
)

// Store applies the domain rules over a Backend. It is safe for concurrent use.
type Store struct {
	b      Backend
	limits edgefn.Limits
	now    func() time.Time
	log    *slog.Logger
	// distDomain ends the DomainName of new distributions.
	distDomain string
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for Created and LastModified times.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// New returns a Store over b enforcing limits.
func New(b Backend, limits edgefn.Limits, opts ...Option) *Store {
	s := &Store{b: b, limits: limits, now: time.Now, log: slog.Default(), distDomain: DefaultDistributionDomain}
	for _, o := range opts {
		o(s)
	}
	return s
}

// clock returns the time to record: UTC at the millisecond precision AWS
// reports, so a value reads back equal to what was returned.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// view and update run a transaction and label backend failures; domain
// errors returned by fn pass through untouched.
func (s *Store) view(ctx context.Context, op string, fn func(Tx) error) error {
	return label(op, s.b.View(ctx, fn))
}

func (s *Store) update(ctx context.Context, op string, fn func(Tx) error) (int64, error) {
	rev, err := s.b.Update(ctx, fn)
	return rev, label(op, err)
}

// errStop ends a Range early; it never leaves the package.
var errStop = errors.New("stop")

func label(op string, err error) error {
	var de *edgefn.Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
