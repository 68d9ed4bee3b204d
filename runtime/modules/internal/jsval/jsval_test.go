package jsval

import (
	"testing"

	"github.com/dop251/goja"
)

// The renderings match the tails of Node.js 20's argument error messages.
func TestReceived(t *testing.T) {
	vm := goja.New()
	cases := []struct {
		js, received, number, typeOf string // number: only for out-of-range values
	}{
		{"undefined", " Received undefined", " Received undefined", "undefined"},
		{"null", " Received null", " Received null", "object"},
		{"5", " Received type number (5)", " Received 5", "number"},
		{"-0", " Received type number (-0)", " Received -0", "number"},
		{"4294967297", " Received type number (4294967297)", " Received 4_294_967_297", "number"},
		{"-549755813889", " Received type number (-549755813889)", " Received -549_755_813_889", "number"},
		{"1.5", " Received type number (1.5)", " Received 1.5", "number"},
		{`"it's"`, ` Received type string ("it's")`, "", "string"},
		{"'a\\tb'", " Received type string ('a\tb')", "", "string"},
		{`"a\nb'c"`, ` Received type string ("a\nb'c")`, "", "string"},
		{"'x'.repeat(40)", " Received type string ('xxxxxxxxxxxxxxxxxxxxxxxxx...')", "", "string"},
		{"'x'.repeat(28)", " Received type string ('xxxxxxxxxxxxxxxxxxxxxxxxxxxx')", "", "string"},
		{"true", " Received type boolean (true)", "", "boolean"},
		{"({})", " Received an instance of Object", "", "object"},
		{"new Uint8Array(1)", " Received an instance of Uint8Array", "", "object"},
		{"(function named() {})", " Received function named", "", "function"},
	}
	for _, c := range cases {
		t.Run(c.js, func(t *testing.T) {
			v, err := vm.RunString(c.js)
			if err != nil {
				t.Fatal(err)
			}
			if got := Received(v); got != c.received {
				t.Errorf("Received = %q, want %q", got, c.received)
			}
			if got := ReceivedNumber(v); c.number != "" && got != c.number {
				t.Errorf("ReceivedNumber = %q, want %q", got, c.number)
			}
			if got := TypeOf(v); got != c.typeOf {
				t.Errorf("TypeOf = %q, want %q", got, c.typeOf)
			}
		})
	}
}
