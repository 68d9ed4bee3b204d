package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"
)

// CompileError is a function the runtime refuses to load. Message reads like
// the engine's own ("SyntaxError: ... in LINE"), for the API; Problems lists
// every error found, for tools that show them all against the source.
type CompileError struct {
	Message  string
	Line     int
	Problems []Problem
}

func (e *CompileError) Error() string { return e.Message }

// Problem is one error at a position in the code as written (1-based line
// and column, in characters).
type Problem struct {
	Line, Column int
	Message      string
}

// compileErrorAt is a refusal found in src at byte offset off.
func compileErrorAt(src string, off int, msg string) *CompileError {
	line := lineOf(src, off)
	col := len([]rune(src[strings.LastIndexByte(src[:off], '\n')+1:off])) + 1
	return &CompileError{Message: fmt.Sprintf("%s in %d", msg, line), Line: line, Problems: []Problem{{Line: line, Column: col, Message: msg}}}
}

// sourcePosition maps a position in the wrapped program to the user's code:
// the wrapper's head shares the first line.
func sourcePosition(pos file.Position) (line, col int) {
	if pos.Line == 1 {
		pos.Column -= len(wrapperHead)
	}
	return pos.Line, max(pos.Column, 1)
}

// syntaxError renders a goja parse error of src (the user's code, before
// wrapping) the way the reference engine does: "SyntaxError: <what> in
// <line>", with every error of the list kept but those the parser, having
// lost its way, reports in the wrapper's tail.
func syntaxError(err error, src string) *CompileError {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		ce := &CompileError{}
		last := strings.Count(src, "\n") + 1
		for _, pe := range list {
			line, col := sourcePosition(pe.Position)
			p := Problem{Line: line, Column: col, Message: "SyntaxError: " + strings.TrimPrefix(pe.Message, "SyntaxError: ")}
			if (line <= last || len(ce.Problems) == 0) && !slices.Contains(ce.Problems, p) {
				ce.Problems = append(ce.Problems, p)
			}
		}
		ce.Line = ce.Problems[0].Line
		ce.Message = fmt.Sprintf("%s in %d", ce.Problems[0].Message, ce.Line)
		return ce
	}
	var cse *goja.CompilerSyntaxError
	if errors.As(err, &cse) {
		ce := &CompileError{Message: "SyntaxError: " + cse.Message}
		if cse.File != nil {
			line, col := sourcePosition(cse.File.Position(cse.Offset))
			ce.Line = line
			ce.Problems = []Problem{{Line: line, Column: col, Message: ce.Message}}
		}
		return ce
	}
	return &CompileError{Message: "SyntaxError: " + err.Error()}
}

// Report renders every problem as "file:line:column: message", for people
// fixing the file named file; the first comes with a frame of the code
// around it (the parser's later errors often only follow from the first).
func (e *CompileError) Report(file string, code []byte) string {
	if len(e.Problems) == 0 {
		return file + ": " + e.Message + "\n"
	}
	lines := strings.Split(string(code), "\n")
	width := len(fmt.Sprint(min(e.Problems[0].Line+1, len(lines))))
	var b strings.Builder
	for i, p := range e.Problems {
		fmt.Fprintf(&b, "%s:%d:%d: %s\n", file, p.Line, p.Column, p.Message)
		if i > 0 {
			continue
		}
		for n := max(p.Line-1, 1); n <= min(p.Line+1, len(lines)); n++ {
			mark := " "
			if n == p.Line {
				mark = ">"
			}
			fmt.Fprintf(&b, "%s %*d | %s\n", mark, width, n, strings.TrimRight(lines[n-1], "\r"))
			if n == p.Line {
				caret := []rune(lines[n-1])[:min(p.Column-1, len([]rune(lines[n-1])))]
				for i, r := range caret {
					if r != '\t' {
						caret[i] = ' '
					}
				}
				fmt.Fprintf(&b, "  %*s | %s^\n", width, "", string(caret))
			}
		}
	}
	return b.String()
}
