package goja

import (
	"errors"
	"testing"
)

// An interrupt check that refuses lets the run go on; one that accepts stops
// it with the interrupt's value; an Interrupt made during a refusing check is
// not lost.
func TestInterruptCheck(t *testing.T) {
	vm := New()
	var asked []interface{}
	vm.SetInterruptCheck(func(v interface{}) bool {
		asked = append(asked, v)
		switch v {
		case "again":
			vm.Interrupt("stop") // arrives while the check runs
			return false
		case "stop":
			return true
		}
		return false
	})
	vm.Set("poke", func(v string) { vm.Interrupt(v) })

	v, err := vm.RunString(`var n = 0; poke("go on"); for (var i = 0; i < 10; i++) n += i; n`)
	if err != nil || v.ToInteger() != 45 {
		t.Fatalf("a refused interrupt: %v, %v; want 45", v, err)
	}
	if len(asked) != 1 || asked[0] != "go on" {
		t.Fatalf("the check was asked %v, want [go on]", asked)
	}

	asked = nil
	_, err = vm.RunString(`poke("again"); for (;;) {}`)
	var ie *InterruptedError
	if !errors.As(err, &ie) || ie.Value() != "stop" {
		t.Fatalf("an interrupt made during the check: %v, want it to stop the run", err)
	}
	if len(asked) != 2 {
		t.Fatalf("the check was asked %v, want [again stop]", asked)
	}
}

// Without a check, an interrupt stops the run as it always has.
func TestInterruptWithoutCheck(t *testing.T) {
	vm := New()
	vm.Set("poke", func() { vm.Interrupt("x") })
	_, err := vm.RunString(`poke(); for (;;) {}`)
	var ie *InterruptedError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v, want an InterruptedError", err)
	}
}
