package runtime

import (
	"github.com/dop251/goja/ast"
)

// A "static" top level holds no state an invocation could change: only
// function declarations, and variables bound to primitives, built-in modules
// or a KeyValueStore handle, none of them ever assigned, and no top-level name
// used as the root of a property write. Such a program's top level is
// evaluated once per VM instead of once per invocation, and its functions are
// frozen, so a write through an alias throws and the run is replayed on a
// fresh VM (see Program.Run). This saves rebuilding every closure per request.

// staticTop reports whether the wrapped program's top level is static and
// returns its function declarations' names.
func staticTop(prg *ast.Program, an *analysis) ([]string, bool) {
	body := wrapperBody(prg)
	if body == nil {
		return nil, false
	}
	top := map[string]bool{}
	var funcs []string
	for _, st := range body {
		switch st := st.(type) {
		case *ast.FunctionDeclaration:
			name := st.Function.Name.Name.String()
			top[name] = true
			funcs = append(funcs, name)
		case *ast.VariableStatement:
			if !staticBindings(st.List, top) {
				return nil, false
			}
		case *ast.LexicalDeclaration:
			if !staticBindings(st.List, top) {
				return nil, false
			}
		case *ast.EmptyStatement, *ast.ReturnStatement: // the wrapper's own tail
		case *ast.ExpressionStatement:
			if _, ok := st.Expression.(*ast.StringLiteral); !ok { // directives
				return nil, false
			}
		default:
			return nil, false
		}
	}
	for name := range top {
		if an.assigned[name] || an.writtenRoots[name] {
			return nil, false
		}
	}
	return funcs, true
}

func wrapperBody(prg *ast.Program) []ast.Statement {
	if len(prg.Body) != 1 {
		return nil
	}
	es, ok := prg.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return nil
	}
	fn, ok := es.Expression.(*ast.FunctionLiteral)
	if !ok || fn.Body == nil {
		return nil
	}
	return fn.Body.List
}

func staticBindings(list []*ast.Binding, top map[string]bool) bool {
	for _, b := range list {
		id, ok := b.Target.(*ast.Identifier)
		if !ok || !staticValue(b.Initializer, top) {
			return false
		}
		top[id.Name.String()] = true
	}
	return true
}

// staticValue accepts primitives, require('m') and X.kvs(...) with literal
// arguments: values that are the same, or frozen, in every invocation.
func staticValue(e ast.Expression, top map[string]bool) bool {
	switch e := e.(type) {
	case nil, *ast.StringLiteral, *ast.NumberLiteral, *ast.BooleanLiteral, *ast.NullLiteral:
		return true
	case *ast.TemplateLiteral:
		return e.Tag == nil && len(e.Expressions) == 0
	case *ast.UnaryExpression:
		_, num := e.Operand.(*ast.NumberLiteral)
		return num
	case *ast.CallExpression:
		for _, a := range e.ArgumentList {
			if _, ok := a.(*ast.StringLiteral); !ok {
				return false
			}
		}
		switch c := e.Callee.(type) {
		case *ast.Identifier:
			return c.Name.String() == "require"
		case *ast.DotExpression:
			root, ok := c.Left.(*ast.Identifier)
			return ok && top[root.Name.String()] && c.Identifier.Name.String() == "kvs"
		}
	}
	return false
}
