package cloudfront

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

// testFunction runs one copy of a function on the request's event. Whatever
// the function does, including code the runtime refuses to load, is reported
// in the TestResult (FunctionErrorMessage); only a request that cannot be
// served is an API error.
func (h *Handler) testFunction(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceFunction)
	if err != nil {
		return err
	}
	req, err := decode[testFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	fn, err := h.testedCopy(r.Context(), account, name, req.stage, etag)
	if err != nil {
		return err
	}
	result := testResultXML{FunctionSummary: summary(fn), ComputeUtilization: "0"}
	// Members of the event the function will not see (a "multivalue" copied
	// from aws-samples) go to the server's log only: FunctionExecutionLogs
	// hold the function's own lines, which scripts compare with AWS's.
	for _, warning := range req.event.Warnings() {
		h.log.WarnContext(r.Context(), "TestFunction: "+warning, "function", name)
	}
	prog, err := h.compile(fn)
	var ce *runtime.CompileError
	switch {
	case errors.As(err, &ce):
		result.FunctionErrorMessage = ce.Message
	case err != nil:
		return testFailed(err)
	default:
		res := prog.Run(r.Context(), req.event, h.associatedStore(account, fn))
		result.ComputeUtilization = strconv.Itoa(res.ComputeUtilization)
		result.FunctionExecutionLogs.Lines = res.Logs
		switch {
		case res.Err != nil:
			result.FunctionErrorMessage = res.Err.Error()
			if ee, ok := errors.AsType[*runtime.ExecutionError](res.Err); ok {
				if p, ok := r.Context().Value(errorPositionKey{}).(*ErrorPosition); ok {
					p.Line, p.Column = ee.Line, ee.Column
				}
			}
		case res.Output == nil:
			return testFailed(errors.New("the runtime returned neither output nor error"))
		default:
			out, err := res.Output.JSON()
			if err != nil {
				return testFailed(err)
			}
			result.FunctionOutput = string(out)
		}
	}
	return writeXML(w, http.StatusOK, "TestResult", result)
}

// ErrorPosition is where in the code a TestFunction run threw (1-based; 0
// when it was not running code). TestResult carries CloudFront's message
// only, so a caller in this process that shows the position (the console)
// asks for it with WithErrorPosition.
type ErrorPosition struct{ Line, Column int }

type errorPositionKey struct{}

// WithErrorPosition returns ctx asking TestFunction to record a run's error
// position in p.
func WithErrorPosition(ctx context.Context, p *ErrorPosition) context.Context {
	return context.WithValue(ctx, errorPositionKey{}, p)
}

// testedCopy returns the copy to test. If-Match is the DEVELOPMENT ETag, the
// one every modifying operation takes; testing LIVE also accepts the LIVE
// ETag, which DescribeFunction returns for Stage=LIVE.
func (h *Handler) testedCopy(ctx context.Context, account, name string, stage edgefn.Stage, etag string) (*edgefn.Function, error) {
	return testedCopy(ctx, edgefn.ResourceFunction, stage, etag, func(ctx context.Context, st edgefn.Stage) (*edgefn.Function, error) {
		return h.store.GetFunction(ctx, account, name, st)
	})
}

// testedCopy picks the copy get reads for stage, checking etag as above.
func testedCopy(ctx context.Context, res edgefn.Resource, stage edgefn.Stage, etag string, get func(context.Context, edgefn.Stage) (*edgefn.Function, error)) (*edgefn.Function, error) {
	dev, err := get(ctx, edgefn.StageDevelopment)
	if err != nil {
		return nil, err
	}
	if stage == edgefn.StageDevelopment {
		if err := matchETag(res, etag, dev.ETag); err != nil {
			return nil, err
		}
		return dev, nil
	}
	live, err := get(ctx, edgefn.StageLive)
	if err != nil {
		return nil, err
	}
	if err := matchETag(res, etag, dev.ETag, live.ETag); err != nil {
		return nil, err
	}
	return live, nil
}

// testFailed is TestFunctionFailed (500): the function could not be run at all.
// The cause is logged, not sent.
func testFailed(cause error) error {
	return fmt.Errorf("%w: %v", edgefn.Errorf(edgefn.ErrTestFailed, edgefn.ResourceFunction, "The function could not be tested."), cause)
}

// itemReader is the part of the Store a running function reads.
type itemReader interface {
	KeyValueStoreByID(ctx context.Context, account, id string) (*edgefn.KeyValueStore, error)
	GetKey(ctx context.Context, account, id, key string) (edgefn.Item, *edgefn.KeyValueStore, error)
}

// associatedStore gives the function read access to its store, or nil.
func (h *Handler) associatedStore(account string, fn *edgefn.Function) runtime.KeyValueStore {
	if len(fn.Config.KeyValueStoreARNs) == 0 {
		return nil
	}
	// Only the id comes from the ARN: a function reads stores of its own account.
	arn := fn.Config.KeyValueStoreARNs[0]
	return &storeReader{items: h.store, account: account, id: arn[strings.LastIndex(arn, "/")+1:]}
}

// storeReader is runtime.KeyValueStore over one store.
type storeReader struct {
	items       itemReader
	account, id string
}

func (s *storeReader) ID() string { return s.id }

func (s *storeReader) Get(ctx context.Context, key string) (string, bool, error) {
	it, _, err := s.items.GetKey(ctx, s.account, s.id, key)
	var e *edgefn.Error
	if errors.As(err, &e) && e.Kind == edgefn.ErrNotFound && e.Resource == edgefn.ResourceKey {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return it.Value, true, nil
}

func (s *storeReader) Meta(ctx context.Context) (runtime.KVSMeta, error) {
	k, err := s.items.KeyValueStoreByID(ctx, s.account, s.id)
	if err != nil {
		return runtime.KVSMeta{}, err
	}
	return runtime.KVSMeta{Created: k.Created, LastUpdated: k.LastModified, KeyCount: int(k.ItemCount)}, nil
}
