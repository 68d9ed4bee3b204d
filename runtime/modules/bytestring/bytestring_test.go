package bytestring

import (
	"testing"

	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

// units renders a string as its code units in hex, so byte strings read
// unambiguously; null stays null.
const units = `function u(s) { return s === null ? null : s.split('').map(function (c) { return c.charCodeAt(0).toString(16); }).join(' '); } `

// The expectations follow njs 0.7 (the engine behind cloudfront-js-1.0) as
// far as its byte strings map onto UTF-16 strings; see the package comment.
func TestHelpers(t *testing.T) {
	cases := []jstest.Case{
		{Name: "bytesFrom array", Body: "return u(String.bytesFrom([0x68, 0x69, 0x121, -1, '7', 'x']))", Want: `str:"68 69 21 ff 7 0"`},
		{Name: "bytesFrom array-like", Body: "return String.bytesFrom({length: 2, 0: 65, 1: 66})", Want: `str:"AB"`},
		{Name: "bytesFrom typed array", Body: "return u(String.bytesFrom(new Uint8Array([1, 200, 3]).subarray(1)))", Want: `str:"c8 3"`},
		{Name: "bytesFrom ArrayBuffer", Body: "return u(String.bytesFrom(new Uint8Array([0xfe, 0x41]).buffer))", Want: `str:"fe 41"`},
		{Name: "bytesFrom hex", Body: "return [u(String.bytesFrom('68E9ff', 'hex')), String.bytesFrom('6869zz68', 'hex'), String.bytesFrom('686', 'hex')]", Want: `obj:["68 e9 ff","hi","h"]`},
		{Name: "bytesFrom base64", Body: "return [String.bytesFrom('aGk=', 'base64'), String.bytesFrom('aGk', 'base64'), u(String.bytesFrom('P/8', 'base64')), String.bytesFrom('aG k=', 'base64')]", Want: `obj:["hi","hi","3f ff","h"]`},
		{Name: "bytesFrom base64url", Body: "return [u(String.bytesFrom('P_8', 'base64url')), u(String.bytesFrom('P_8-', 'base64url')), u(String.bytesFrom('P/8', 'base64url'))]", Want: `obj:["3f ff","3f ff 3e",""]`},
		{Name: "bytesFrom String object", Body: "return String.bytesFrom(new String('6869'), 'hex')", Want: `str:"hi"`},
		{Name: "bytesFrom unknown encoding", Body: "return String.bytesFrom('aGk=', 'b64')", Want: `throw:TypeError: Unknown encoding: "b64"`},
		{Name: "bytesFrom encoding is case-sensitive", Body: "return String.bytesFrom('6869', 'HEX')", Want: `throw:TypeError: Unknown encoding: "HEX"`},
		{Name: "bytesFrom missing encoding", Body: "return String.bytesFrom('aGk=')", Want: `throw:TypeError: "encoding" must be a string`},
		{Name: "bytesFrom number", Body: "return String.bytesFrom(5)", Want: "throw:TypeError: value must be a string or array-like object"},
		{Name: "bytesFrom huge length", Body: "return String.bytesFrom({length: 1e9})", Want: "throw:RangeError: memory limit exceeded"},
		{Name: "toUTF8", Body: "return [u('hé€😀'.toUTF8()), 'hé€'.toUTF8().length]", Want: `obj:["68 c3 a9 e2 82 ac f0 9f 98 80",6]`},
		{Name: "toUTF8 range in bytes", Body: "return [u('hé€'.toUTF8(1, 3)), u('hé€'.toUTF8(-3)), 'abc'.toUTF8(2, 1)]", Want: `obj:["c3 a9","e2 82 ac",""]`},
		{Name: "toUTF8 lone surrogate", Body: "return u('a\\ud800'.toUTF8())", Want: `str:"61 ef bf bd"`},
		{Name: "fromUTF8", Body: "return ['h\\xc3\\xa9\\xe2\\x82\\xac'.fromUTF8(), 'hé€'.toUTF8().fromUTF8(), '\\xc3\\xa9x'.fromUTF8(0, 2), 'abc'.fromUTF8(1)]", Want: `obj:["hé€","hé€","é","bc"]`},
		{Name: "fromUTF8 invalid", Body: "return ['\\xc3'.fromUTF8(), '\\xff'.fromUTF8(), '\\xed\\xa0\\x80'.fromUTF8(), '\\xc0\\xaf'.fromUTF8()]", Want: "obj:[null,null,null,null]"},
		{Name: "fromUTF8 of text", Body: "return ['€uro'.fromUTF8(), '€uro'.fromUTF8(1)]", Want: `obj:["€uro","uro"]`},
		{Name: "toBytes", Body: "return ['abc'.toBytes(), u('é\\xff'.toBytes()), 'a€'.toBytes(), 'a€'.toBytes(0, 1), '😀'.toBytes()]", Want: `obj:["abc","e9 ff",null,"a",null]`},
		{Name: "fromBytes", Body: "return [u('\\xe9\\x41'.fromBytes()), '\\xe9\\x41'.fromBytes() === '\\u00e9A', 'abcd'.fromBytes(1, 3)]", Want: `obj:["e9 41",true,"bc"]`},
		{Name: "slice arguments", Body: "var s = 'abcdef'; return [s.toBytes(-2), s.toBytes(2, -1), s.toBytes(4, 2), s.toBytes(10), s.toBytes(-10, 2), s.toBytes(1, 100), s.toBytes(NaN, 1), s.toBytes(1, null)]", Want: `obj:["ef","cde","","","ab","bcdef","a",""]`},
		{Name: "null receiver", Body: "return String.prototype.toBytes.call(null)", Want: "throw:TypeError: cannot convert undefined to object"},
		{Name: "number receiver", Body: "return String.prototype.toUTF8.call(12)", Want: `str:"12"`},
		{Name: "not enumerable", Body: "return [Object.getOwnPropertyDescriptor(String.prototype, 'toBytes').enumerable, Object.getOwnPropertyDescriptor(String, 'bytesFrom').enumerable, typeof String.prototype.bytesFrom]", Want: `obj:[false,false,"undefined"]`},
		{Name: "jwt segment", Body: "return JSON.parse(String.bytesFrom('eyJzdWIiOiJqw7ZyZy' + 'J9', 'base64url').fromUTF8()).sub", Want: `str:"jörg"`},
	}
	for i := range cases {
		cases[i].Body = units + cases[i].Body
	}
	jstest.Run(t, cases, Install)
}
