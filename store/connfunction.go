package store

import (
	"context"

	"github.com/edgefn/edgefn"
)

// Connection functions (mTLS) share the function lifecycle (family) and are
// addressed by an id besides their name: Update, Publish, Test and Delete take
// the id, Describe and Get either.

// CreateConnectionFunction creates the DEVELOPMENT copy with a new id.
func (s *Store) CreateConnectionFunction(ctx context.Context, account, name string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error) {
	if cfg.Runtime != edgefn.RuntimeJS2 && cfg.Runtime.Valid() {
		return nil, errConnRuntime(cfg.Runtime)
	}
	return s.createFunction(ctx, connectionFunctions, account, name, newResourceID('C'), cfg, code, nil)
}

func errConnRuntime(rt edgefn.Runtime) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceConnectionFunction,
		"Connection functions support only the %s runtime, not %s.", edgefn.RuntimeJS2, rt)
}

// GetConnectionFunction returns one stage's copy; identifier is the id or the name.
func (s *Store) GetConnectionFunction(ctx context.Context, account, identifier string, stage edgefn.Stage) (*edgefn.Function, error) {
	name, err := s.connectionFunctionName(ctx, account, identifier, true)
	if err != nil {
		return nil, err
	}
	return s.getFunction(ctx, connectionFunctions, account, name, stage)
}

// ListConnectionFunctions lists by name, as ListFunctions does.
func (s *Store) ListConnectionFunctions(ctx context.Context, account string, stage edgefn.Stage, marker string, max int) ([]*edgefn.Function, string, error) {
	return s.listFunctions(ctx, connectionFunctions, account, stage, marker, max)
}

// UpdateConnectionFunction replaces the DEVELOPMENT copy of function id.
func (s *Store) UpdateConnectionFunction(ctx context.Context, account, id, ifMatch string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error) {
	if cfg.Runtime != edgefn.RuntimeJS2 && cfg.Runtime.Valid() {
		return nil, errConnRuntime(cfg.Runtime)
	}
	name, err := s.connectionFunctionName(ctx, account, id, false)
	if err != nil {
		return nil, err
	}
	return s.updateFunction(ctx, connectionFunctions, account, name, ifMatch, cfg, code)
}

// PublishConnectionFunction copies DEVELOPMENT to LIVE.
func (s *Store) PublishConnectionFunction(ctx context.Context, account, id, ifMatch string) (*edgefn.Function, error) {
	name, err := s.connectionFunctionName(ctx, account, id, false)
	if err != nil {
		return nil, err
	}
	return s.publishFunction(ctx, connectionFunctions, account, name, ifMatch)
}

// DeleteConnectionFunction deletes both copies; not while a distribution uses it.
func (s *Store) DeleteConnectionFunction(ctx context.Context, account, id, ifMatch string) error {
	name, err := s.connectionFunctionName(ctx, account, id, false)
	if err != nil {
		return err
	}
	return s.deleteFunction(ctx, connectionFunctions, account, name, ifMatch)
}

// connectionFunctionName resolves an id (or, with byName, a name) to the
// name the copies are kept under. The mapping never changes while the
// function exists; the If-Match of the operation that follows guards against
// a function deleted and recreated in between.
func (s *Store) connectionFunctionName(ctx context.Context, account, identifier string, byName bool) (string, error) {
	if err := checkAccount(account); err != nil {
		return "", err
	}
	f := connectionFunctions
	var name string
	err := s.view(ctx, "resolve connection function", func(tx Tx) error {
		kv, ok, err := tx.Get(f.idKey(account, identifier))
		if err != nil {
			return err
		}
		if ok {
			name = string(kv.Value)
			return nil
		}
		if byName && namePattern.MatchString(identifier) {
			name = identifier
			return nil
		}
		return f.errNotFound(identifier)
	})
	return name, err
}
