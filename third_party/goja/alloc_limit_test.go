package goja

import (
	"errors"
	"runtime"
	"testing"
)

// Every way a script can grow memory without bound is stopped by the
// allocation limit, uncatchably, and refused before a single step allocates
// past it; the same scripts run without a limit.
func TestAllocationLimit(t *testing.T) {
	const limit = 1 << 20
	tests := []struct{ name, src string }{
		{"string doubling", `var s = "x"; for (;;) s = s + s;`},
		{"unicode doubling", `var s = "é"; for (;;) s += s;`},
		{"template literal", "var s = 'x'; for (;;) s = `${s}${s}`;"},
		{"concat method", `var s = "x"; for (;;) s = s.concat(s);`},
		{"concat of many", `var s = "x".repeat(1000), a = []; for (var i = 0; i < 2000; i++) a.push(s); "".concat.apply("", a);`},
		{"repeat", `"x".repeat(1 << 28);`},
		{"repeat kept", `var a = []; for (;;) a.push("x".repeat(1000));`},
		{"padStart", `"".padStart(1 << 28, "ab");`},
		{"padEnd unicode", `"é".padEnd(1 << 28);`},
		{"join", `var a = []; a.length = 1 << 26; a.join("abcd");`},
		{"nested join", `var a = ["xxxxxxxx"]; for (var i = 0; i < 40; i++) a = [a, a]; a.join();`},
		{"replace", `var s = "x".repeat(2000); s.replace(/x/g, "y".repeat(1000));`},
		{"replace string", `var r = "y".repeat(1000), s = "x"; for (;;) s = s.replace("x", r + "x");`},
		{"JSON.stringify", `var a = ["xxxxxxxx"]; for (var i = 0; i < 40; i++) a = [a, a]; JSON.stringify(a);`},
		{"array push", `var a = []; for (;;) a.push(1);`},
		{"array index", `var a = []; for (var i = 0; ; i++) a[i] = i;`},
		{"array unshift", `var a = [1]; for (;;) a.unshift(1, 2, 3, 4);`},
		{"array slice", `var a = []; for (var i = 0; i < 1000; i++) a.push(i); var k = []; for (;;) k.push(a.slice());`},
		{"objects", `var l = null; for (;;) l = {next: l};`},
		{"properties", `var o = {}; for (var i = 0; ; i++) o["p" + i] = i;`},
		{"closures", `var f = null; for (;;) { f = (function (g) { return function () { return g; }; })(f); }`},
		{"regexps", `var a = []; for (;;) a.push(/x/g);`},
		{"array buffers", `var a = []; for (;;) a.push(new ArrayBuffer(1024));`},
		{"typed arrays", `new Uint8Array(1 << 28);`},
		{"typed array join", `new Uint8Array(1 << 19).join("x".repeat(1000));`},
		{"split", `var s = "x,".repeat(1000), a = []; for (;;) a.push(s.split(","));`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vm := New()
			vm.SetAllocationLimit(limit)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := vm.RunString(`try { (function () {` + tt.src + `})(); } catch (e) {} "caught";`)
			runtime.ReadMemStats(&after)
			var ae *AllocationLimitError
			if !errors.As(err, &ae) || ae.Limit != limit {
				t.Fatalf("got %v, want an *AllocationLimitError", err)
			}
			// Garbage (intermediate values, calls) is not charged: what a
			// run makes of it is bounded by its time. What is bounded here is
			// a single step asking for far more than the limit (256 MB).
			if n := after.TotalAlloc - before.TotalAlloc; n > 64*limit {
				t.Fatalf("the script allocated %d bytes under a limit of %d", n, limit)
			}
		})
	}
}

// Without a limit (the default, or n <= 0) nothing is stopped, and a new
// limit starts a new budget.
func TestAllocationLimitReset(t *testing.T) {
	vm := New()
	src := `var s = "x"; for (var i = 0; i < 21; i++) s += s; s.length`
	if v, err := vm.RunString(src); err != nil || v.ToInteger() != 1<<21 {
		t.Fatalf("without a limit: %v, %v", v, err)
	}
	vm.SetAllocationLimit(1 << 20)
	if _, err := vm.RunString(src); !errors.As(err, new(*AllocationLimitError)) {
		t.Fatalf("with a limit: %v", err)
	}
	vm.SetAllocationLimit(8 << 20)
	if _, err := vm.RunString(src); err != nil {
		t.Fatalf("with a new, larger limit: %v", err)
	}
	vm.SetAllocationLimit(0)
	if _, err := vm.RunString(`var t = "x"; for (var i = 0; i < 24; i++) t += t;`); err != nil {
		t.Fatalf("with the limit removed: %v", err)
	}
}
