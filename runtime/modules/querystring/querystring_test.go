package querystring

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

// nodeCases were recorded from Node.js 20's querystring module.
var nodeCases = []jstest.Case{
	{Name: "doc stringify", Body: "return qs.stringify({name: 'value', abc: ['xyz', '123'], anotherName: ''})", Want: "str:\"name=value&abc=xyz&abc=123&anotherName=\""},
	{Name: "doc parse", Body: "return qs.parse('name=value&abc=xyz&abc=123&anotherName=')", Want: "obj:{\"name\":\"value\",\"abc\":[\"xyz\",\"123\"],\"anotherName\":\"\"}"},
	{Name: "node example parse", Body: "return qs.parse('foo=bar&abc=xyz&abc=123')", Want: "obj:{\"foo\":\"bar\",\"abc\":[\"xyz\",\"123\"]}"},
	{Name: "node example stringify", Body: "return qs.stringify({foo: 'bar', baz: ['qux', 'quux'], corge: ''})", Want: "str:\"foo=bar&baz=qux&baz=quux&corge=\""},
	{Name: "custom sep eq stringify", Body: "return qs.stringify({foo: 'bar', baz: 'qux'}, ';', ':')", Want: "str:\"foo:bar;baz:qux\""},
	{Name: "custom sep eq parse", Body: "return qs.parse('w:%D6%D0%CE%C4;foo:bar', ';', ':')", Want: "obj:{\"w\":\"����\",\"foo\":\"bar\"}"},
	{Name: "multi-char sep", Body: "return qs.parse('a=1&&b=2&&c', '&&')", Want: "obj:{\"a\":\"1\",\"b\":\"2\",\"c\":\"\"}"},
	{Name: "multi-char eq", Body: "return qs.parse('a==1&b=2&c==', '&', '==')", Want: "obj:{\"a\":\"1\",\"b=2\":\"\",\"c\":\"\"}"},
	{Name: "partial sep", Body: "return qs.parse('a=1&b&&c=3', '&&')", Want: "obj:{\"a\":\"1&b\",\"c\":\"3\"}"},
	{Name: "plus is space", Body: "return qs.parse('a+b=c+d&e=%2B')", Want: "obj:{\"a b\":\"c d\",\"e\":\"+\"}"},
	{Name: "percent decoding", Body: "return qs.parse('a%20b=%E2%82%AC&%C3%A9=x')", Want: "obj:{\"a b\":\"€\",\"é\":\"x\"}"},
	{Name: "invalid utf8 escapes", Body: "return qs.parse('a=%E4%F6&b=%FF&c=%C3')", Want: "obj:{\"a\":\"��\",\"b\":\"�\",\"c\":\"�\"}"},
	{Name: "malformed percent", Body: "return qs.parse('a=%&b=%zz&c=%4&d=100%')", Want: "obj:{\"a\":\"%\",\"b\":\"%zz\",\"c\":\"%4\",\"d\":\"100%\"}"},
	{Name: "non-ascii literal", Body: "return qs.parse('é=ü')", Want: "obj:{\"é\":\"ü\"}"},
	{Name: "non-ascii with bad escape", Body: "return qs.parse('a=é%FF')", Want: "obj:{\"a\":\"��\"}"},
	{Name: "repeated keys", Body: "return qs.parse('a=1&a=2&a=3&b=1')", Want: "obj:{\"a\":[\"1\",\"2\",\"3\"],\"b\":\"1\"}"},
	{Name: "empty pieces", Body: "return qs.parse('&&a=1&&=2&b=&c&=')", Want: "obj:{\"a\":\"1\",\"\":[\"2\",\"\"],\"b\":\"\",\"c\":\"\"}"},
	{Name: "only key", Body: "return qs.parse('key')", Want: "obj:{\"key\":\"\"}"},
	{Name: "empty string", Body: "return qs.parse('')", Want: "obj:{}"},
	{Name: "not a string", Body: "return qs.parse(5)", Want: "obj:{}"},
	{Name: "null prototype", Body: "return Object.getPrototypeOf(qs.parse('a=1')) === null", Want: "boolean:true"},
	{Name: "proto key", Body: "var o = qs.parse('__proto__=1&constructor=2'); return [o.__proto__, o.constructor, Object.keys(o)]", Want: "obj:[\"1\",\"2\",[\"__proto__\",\"constructor\"]]"},
	{Name: "numeric key order", Body: "return Object.keys(qs.parse('b=1&2=x&1=y'))", Want: "obj:[\"1\",\"2\",\"b\"]"},
	{Name: "max keys", Body: "return qs.parse('a=1&b=2&c=3', null, null, {maxKeys: 2})", Want: "obj:{\"a\":\"1\",\"b\":\"2\"}"},
	{Name: "max keys counts empty", Body: "return qs.parse('a=1&&b=2&c=3', null, null, {maxKeys: 2})", Want: "obj:{\"a\":\"1\"}"},
	{Name: "max keys zero", Body: "return Object.keys(qs.parse(new Array(1200).join('x&') + 'x', null, null, {maxKeys: 0})).length", Want: "number:1"},
	{Name: "max keys default", Body: "var s = ''; for (var i = 0; i < 1100; i++) s += 'k' + i + '=1&'; return Object.keys(qs.parse(s)).length", Want: "number:1000"},
	{Name: "max keys not number", Body: "return qs.parse('a=1&b=2', null, null, {maxKeys: '1'})", Want: "obj:{\"a\":\"1\",\"b\":\"2\"}"},
	{Name: "custom decoder", Body: "return qs.parse('a=b+c&d=%41', null, null, {decodeURIComponent: function (s) { return '<' + s + '>'; }})", Want: "obj:{\"<a>\":\"<b%20c>\",\"<d>\":\"<%41>\"}"},
	{Name: "custom decoder throws", Body: "return qs.parse('a=%E4+x&b=1', null, null, {decodeURIComponent: function (s) { throw new Error('no'); }})", Want: "obj:{\"a\":\"� x\",\"b\":\"1\"}"},
	{Name: "custom decoder is unescape", Body: "return qs.parse('a=%41+b', null, null, {decodeURIComponent: qs.unescape})", Want: "obj:{\"a\":\"A b\"}"},
	{Name: "custom encoder", Body: "return qs.stringify({a: 'x y', b: [1, true], c: null}, null, null, {encodeURIComponent: function (s) { return '[' + s + ']'; }})", Want: "str:\"[a]=[x y]&[b]=[1]&[b]=[true]&[c]=[]\""},
	{Name: "stringify types", Body: "return qs.stringify({s: 'é €😀', n: 1.5, big: 1e21, neg: -0, nan: NaN, inf: Infinity, t: true, f: false, u: undefined, nul: null, o: {}, fn: function () {}})", Want: "str:\"s=%C3%A9%20%E2%82%AC%F0%9F%98%80&n=1.5&big=1e%2B21&neg=0&nan=&inf=&t=true&f=false&u=&nul=&o=&fn=\""},
	{Name: "stringify empty array", Body: "return qs.stringify({a: [], b: 1})", Want: "str:\"b=1\""},
	{Name: "stringify non-object", Body: "return [qs.stringify('abc'), qs.stringify(null), qs.stringify(5), qs.stringify(function () {})]", Want: "obj:[\"\",\"\",\"\",\"\"]"},
	{Name: "stringify escapes keys", Body: "return qs.stringify({'a b&c': 'd=e'})", Want: "str:\"a%20b%26c=d%3De\""},
	{Name: "stringify reserved", Body: "return qs.stringify({k: \"-_.!~*'()azAZ09 #$&+,/:;=?@[]\"})", Want: "str:\"k=-_.!~*'()azAZ09%20%23%24%26%2B%2C%2F%3A%3B%3D%3F%40%5B%5D\""},
	{Name: "stringify lone surrogate", Body: "return qs.stringify({a: '\\ud800'})", Want: "throw:URIError[ERR_INVALID_URI]: URI malformed"},
	{Name: "escape", Body: "return [qs.escape('a b&c/é'), qs.escape(123), qs.escape({}), qs.escape(null)]", Want: "obj:[\"a%20b%26c%2F%C3%A9\",\"123\",\"%5Bobject%20Object%5D\",\"null\"]"},
	{Name: "escape lone surrogate", Body: "return qs.escape('\\udc00')", Want: "throw:URIError[ERR_INVALID_URI]: URI malformed"},
	{Name: "unescape", Body: "return [qs.unescape('a%20b'), qs.unescape('a+b'), qs.unescape('%E2%82%AC'), qs.unescape('%'), qs.unescape('%E4%F6'), qs.unescape('a+b%ZZ', true), qs.unescape('é%')]", Want: "obj:[\"a b\",\"a+b\",\"€\",\"%\",\"��\",\"a b%ZZ\",\"�%\"]"},
	{Name: "encode decode aliases", Body: "return [qs.encode === qs.stringify, qs.decode === qs.parse]", Want: "obj:[true,true]"},
}

func TestNodeParity(t *testing.T) {
	jstest.Run(t, nodeCases, func(vm *goja.Runtime) error { return vm.Set("qs", New(vm)) })
}
