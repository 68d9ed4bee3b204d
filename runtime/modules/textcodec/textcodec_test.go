package textcodec

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

// nodeCases were recorded from Node.js 20, whose TextEncoder, TextDecoder,
// atob and btoa follow the WHATWG standards this package implements.
var nodeCases = []jstest.Case{
	{Name: "encode", Body: "return new TextEncoder().encode('héllo €😀')", Want: "u8:68c3a96c6c6f20e282acf09f9880"},
	{Name: "encode empty", Body: "return [new TextEncoder().encode(), new TextEncoder().encode('')]", Want: "obj:[{},{}]"},
	{Name: "encode lone surrogate", Body: "return new TextEncoder().encode('a\\ud800b\\udc00')", Want: "u8:61efbfbd62efbfbd"},
	{Name: "encode coerces", Body: "return new TextEncoder().encode(123)", Want: "u8:313233"},
	{Name: "encode is Uint8Array", Body: "var u = new TextEncoder().encode('a'); return [u instanceof Uint8Array, Object.getPrototypeOf(u) === Uint8Array.prototype]", Want: "obj:[true,true]"},
	{Name: "encoding", Body: "return [new TextEncoder().encoding, new TextDecoder().encoding]", Want: "obj:[\"utf-8\",\"utf-8\"]"},
	{Name: "encodeInto", Body: "var u = new Uint8Array(5); var r = new TextEncoder().encodeInto('a€😀', u); return [r, u]", Want: "obj:[{\"read\":2,\"written\":4},{\"0\":97,\"1\":226,\"2\":130,\"3\":172,\"4\":0}]"},
	{Name: "encodeInto exact", Body: "var u = new Uint8Array(8); var r = new TextEncoder().encodeInto('a😀b', u); return [r, u]", Want: "obj:[{\"read\":4,\"written\":6},{\"0\":97,\"1\":240,\"2\":159,\"3\":152,\"4\":128,\"5\":98,\"6\":0,\"7\":0}]"},
	{Name: "encodeInto empty dest", Body: "return new TextEncoder().encodeInto('abc', new Uint8Array(0))", Want: "obj:{\"read\":0,\"written\":0}"},
	{Name: "encodeInto subarray", Body: "var u = new Uint8Array(6); new TextEncoder().encodeInto('xy', u.subarray(2)); return u", Want: "u8:000078790000"},
	{Name: "decode", Body: "return new TextDecoder().decode(new Uint8Array([104, 195, 169, 226, 130, 172, 240, 159, 152, 128]))", Want: "str:\"hé€😀\""},
	{Name: "decode default label", Body: "return new TextDecoder('utf-8').decode(new Uint8Array([0x61]))", Want: "str:\"a\""},
	{Name: "decode labels", Body: "return ['utf8', 'UTF-8', ' utf-8 ', 'unicode-1-1-utf-8'].map(function (l) { return new TextDecoder(l).encoding; })", Want: "obj:[\"utf-8\",\"utf-8\",\"utf-8\",\"utf-8\"]"},
	{Name: "decode nothing", Body: "return [new TextDecoder().decode(), new TextDecoder().decode(new Uint8Array(0))]", Want: "obj:[\"\",\"\"]"},
	{Name: "decode invalid replaces", Body: "return new TextDecoder().decode(new Uint8Array([0xe2, 0x82, 0x41, 0xf0, 0x9f, 0x98, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff]))", Want: "str:\"�A��(����\""},
	{Name: "decode strips BOM", Body: "return new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))", Want: "str:\"A\""},
	{Name: "decode strips one BOM", Body: "return new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x41])).length", Want: "number:2"},
	{Name: "decode ignoreBOM keeps it", Body: "return new TextDecoder('utf-8', {ignoreBOM: true}).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])).charCodeAt(0)", Want: "number:65279"},
	{Name: "decode flags", Body: "var d = new TextDecoder('utf-8', {fatal: 1, ignoreBOM: 'yes'}); return [d.fatal, d.ignoreBOM, new TextDecoder().fatal, new TextDecoder().ignoreBOM]", Want: "obj:[true,true,false,false]"},
	{Name: "decode ArrayBuffer", Body: "return new TextDecoder().decode(new Uint8Array([104, 105]).buffer)", Want: "str:\"hi\""},
	{Name: "decode DataView", Body: "return new TextDecoder().decode(new DataView(new Uint8Array([104, 105, 106]).buffer, 1))", Want: "str:\"ij\""},
	{Name: "decode Uint16Array", Body: "return new TextDecoder().decode(new Uint16Array([0x6968]))", Want: "str:\"hi\""},
	{Name: "decode subarray", Body: "return new TextDecoder().decode(new Uint8Array([97, 98, 99, 100]).subarray(1, 3))", Want: "str:\"bc\""},
	{Name: "decode stream", Body: "var d = new TextDecoder(); var b = new Uint8Array([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]); return [d.decode(b.subarray(0, 1), {stream: true}), d.decode(b.subarray(1, 5), {stream: true}), d.decode(b.subarray(5))]", Want: "obj:[\"\",\"€\",\"😀\"]"},
	{Name: "decode stream BOM split", Body: "var d = new TextDecoder(); return [d.decode(new Uint8Array([0xef, 0xbb]), {stream: true}), d.decode(new Uint8Array([0xbf, 0x41]), {stream: true}), d.decode(new Uint8Array([0xef, 0xbb, 0xbf]))]", Want: "obj:[\"\",\"A\",\"\ufeff\"]"},
	{Name: "decode incomplete end", Body: "return new TextDecoder().decode(new Uint8Array([0x41, 0xf0, 0x9f]))", Want: "str:\"A�\""},
	{Name: "decode stream flush", Body: "var d = new TextDecoder(); return [d.decode(new Uint8Array([0x41, 0xf0, 0x9f]), {stream: true}), d.decode()]", Want: "obj:[\"A\",\"�\"]"},
	{Name: "decode reusable", Body: "var d = new TextDecoder(); return [d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x42]))]", Want: "obj:[\"A\",\"B\"]"},
	{Name: "btoa", Body: "return [btoa(''), btoa('a'), btoa('ab'), btoa('abc'), btoa('\\u00ff\\u00fe\\u0000'), btoa(123)]", Want: "obj:[\"\",\"YQ==\",\"YWI=\",\"YWJj\",\"//4A\",\"MTIz\"]"},
	{Name: "atob", Body: "return [atob(''), atob('YQ=='), atob('YQ'), atob('YWI='), atob(' Y W\\tJ j\\n'), atob('//79')]", Want: "obj:[\"\",\"a\",\"a\",\"ab\",\"abc\",\"ÿþý\"]"},
	{Name: "atob leftover bits", Body: "return atob('YR==')", Want: "str:\"a\""},
	{Name: "atob bytes", Body: "var s = atob('/+A='); return [s.length, s.charCodeAt(0), s.charCodeAt(1)]", Want: "obj:[2,255,224]"},
}

func TestNodeParity(t *testing.T) {
	jstest.Run(t, nodeCases, Install)
}

// TestErrors checks the failures, which carry njs's texts (Node throws
// DOMExceptions or its own codes instead).
func TestErrors(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "unsupported encoding", Body: "return new TextDecoder('latin1')", Want: `throw:RangeError: The "latin1" encoding is not supported`},
		{Name: "fatal invalid", Body: "return new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0x41, 0xff]))", Want: "throw:TypeError: The encoded data was not valid"},
		{Name: "fatal incomplete", Body: "return new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xe2, 0x82]))", Want: "throw:TypeError: The encoded data was not valid"},
		{Name: "fatal stream waits", Body: "var d = new TextDecoder('utf-8', {fatal: true}); return [d.decode(new Uint8Array([0xe2]), {stream: true}), d.decode(new Uint8Array([0x82, 0xac]))]", Want: `obj:["","€"]`},
		{Name: "fatal resets stream", Body: "var d = new TextDecoder('utf-8', {fatal: true}); d.decode(new Uint8Array([0xe2]), {stream: true}); try { d.decode(new Uint8Array([0x41])); } catch (e) {} return d.decode(new Uint8Array([0x42]))", Want: `str:"B"`},
		{Name: "fatal valid", Body: "return new TextDecoder('utf-8', {fatal: true}).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0xc3, 0xa9]))", Want: `str:"é"`},
		{Name: "decode string", Body: "return new TextDecoder().decode('abc')", Want: `throw:TypeError: The "input" argument must be an instance of TypedArray`},
		{Name: "options not object", Body: "return new TextDecoder('utf-8', 5)", Want: `throw:TypeError: The "options" argument must be of type object`},
		{Name: "decode options not object", Body: "return new TextDecoder().decode(new Uint8Array(1), true)", Want: `throw:TypeError: The "options" argument must be of type object`},
		{Name: "decoder without new", Body: "return TextDecoder()", Want: "throw:TypeError: Constructor of TextDecoder requires 'new'"},
		{Name: "encoder without new", Body: "return TextEncoder.call({})", Want: "throw:TypeError: Constructor of TextEncoder requires 'new'"},
		{Name: "encodeInto bad destination", Body: "return new TextEncoder().encodeInto('a', [])", Want: `throw:TypeError: The "destination" argument must be an instance of Uint8Array`},
		{Name: "foreign this", Body: "return TextEncoder.prototype.encode.call({}, 'a')", Want: `throw:TypeError: "this" is not a TextEncoder`},
		{Name: "getter on prototype", Body: "return TextDecoder.prototype.fatal", Want: `throw:TypeError: "this" is not a TextDecoder`},
		{Name: "btoa wide char", Body: "return btoa('a€')", Want: "throw:TypeError: invalid character (>= U+00FF)"},
		{Name: "atob bad length", Body: "return atob('a')", Want: "throw:TypeError: the string to be decoded is not correctly encoded"},
		{Name: "atob inner padding", Body: "return atob('YQ=a')", Want: "throw:TypeError: the string to be decoded is not correctly encoded"},
		{Name: "atob too much padding", Body: "return atob('Y===')", Want: "throw:TypeError: the string to be decoded is not correctly encoded"},
		{Name: "atob url alphabet", Body: "return atob('-_-_')", Want: "throw:TypeError: the string to be decoded is not correctly encoded"},
		{Name: "atob non-ascii", Body: "return atob('YQ\u00e9=')", Want: "throw:TypeError: the string to be decoded is not correctly encoded"},
		{Name: "catchable", Body: "try { atob('*'); } catch (e) { return e instanceof TypeError; }", Want: "boolean:true"},
	}, Install)
}

func TestClasses(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "subclass", Body: "class D extends TextDecoder { twice(b) { return this.decode(b) + this.decode(b); } } var d = new D(); return [d.twice(new Uint8Array([104, 105])), d instanceof TextDecoder]", Want: `obj:["hihi",true]`},
		{Name: "names", Body: "return [TextEncoder.name, TextDecoder.name, atob.name, btoa.length, Object.prototype.toString.call(new TextDecoder())]", Want: `obj:["TextEncoder","TextDecoder","atob",1,"[object TextDecoder]"]`},
		{Name: "no own properties", Body: "return Object.keys(new TextDecoder()).length", Want: "number:0"},
		{Name: "encoding is read-only", Body: "var d = new TextDecoder(); try { d.encoding = 'x'; } catch (e) { return e.name; } return d.encoding", Want: `str:"TypeError"`},
	}, Install)
}

func TestFrozenRealm(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "round trip", Body: "return new TextDecoder().decode(new TextEncoder().encode(atob(btoa('h\u00e9'))))", Want: `str:"hé"`},
		{Name: "frozen", Body: "return [Object.isFrozen(TextDecoder.prototype), Object.isFrozen(TextEncoder)]", Want: "obj:[true,true]"},
	}, func(vm *goja.Runtime) error {
		if err := Install(vm); err != nil {
			return err
		}
		_, err := vm.RunString(`(function () {
			var seen = [];
			(function walk(o) {
				if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.indexOf(o) >= 0) return;
				seen.push(o);
				Reflect.ownKeys(o).forEach(function (k) {
					var d = Reflect.getOwnPropertyDescriptor(o, k);
					if ("value" in d) walk(d.value); else { walk(d.get); walk(d.set); }
				});
				walk(Object.getPrototypeOf(o));
				Object.freeze(o);
			})(globalThis);
		})()`)
		return err
	})
}
