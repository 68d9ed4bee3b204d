package runtime

import (
	"regexp"
	"strconv"

	"github.com/dop251/goja"
	"github.com/dop251/goja/file"
)

// CloudFront's engine words common errors differently from goja; users compare
// these texts with what the AWS console shows them (spec §1.7, §5.3).
var errorTexts = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^Cannot read property '(.*)' of (undefined|null)( or null)?$`), `cannot get property "$1" of $2`},
	{regexp.MustCompile(`^Cannot set property '(.*)' of (undefined|null)$`), `cannot set property "$1" of $2`},
	{regexp.MustCompile(`^([\w$]+) is not defined$`), `"$1" is not defined`},
}

func njsMessage(msg string) string {
	for _, t := range errorTexts {
		if t.re.MatchString(msg) {
			return t.re.ReplaceAllString(msg, t.repl)
		}
	}
	return msg
}

// describe renders a thrown value as "Name: message", like the reference engine.
func (r *realm) describe(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "Error: undefined"
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return "Uncaught exception: " + v.String()
	}
	name, msg := obj.Get("name"), obj.Get("message")
	if name == nil || goja.IsUndefined(name) || msg == nil {
		return "Uncaught exception: " + safeString(v)
	}
	if m := njsMessage(msg.String()); m != "" {
		return name.String() + ": " + m
	}
	return name.String()
}

// safeString converts without running user toString code that may throw.
func safeString(v goja.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "[object]"
		}
	}()
	return v.String()
}

// frameAt is the position, in the code as written, of the innermost frame of
// the function's code (the runtime's own JavaScript and Go have none); 0, 0
// when there is none.
func frameAt(stack []goja.StackFrame) (line, col int) {
	for i := range stack {
		if stack[i].SrcName() == programName {
			if pos := stack[i].Position(); pos.Line > 0 {
				return sourcePosition(pos)
			}
		}
	}
	return 0, 0
}

// stackPosRe finds the first frame of the function's code in an Error's
// stack text ("\tat handler (function.js:3:9(12))").
var stackPosRe = regexp.MustCompile(`\b` + regexp.QuoteMeta(programName) + `:(\d+):(\d+)`)

// thrownAt is where a rejection's value was made, read from an Error's
// stack: a rejection has no exception, and so no frames, of its own.
func thrownAt(v goja.Value) (line, col int) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ClassName() != "Error" {
		return 0, 0
	}
	// The stack may be a getter the function defined.
	m := stackPosRe.FindStringSubmatch(safeString(obj.Get("stack")))
	if m == nil {
		return 0, 0
	}
	line, _ = strconv.Atoi(m[1])
	col, _ = strconv.Atoi(m[2])
	return sourcePosition(file.Position{Line: line, Column: col})
}
