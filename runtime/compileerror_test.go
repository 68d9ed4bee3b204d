package runtime

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

// TestCompileErrorProblems checks that every error is reported, at its
// position in the code as written.
func TestCompileErrorProblems(t *testing.T) {
	for _, tt := range []struct {
		name    string
		rt      edgefn.Runtime
		code    string
		want    []Problem // Message compared as a prefix
		message string    // part of Message, CloudFront's wording
	}{
		{
			name: "parse errors", rt: edgefn.RuntimeJS2,
			code: "function handler(e) {\n  var x = ;\n  var y = ;\n}",
			// goja reports what follows a bad token too; none past the code.
			want:    []Problem{{2, 11, "SyntaxError: Unexpected token ;"}, {3, 3, "SyntaxError: Unexpected token var"}, {3, 11, "SyntaxError: Unexpected token ;"}},
			message: "in 2",
		},
		{
			name: "first line", rt: edgefn.RuntimeJS2,
			code: "var = 1;\nfunction handler(e) { return e.request; }",
			want: []Problem{{1, 5, "SyntaxError: Unexpected token ="}, {2, 23, "SyntaxError: Unexpected token return"}, {2, 41, "SyntaxError: Unexpected token }"}},
		},
		{
			// The end of the user's input, not the wrapper's tail past it.
			name: "unclosed", rt: edgefn.RuntimeJS2,
			code:    "function handler(e) {\n  if (e.x) {\n    return e.request;\n  }\n\n",
			want:    []Problem{{4, 4, "SyntaxError: Unexpected end of input"}},
			message: "SyntaxError: Unexpected end of input in 4",
		},
		{
			name: "unclosed call", rt: edgefn.RuntimeJS2,
			code: "function handler(e) {\n  return f(e.request",
			want: []Problem{{2, 21, "SyntaxError: Unexpected end of input"}},
		},
		{
			// Code that closes the wrapper's function early must not parse.
			name: "closes the wrapper", rt: edgefn.RuntimeJS2,
			code: "function handler(e) { return e.request; }\n})(); (function(){",
			want: []Problem{{2, 1, "SyntaxError: Unexpected token }"}},
		},
		{
			name: "top-level return", rt: edgefn.RuntimeJS2,
			code: "return 1;\nfunction handler(e) { return e.request; }",
			// goja's parser loses track of the function after it.
			want: []Problem{{1, 1, "SyntaxError: Illegal return statement"}, {2, 23, "SyntaxError: Illegal return statement"}},
		},
		{
			name: "await outside async", rt: edgefn.RuntimeJS2,
			code:    "async function handler(e) {\n  [1].forEach(function (x) {\n    await e.f(x);\n  });\n}",
			want:    []Problem{{3, 5, "SyntaxError: await is only valid in async functions"}},
			message: "SyntaxError: await is only valid in async functions in 3",
		},
		{
			name: "await in arguments", rt: edgefn.RuntimeJS2,
			code:    "async function handler(e) {\n  var v = JSON.parse(await e.kvs.get('k'));\n}",
			want:    []Problem{{2, 22, "SyntaxError: await in arguments not supported"}},
			message: "SyntaxError: await in arguments not supported in 2",
		},
		{
			name: "every 1.0 refusal", rt: edgefn.RuntimeJS1,
			code:    "function handler(e) {\n  let a = 1;\n\tconst b = 2;\n  return e.request;\n}",
			want:    []Problem{{2, 3, "SyntaxError: let declarations"}, {3, 2, "SyntaxError: const declarations"}},
			message: "in 2:3",
		},
		{
			name: "forbidden globals", rt: edgefn.RuntimeJS2,
			code: "function handler(e) {\n  fetch('x');\n  return process.env;\n}",
			want: []Problem{{2, 3, "SyntaxError: "}, {3, 10, "SyntaxError: "}},
		},
		{
			name: "import in 1.0", rt: edgefn.RuntimeJS1,
			code:    "var a = 1;\n  import cf from 'cloudfront';\nfunction handler(e) { return e.request; }",
			want:    []Problem{{2, 1, "SyntaxError: Illegal import of \"cloudfront\""}},
			message: "in 2 (cloudfront-js-1.0",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{}).Compile([]byte(tt.code), tt.rt)
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v; want a CompileError", err)
			}
			if !strings.Contains(ce.Message, tt.message) {
				t.Errorf("Message %q; want it to contain %q", ce.Message, tt.message)
			}
			if len(ce.Problems) != len(tt.want) {
				t.Fatalf("problems %+v; want %+v", ce.Problems, tt.want)
			}
			for i, p := range ce.Problems {
				w := tt.want[i]
				if p.Line != w.Line || p.Column != w.Column || !strings.HasPrefix(p.Message, w.Message) {
					t.Errorf("problem %d: %+v; want %+v", i, p, w)
				}
			}
			if ce.Line != tt.want[0].Line {
				t.Errorf("Line %d; want %d", ce.Line, tt.want[0].Line)
			}
		})
	}
}

func TestCompileErrorReport(t *testing.T) {
	code := "function handler(e) {\n  let a = 1;\n\tconst b = 2;\n  return e.request;\n}"
	_, err := New(Options{}).Compile([]byte(code), edgefn.RuntimeJS1)
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v; want a CompileError", err)
	}
	got := strings.Split(ce.Report("src/rewrite.js", []byte(code)), "\n")
	want := []string{
		"src/rewrite.js:2:3: SyntaxError: let declarations are not supported by cloudfront-js-1.0",
		"  1 | function handler(e) {",
		"> 2 |   let a = 1;",
		"    |   ^",
		"  3 | \tconst b = 2;",
		"src/rewrite.js:3:2: SyntaxError: const declarations are not supported by cloudfront-js-1.0",
		"",
	}
	if !slices.Equal(got, want) {
		t.Errorf("report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
