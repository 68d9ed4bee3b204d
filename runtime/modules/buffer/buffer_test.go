package buffer

import (
	"bytes"
	"testing"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

func TestMemoryLimit(t *testing.T) {
	const limit = 1024
	cases := []jstest.Case{
		{Name: "alloc at limit", Body: "return Buffer.alloc(1024).length", Want: "number:1024"},
		{Name: "alloc", Body: "return Buffer.alloc(1025)", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "allocUnsafe", Body: "return Buffer.allocUnsafe(4096)", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "constructor", Body: "return new Buffer(4096)", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "from string", Body: "return Buffer.from('x'.repeat(600) + 'é'.repeat(300))", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "from array-like", Body: "return Buffer.from({length: 1e9})", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "concat", Body: "var b = Buffer.alloc(600); return Buffer.concat([b, b])", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "concat total", Body: "return Buffer.concat([Buffer.alloc(1)], 1e6)", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "toString hex", Body: "return Buffer.alloc(600).toString('hex')", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "toString base64", Body: "return Buffer.alloc(800).toString('base64')", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "toString within", Body: "return Buffer.alloc(500).toString('hex').length", Want: "number:1000"},
	}
	jstest.Run(t, cases, func(vm *goja.Runtime) error { return Install(vm, limit) })
}

func TestNew(t *testing.T) {
	vm := goja.New()
	if err := Install(vm, 1<<20); err != nil {
		t.Fatal(err)
	}
	src := []byte("hi\xff")
	if err := vm.Set("made", New(vm, src)); err != nil {
		t.Fatal(err)
	}
	src[0] = 'X' // New copied: the script must not see this
	got := jstest.Eval(t, vm, "return [Buffer.isBuffer(made), made instanceof Uint8Array, made.toString('hex'), made.readUInt16BE(0)]")
	if want := `obj:[true,true,"6869ff",26729]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}

	plain := goja.New()
	if err := plain.Set("made", New(plain, []byte{1, 2})); err != nil {
		t.Fatal(err)
	}
	if got = jstest.Eval(t, plain, "return made"); got != "u8:0102" {
		t.Errorf("without Install: got %s, want a Uint8Array", got)
	}
}

func TestBytes(t *testing.T) {
	vm := goja.New()
	if err := Install(vm, 1<<20); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, js string
		want     []byte
		ok       bool
	}{
		{"buffer", "Buffer.from('abc')", []byte("abc"), true},
		{"buffer view", "Buffer.from('abcdef').subarray(2, 4)", []byte("cd"), true},
		{"uint8array", "new Uint8Array([1, 2])", []byte{1, 2}, true},
		{"uint16array", "new Uint16Array([0x0201, 0x0403]).subarray(1)", []byte{3, 4}, true},
		{"dataview", "new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)", []byte{2, 3}, true},
		{"arraybuffer", "new Uint8Array([5, 6]).buffer", []byte{5, 6}, true},
		{"empty", "Buffer.alloc(0)", []byte{}, true},
		{"string", "'abc'", nil, false},
		{"array", "[1, 2]", nil, false},
		{"object", "({buffer: 1, byteOffset: 0, byteLength: 1})", nil, false},
		{"undefined", "undefined", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := vm.RunString(c.js)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Bytes(v)
			if ok != c.ok || !bytes.Equal(got, c.want) {
				t.Errorf("Bytes(%s) = %v, %v; want %v, %v", c.js, got, ok, c.want, c.ok)
			}
		})
	}
}

// TestBytesAliases shows Bytes is a view: writes through it reach the script.
func TestBytesAliases(t *testing.T) {
	vm := goja.New()
	if err := Install(vm, 1<<20); err != nil {
		t.Fatal(err)
	}
	v, err := vm.RunString("var b = Buffer.alloc(2); b")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Bytes(v)
	b[1] = 7
	if got := jstest.Eval(t, vm, "return b"); got != "buf:0007" {
		t.Errorf("got %s", got)
	}
}

// deepFreeze freezes everything reachable from the global object, as the
// runtime seals a realm before running functions.
const deepFreeze = `(function () {
	var seen = [];
	function walk(o) {
		if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.indexOf(o) >= 0) return;
		seen.push(o);
		Reflect.ownKeys(o).forEach(function (k) {
			var d = Reflect.getOwnPropertyDescriptor(o, k);
			if ("value" in d) walk(d.value); else { walk(d.get); walk(d.set); }
		});
		walk(Object.getPrototypeOf(o));
		Object.freeze(o);
	}
	walk(globalThis);
})()`

func TestFrozenRealm(t *testing.T) {
	cases := []jstest.Case{
		{Name: "round trip", Body: "return Buffer.from(Buffer.from('héllo').toString('base64'), 'base64').toString()", Want: `str:"héllo"`},
		{Name: "methods", Body: "var b = Buffer.alloc(4); b.writeUInt32LE(0x01020304); return [b.readUInt16BE(2), b.subarray(1).toString('hex'), b.swap16().toString('hex')]", Want: `obj:[513,"030201","03040102"]`},
		{Name: "errors", Body: "return Buffer.alloc(-1)", Want: `throw:RangeError[ERR_OUT_OF_RANGE]: The value of "size" is out of range. It must be >= 0 && <= 4294967296. Received -1`},
		{Name: "prototype frozen", Body: "return Object.isFrozen(Buffer.prototype) && Object.isFrozen(Buffer)", Want: "boolean:true"},
		{Name: "names", Body: "return [Buffer.name, Buffer.from.name, Buffer.prototype.readUInt8.name, Buffer.prototype.toString.length]", Want: `obj:["Buffer","from","readUInt8",3]`},
	}
	jstest.Run(t, cases, func(vm *goja.Runtime) error {
		if err := Install(vm, 1<<20); err != nil {
			return err
		}
		_, err := vm.RunString(deepFreeze)
		return err
	})
}

// TestNewFrozen covers digest() and KeyValueStore reads, which make Buffers
// from Go after the realm was sealed.
func TestNewFrozen(t *testing.T) {
	vm := goja.New()
	if err := Install(vm, 1<<20); err != nil {
		t.Fatal(err)
	}
	fn, err := vm.RunString("(function (b) { return Buffer.isBuffer(b) + ' ' + b.toString('base64'); })")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vm.RunString(deepFreeze); err != nil {
		t.Fatal(err)
	}
	check, _ := goja.AssertFunction(fn)
	got, err := check(goja.Undefined(), New(vm, []byte{0xfb, 0xff}))
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "true +/8=" {
		t.Errorf("got %s", got)
	}
}
