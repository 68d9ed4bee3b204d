package cloudfront

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/kvsimport"
)

const (
	// importTimeout bounds reading one import source (5 MB at most).
	importTimeout = 5 * time.Minute
	// recordTimeout bounds writing an import's outcome, which must happen even
	// when shutdown cancelled the import itself.
	recordTimeout = 10 * time.Second
	// reasonInterrupted is the failure of an import cut short by a shutdown or
	// a crash.
	reasonInterrupted = "import interrupted"
)

// imports tracks the import goroutines so that Close can wait for them.
type imports struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context // cancelled when Close stops waiting
	cancel context.CancelFunc
}

// importInto creates a PROVISIONING store and fills it from obj in the
// background: CreateKeyValueStore answers at once, as CloudFront does, and
// the store turns READY with every item, or IMPORT_FAILURE with the reason and
// no items (the store's CompleteImport is all-or-nothing).
func (h *Handler) importInto(ctx context.Context, account, name, comment string, tags []edgefn.Tag, obj kvsimport.Object) (*edgefn.KeyValueStore, error) {
	if h.importer == nil {
		return nil, edgefn.Errorf(edgefn.ErrUnsupported, edgefn.ResourceKeyValueStore, "This server is not configured to import key value stores.")
	}
	h.imports.mu.Lock()
	if h.imports.closed {
		h.imports.mu.Unlock()
		return nil, edgefn.Errorf(edgefn.ErrInternal, edgefn.ResourceKeyValueStore, "The server is shutting down; try again.")
	}
	h.imports.wg.Add(1)
	h.imports.mu.Unlock()
	k, err := h.store.CreateKeyValueStore(ctx, account, name, comment, true, tags...)
	if err != nil {
		h.imports.wg.Done()
		return nil, err
	}
	go h.runImport(account, k.ID, obj)
	return k, nil
}

func (h *Handler) runImport(account, id string, obj kvsimport.Object) {
	defer h.imports.wg.Done()
	ctx, cancel := context.WithTimeout(h.imports.ctx, importTimeout)
	defer cancel()
	items, err := kvsimport.Load(ctx, h.importer, obj, h.limits)
	reason := ""
	if err != nil {
		reason = h.importFailure(ctx, err)
		h.log.Warn("key value store import failed", "account", account, "id", id, "source", obj.ARN(), "err", err)
	}
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer rcancel()
	k, err := h.store.CompleteImport(rctx, account, id, items, reason)
	if err != nil {
		// The store stays PROVISIONING until ResumeImports runs.
		h.log.Error("key value store import not recorded", "account", account, "id", id, "err", err)
		return
	}
	h.log.Info("key value store import complete", "account", account, "id", id, "status", k.Status, "items", k.ItemCount, "reason", k.FailureReason)
}

// importFailure is the reason reported for a failed import: the owner sees it,
// so an error that is not an *edgefn.Error (a server-side fault) becomes a
// generic text and only the log has the detail.
func (h *Handler) importFailure(ctx context.Context, err error) string {
	var e *edgefn.Error
	switch {
	case errors.As(err, &e):
		return e.Message
	case h.imports.ctx.Err() != nil:
		return reasonInterrupted
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "The import source could not be read within " + importTimeout.String() + "."
	}
	return "The import source could not be read."
}

// ResumeImports finishes the imports a previous process left unfinished: every
// PROVISIONING store of the given accounts becomes IMPORT_FAILURE with the
// reason "import interrupted". The store does not keep the import source, so an
// import cannot be re-run; its owner creates the store again. Call it once at
// startup, before the handler serves requests: an import running elsewhere (on
// another node sharing the store) would be cut short too.
func (h *Handler) ResumeImports(ctx context.Context, accounts []string) error {
	for _, account := range accounts {
		marker := ""
		for {
			stores, next, err := h.store.ListKeyValueStores(ctx, account, edgefn.KVSProvisioning, marker, maxPageItems)
			if err != nil {
				return err
			}
			for _, k := range stores {
				if _, err := h.store.CompleteImport(ctx, account, k.ID, nil, reasonInterrupted); err != nil {
					return err
				}
				h.log.Warn("key value store import interrupted", "account", account, "name", k.Name, "id", k.ID)
			}
			if next == "" {
				break
			}
			marker = next
		}
	}
	return nil
}

// Close stops accepting imports and waits for the running ones to record their
// outcome. If ctx ends first it cancels them (they record "import
// interrupted"), still waits for them to finish, and returns ctx's error.
func (h *Handler) Close(ctx context.Context) error {
	h.imports.mu.Lock()
	h.imports.closed = true
	h.imports.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.imports.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		h.imports.cancel()
		return nil
	case <-ctx.Done():
		h.imports.cancel()
		<-done
		return ctx.Err()
	}
}
