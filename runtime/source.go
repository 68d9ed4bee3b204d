package runtime

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/edgefn/edgefn"
)

// goja compiles scripts, not modules, so the top-level import forms CloudFront
// documents for 2.0 are rewritten to require() on the same line (positions in
// error messages stay right).
var (
	importRe     = regexp.MustCompile(`(?m)^([ \t]*)import[ \t]+(\*[ \t]+as[ \t]+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*|\{[^}\n]*\})[ \t]+from[ \t]+(['"])([^'"\n]+)['"][ \t]*;?`)
	exportRe     = regexp.MustCompile(`(?m)^[ \t]*export\b`)
	bareImportRe = regexp.MustCompile(`(?m)^[ \t]*import\b`)
	namedRe      = regexp.MustCompile(`^[A-Za-z_$][\w$]*([ \t]+as[ \t]+[A-Za-z_$][\w$]*)?$`)
)

// rewriteModules turns `import x from 'm'` into `var x = require('m')`.
func rewriteModules(src string, rt edgefn.Runtime) (string, error) {
	if loc := exportRe.FindStringIndex(src); loc != nil {
		return "", compileErrorAt(src, loc[0], "SyntaxError: Illegal export statement")
	}
	var rewriteErr error
	var at int // where the import being rewritten starts
	out := importRe.ReplaceAllStringFunc(src, func(m string) string {
		at = strings.Index(src[at:], m) + at
		sub := importRe.FindStringSubmatch(m)
		indent, binding, mod := sub[1], sub[2], sub[4]
		req := "require(" + quote(mod) + ")"
		switch {
		case strings.HasPrefix(binding, "*"):
			return indent + "var " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(binding[1:]), "as")) + " = " + req + ";"
		case strings.HasPrefix(binding, "{"):
			var decls []string
			for _, part := range strings.Split(strings.Trim(binding, "{} \t"), ",") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if !namedRe.MatchString(part) {
					rewriteErr = compileErrorAt(src, at, "SyntaxError: Unexpected token in import "+quote(part))
					return m
				}
				name, local := part, part
				if i := strings.Index(part, " as "); i >= 0 {
					name, local = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+4:])
				}
				decls = append(decls, local+" = "+req+"."+name)
			}
			return indent + "var " + strings.Join(decls, ", ") + ";"
		default:
			return indent + "var " + binding + " = " + req + ";"
		}
	})
	if rewriteErr != nil {
		return "", rewriteErr
	}
	if rt == edgefn.RuntimeJS1 && out != src {
		m := importRe.FindStringSubmatchIndex(src)
		ce := compileErrorAt(src, m[0], fmt.Sprintf("SyntaxError: Illegal import of %q", src[m[8]:m[9]]))
		ce.Message += " (cloudfront-js-1.0 loads modules with require())"
		return "", ce
	}
	if loc := bareImportRe.FindStringIndex(out); loc != nil {
		return "", compileErrorAt(out, loc[0], "SyntaxError: Illegal import statement")
	}
	return out, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func lineOf(src string, off int) int { return strings.Count(src[:off], "\n") + 1 }

// Wrapper turns the script into a function that evaluates the whole top level
// and returns the handler. Calling it once per invocation gives every invocation
// fresh top-level state, as CloudFront does, while the VM is reused.
const (
	// programName names the function's code in goja's positions and stacks.
	programName = "function.js"
	// strictHead is what the code is parsed after on its own: CloudFront's
	// engine runs strict code only. It shares the first line, as wrapperHead.
	strictHead  = `"use strict";`
	wrapperHead = `(function(){"use strict";`
)

// Entry points: viewer functions define handler(event), connection functions
// connectionHandler(connection).
const (
	entryHandler    = "handler"
	entryConnection = "connectionHandler"
)

// wrapperTail returns the entry function, or undefined.
func wrapperTail(entry string) string {
	return "\n;return typeof " + entry + " === 'function' ? " + entry + " : undefined;})"
}

// staticTail returns [entry, [top-level functions]] for a static program
// (see staticTop), which is evaluated once per VM.
func staticTail(entry string, funcs []string) string {
	return "\n;return [typeof " + entry + " === 'function' ? " + entry + " : undefined, [" + strings.Join(funcs, ",") + "]];})"
}
