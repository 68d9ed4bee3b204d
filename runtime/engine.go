// Package runtime compiles and runs CloudFront Functions on goja, for the
// cloudfront-js-1.0 and cloudfront-js-2.0 runtimes: the feature gate, the
// built-in modules, console capture, the frozen clock, and the CPU, memory and
// recursion limits. It knows nothing of HTTP or storage; KeyValueStore data
// comes in through the KeyValueStore interface.
//
// Isolation model: a Program keeps a small pool of VMs ("realms"). Every
// built-in object of a pooled realm is deep-frozen and the whole top level of
// the function is evaluated again on each invocation, so no state survives from
// one invocation to the next. Code that could write to shared built-ins (the gate
// spots it) runs on a fresh, unfrozen VM per invocation instead, and an
// invocation that throws on a frozen realm is replayed on a fresh VM, so the
// freezing is never observable as a different result.
package runtime

import (
	"context"
	"fmt"
	goruntime "runtime"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"

	"github.com/edgefn/edgefn"
)

// Options configure an Engine. Zero values take the defaults.
type Options struct {
	// Budget is the compute time that ComputeUtilization 100 stands for
	// (default 1ms, the figure third parties report for CloudFront).
	Budget time.Duration
	// Timeout stops a run that has had this much CPU time (default 20ms; see
	// deadline.go for the bounds): goja is slower than CloudFront's engine, so
	// the hard stop leaves headroom above Budget.
	Timeout time.Duration
	// MemoryLimit bounds what one run allocates (default 2 MB, the function
	// memory quota); past it the run is stopped (see docs/DESIGN.md).
	MemoryLimit int
	// Throttle refuses the runs of a program that keeps hitting the time or
	// memory limit (default: none).
	Throttle Throttle
	// MaxCallDepth bounds recursion (default 512 frames).
	MaxCallDepth int
	// LogLimit caps the bytes of console output kept per run (default 10 KB).
	LogLimit int
	// PoolSize is how many runs of one program go at once, each on its own VM
	// (default 2×GOMAXPROCS); more wait for a VM.
	PoolSize int
	// EdgeLocation is what cloudfront.edgeLocation reports in viewer-request.
	EdgeLocation EdgeLocation
	// CPUTime makes ComputeUtilization the run's CPU time over Budget, as the
	// limit counts (deadline.go), instead of its wall time: stable under CPU
	// contention, at the cost of two thread-clock reads (system calls) and a
	// thread lock per run. For offline tools (replay), not the edge's path.
	CPUTime bool
}

// EdgeLocation describes the point of presence a function runs in.
type EdgeLocation struct {
	Name, ServerIP, Region string
}

func (o Options) withDefaults() Options {
	if o.Budget <= 0 {
		o.Budget = time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Millisecond
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = 2 << 20
	}
	if o.MaxCallDepth <= 0 {
		o.MaxCallDepth = 512
	}
	if o.LogLimit <= 0 {
		o.LogLimit = 10 << 10
	}
	if o.PoolSize <= 0 {
		o.PoolSize = 2 * goruntime.GOMAXPROCS(0)
	}
	if o.EdgeLocation.Name == "" {
		o.EdgeLocation = EdgeLocation{Name: "LOCAL", ServerIP: "127.0.0.1", Region: "local"}
	}
	return o
}

// Engine compiles functions. It is safe for concurrent use.
type Engine struct {
	opts Options
	// frozenNames holds the data properties of frozen built-in prototypes per
	// runtime: assigning one of them on an ordinary object would throw on a
	// frozen realm, so code that does runs on fresh VMs.
	frozenNames map[edgefn.Runtime]map[string]bool
	// threadClock reads the calling thread's CPU time (threadCPUTime; a
	// system call, so the tests count its calls).
	threadClock func() (time.Duration, bool)
}

// New returns an Engine.
func New(opts Options) *Engine {
	e := &Engine{opts: opts.withDefaults(), frozenNames: map[edgefn.Runtime]map[string]bool{}, threadClock: threadCPUTime}
	for _, rt := range []edgefn.Runtime{edgefn.RuntimeJS1, edgefn.RuntimeJS2} {
		r, err := newRealm(e, rt, true)
		if err != nil {
			panic(fmt.Sprintf("runtime: built-in setup failed: %v", err)) // a bug in edgefn, not user input
		}
		e.frozenNames[rt] = r.frozenNames
	}
	return e
}

// Compile checks code against the runtime's feature set and compiles it.
func (e *Engine) Compile(code []byte, rt edgefn.Runtime) (*Program, error) {
	return e.compile(code, rt, entryHandler)
}

// CompileConnection compiles a connection function: cloudfront-js-2.0 code
// defining connectionHandler(connection), run with RunConnection.
func (e *Engine) CompileConnection(code []byte) (*Program, error) {
	return e.compile(code, edgefn.RuntimeJS2, entryConnection)
}

func (e *Engine) compile(code []byte, rt edgefn.Runtime, entry string) (*Program, error) {
	if !rt.Valid() {
		return nil, fmt.Errorf("runtime %q: %w", rt, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceFunction, "Runtime must be cloudfront-js-1.0 or cloudfront-js-2.0"))
	}
	src, err := rewriteModules(string(code), rt)
	if err != nil {
		return nil, err
	}
	// The code is parsed alone first, so that its errors never involve the
	// wrapper: a missing brace would otherwise be reported in the wrapper's
	// tail, and code closing the wrapper early would parse.
	if _, err := parser.ParseFile(nil, programName, strictHead+src, 0, parser.WithDisableSourceMaps); err != nil {
		return nil, syntaxError(err, strictHead, src)
	}
	wrapped := wrapperHead + src + wrapperTail(entry)
	ast, err := parser.ParseFile(nil, programName, wrapped, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, syntaxError(err, wrapperHead, src)
	}
	an, err := checkFeatures(ast, rt)
	if err != nil {
		return nil, err
	}
	fresh := an.touchesShared
	for name := range an.mutated {
		if e.frozenNames[rt][name] {
			fresh = true
		}
	}
	funcs, static := staticTop(ast, an)
	if static && !fresh {
		// Same code, with a tail that also hands back the functions to freeze.
		wrapped = wrapperHead + src + staticTail(entry, funcs)
		if ast, err = parser.ParseFile(nil, programName, wrapped, 0, parser.WithDisableSourceMaps); err != nil {
			return nil, syntaxError(err, wrapperHead, src)
		}
	}
	prog, err := goja.CompileAST(ast, true)
	if err != nil {
		return nil, syntaxError(err, wrapperHead, src)
	}
	p := newProgram(e, rt, prog, fresh)
	p.static = static && !fresh
	p.entry = entry
	return p, nil
}

// KeyValueStore is the read side of a store, as a function sees it.
type KeyValueStore interface {
	ID() string
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	Meta(ctx context.Context) (KVSMeta, error)
}

// KVSMeta is what handle.meta() reports.
type KVSMeta struct {
	Created, LastUpdated time.Time
	KeyCount             int
}
