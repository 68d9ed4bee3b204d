package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/status"

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
// ended it, or when etcd refused it for the want of a leader, so that the API
// answers 503 (which the SDKs retry) rather than hiding it as internal.
func unavailable(ctx context.Context, err error) error {
	why := "its store cannot be reached"
	switch {
	case err == nil:
		return nil
	case errors.Is(context.Cause(ctx), errUnreachable):
	case leaderless(err):
		why = "its store did not commit in time (it may be electing a leader)"
	default:
		return err
	}
	return fmt.Errorf("%w: %w", edgefn.Errorf(edgefn.ErrUnavailable, "",
		"The service is unavailable: %s. Please try again later.", why), err)
}

// leaderless reports whether err is etcd's answer while the cluster has no
// leader, elects one, or cannot reach it: during a failover a write fails
// with "no leader", "leader changed" or one of the timeouts a leader loss
// causes, and a member cut off answers Unavailable. Each means "not now",
// not a fault of the request.
func leaderless(err error) bool {
	for _, e := range []error{rpctypes.ErrNoLeader, rpctypes.ErrLeaderChanged, rpctypes.ErrNotCapable, rpctypes.ErrStopped,
		rpctypes.ErrTimeout, rpctypes.ErrTimeoutDueToLeaderFail, rpctypes.ErrTimeoutDueToConnectionLost,
		rpctypes.ErrTimeoutWaitAppliedIndex, rpctypes.ErrUnhealthy} {
		if errors.Is(err, e) {
			return true
		}
	}
	return status.Code(err) == codes.Unavailable
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
