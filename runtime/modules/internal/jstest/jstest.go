// Package jstest runs JavaScript snippets for the module tests and renders
// their results in one text form, so expected values recorded from Node.js
// can be compared as strings.
package jstest

import (
	"testing"

	"github.com/dop251/goja"
)

// prelude defines show, which renders a value with its type, and check,
// which renders a thrown error as name, Node error code and message.
const prelude = `
function show(v) {
  if (v instanceof Uint8Array) { var s = ''; for (var i = 0; i < v.length; i++) s += (v[i] < 16 ? '0' : '') + v[i].toString(16); return (typeof Buffer !== 'undefined' && Buffer.isBuffer(v) ? 'buf:' : 'u8:') + s; }
  if (typeof v === 'string') return 'str:' + JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return 'obj:' + JSON.stringify(v);
  return typeof v + ':' + String(v);
}
function check(f) { try { return show(f()); } catch (e) { return 'throw:' + e.name + (e.code ? '[' + e.code + ']' : '') + ': ' + e.message; } }
`

// Case is one snippet: Body is a strict-mode function body whose return
// value (or exception) is rendered and compared with Want.
type Case struct {
	Name, Body, Want string
}

// Run runs every case in a fresh runtime prepared by setup.
func Run(t *testing.T, cases []Case, setup func(*goja.Runtime) error) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			vm := goja.New()
			if err := setup(vm); err != nil {
				t.Fatalf("setup: %v", err)
			}
			if got := Eval(t, vm, c.Body); got != c.Want {
				t.Errorf("%s\n got: %s\nwant: %s", c.Body, got, c.Want)
			}
		})
	}
}

// Eval renders the result of one function body in vm.
func Eval(t *testing.T, vm *goja.Runtime, body string) string {
	t.Helper()
	v, err := vm.RunString("(function () {" + prelude + `return check(function () { "use strict"; ` + body + "\n}); })()")
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return v.String()
}
