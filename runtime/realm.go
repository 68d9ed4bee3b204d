package runtime

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime/modules/buffer"
	"github.com/edgefn/edgefn/runtime/modules/bytestring"
	"github.com/edgefn/edgefn/runtime/modules/crypto"
	"github.com/edgefn/edgefn/runtime/modules/querystring"
	"github.com/edgefn/edgefn/runtime/modules/textcodec"
)

// realm is one goja VM set up as a CloudFront runtime. A realm runs one
// invocation at a time; inv points at the running one.
type realm struct {
	vm       *goja.Runtime
	owner    *affinity // the worker whose run took the realm last (see WithAffinity)
	rt       edgefn.Runtime
	e        *Engine
	sealed   bool
	modules  map[string]goja.Value
	inv      *invocation // &invState during a run, nil otherwise
	invState invocation
	args     [1]goja.Value // the handler's arguments (see invoke)

	wrapper goja.Callable // the program's top level, evaluated per invocation
	entry   string        // the name of the function wrapper returns
	// static: the program's tail also returns its functions (see staticTop);
	// cache: this sealed realm evaluates that top level once, and cached is
	// its handler for the store it was made with (cachedKVS: whether there
	// was one; cachedID: its ID).
	static    bool
	cache     bool
	cached    goja.Callable
	cachedKVS bool
	cachedID  string
	freeze    goja.Value // the deep-freeze function of freezeJS
	// freezeFuncs freezes a list of user functions and their prototype
	// objects: what a static top level hands back (see staticTop).
	freezeFuncs goja.Callable

	// Helpers shared by every invocation of this realm.
	jsonParse                                                goja.Callable
	jsonStringify                                            goja.Callable
	rawQueryFn                                               goja.Value
	kvsHandle                                                *goja.Object
	conn                                                     connectionHelpers
	slots                                                    [slotCount]fieldsHolder
	eventRec, contextRec, viewerRec, requestRec, responseRec recordHolder
	entries                                                  []recordHolder // see entryJS
	nEntries                                                 int

	frozenNames map[string]bool
	objectProto *goja.Object // Object.prototype, of the event's objects

	// The run timer is reused across invocations and keeps ticking while
	// runs follow each other (see arm); a tick interrupts the VM only when the
	// run in progress is past its deadline, so it never reaches the next run.
	timerMu sync.Mutex
	timer   *time.Timer
	started time.Time // when the run in progress started; zero between runs
	ticking bool      // the timer is set, or its tick is in progress
	fired   bool      // a tick interrupted the run in progress
	// Owned by the run's goroutine (see checkTimeout): whether a slow run
	// was locked to its thread, and the thread's CPU time then.
	cpuLocked bool
	cpuStart  time.Duration

	rng *rand.Rand
	pcg *rand.PCG
}

// Globals CloudFront does not offer (../shared/spec/runtime.md §1.4, §1.7).
var (
	removedGlobals = []string{
		"Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "Reflect", "Proxy",
		"BigInt", "BigInt64Array", "BigUint64Array", "escape", "unescape", "AggregateError",
		"SharedArrayBuffer", "Atomics", "Iterator",
	}
	removedJS1Globals = []string{"Symbol", "DataView"}
	removedMembers    = map[string][]string{
		"Array":            {"from"},
		"Array.prototype":  {"flat", "flatMap", "at", "findLast", "findLastIndex", "toReversed", "toSorted", "toSpliced", "with"},
		"Object":           {"fromEntries", "hasOwn", "groupBy"},
		"String":           {"raw"},
		"String.prototype": {"at", "matchAll", "normalize", "localeCompare", "isWellFormed", "toWellFormed", "toLocaleLowerCase", "toLocaleUpperCase", "anchor", "big", "blink", "bold", "fixed", "fontcolor", "fontsize", "italics", "link", "small", "strike", "sub", "sup"},
		"Promise":          {"withResolvers"},
	}
	removedJS1Members = map[string][]string{
		"String.prototype":                  {"replaceAll"},
		"Object":                            {"getOwnPropertyDescriptors"},
		"Promise":                           {"all", "allSettled", "any", "race"},
		"Object.getPrototypeOf(Uint8Array)": {"from", "of"},
		"Object.getPrototypeOf(Uint8Array).prototype": {"every", "filter", "find", "findIndex", "forEach", "includes", "indexOf", "lastIndexOf", "map", "reduce", "reduceRight", "reverse", "some", "sort"},
		"RegExp.prototype":                            {"sticky", "flags"},
	}
)

// setupJS runs once per realm before user code. It is internal code, so it may
// use what the gate refuses to functions.
const setupJS = `(function (g, js1) {
	"use strict";
	function defineError(name) {
		function E(message) {
			if (!(this instanceof E)) return new E(message);
			if (message !== undefined) Object.defineProperty(this, "message", {value: String(message), writable: true, configurable: true});
		}
		E.prototype = Object.create(Error.prototype, {
			constructor: {value: E, writable: true, configurable: true},
			name: {value: name, writable: true, configurable: true},
			message: {value: "", writable: true, configurable: true},
		});
		Object.defineProperty(g, name, {value: E, writable: true, configurable: true});
	}
	defineError("InternalError");
	if (js1) defineError("MemoryError");

	// No dynamic code: eval and every function constructor throw.
	var notImplemented = function () { throw new g.InternalError("Not implemented"); };
	var ctors = [Function.prototype, Object.getPrototypeOf(async function () {}), Object.getPrototypeOf(function* () {})];
	for (var i = 0; i < ctors.length; i++) {
		Object.defineProperty(ctors[i], "constructor", {value: notImplemented, writable: true, configurable: true});
	}
	notImplemented.prototype = Function.prototype;
	Object.defineProperty(g, "Function", {value: notImplemented, writable: true, configurable: true});
	Object.defineProperty(g, "eval", {value: notImplemented, writable: true, configurable: true});
})`

// freezeFuncsJS freezes functions and their prototype objects, shallowly:
// everything past them is a built-in, frozen already.
const freezeFuncsJS = `(function (freeze) {
	"use strict";
	return function (fns) {
		for (var i = 0; i < fns.length; i++) {
			freeze(fns[i]);
			if (fns[i].prototype) freeze(fns[i].prototype);
		}
	};
})(Object.freeze)`

// freezeJS deep-freezes everything reachable from the roots and reports the
// data properties of frozen prototypes (see Engine.frozenNames).
const freezeJS = `(function (Reflect, Set, hidden) {
	"use strict";
	return function (roots) {
		var seen = new Set(), names = [];
		roots = roots.concat(hidden);
		function walk(o, isProto) {
			if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.has(o)) return;
			seen.add(o);
			var keys = Reflect.ownKeys(o);
			for (var i = 0; i < keys.length; i++) {
				var d = Reflect.getOwnPropertyDescriptor(o, keys[i]);
				if ("value" in d) {
					if (isProto && typeof keys[i] === "string") names.push(keys[i]);
					walk(d.value, keys[i] === "prototype");
				} else {
					walk(d.get, false);
					walk(d.set, false);
				}
			}
			walk(Reflect.getPrototypeOf(o), true);
			Object.freeze(o);
		}
		for (var i = 0; i < roots.length; i++) walk(roots[i], false);
		return names;
	};
})(Reflect, Set, [
	// Prototypes only reachable through instances.
	Object.getPrototypeOf([][Symbol.iterator]()),
	Object.getPrototypeOf(""[Symbol.iterator]()),
	Object.getPrototypeOf(/x/[Symbol.matchAll]("x")),
	Object.getPrototypeOf(async function () {}),
	Object.getPrototypeOf(function* () {}),
])`

func newRealm(e *Engine, rt edgefn.Runtime, sealed bool) (*realm, error) {
	vm := goja.New()
	r := &realm{vm: vm, rt: rt, e: e, sealed: sealed, modules: map[string]goja.Value{}}
	vm.SetInterruptCheck(r.checkTimeout)
	r.pcg = rand.NewPCG(0, 0)
	r.rng = rand.New(r.pcg)
	vm.SetMaxCallStackSize(e.opts.MaxCallDepth)
	vm.SetTimeSource(r.now)
	vm.SetRandSource(r.rng.Float64)
	if err := r.install(); err != nil {
		return nil, err
	}
	if sealed {
		if err := r.seal(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// now is the frozen clock: the instant the running invocation started.
func (r *realm) now() time.Time {
	if r.inv == nil {
		return time.Unix(0, 0)
	}
	return r.inv.start
}

func (r *realm) install() error {
	vm := r.vm
	g := vm.GlobalObject()
	freeze, err := vm.RunString(freezeJS) // captured before Reflect and Set are removed
	if err != nil {
		return fmt.Errorf("freezer: %w", err)
	}
	ff, err := vm.RunString(freezeFuncsJS)
	if err != nil {
		return fmt.Errorf("function freezer: %w", err)
	}
	r.freezeFuncs, _ = goja.AssertFunction(ff)
	setup, err := vm.RunString(setupJS)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	fn, _ := goja.AssertFunction(setup)
	js1 := r.rt == edgefn.RuntimeJS1
	if _, err := fn(goja.Undefined(), g, vm.ToValue(js1)); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	r.jsonParse, _ = goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	r.jsonStringify, _ = goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))

	if err := r.installModules(); err != nil {
		return err
	}
	for _, name := range removedGlobals {
		g.Delete(name)
	}
	members := removedMembers
	if js1 {
		for _, name := range removedJS1Globals {
			g.Delete(name)
		}
	}
	for _, set := range []map[string][]string{members, jsOnly(js1, removedJS1Members)} {
		for path, names := range set {
			obj, err := vm.RunString(path)
			if err != nil {
				return fmt.Errorf("remove %s: %w", path, err)
			}
			for _, n := range names {
				obj.ToObject(vm).Delete(n)
			}
		}
	}
	r.freeze = freeze
	return nil
}

func jsOnly(js1 bool, m map[string][]string) map[string][]string {
	if js1 {
		return m
	}
	return nil
}

func (r *realm) installModules() error {
	vm := r.vm
	g := vm.GlobalObject()
	js2 := r.rt == edgefn.RuntimeJS2
	var digestDefault func(*goja.Runtime, []byte) goja.Value = crypto.ByteString
	var keyBytes func(goja.Value) ([]byte, bool)
	if js2 {
		if err := buffer.Install(vm, r.e.opts.MemoryLimit); err != nil {
			return fmt.Errorf("buffer: %w", err)
		}
		if err := textcodec.Install(vm); err != nil {
			return fmt.Errorf("textcodec: %w", err)
		}
		digestDefault = buffer.New
		keyBytes = buffer.Bytes
		r.modules["buffer"] = vm.NewObject()
		_ = r.modules["buffer"].(*goja.Object).Set("Buffer", g.Get("Buffer"))
		r.modules["cloudfront"] = r.cloudfrontModule()
	} else if err := bytestring.Install(vm); err != nil {
		return fmt.Errorf("bytestring: %w", err)
	}
	r.modules["crypto"] = crypto.New(vm, digestDefault, keyBytes)
	r.modules["querystring"] = querystring.New(vm)
	if err := g.Set("require", r.require); err != nil {
		return err
	}
	if err := g.Set("console", r.console()); err != nil {
		return err
	}
	r.rawQueryFn = vm.ToValue(r.rawQueryString)
	r.installConnectionHelpers()
	r.objectProto = vm.Get("Object").ToObject(vm).Get("prototype").ToObject(vm)
	return nil
}

func (r *realm) require(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	if m, ok := r.modules[name]; ok {
		return m
	}
	panic(r.vm.NewGoError(fmt.Errorf("Cannot find module %q", name)))
}

// seal deep-freezes the global object, every built-in and every module, so
// nothing an invocation does can outlive it.
func (r *realm) seal() error {
	vm := r.vm
	roots := []goja.Value{vm.GlobalObject()}
	for _, m := range r.modules {
		roots = append(roots, m)
	}
	if r.kvsHandle != nil {
		roots = append(roots, r.kvsHandle)
	}
	// request.rawQueryString and the connection helpers are one function
	// object each for every invocation.
	roots = append(roots, r.rawQueryFn, r.conn.allow, r.conn.deny, r.conn.logCustomData)
	fn, _ := goja.AssertFunction(r.freeze)
	names, err := fn(goja.Undefined(), vm.ToValue(roots))
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	r.frozenNames = map[string]bool{}
	for _, n := range names.Export().([]any) {
		if s := n.(string); s != "length" {
			r.frozenNames[s] = true
		}
	}
	return nil
}
