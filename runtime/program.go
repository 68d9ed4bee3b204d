package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	goruntime "runtime"
	"slices"
	"sync"
	"time"
	"weak"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// Program is a compiled function. It is safe for concurrent use; each run
// borrows a realm from the program's pool.
type Program struct {
	e      *Engine
	rt     edgefn.Runtime
	prog   *goja.Program
	fresh  bool   // every run on a new, unfrozen VM (see Engine)
	static bool   // the top level is evaluated once per VM (see staticTop)
	entry  string // the entry function's name (handler, connectionHandler)
	// The pool, under one mutex (a channel as the bound cost more than all
	// the rest): idle realms, most recently used last; the runs in
	// progress; and the runs waiting for one of them to end.
	mu       sync.Mutex
	idle     []*realm
	running  int
	waiting  []chan *realm // oldest first (see get)
	throttle throttle
}

func newProgram(e *Engine, rt edgefn.Runtime, prog *goja.Program, fresh bool) *Program {
	return &Program{e: e, rt: rt, prog: prog, fresh: fresh, throttle: throttle{opts: e.opts.Throttle}}
}

// Runtime returns the runtime the program was compiled for.
func (p *Program) Runtime() edgefn.Runtime { return p.rt }

// Result is the outcome of one run.
type Result struct {
	Output *event.Output // nil when the run failed
	Logs   []string
	// Err is nil on success; Err.Error() is TestFunction's FunctionErrorMessage.
	// An *ExecutionError is a throw or a limit; an *OutputError a result that is
	// not a request or response (the edge answers 503 and 502).
	Err                error
	ComputeUtilization int
	Duration           time.Duration
	// Origin is the last origin-modification helper the function called.
	Origin *OriginChange
	// CustomLogData is what cf.logCustomData() (connection.logCustomData()
	// in a connection function) recorded last.
	CustomLogData string
	// Decision is a connection function's verdict: DecisionAllow only when
	// the function called allow(), never deny(), and did not fail.
	Decision Decision
}

// Decision is a connection function's verdict.
type Decision string

const (
	DecisionAllow Decision = "allow"
	DecisionDeny  Decision = "deny"
)

// ConnectionOutput is a connection function's verdict as TestConnectionFunction
// reports it (ConnectionFunctionOutput) and `edgefn test` compares it:
// {"decision":"allow"|"deny"}, with "customLogData" when the code recorded
// some.
func (r *Result) ConnectionOutput() ([]byte, error) {
	return json.Marshal(struct {
		Decision      Decision `json:"decision"`
		CustomLogData string   `json:"customLogData,omitempty"`
	}{r.Decision, r.CustomLogData})
}

// ExecutionError is an exception, a timeout or an exhausted limit.
type ExecutionError struct {
	Message string // TestFunction's FunctionErrorMessage, CloudFront's words
	// Timeout: the run went past its compute time; Memory: past its memory.
	Timeout, Memory bool
	// Throttled: the run was refused without running (see Options.Throttle).
	Throttled bool
	// Line and Column (1-based) are where in the code as written the error
	// was thrown, or the run stopped; 0 when the code was not running (a
	// missing handler, a memory limit). CloudFront's message carries no
	// position; tools show it beside the message (see Report).
	Line, Column int
}

func (e *ExecutionError) Error() string { return e.Message }

// limit reports whether the run was stopped by the runtime's time or memory
// limit, which leaves its realm unusable and counts against the program (see
// throttle).
func (e *ExecutionError) limit() bool { return e.Timeout || e.Memory }

// OutputError is a handler result the runtime cannot turn into a request or a
// response.
type OutputError struct{ Message string }

func (e *OutputError) Error() string { return e.Message }

// Run invokes the handler with ev. kvs is the associated store, or nil.
func (p *Program) Run(ctx context.Context, ev *event.Event, kvs KeyValueStore) *Result {
	return p.exec(ctx, invocation{ev: ev, kvs: kvs})
}

// RunConnection invokes a connection function (see CompileConnection) with
// conn; the Result's Decision is its verdict, Output is nil.
func (p *Program) RunConnection(ctx context.Context, conn *event.Connection, kvs KeyValueStore) *Result {
	return p.exec(ctx, invocation{conn: conn, kvs: kvs})
}

// exec runs one invocation, given its event and store, unless the
// function's throttle refuses it.
func (p *Program) exec(ctx context.Context, in invocation) *Result {
	if err := ctx.Err(); err != nil {
		return failed(in, &ExecutionError{Message: "InternalError: " + err.Error()})
	}
	suspect, ok := p.throttle.admit()
	if !ok {
		return failed(in, &ExecutionError{Message: "InternalError: the function is throttled: its runs keep exceeding their limits", Throttled: true})
	}
	res := p.run(ctx, in)
	ee, _ := errors.AsType[*ExecutionError](res.Err)
	p.throttle.done(suspect, ee != nil && ee.limit())
	return res
}

// run runs an invocation on a pooled realm (a fresh one if need be).
func (p *Program) run(ctx context.Context, in invocation) *Result {
	if p.fresh {
		return p.runFresh(ctx, in)
	}
	a := affinityOf(ctx)
	r, err := p.get(ctx, a)
	if err != nil {
		return failed(in, &ExecutionError{Message: "InternalError: " + err.Error()})
	}
	r.owner = a
	res, reusable := r.run(ctx, in)
	if !reusable {
		r = nil
	}
	p.release(r)
	if ee, ok := errors.AsType[*ExecutionError](res.Err); ok && !ee.limit() {
		// The frozen built-ins may have caused the throw; a fresh VM gives the
		// answer CloudFront would. A run stopped by a limit is not run again:
		// that would double what a hostile function takes.
		return p.runFresh(ctx, in)
	}
	return res
}

func (p *Program) runFresh(ctx context.Context, in invocation) *Result {
	r, err := p.newRealm(false)
	if err != nil {
		return failed(in, &ExecutionError{Message: "InternalError: " + err.Error()})
	}
	res, _ := r.run(ctx, in)
	return res
}

// failed is the Result of a run that could not start: a connection is denied.
func failed(in invocation, err error) *Result {
	res := &Result{Err: err}
	if in.conn != nil {
		res.Decision = DecisionDeny
	}
	return res
}

// get borrows a realm. At most PoolSize runs go at once: runs are CPU-bound,
// so more only add realms (each costs milliseconds to build) without adding
// throughput; a run past the bound waits for one to end and hand over its
// slot (see release).
func (p *Program) get(ctx context.Context, a *affinity) (*realm, error) {
	p.mu.Lock()
	if p.running < p.e.opts.PoolSize {
		p.running++
		r := p.takeIdle(a)
		p.mu.Unlock()
		return p.ready(r)
	}
	ch := make(chan *realm, 1) // release never blocks on it
	p.waiting = append(p.waiting, ch)
	p.mu.Unlock()
	select {
	case r := <-ch:
		return p.ready(r)
	case <-ctx.Done():
	}
	p.mu.Lock()
	i := slices.Index(p.waiting, ch)
	if i >= 0 {
		p.waiting = slices.Delete(p.waiting, i, i+1)
	}
	p.mu.Unlock()
	if i < 0 {
		p.release(<-ch) // handed a slot as ctx ended: pass it on
	}
	return nil, ctx.Err()
}

// takeIdle takes an idle realm (p.mu held), nil if there is none: the one
// a's worker ran last if it is idle, else the one most recently used.
func (p *Program) takeIdle(a *affinity) *realm {
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	i := n - 1
	if a != nil {
		for j := i; j >= 0; j-- {
			if p.idle[j].owner == a {
				i = j
				break
			}
		}
	}
	r := p.idle[i]
	copy(p.idle[i:], p.idle[i+1:])
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return r
}

// ready returns r, the realm that comes with a slot, or a new one when there
// is none.
func (p *Program) ready(r *realm) (*realm, error) {
	if r != nil {
		return r, nil
	}
	r, err := p.newRealm(true)
	if err != nil {
		p.release(nil)
	}
	return r, err
}

// release ends a run: its slot, with r (nil when the run left its realm
// unusable), goes to the oldest waiting run, or r goes back to the pool.
func (p *Program) release(r *realm) {
	p.mu.Lock()
	if len(p.waiting) > 0 {
		ch := p.waiting[0]
		p.waiting = slices.Delete(p.waiting, 0, 1)
		p.mu.Unlock()
		ch <- r
		return
	}
	p.running--
	if r != nil {
		p.idle = append(p.idle, r) // no more realms exist than runs may go at once
	}
	p.mu.Unlock()
}

func (p *Program) newRealm(sealed bool) (*realm, error) {
	r, err := newRealm(p.e, p.rt, sealed)
	if err != nil {
		return nil, err
	}
	r.entry = p.entry
	w, err := r.vm.RunProgram(p.prog)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	r.wrapper, _ = goja.AssertFunction(w)
	r.static, r.cache = p.static, p.static && sealed
	// The timer holds the realm weakly: a pending tick must not keep a
	// dropped realm, or the idle realms of a discarded program, alive.
	wr := weak.Make(r)
	r.timer = time.AfterFunc(time.Hour, func() {
		if r := wr.Value(); r != nil {
			r.onTimeout()
		}
	})
	r.timer.Stop()
	return r, nil
}

// invocation is the state of one run.
type invocation struct {
	ctx   context.Context
	start time.Time
	ev    *event.Event
	// conn is a connection function's event (ev is nil then), and allowed,
	// denied what it called.
	conn            *event.Connection
	allowed, denied bool
	kvs             KeyValueStore
	logs            []string
	logBytes        int
	origin          *OriginChange
	customLog       string
}

var errTimeout = errors.New("timeout")

// errMemoryLimit is the error of a run that allocated past MemoryLimit. The
// reference engine's text is not documented (spec §9.1); this is the text the
// runtime has always given for a built-in asked for more than the limit.
const errMemoryLimit = "RangeError: memory limit exceeded"

// outcome is a run's Result with the Output it carries, allocated at once: the
// run would otherwise allocate each separately.
type outcome struct {
	res  Result
	out  event.Output
	req  event.Request
	resp event.Response
}

// run executes one invocation; reusable is false when the realm must be dropped.
func (r *realm) run(ctx context.Context, in invocation) (res *Result, reusable bool) {
	// The invocation's state lives in the realm, which runs one at a time and
	// keeps nothing of it past the run: an allocation per run saved.
	in.ctx, in.start = ctx, time.Now()
	r.invState = in
	inv := &r.invState
	r.inv, r.nEntries = inv, 0
	r.pcg.Seed(uint64(inv.start.UnixNano()), 0x9e3779b97f4a7c15)
	cpu0, measureCPU := time.Duration(0), false
	if r.e.opts.CPUTime {
		goruntime.LockOSThread() // the thread's clock counts this run alone
		cpu0, measureCPU = r.e.threadClock()
		defer goruntime.UnlockOSThread()
	}
	r.arm(inv.start)
	r.vm.SetAllocationLimit(int64(r.e.opts.MemoryLimit))
	reusable = true
	o := new(outcome)
	res = &o.res
	func() {
		defer func() {
			if p := recover(); p != nil {
				reusable = false
				if _, ok := p.(*goja.AllocationLimitError); ok {
					res.Err = &ExecutionError{Message: errMemoryLimit, Memory: true}
					return
				}
				res.Err = &ExecutionError{Message: fmt.Sprintf("InternalError: %v", p)}
			}
		}()
		if in.conn != nil {
			res.Err = r.invokeConnection(in.conn)
			return
		}
		out, err := r.invoke(in.ev, o)
		if err != nil {
			res.Err = err
			return
		}
		res.Output = out
	}()
	r.disarm()
	r.vm.SetAllocationLimit(0) // the runtime's own calls are not the function's
	res.Duration = time.Since(inv.start)
	res.ComputeUtilization = utilization(res.Duration, r.e.opts.Budget)
	if measureCPU {
		// Only then: reading the thread's clock is a system call, once per
		// run when it stood in this if's init statement.
		if cpu1, ok := r.e.threadClock(); ok {
			res.ComputeUtilization = utilization(cpu1-cpu0, r.e.opts.Budget)
		}
	}
	res.Logs, res.Origin, res.CustomLogData = inv.logs, inv.origin, inv.customLog
	if inv.conn != nil {
		// A failed run, or one that decided nothing, is denied: CloudFront's
		// default; a deny() anywhere in the run outweighs an allow().
		res.Decision = DecisionDeny
		if res.Err == nil && inv.allowed && !inv.denied {
			res.Decision = DecisionAllow
		}
	}
	if ee, ok := errors.AsType[*ExecutionError](res.Err); ok && ee.limit() {
		reusable = false
	}
	r.inv = nil
	return res, reusable
}

func (r *realm) invoke(ev *event.Event, o *outcome) (*event.Output, error) {
	v, err := r.call(r.toJS(ev))
	if err != nil {
		return nil, err
	}
	return r.fromJS(v, ev, o)
}

// call runs the entry function with arg and settles what it returns.
func (r *realm) call(arg goja.Value) (goja.Value, error) {
	handler, err := r.handler()
	if err != nil {
		return nil, err
	}
	// A variadic call through a func value would allocate its argument slice.
	r.args[0] = arg
	v, err := handler(goja.Undefined(), r.args[:]...)
	r.args[0] = nil
	if err != nil {
		return nil, r.execError(err)
	}
	if o, ok := v.(*goja.Object); ok && o.ExportType() == reflectPromise {
		p := o.Export().(*goja.Promise)
		switch p.State() {
		case goja.PromiseStateFulfilled:
			v = p.Result()
		case goja.PromiseStateRejected:
			ee := &ExecutionError{Message: r.describe(p.Result())}
			ee.Line, ee.Column = thrownAt(p.Result())
			return nil, ee
		default:
			return nil, &ExecutionError{Message: "InternalError: the handler's promise never settled"}
		}
	}
	return v, nil
}

// handler evaluates the top level and returns the handler. A static program's
// is kept while the invocation's store is the same (cf.kvs() depends on it).
func (r *realm) handler() (goja.Callable, error) {
	hasKVS, id := r.inv.kvs != nil, ""
	if hasKVS {
		id = r.inv.kvs.ID()
	}
	if r.cache && r.cached != nil && r.cachedKVS == hasKVS && r.cachedID == id {
		return r.cached, nil
	}
	v, err := r.wrapper(goja.Undefined())
	if err != nil {
		return nil, r.execError(err)
	}
	var funcs goja.Value
	if r.static {
		pair := v.(*goja.Object)
		v, funcs = pair.Get("0"), pair.Get("1")
	}
	h, ok := goja.AssertFunction(v)
	if !ok {
		return nil, &ExecutionError{Message: `ReferenceError: "` + r.entry + `" is not defined`}
	}
	if r.cache {
		if _, err := r.freezeFuncs(goja.Undefined(), funcs); err != nil {
			return nil, r.execError(err)
		}
		r.cached, r.cachedKVS, r.cachedID = h, hasKVS, id
	}
	return h, nil
}

func utilization(d, budget time.Duration) int {
	u := int(math.Ceil(float64(d) * 100 / float64(budget)))
	return min(max(u, 1), 100)
}

// execError turns what goja returned into the reference engine's wording,
// with where in the code it happened.
func (r *realm) execError(err error) error {
	var ex *goja.Exception
	var intr *goja.InterruptedError
	var so *goja.StackOverflowError
	var ee *ExecutionError
	var mem *goja.AllocationLimitError
	switch {
	case errors.As(err, &intr):
		ee = &ExecutionError{Message: fmt.Sprintf("InternalError: the function exceeded its compute time limit (%s)", r.e.opts.Timeout), Timeout: true}
		ex = &intr.Exception
	case errors.As(err, &mem):
		return &ExecutionError{Message: errMemoryLimit, Memory: true}
	case errors.As(err, &so):
		ee = &ExecutionError{Message: "RangeError: Maximum call stack size exceeded"}
		ex = &so.Exception
	case errors.As(err, &ex):
		ee = &ExecutionError{Message: r.describe(ex.Value())}
	default:
		return &ExecutionError{Message: "InternalError: " + err.Error()}
	}
	ee.Line, ee.Column = frameAt(ex.Stack())
	return ee
}
