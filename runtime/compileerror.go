package runtime

import (
	"errors"
	"fmt"
	"regexp"
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

// syntaxError renders an error of parsing head+src (src: the user's code,
// before wrapping) or of compiling it the way the reference engine does:
// "SyntaxError: <what> in <line>", with every error of the list kept, each at
// its place in src. An error past the end of src (the parser ran into the
// end, or into a wrapper's tail) is put at the end of the user's input.
func syntaxError(err error, head, src string) *CompileError {
	var list parser.ErrorList
	var cse *goja.CompilerSyntaxError
	ce := &CompileError{}
	switch {
	case errors.As(err, &list) && len(list) > 0:
		awaitLine := 0
		for _, pe := range list {
			p, atEnd := parseProblem(head, src, pe.Position, strings.TrimPrefix(pe.Message, "SyntaxError: "))
			// After a first error, one at the end only says the parser never
			// found its way back, and one after a misread await on its line
			// follows from it.
			if atEnd && len(ce.Problems) > 0 || p.Line == awaitLine {
				continue
			}
			if strings.HasSuffix(p.Message, errAwaitOutsideAsync) {
				awaitLine = p.Line
			}
			if !slices.Contains(ce.Problems, p) {
				ce.Problems = append(ce.Problems, p)
			}
		}
	case errors.As(err, &cse) && cse.File != nil:
		p, _ := parseProblem(head, src, cse.File.Position(cse.Offset), cse.Message)
		ce.Problems = []Problem{p}
	default:
		return &CompileError{Message: "SyntaxError: " + err.Error()}
	}
	ce.Line = ce.Problems[0].Line
	ce.Message = fmt.Sprintf("%s in %d", ce.Problems[0].Message, ce.Line)
	return ce
}

// parseProblem places an error the parser reported at pos in head+src;
// atEnd: at (or past) the end of the user's input.
func parseProblem(head, src string, pos file.Position, msg string) (p Problem, atEnd bool) {
	off := offsetOf(head+src, pos) - len(head)
	end := len(strings.TrimRight(src, " \t\r\n"))
	off, atEnd = min(max(off, 0), end), off >= end
	if at, ok := awaitBefore(src, off); ok && afterAwaitRe.MatchString(msg) {
		// goja reads await in a function that is not async as a name, and
		// stumbles on what follows it.
		off, msg = at, errAwaitOutsideAsync
	}
	line := lineOf(src, off)
	return Problem{Line: line, Column: off - (strings.LastIndexByte(src[:off], '\n') + 1) + 1, Message: "SyntaxError: " + msg}, atEnd
}

// offsetOf is the byte offset of pos (1-based line and byte column) in text.
func offsetOf(text string, pos file.Position) int {
	off := 0
	for range pos.Line - 1 {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	return min(off+max(pos.Column-1, 0), len(text))
}

var (
	awaitWordRe = regexp.MustCompile(`(^|[^\w$.])await[ \t]*$`)
	// afterAwaitRe: what goja reports on the operand of an await it read as
	// a name (in an async function, "await ;" is an error of its own).
	afterAwaitRe = regexp.MustCompile(`^Unexpected (identifier|string|number|template string|token [a-z]+)$`)
)

// awaitBefore reports whether the word before src[off] is the keyword await,
// and where it starts.
func awaitBefore(src string, off int) (int, bool) {
	line := src[strings.LastIndexByte(src[:off], '\n')+1 : off]
	loc := awaitWordRe.FindStringSubmatchIndex(line)
	if loc == nil {
		return 0, false
	}
	return off - len(line) + loc[3], true
}

// Report renders every problem as "file:line:column: message", for people
// fixing the file named file; the first comes with a frame of the code
// around it (the parser's later errors often only follow from it).
func (e *CompileError) Report(file string, code []byte) string {
	if len(e.Problems) == 0 {
		return file + ": " + e.Message + "\n"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		fmt.Fprintf(&b, "%s:%d:%d: %s\n", file, p.Line, p.Column, p.Message)
		if i == 0 {
			writeFrame(&b, code, p.Line, p.Column)
		}
	}
	return b.String()
}

// Report renders the error as "file:line:column: message" with a frame of
// the code around it, for people fixing the file named file.
func (e *ExecutionError) Report(file string, code []byte) string {
	if e.Line == 0 {
		return file + ": " + e.Message + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s\n", file, e.Line, e.Column, e.Message)
	writeFrame(&b, code, e.Line, e.Column)
	return b.String()
}

// writeFrame writes the lines of code around line, with a caret under column.
func writeFrame(b *strings.Builder, code []byte, line, column int) {
	lines := strings.Split(string(code), "\n")
	width := len(fmt.Sprint(min(line+1, len(lines))))
	for n := max(line-1, 1); n <= min(line+1, len(lines)); n++ {
		mark := " "
		if n == line {
			mark = ">"
		}
		fmt.Fprintf(b, "%s %*d | %s\n", mark, width, n, strings.TrimRight(lines[n-1], "\r"))
		if n == line {
			caret := []rune(lines[n-1])[:min(column-1, len([]rune(lines[n-1])))]
			for i, r := range caret {
				if r != '\t' {
					caret[i] = ' '
				}
			}
			fmt.Fprintf(b, "  %*s | %s^\n", width, "", string(caret))
		}
	}
}
