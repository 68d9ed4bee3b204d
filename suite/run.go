package suite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/kvsimport"
	"github.com/edgefn/edgefn/runtime"
)

// Status is how a case ended, from best to worst.
type Status int

const (
	Passed Status = iota
	// Failed: the TestResult differs from the expectation.
	Failed
	// NotCompiled: the function does not load, and the case did not expect
	// that.
	NotCompiled
	// Unusable: the case's files could not be used; it did not run.
	Unusable
)

func (s Status) String() string {
	return [...]string{"PASS", "FAIL", "COMPILE ERROR", "UNUSABLE"}[s]
}

// Result is the outcome of one case.
type Result struct {
	Case       *Case
	TestResult TestResult
	// Compile is the function's load failure, and Code the code it refers to.
	Compile *runtime.CompileError
	Code    []byte
	// Thrown is the run's error with its place in Code, when it threw or hit
	// a limit while running the code.
	Thrown *runtime.ExecutionError
	Diffs  []Diff
	// Warnings name the members of the event file that were ignored.
	Warnings []string
	// Recorded names the files Record wrote the result to.
	Recorded string
	// Err is why the case could not run (a missing file, a bad event).
	Err      error
	Duration time.Duration
}

// Status says how the case ended.
func (r *Result) Status() Status {
	switch {
	case r.Err != nil:
		return Unusable
	case r.Compile != nil && (r.Case.Expect == nil || r.Case.Expect.Error == nil):
		return NotCompiled
	case len(r.Diffs) > 0:
		return Failed
	}
	return Passed
}

// Run runs the cases in order. Each function is compiled once per run of
// the suite, as the files are at that moment.
func Run(ctx context.Context, cases []*Case) []*Result {
	r := &runner{engine: runtime.New(runtime.Options{}), programs: map[programKey]compiled{}}
	out := make([]*Result, len(cases))
	for i, c := range cases {
		start := time.Now()
		out[i] = r.run(ctx, c)
		out[i].Duration = time.Since(start)
	}
	return out
}

type runner struct {
	engine   *runtime.Engine
	programs map[programKey]compiled
}

type programKey struct {
	code string
	rt   edgefn.Runtime
	kind Kind
}

type compiled struct {
	prog *runtime.Program
	err  error
}

func (r *runner) compile(code []byte, rt edgefn.Runtime, kind Kind) (*runtime.Program, error) {
	k := programKey{string(code), rt, kind}
	c, ok := r.programs[k]
	if !ok {
		if kind == KindConnection {
			c.prog, c.err = r.engine.CompileConnection(code)
		} else {
			c.prog, c.err = r.engine.Compile(code, rt)
		}
		r.programs[k] = c
	}
	return c.prog, c.err
}

func (r *runner) run(ctx context.Context, c *Case) *Result {
	res := &Result{Case: c, TestResult: TestResult{FunctionExecutionLogs: []string{}}}
	in, err := readInputs(c)
	if err != nil {
		res.Err = err
		return res
	}
	res.Code = in.code
	if in.event != nil {
		res.Warnings = in.event.Warnings()
	}
	prog, err := r.compile(in.code, c.Runtime, c.Kind)
	if err != nil {
		ce, ok := errors.AsType[*runtime.CompileError](err)
		if !ok {
			res.Err = err
			return res
		}
		res.Compile = ce
		res.TestResult.FunctionErrorMessage = ce.Message
		res.TestResult.ComputeUtilization = "0"
	} else {
		run := in.run(ctx, prog)
		res.TestResult.FunctionExecutionLogs = append(res.TestResult.FunctionExecutionLogs, run.Logs...)
		res.TestResult.ComputeUtilization = strconv.Itoa(run.ComputeUtilization)
		if run.Err != nil {
			res.TestResult.FunctionErrorMessage = run.Err.Error()
			if ee, ok := errors.AsType[*runtime.ExecutionError](run.Err); ok && ee.Line > 0 {
				res.Thrown = ee
			}
		}
		// A connection function always has a verdict, a failed run's is deny,
		// and TestConnectionFunction reports it beside the error.
		if out, err := in.output(run); err != nil {
			res.TestResult.FunctionErrorMessage = err.Error()
		} else if run.Err == nil || in.conn != nil {
			res.TestResult.FunctionOutput = string(out)
		}
	}
	if c.Expect != nil {
		res.Diffs, res.Err = compare(c, &res.TestResult)
	}
	return res
}

type inputs struct {
	code []byte
	// event is a viewer function's, conn a connection function's.
	event *event.Event
	conn  *event.Connection
	kvs   runtime.KeyValueStore // a nil interface without a file
}

func (in *inputs) run(ctx context.Context, prog *runtime.Program) *runtime.Result {
	if in.conn != nil {
		return prog.RunConnection(ctx, in.conn, in.kvs)
	}
	return prog.Run(ctx, in.event, in.kvs)
}

// output is the run's FunctionOutput, when it has one.
func (in *inputs) output(run *runtime.Result) ([]byte, error) {
	switch {
	case in.conn != nil:
		return run.ConnectionOutput()
	case run.Err != nil:
		return nil, nil
	}
	return run.Output.JSON()
}

// readInputs reads and checks a case's files.
func readInputs(c *Case) (*inputs, error) {
	if !c.Runtime.Valid() {
		return nil, fmt.Errorf("runtime %q: must be cloudfront-js-1.0 or cloudfront-js-2.0", c.Runtime)
	}
	switch {
	case !c.Kind.valid():
		return nil, fmt.Errorf("kind %q: must be viewer or connection", c.Kind)
	case c.Kind == KindConnection && c.Runtime != edgefn.RuntimeJS2:
		return nil, fmt.Errorf("runtime %s: connection functions run on cloudfront-js-2.0 only", c.Runtime)
	}
	limits := edgefn.DefaultLimits()
	code, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("function: %w", err)
	}
	if len(code) > limits.FunctionCodeBytes {
		return nil, fmt.Errorf("function %s: %d bytes, over the %d-byte limit of CloudFront Functions", c.File, len(code), limits.FunctionCodeBytes)
	}
	raw, err := os.ReadFile(c.Event)
	if err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	in := &inputs{code: code}
	if c.Kind == KindConnection {
		if len(raw) > limits.TestEventBytes {
			return nil, fmt.Errorf("event %s: %d bytes, over the %d-byte limit of a test's connection object", c.Event, len(raw), limits.TestEventBytes)
		}
		in.conn, err = event.ParseConnectionJSON(raw)
	} else {
		in.event, err = ParseEvent(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", c.Event, err)
	}
	if c.KVS != "" {
		f, err := os.Open(c.KVS)
		if err != nil {
			return nil, fmt.Errorf("kvs: %w", err)
		}
		items, err := kvsimport.Parse(f, limits)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("kvs %s: %w", c.KVS, err)
		}
		in.kvs = NewMemoryKVS(c.KVSID, items)
	}
	return in, nil
}

// compare lists how res differs from the case's expectation; an error is an
// ignore path that does not parse or matches nothing.
func compare(c *Case, res *TestResult) ([]Diff, error) {
	exp := c.Expect
	var diffs []Diff
	msg := res.FunctionErrorMessage
	switch {
	case exp.Error != nil && msg == "":
		want := "(any error)"
		if *exp.Error != "" {
			want = "a message containing " + strconv.Quote(*exp.Error)
		}
		diffs = append(diffs, Diff{Path: "FunctionErrorMessage", Want: want, Got: ""})
	case exp.Error != nil && !strings.Contains(msg, *exp.Error):
		diffs = append(diffs, Diff{Path: "FunctionErrorMessage", Want: "a message containing " + strconv.Quote(*exp.Error), Got: strconv.Quote(msg)})
	case exp.Output != nil && msg != "":
		diffs = append(diffs, Diff{Path: "FunctionErrorMessage", Want: "", Got: strconv.Quote(msg)})
	case exp.Output != nil:
		var got any
		if err := json.Unmarshal([]byte(res.FunctionOutput), &got); err != nil {
			return nil, fmt.Errorf("FunctionOutput: %w", err)
		}
		want := cloneJSON(exp.Output)
		for _, p := range c.Ignore {
			steps, err := parsePath(p)
			if err != nil {
				return nil, err
			}
			// Both sides, always: the field may be on one only.
			inWant, inGot := without(want, steps), without(got, steps)
			if !inWant && !inGot {
				// A misspelt path would otherwise ignore nothing, silently.
				return nil, fmt.Errorf("ignore %q: no such field in the expected or the actual output", p)
			}
		}
		diffs = append(diffs, diffJSON("", want, got)...)
	}
	if exp.Logs != nil {
		diffs = append(diffs, diffJSON("FunctionExecutionLogs", toAny(exp.Logs), toAny(res.FunctionExecutionLogs))...)
	}
	return diffs, nil
}

// cloneJSON copies a decoded JSON value: ignoring fields must not change the
// case's expectation, which a watch run uses again.
func cloneJSON(v any) any {
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(c))
		for k, e := range c {
			m[k] = cloneJSON(e)
		}
		return m
	case []any:
		a := make([]any, len(c))
		for i, e := range c {
			a[i] = cloneJSON(e)
		}
		return a
	}
	return v
}

func toAny(lines []string) []any {
	a := make([]any, len(lines))
	for i, l := range lines {
		a[i] = l
	}
	return a
}
