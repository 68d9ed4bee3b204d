package runtime

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/token"

	"github.com/edgefn/edgefn"
)

// The feature gate refuses, at compile time, what CloudFront's engine refuses at
// publish: goja understands far more of modern JavaScript than CloudFront does,
// and code that runs here but fails there is the bug users hit most
// (../shared/spec/runtime.md §1.3, §1.7).

// modules are the names require() accepts per runtime.
var modules = map[edgefn.Runtime]map[string]bool{
	edgefn.RuntimeJS1: {"crypto": true, "querystring": true},
	edgefn.RuntimeJS2: {"crypto": true, "querystring": true, "cloudfront": true, "buffer": true},
}

// forbiddenGlobals are refused when referenced and never declared by the code:
// CloudFront has no timers, network or process. eval and Function are not
// here: they exist and throw when called (spec §1.2), so code guarding them
// with try/catch runs.
var forbiddenGlobals = map[string]string{
	"setTimeout":     "timers are not available",
	"setInterval":    "timers are not available",
	"setImmediate":   "timers are not available",
	"clearTimeout":   "timers are not available",
	"clearInterval":  "timers are not available",
	"queueMicrotask": "timers are not available",
	"fetch":          "network access is not available",
	"XMLHttpRequest": "network access is not available",
	"WebSocket":      "network access is not available",
	"process":        "the process object is not available",
	"module":         "module.exports is not supported; define a global handler function",
	"exports":        "exports is not supported; define a global handler function",
}

// analysis is what the gate learns about a program besides its verdict.
type analysis struct {
	// touchesShared: the code may change objects every invocation shares
	// (built-in prototypes, the global object), so it runs on a fresh VM.
	touchesShared bool
	// mutated holds property names the code assigns or deletes statically.
	mutated map[string]bool
	// assigned holds identifiers assigned anywhere; writtenRoots the
	// identifiers at the root of a property write (see staticTop).
	assigned, writtenRoots map[string]bool
}

type gate struct {
	rt       edgefn.Runtime
	file     *file.File
	declared map[string]bool
	refs     []*ast.Identifier
	problems []Problem
	// engine marks the problems worded as the reference engine's own parser
	// words them ("in LINE"), not as edgefn's refusals ("in LINE:COL").
	engine map[Problem]bool
	// inArgs: the walk is inside a call's arguments, in the same function.
	inArgs bool
	an     analysis
}

func checkFeatures(prg *ast.Program, rt edgefn.Runtime) (*analysis, error) {
	g := &gate{rt: rt, file: prg.File, declared: map[string]bool{}, engine: map[Problem]bool{}, an: analysis{mutated: map[string]bool{}, assigned: map[string]bool{}, writtenRoots: map[string]bool{}}}
	for _, st := range prg.Body {
		g.walk(reflect.ValueOf(st))
	}
	for _, id := range g.refs {
		name := id.Name.String()
		if why, ok := forbiddenGlobals[name]; ok && !g.declared[name] {
			g.fail(id.Idx, "%s in CloudFront Functions (%s)", why, name)
		}
		if name == "globalThis" && !g.declared[name] {
			g.an.touchesShared = true
		}
		if name == "await" {
			// await(x) outside an async function: a call here, a refusal in
			// the reference engine, whose lexer always reads a keyword.
			g.engineError(id.Idx, errAwaitOutsideAsync)
		}
	}
	if len(g.problems) > 0 {
		// The first refusal words the message as the reference engine does;
		// every refusal is listed, so one edit can fix them all.
		p := g.problems[0]
		msg := fmt.Sprintf("%s in %d:%d", p.Message, p.Line, p.Column)
		if g.engine[p] {
			msg = fmt.Sprintf("%s in %d", p.Message, p.Line)
		}
		return nil, &CompileError{Message: msg, Line: p.Line, Problems: g.problems}
	}
	return &g.an, nil
}

// fail records a refusal at idx; the walk goes on to find the others.
func (g *gate) fail(idx file.Idx, format string, args ...any) Problem {
	line, col := sourcePosition(g.file.Position(int(idx) - g.file.Base()))
	p := Problem{Line: line, Column: col, Message: "SyntaxError: " + fmt.Sprintf(format, args...)}
	// The walk meets some nodes twice (as a pointer and as a struct).
	if !slices.Contains(g.problems, p) {
		g.problems = append(g.problems, p)
	}
	return p
}

// The reference engine's (njs's) own refusals of async code, in its words:
// its parser keeps no state across an await inside a call's arguments, and
// reads await as a keyword everywhere (../shared/spec/runtime.md §1.2).
const (
	errAwaitInArguments  = "await in arguments not supported"
	errAwaitOutsideAsync = "await is only valid in async functions"
)

// engineError records a refusal the reference engine's parser makes itself.
func (g *gate) engineError(idx file.Idx, msg string) {
	g.engine[g.fail(idx, "%s", msg)] = true
}

func (g *gate) unsupported(idx file.Idx, what string) {
	g.fail(idx, "%s %s not supported by %s", what, verb(what), g.rt)
}

func verb(what string) string {
	if strings.HasSuffix(what, "s") && !strings.HasSuffix(what, "ss") {
		return "are"
	}
	return "is"
}

var nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()

// walk visits every node below v. goja's AST has no visitor, and a reflective
// walk cannot forget a node type when goja adds one.
func (g *gate) walk(v reflect.Value) {
	if !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Pointer && v.Type().Implements(nodeType) {
			if !g.visit(v.Interface().(ast.Node)) {
				return
			}
		}
		g.walk(v.Elem())
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			g.walk(v.Index(i))
		}
	case reflect.Struct:
		if v.CanAddr() && v.Addr().Type().Implements(nodeType) && v.Type() != reflect.TypeOf(ast.Identifier{}) {
			if !g.visit(v.Addr().Interface().(ast.Node)) {
				return
			}
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				g.walk(v.Field(i))
			}
		}
	}
}

// visit checks one node; false means its children are handled (or not needed).
func (g *gate) visit(n ast.Node) bool {
	js1 := g.rt == edgefn.RuntimeJS1
	switch n := n.(type) {
	case *ast.ClassLiteral, *ast.ClassDeclaration:
		g.unsupported(n.Idx0(), "class declarations")
	case *ast.ArrayPattern, *ast.ObjectPattern:
		g.unsupported(n.Idx0(), "destructuring patterns")
	case *ast.SpreadElement:
		g.unsupported(n.Idx0(), "spread syntax")
	case *ast.OptionalChain, *ast.Optional:
		g.unsupported(n.Idx0(), "optional chaining (?.)")
	case *ast.ForOfStatement:
		g.unsupported(n.Idx0(), "for...of loops")
	case *ast.YieldExpression:
		g.unsupported(n.Idx0(), "generators")
	case *ast.MetaProperty:
		g.unsupported(n.Idx0(), n.Meta.Name.String()+"."+n.Property.Name.String())
	case *ast.SuperExpression:
		g.unsupported(n.Idx0(), "super")
	case *ast.NumberLiteral:
		if _, big := n.Value.(interface{ BitLen() int }); big || strings.HasSuffix(n.Literal, "n") {
			g.unsupported(n.Idx, "BigInt literals")
		} else if js1 && strings.Contains(n.Literal, "_") {
			g.unsupported(n.Idx, "numeric separators")
		}
	case *ast.RegExpLiteral:
		for _, f := range n.Flags {
			if f == 'd' || f == 'v' || (js1 && f == 'y') {
				g.unsupported(n.Idx, fmt.Sprintf("regular expression flag %q", f))
			}
		}
	case *ast.FunctionLiteral:
		if n.Generator {
			g.unsupported(n.Idx0(), "generators")
		} else if n.Async && js1 {
			g.unsupported(n.Idx0(), "async functions")
		}
		if n.Name != nil {
			g.declared[n.Name.Name.String()] = true
		}
		g.params(n.ParameterList)
		g.function(n)
		return false
	case *ast.ArrowFunctionLiteral:
		if n.Async && js1 {
			g.unsupported(n.Idx0(), "async functions")
		}
		g.params(n.ParameterList)
		g.function(n)
		return false
	case *ast.AwaitExpression:
		if js1 {
			g.unsupported(n.Idx0(), "await expressions")
		} else if g.inArgs {
			g.engineError(n.Idx0(), errAwaitInArguments)
		}
	case *ast.LexicalDeclaration:
		if js1 {
			g.unsupported(n.Idx, n.Token.String()+" declarations")
		}
	case *ast.ForDeclaration:
		if js1 {
			g.unsupported(n.Idx, "let and const declarations")
		}
		g.declare(n.Target)
	case *ast.Binding:
		g.declare(n.Target)
	case *ast.CatchStatement:
		g.declare(n.Parameter)
	case *ast.ForIntoExpression:
		g.mutation(n.Expression)
	case *ast.Identifier:
		g.refs = append(g.refs, n)
	case *ast.DotExpression:
		g.member(n.Identifier.Name.String())
		g.walk(reflect.ValueOf(n.Left))
		return false
	case *ast.BracketExpression:
		if s, ok := n.Member.(*ast.StringLiteral); ok {
			g.member(s.Value.String())
		}
	case *ast.PropertyKeyed:
		if !n.Computed {
			g.walk(reflect.ValueOf(n.Value))
			return false
		}
	case *ast.PropertyShort:
		g.refs = append(g.refs, &n.Name)
		return false
	case *ast.LabelledStatement:
		g.walk(reflect.ValueOf(n.Statement))
		return false
	case *ast.BranchStatement:
		return false
	case *ast.AssignExpression:
		g.mutation(n.Left)
	case *ast.UnaryExpression:
		if _, ok := n.Operand.(*ast.Identifier); ok && n.Operator == token.TYPEOF {
			return false // feature tests such as typeof setTimeout are harmless
		}
		if n.Operator == token.DELETE || n.Operator == token.INCREMENT || n.Operator == token.DECREMENT {
			g.mutation(n.Operand)
		}
	case *ast.CallExpression:
		g.require(n)
		g.call(n.Callee, n.ArgumentList)
		return false
	case *ast.NewExpression:
		g.call(n.Callee, n.ArgumentList)
		return false
	}
	return true
}

// function walks a function's children: a call's arguments end at a
// function boundary, as the reference engine's scope of the flag does.
func (g *gate) function(n ast.Node) {
	outer := g.inArgs
	g.inArgs = false
	g.children(n)
	g.inArgs = outer
}

// call walks a call (or new) expression, its arguments marked as such.
func (g *gate) call(callee ast.Expression, args []ast.Expression) {
	g.walk(reflect.ValueOf(callee))
	outer := g.inArgs
	g.inArgs = true
	g.walk(reflect.ValueOf(args))
	g.inArgs = outer
}

// children walks the fields of the node n points to.
func (g *gate) children(n ast.Node) {
	v := reflect.ValueOf(n).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).IsExported() {
			g.walk(v.Field(i))
		}
	}
}

func (g *gate) params(pl *ast.ParameterList) {
	if pl == nil {
		return
	}
	for _, b := range pl.List {
		if b.Initializer != nil {
			g.unsupported(b.Initializer.Idx0(), "default parameters")
		}
	}
}

func (g *gate) declare(t ast.BindingTarget) {
	if id, ok := t.(*ast.Identifier); ok {
		g.declared[id.Name.String()] = true
	}
}

// member notes property accesses that reach objects shared by all invocations.
func (g *gate) member(name string) {
	switch name {
	case "prototype", "__proto__", "constructor", "defineProperty", "defineProperties",
		"setPrototypeOf", "getPrototypeOf", "__defineGetter__", "__defineSetter__":
		g.an.touchesShared = true
	}
}

// mutation notes assignment targets: a static property name may shadow a frozen
// built-in (the "override mistake"), and a built-in global may be written to.
func (g *gate) mutation(target ast.Expression) {
	if root := rootIdent(target); root != "" {
		if _, plain := target.(*ast.Identifier); plain {
			g.an.assigned[root] = true
		} else {
			g.an.writtenRoots[root] = true
		}
	}
	switch t := target.(type) {
	case *ast.DotExpression:
		g.an.mutated[t.Identifier.Name.String()] = true
		if id, ok := t.Left.(*ast.Identifier); ok && builtinGlobal(id.Name.String()) && !g.declared[id.Name.String()] {
			g.an.touchesShared = true
		}
	case *ast.BracketExpression:
		if s, ok := t.Member.(*ast.StringLiteral); ok {
			g.an.mutated[s.Value.String()] = true
		}
		if id, ok := t.Left.(*ast.Identifier); ok && builtinGlobal(id.Name.String()) && !g.declared[id.Name.String()] {
			g.an.touchesShared = true
		}
	}
}

// rootIdent is the identifier an assignment target starts from (x in x.a[b].c).
func rootIdent(e ast.Expression) string {
	for {
		switch t := e.(type) {
		case *ast.Identifier:
			return t.Name.String()
		case *ast.DotExpression:
			e = t.Left
		case *ast.BracketExpression:
			e = t.Left
		default:
			return ""
		}
	}
}

// require accepts only the runtime's built-in modules, by literal name.
func (g *gate) require(c *ast.CallExpression) {
	id, ok := c.Callee.(*ast.Identifier)
	if !ok || id.Name.String() != "require" {
		return
	}
	if len(c.ArgumentList) != 1 {
		g.fail(c.Idx0(), "require() takes one module name")
		return
	}
	lit, ok := c.ArgumentList[0].(*ast.StringLiteral)
	if !ok {
		g.fail(c.Idx0(), "require() needs a literal module name")
		return
	}
	if !modules[g.rt][lit.Value.String()] {
		g.fail(c.Idx0(), "module %q is not available in %s", lit.Value.String(), g.rt)
	}
}

// builtinGlobal reports names of the global built-ins user code could mutate.
func builtinGlobal(name string) bool {
	switch name {
	case "Object", "Array", "String", "Number", "Boolean", "Math", "JSON", "Date", "RegExp",
		"Promise", "Symbol", "Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError",
		"EvalError", "URIError", "InternalError", "MemoryError", "ArrayBuffer", "DataView",
		"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
		"Uint32Array", "Float32Array", "Float64Array", "Buffer", "TextEncoder", "TextDecoder",
		"console", "globalThis", "require":
		return true
	}
	return false
}
