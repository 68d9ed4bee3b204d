// Package etcd is the distributed store.Backend: many edgefn nodes share one
// etcd v3 cluster, each owning nothing but its connection. Every Update is one
// etcd transaction, so revisions, ModRevs and watches are etcd's own.
//
// Keys live under a prefix, so one cluster can hold several edgefn
// deployments (or other tenants). Revisions and compaction are the cluster's:
// revisions of other prefixes show as gaps, and Compact drops every prefix's
// history.
//
// Server flags: one Update is one etcd request, and the largest an edgefn
// store makes is a KeyValueStore import: a 5 MB import file holds up to
// ~210,000 items, a transaction of as many operations and ~15 MB. Run etcd
// with at least
//
//	--max-txn-ops=262144 --max-request-bytes=33554432
//
// (etcd's defaults, 128 operations and 1.5 MiB, refuse imports of more than
// 126 items). Imports are not split across transactions: a follower must
// never see half of one.
//
// etcd also bounds each request at 5 s + 2 x --election-timeout (7 s by
// default), and etcd 3.4 applies a transaction at roughly 15 µs an operation
// (it traces each one): the largest import takes 3 s of an idle core and ran
// past 7 s on two busy ones. Where imports that large are expected, add
//
//	--election-timeout=10000
//
// (a 25 s bound; the price is that a dead leader is replaced after 10 to 20 s
// instead of 1 to 2 s: followers wait a randomised one to two election
// timeouts before they campaign). A commit that times out says so and names
// the flag; during a failover writes fail as ErrUnavailable (503 at the API).
package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/edgefn/edgefn/store"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	// maxSendBytes is the largest request the client sends: above the
	// recommended server limit, so that an operator sees the server's
	// refusal, which names its flag.
	maxSendBytes = 64 << 20
	// connectTimeout bounds Open's first round trip, so a wrong endpoint
	// fails start-up instead of hanging it.
	connectTimeout = 10 * time.Second
	// maxAttempts bounds how often Update runs fn when commits conflict.
	maxAttempts = 64
	// Conflict backoff: full jitter, doubling from backoffMin up to backoffMax.
	backoffMin = time.Millisecond
	backoffMax = 100 * time.Millisecond
)

var (
	errClosed    = errors.New("etcd: database closed")
	errContended = errors.New("etcd: transaction conflicted on every attempt")
)

// DB is a store.Backend over an etcd cluster.
type DB struct {
	client *clientv3.Client
	prefix string
	log    *slog.Logger
	// Connection settings, from the options.
	tls            *tls.Config
	user, password string

	life store.Lifetime
}

var _ store.Backend = (*DB)(nil)

// Option configures a DB.
type Option func(*DB)

// WithLogger sets the logger (default slog.Default()); the etcd client's own
// messages go to it too.
func WithLogger(l *slog.Logger) Option { return func(d *DB) { d.log = l } }

// WithTLS talks to the cluster over TLS: RootCAs verify the members, and
// Certificates, if any, are the client certificate of clusters that ask
// for one (--client-cert-auth).
func WithTLS(c *tls.Config) Option { return func(d *DB) { d.tls = c } }

// WithAuth authenticates as user, for clusters with authentication enabled.
func WithAuth(user, password string) Option {
	return func(d *DB) { d.user, d.password = user, password }
}

// Open connects to the cluster at endpoints (host:port or URLs) and keeps
// edgefn's keys under prefix, which must not be empty. It fails unless the
// cluster answers a linearizable read.
func Open(ctx context.Context, endpoints []string, prefix string, opts ...Option) (*DB, error) {
	if prefix == "" {
		return nil, errors.New("etcd: empty key prefix")
	}
	if len(endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints")
	}
	d := &DB{prefix: prefix, log: slog.Default()}
	for _, o := range opts {
		o(d)
	}
	// The client dials before it takes a context: ctx's deadline bounds the
	// dial too.
	dial := connectTimeout
	if deadline, ok := ctx.Deadline(); ok {
		dial = min(dial, time.Until(deadline))
	}
	client, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		DialTimeout:        dial,
		MaxCallSendMsgSize: maxSendBytes,
		Logger:             zapLogger(d.log),
		TLS:                d.tls,
		Username:           d.user,
		Password:           d.password,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: connect %v: %w", endpoints, err)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if _, err := client.Get(pctx, prefix); err != nil {
		client.Close()
		return nil, fmt.Errorf("etcd: connect %v: %w", endpoints, err)
	}
	d.client = client
	return d, nil
}

// Close ends the watchers and the connection. Closing again does nothing.
func (d *DB) Close() error {
	if !d.life.End() {
		return nil
	}
	return d.client.Close()
}

// usable fails when ctx is done or the DB closed: a closed client would
// only fail after its retries.
func (d *DB) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.life.Closed() {
		return errClosed
	}
	return nil
}

// View runs fn on the cluster's state at one revision: the first read fixes
// it, every later read asks for it.
func (d *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := d.usable(ctx); err != nil {
		return err
	}
	ctx, release := d.guard(ctx)
	defer release()
	t := newTx(ctx, d, false)
	if err := fn(t); err != nil {
		return unavailable(ctx, err)
	}
	return unavailable(ctx, t.err)
}

// Update runs fn on a snapshot and commits its writes in one etcd transaction
// guarded by the ModRev of every key fn read with Get (absent keys must still
// be absent). When another commit changed one of them first, fn runs again on
// a newer snapshot after a jittered backoff, at most maxAttempts times.
func (d *DB) Update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	if err := d.usable(ctx); err != nil {
		return 0, err
	}
	ctx, release := d.guard(ctx)
	defer release()
	rev, err := d.update(ctx, fn)
	return rev, unavailable(ctx, err)
}

// update is Update's loop of attempts.
func (d *DB) update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	for attempt := range maxAttempts {
		if attempt > 0 {
			if err := sleep(ctx, attempt); err != nil {
				return 0, err
			}
		}
		t := newTx(ctx, d, true)
		err := fn(t)
		if t.stale {
			// A read found the snapshot compacted away: take a new one.
			continue
		}
		if err != nil {
			return 0, err
		}
		if t.err != nil {
			return 0, t.err
		}
		rev, ok, err := t.commit()
		if err != nil {
			return 0, err
		}
		if ok {
			return rev, nil
		}
	}
	return 0, fmt.Errorf("%w (%d attempts)", errContended, maxAttempts)
}

// sleep waits before attempt n with full jitter.
func sleep(ctx context.Context, n int) error {
	ceiling := min(backoffMin<<min(n, 16), backoffMax)
	timer := time.NewTimer(rand.N(ceiling) + 1)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Compact drops the cluster's history up to rev, for every prefix. Compacting
// at or below an earlier compaction does nothing.
func (d *DB) Compact(ctx context.Context, rev int64) error {
	if err := d.usable(ctx); err != nil {
		return err
	}
	if rev < 1 {
		return nil
	}
	_, err := d.client.Compact(ctx, rev)
	if errors.Is(err, rpctypes.ErrCompacted) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("etcd: compact %d: %w", rev, err)
	}
	return nil
}

// readError labels a failed read; a compacted revision is store.ErrCompacted.
func readError(op, key string, rev int64, err error) error {
	if errors.Is(err, rpctypes.ErrCompacted) {
		return fmt.Errorf("etcd: %s %q at %d: %w", op, key, rev, store.ErrCompacted)
	}
	return fmt.Errorf("etcd: %s %q at %d: %w", op, key, rev, err)
}
