package goja

import "testing"

// A top-level call reuses the value stack of the previous one instead of
// growing a new one, and the kept stack holds none of the finished call's
// values (they must not be kept alive).
func TestTopLevelCallKeepsStack(t *testing.T) {
	vm := New()
	v, err := vm.RunString(`(function (a, b) { var o = [a, b, a, b]; return o.length + a + b; })`)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := AssertFunction(v)
	args := []Value{vm.ToValue(1), vm.ToValue(2)}
	call := func() {
		if _, err := f(_undefined, args...); err != nil {
			t.Fatal(err)
		}
	}
	call()
	if cap(vm.vm.stack) == 0 {
		t.Fatal("the value stack was released after a top-level call")
	}
	for i, v := range vm.vm.stack[:cap(vm.vm.stack)] {
		if v != nil {
			t.Fatalf("stack[%d] = %v after the call returned", i, v)
		}
	}
	kept := testing.AllocsPerRun(100, call)
	regrown := testing.AllocsPerRun(100, func() { vm.vm.stack = nil; call() })
	if kept >= regrown {
		t.Fatalf("%v allocations per call with the stack kept, %v with it re-grown: want fewer", kept, regrown)
	}
	t.Logf("allocations per call: %v with the stack kept, %v re-grown", kept, regrown)
}

// A stack grown past maxKeptStack by deep recursion is not kept.
func TestTopLevelCallReleasesLargeStack(t *testing.T) {
	vm := New()
	v, err := vm.RunString(`(function f(n) { return n > 0 ? f(n - 1) + 1 : 0; })`)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := AssertFunction(v)
	if _, err := f(_undefined, vm.ToValue(5000)); err != nil {
		t.Fatal(err)
	}
	if c := cap(vm.vm.stack); c != 0 {
		t.Fatalf("kept a stack of %d values", c)
	}
}

func BenchmarkTopLevelCall(b *testing.B) {
	vm := New()
	v, err := vm.RunString(`(function (a) { var o = {value: a}; return o.value; })`)
	if err != nil {
		b.Fatal(err)
	}
	f, _ := AssertFunction(v)
	arg := vm.ToValue("x")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f(_undefined, arg); err != nil {
			b.Fatal(err)
		}
	}
}
