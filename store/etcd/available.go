package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/connectivity"

	"github.com/edgefn/edgefn"
)

const (
	// unavailableAfter is how long a call waits for a lost connection to etcd
	// to come back before it fails as unavailable. It bounds outages, not
	// requests: a large commit on a healthy connection takes as long as etcd
	// lets it.
	unavailableAfter = 5 * time.Second
	// readyTimeout bounds Ready's round trip.
	readyTimeout = 2 * time.Second
)

// errUnreachable is the cause guard cancels a call with.
var errUnreachable = errors.New("etcd: no connection to the cluster")

// guard returns ctx cancelled (with errUnreachable as its cause) once the
// client's connection has not been ready for unavailableAfter, and the
// function that releases it. Without it a call would wait for etcd for as
// long as its caller's context allows: the client queues requests until a
// connection is ready.
func (d *DB) guard(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	conn := d.client.ActiveConnection()
	go func() {
		st := conn.GetState()
		for {
			if st != connectivity.Ready && st != connectivity.Idle {
				wait, stop := context.WithTimeout(ctx, unavailableAfter)
				for st != connectivity.Ready && conn.WaitForStateChange(wait, st) {
					st = conn.GetState()
				}
				stop()
				if ctx.Err() != nil {
					return
				}
				if st != connectivity.Ready {
					cancel(errUnreachable)
					return
				}
			}
			if !conn.WaitForStateChange(ctx, st) {
				return
			}
			st = conn.GetState()
		}
	}()
	return ctx, func() { cancel(nil) }
}

// unavailable turns a call's failure into the typed outage error when guard
// ended it, so that the API answers 503 rather than hiding it as internal.
func unavailable(ctx context.Context, err error) error {
	if err == nil || !errors.Is(context.Cause(ctx), errUnreachable) {
		return err
	}
	return fmt.Errorf("%w: %w", edgefn.Errorf(edgefn.ErrUnavailable, "",
		"The service is unavailable: its store cannot be reached. Please try again later."), err)
}

// Ready reports whether the cluster answers a linearizable read (which needs
// a leader and a quorum) within a short bound.
func (d *DB) Ready(ctx context.Context) error {
	if err := d.usable(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if _, err := d.client.Get(ctx, d.prefix, clientv3.WithCountOnly(), clientv3.WithLimit(1)); err != nil {
		return fmt.Errorf("etcd: not ready: %w", err)
	}
	return nil
}
