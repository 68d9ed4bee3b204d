package replay

import (
	"bytes"
	"errors"

	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// Outcome is what a function did with one request.
type Outcome string

// Outcomes, in report order.
const (
	PassedThrough Outcome = "passed-through"
	Rewritten     Outcome = "rewritten"
	Redirected    Outcome = "redirected"
	Generated     Outcome = "generated-response"
	Failed        Outcome = "error"
	Invalid       Outcome = "invalid-result"
)

// Outcomes lists every Outcome in report order.
var Outcomes = []Outcome{PassedThrough, Rewritten, Redirected, Generated, Failed, Invalid}

// Run is one request's result on one function version.
type Run struct {
	Outcome Outcome
	Output  []byte // FunctionOutput JSON; nil on error
	Message string // error or validation message
	URI     string // the uri the origin sees, for a rewritten request
	Compute int
	// Line and Column: where in the function's code an error was thrown.
	Line, Column int
}

func classify(ev *event.Event, r *runtime.Result) Run {
	run := Run{Compute: r.ComputeUtilization}
	if r.Err != nil {
		run.Message = r.Err.Error()
		run.Outcome = Failed
		var oe *runtime.OutputError
		if errors.As(r.Err, &oe) {
			run.Outcome = Invalid
		}
		if ee, ok := errors.AsType[*runtime.ExecutionError](r.Err); ok {
			run.Line, run.Column = ee.Line, ee.Column
		}
		return run
	}
	out, err := r.Output.JSON()
	if err != nil {
		return Run{Outcome: Invalid, Message: err.Error(), Compute: run.Compute}
	}
	run.Output = out
	if err := event.Validate(ev, r.Output); err != nil {
		run.Outcome, run.Message = Invalid, err.Error()
		return run
	}
	if resp := r.Output.Response; resp != nil {
		run.Outcome = Generated
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			run.Outcome = Redirected
		}
		return run
	}
	same, _ := (&event.Output{Request: &ev.Request}).JSON()
	if bytes.Equal(same, out) {
		run.Outcome = PassedThrough
		return run
	}
	run.Outcome, run.URI = Rewritten, r.Output.Request.URI
	return run
}
