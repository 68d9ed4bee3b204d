package runtime

import (
	"context"
	"errors"
	"testing"

	"github.com/edgefn/edgefn"
)

// Every way a function can allocate is stopped at the 2 MB function memory,
// with the memory error, uncatchably, before the time limit (testTimeout) has
// a chance to; the run is not replayed and its realm is not reused.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name string
		rt   edgefn.Runtime
		body string
	}{
		{"string doubling", edgefn.RuntimeJS2, `var s = 'x'; for (;;) s = s + s;`},
		{"string +=", edgefn.RuntimeJS2, `var s = 'é'; for (;;) s += s;`},
		{"template literal", edgefn.RuntimeJS2, "var s = 'x'; for (;;) s = `${s}${s}`;"},
		{"concat", edgefn.RuntimeJS2, `var s = 'x'; for (;;) s = s.concat(s);`},
		{"repeat", edgefn.RuntimeJS2, `return 'x'.repeat(1 << 29);`},
		{"repeat kept", edgefn.RuntimeJS2, `var a = []; for (;;) a.push('x'.repeat(10000));`},
		{"padStart", edgefn.RuntimeJS2, `return ''.padStart(1e9, 'ab');`},
		{"padEnd kept", edgefn.RuntimeJS2, `var a = []; for (;;) a.push(''.padEnd(10000));`},
		{"join", edgefn.RuntimeJS2, `var a = []; a.length = 1e8; return a.join('abc');`},
		{"nested join", edgefn.RuntimeJS2, `var a = ['xxxxxxxx']; for (var i = 0; i < 40; i++) a = [a, a]; return a.join();`},
		{"JSON.stringify", edgefn.RuntimeJS2, `var a = ['xxxxxxxx']; for (var i = 0; i < 40; i++) a = [a, a]; return JSON.stringify(a);`},
		{"replace", edgefn.RuntimeJS2, `return 'x'.repeat(5000).replace(/x/g, 'y'.repeat(1000));`},
		{"array push", edgefn.RuntimeJS2, `var a = []; for (;;) a.push(0);`},
		{"array fill", edgefn.RuntimeJS2, `var a = []; a.length = 1e9; a.fill(0);`},
		{"array literals", edgefn.RuntimeJS2, `var l = null; for (;;) l = [l, 1, 2, 3];`},
		{"objects", edgefn.RuntimeJS2, `var l = null; for (;;) l = {next: l};`},
		{"properties", edgefn.RuntimeJS2, `var o = {}; for (var i = 0; ; i++) o['k' + i] = i;`},
		{"closures", edgefn.RuntimeJS2, `var f = null; for (;;) f = (function (g) { return function () { return g; }; })(f);`},
		{"regexps", edgefn.RuntimeJS2, `var a = []; for (var i = 0; ; i++) a.push(new RegExp('x' + i));`},
		{"regexp results", edgefn.RuntimeJS2, `var s = 'ab'.repeat(1000), a = []; for (;;) a.push(s.match(/a/g));`},
		{"split", edgefn.RuntimeJS2, `var s = 'a,'.repeat(1000), a = []; for (;;) a.push(s.split(','));`},
		{"Buffers", edgefn.RuntimeJS2, `var a = []; for (;;) a.push(Buffer.alloc(1000));`},
		{"Buffer.from", edgefn.RuntimeJS2, `var a = []; for (;;) a.push(Buffer.from('x'.repeat(1000)));`},
		{"typed arrays", edgefn.RuntimeJS2, `var a = []; for (;;) a.push(new Uint8Array(1000));`},
		{"typed array bomb", edgefn.RuntimeJS2, `return new Uint8Array(1 << 30);`},
		{"promises", edgefn.RuntimeJS2, `var p = Promise.resolve(1); for (;;) p = p.then(function (v) { return v; });`},
		{"caught", edgefn.RuntimeJS2, `var s = 'x'; try { for (;;) s += s; } catch (e) {} return event.request;`},
		{"1.0 string doubling", edgefn.RuntimeJS1, `var s = 'x'; for (;;) s = s + s;`},
		{"1.0 objects", edgefn.RuntimeJS1, `var a = []; for (;;) a.push({a: 1, b: 2});`},
		{"1.0 bytes", edgefn.RuntimeJS1, `var s = String.bytesFrom('616263', 'hex'), a = []; for (;;) a.push(s + a.length);`},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eng.Compile([]byte(`function handler(event) { `+tt.body+` }`), tt.rt)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			res := p.Run(context.Background(), viewerRequest(), nil)
			ee, _ := errors.AsType[*ExecutionError](res.Err)
			if ee == nil || ee.Message != errMemoryLimit || !ee.Memory || ee.Timeout {
				t.Fatalf("got %#v, want the memory error %q", res.Err, errMemoryLimit)
			}
			if n := len(p.idle); n != 0 {
				t.Fatalf("%d realms kept after a run stopped by the memory limit", n)
			}
		})
	}
}

// The limit is per run: a function that allocates most of it succeeds on
// the same realm run after run.
func TestMemoryLimitPerRun(t *testing.T) {
	eng := New(Options{Timeout: testTimeout})
	p, err := eng.Compile([]byte(`function handler(event) {
		var s = 'x'.repeat(1000), a = [];
		for (var i = 0; i < 1000; i++) a.push(s + i); // about 1 MB
		event.request.headers['x-n'] = {value: String(a.length)};
		return event.request;
	}`), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if res := p.Run(context.Background(), viewerRequest(), nil); res.Err != nil {
			t.Fatalf("run %d: %v", i, res.Err)
		}
	}
}
