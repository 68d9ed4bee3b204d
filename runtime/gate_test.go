package runtime

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
)

func TestFeatureGate(t *testing.T) {
	const js1, js2 = edgefn.RuntimeJS1, edgefn.RuntimeJS2
	tests := []struct {
		name string
		code string
		ok1  bool   // accepted by cloudfront-js-1.0
		ok2  bool   // accepted by cloudfront-js-2.0
		want string // part of the refusal message
	}{
		{"es5", `function handler(e) { var x = 1; for (var k in e) { x++; } return e.request; }`, true, true, ""},
		{"template literal", "function handler(e) { var a = `x${1}y`; return e.request; }", true, true, ""},
		{"arrow", `function handler(e) { var f = (a) => a; return f(e.request); }`, true, true, ""},
		{"rest parameters", `function handler(e) { function f(...a) { return a; } f(1); return e.request; }`, true, true, ""},
		{"exponent", `function handler(e) { var x = 2 ** 3; return e.request; }`, true, true, ""},
		{"named groups", `function handler(e) { /(?<y>\d+)/.exec('1'); return e.request; }`, true, true, ""},
		{"nullish", `function handler(e) { var x = e.y ?? 1; return e.request; }`, true, true, ""},
		{"let", `function handler(e) { let x = 1; return e.request; }`, false, true, "let declarations"},
		{"const", `const x = 1; function handler(e) { return e.request; }`, false, true, "const declarations"},
		{"for let", `function handler(e) { for (let i = 0; i < 1; i++) {} return e.request; }`, false, true, "let"},
		{"async", `async function handler(e) { return e.request; }`, false, true, "async functions"},
		{"async arrow", `function handler(e) { var f = async () => 1; return e.request; }`, false, true, "async functions"},
		{"numeric separator", `function handler(e) { var x = 1_000; return e.request; }`, false, true, "numeric separators"},
		{"sticky flag", `function handler(e) { /x/y.test('x'); return e.request; }`, false, true, "flag"},
		{"class", `class A {} function handler(e) { return e.request; }`, false, false, "class declarations"},
		{"class expression", `var A = class {}; function handler(e) { return e.request; }`, false, false, "class declarations"},
		{"destructuring", `function handler(e) { var {request} = e; return request; }`, false, false, "destructuring"},
		{"array destructuring", `function handler(e) { var [a] = [e.request]; return a; }`, false, false, "destructuring"},
		{"param destructuring", `function handler({request}) { return request; }`, false, false, "destructuring"},
		{"spread call", `function handler(e) { Math.max(...[1]); return e.request; }`, false, false, "spread"},
		{"spread object", `function handler(e) { var o = {...e}; return e.request; }`, false, false, "spread"},
		{"optional chaining", `function handler(e) { var x = e?.request; return e.request; }`, false, false, "optional chaining"},
		{"for of", `function handler(e) { for (var x of [1]) {} return e.request; }`, false, false, "for...of"},
		{"generator", `function* g() { yield 1; } function handler(e) { return e.request; }`, false, false, "generators"},
		{"bigint", `function handler(e) { var x = 10n; return e.request; }`, false, false, "BigInt"},
		{"default parameter", `function handler(e, x = 1) { return e.request; }`, false, false, "default parameters"},
		// eval and Function throw when called, catchable (TestDynamicCode).
		{"eval", `function handler(e) { eval('1'); return e.request; }`, true, true, ""},
		{"Function constructor", `function handler(e) { new Function('return 1'); return e.request; }`, true, true, ""},
		{"setTimeout", `function handler(e) { setTimeout(function () {}, 1); return e.request; }`, false, false, "timers"},
		{"fetch", `function handler(e) { fetch('http://x'); return e.request; }`, false, false, "network"},
		{"process", `function handler(e) { return process.env.X; }`, false, false, "process"},
		{"typeof is a feature test", `function handler(e) { if (typeof setTimeout === 'function' || typeof process !== 'undefined') {} return e.request; }`, true, true, ""},
		{"declared process is fine", `function handler(e) { var process = 1; return e.request; }`, true, true, ""},
		{"require fs", `var fs = require('fs'); function handler(e) { return e.request; }`, false, false, `module "fs"`},
		{"require computed", `var m = 'crypto'; var c = require(m); function handler(e) { return e.request; }`, false, false, "literal module name"},
		{"require crypto", `var c = require('crypto'); function handler(e) { return e.request; }`, true, true, ""},
		{"require cloudfront", `var cf = require('cloudfront'); function handler(e) { return e.request; }`, false, true, `module "cloudfront"`},
		{"import cloudfront", "import cf from 'cloudfront';\nfunction handler(e) { return e.request; }", false, true, "import"},
		{"import crypto namespace", "import * as c from 'crypto';\nfunction handler(e) { return e.request; }", false, true, "import"},
		{"import named", "import { createHash } from 'crypto';\nfunction handler(e) { return e.request; }", false, true, "import"},
		{"import unknown", "import fs from 'fs';\nfunction handler(e) { return e.request; }", false, false, "fs"},
		{"export", "export function handler(e) { return e.request; }", false, false, "Illegal export statement in 1"},
		{"syntax error", "function handler(e) { return e.request;", false, false, "SyntaxError"},
	}
	eng := New(Options{})
	for _, tt := range tests {
		for _, c := range []struct {
			rt edgefn.Runtime
			ok bool
		}{{js1, tt.ok1}, {js2, tt.ok2}} {
			t.Run(tt.name+"/"+string(c.rt), func(t *testing.T) {
				_, err := eng.Compile([]byte(tt.code), c.rt)
				if c.ok {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				var ce *CompileError
				if !errors.As(err, &ce) {
					t.Fatalf("accepted, want a CompileError containing %q (err %v)", tt.want, err)
				}
				if !strings.HasPrefix(ce.Message, "SyntaxError: ") || !strings.Contains(ce.Message, tt.want) {
					t.Fatalf("message %q, want SyntaxError containing %q", ce.Message, tt.want)
				}
			})
		}
	}
}

// TestAsyncLimits: where the reference engine's async support stops, it
// refuses the code at load with its own words and the line.
func TestAsyncLimits(t *testing.T) {
	for _, tt := range []struct {
		name, code string
		want       string // part of the refusal; "" when accepted
	}{
		{"await in arguments", "async function handler(e) {\n  return JSON.parse(await e.x);\n}", "SyntaxError: await in arguments not supported in 2"},
		{"await in new arguments", "async function handler(e) { return new Date(await e.x); }", "await in arguments not supported"},
		{"await nested in arguments", "async function handler(e) { return f(1, g(e ? await e.x : 2)); }", "await in arguments not supported"},
		{"await in an object argument", "async function handler(e) { f({k: await e.x}); return e.request; }", "await in arguments not supported"},
		{"await in an async arrow in arguments", "async function handler(e) { [1].map(async (x) => await x); return e.request; }", ""},
		{"await as callee", "async function handler(e) { (await e.f)(1); return e.request; }", ""},
		{"await in a nested function", "async function handler(e) {\n  [1].forEach(function (x) { await x; });\n}", "SyntaxError: await is only valid in async functions in 2"},
		{"await call in a nested function", "async function handler(e) { [1].forEach(function (x) { await(x); }); }", "await is only valid in async functions"},
		{"await at top level", "var v = await 1;\nfunction handler(e) { return e.request; }", "await is only valid in async functions in 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{}).Compile([]byte(tt.code), edgefn.RuntimeJS2)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a refusal containing %q", err, tt.want)
			}
		})
	}
}

func TestGatePosition(t *testing.T) {
	_, err := New(Options{}).Compile([]byte("function handler(e) {\n  var x = 1;\n  let y = 2;\n  return e.request;\n}"), edgefn.RuntimeJS1)
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Line != 3 || !strings.Contains(ce.Message, "in 3:") {
		t.Fatalf("got %v, want a refusal on line 3", err)
	}
}

func TestFreshModeDetection(t *testing.T) {
	tests := []struct {
		code  string
		fresh bool
	}{
		{`function handler(e) { e.request.headers.x = {value: '1'}; return e.request; }`, false},
		{`function handler(e) { Array.prototype.last = function () { return this[this.length - 1]; }; return e.request; }`, true},
		{`function handler(e) { globalThis.x = 1; return e.request; }`, true},
		{`function handler(e) { Math.x = 1; return e.request; }`, true},
		{`function handler(e) { var err = new Error('x'); err.name = 'Custom'; return e.request; }`, true},
		{`function handler(e) { var o = {}; o.toString = function () { return 'o'; }; return e.request; }`, true},
		{`function handler(e) { var a = []; a.length = 0; return e.request; }`, false},
	}
	eng := New(Options{})
	for _, tt := range tests {
		p, err := eng.Compile([]byte(tt.code), edgefn.RuntimeJS2)
		if err != nil {
			t.Fatalf("%s: %v", tt.code, err)
		}
		if p.fresh != tt.fresh {
			t.Errorf("%s: fresh = %v, want %v", tt.code, p.fresh, tt.fresh)
		}
	}
}
