package cwt

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/buffer"
	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

func setup(vm *goja.Runtime) error {
	if err := buffer.Install(vm, 1<<20); err != nil {
		return err
	}
	if err := vm.Set("cwt", New(vm)); err != nil {
		return err
	}
	_, err := vm.RunString("var rfc = Buffer.from('" + rfcToken + "', 'hex'), rfcKey = Buffer.from('" + rfcKey + "', 'hex');")
	return err
}

func TestModule(t *testing.T) {
	gen := "var tok = {protected: {1: 5}, unprotected: {4: Buffer.from('kid')}, payload: {1: 'iss', 4: 1740000000, 401: {2: {1: '/media/'}}}};"
	jstest.Run(t, []jstest.Case{
		{Name: "RFC 8392 A.4", Body: "var t = cwt.validateToken(rfc, {key: rfcKey}); return [t.protectedHeaders['1'], t.unprotectedHeaders['4'].toString(), t.payload['1'], t.payload[2], t.payload[4], t.payload[7].toString('hex'), Object.keys(t)]",
			Want: `obj:[4,"Symmetric256","coap://as.example.com","erikw",1444064944,"0b71",["protectedHeaders","unprotectedHeaders","payload"]]`},
		{Name: "round trip, token first", Body: gen + "var b = cwt.generateToken(tok, {cwtTag: true, coseTag: 'MAC0', key: 'secret'}); var t = cwt.validateToken(b, {key: 'secret'}); return [Buffer.isBuffer(b), b.toString('hex').slice(0, 6), t.payload[4], t.payload[401][2][1], t.unprotectedHeaders[4].toString()]",
			Want: `obj:[true,"d83dd1",1740000000,"/media/","kid"]`},
		{Name: "round trip, context first (the reference's order)", Body: gen + "var b = cwt.generateToken({coseTag: 'MAC0', key: Buffer.from('secret')}, tok); return [b.toString('hex').slice(0, 2), cwt.validateToken(b, {key: 'secret'}).payload[1]]",
			Want: `obj:["d1","iss"]`},
		{Name: "alg as a string, as CloudFront's example writes it", Body: "var b = cwt.generateToken({protected: {1: '5'}, unprotected: {}, payload: {}}, {coseTag: 'MAC0', key: 'k'}); return cwt.validateToken(b, {key: 'k'}).protectedHeaders",
			Want: `obj:{"1":5}`},
		{Name: "validated token regenerates", Body: "var t = cwt.validateToken(rfc, {key: rfcKey}); t.payload[4] = 2000000000; t.protectedHeaders[1] = 5; var b = cwt.generateToken(t, {coseTag: 'MAC0', key: rfcKey}); return cwt.validateToken(b, {key: rfcKey}).payload[4]",
			Want: `number:2000000000`},
		{Name: "bad MAC", Body: "return cwt.validateToken(rfc, {key: 'wrong'})", Want: "throw:Error: token signature verification failed"},
		{Name: "token as a string", Body: "return cwt.validateToken(rfc.toString('base64url'), {key: rfcKey})", Want: "throw:TypeError: token must be a Buffer"},
		{Name: "no context", Body: "return cwt.validateToken(rfc)", Want: "throw:TypeError: handlerContext must be an object with a key"},
		{Name: "empty key", Body: "return cwt.validateToken(rfc, {key: ''})", Want: "throw:TypeError: key must be a non-empty string or Buffer"},
		{Name: "oversize", Body: "return cwt.validateToken(Buffer.alloc(1025), {key: 'k'})", Want: "throw:Error: token exceeds the 1024 byte limit"},
		{Name: "generated oversize", Body: "return cwt.generateToken({protected: {1: 5}, payload: {1: 'x'.repeat(1100)}}, {coseTag: 'MAC0', key: 'k'})", Want: "throw:Error: token exceeds the 1024 byte limit"},
		{Name: "coseTag other than MAC0", Body: "return cwt.generateToken({protected: {1: 5}, payload: {}}, {coseTag: 'SIGN1', key: 'k'})", Want: `throw:Error: unsupported coseTag: only "MAC0" is supported`},
		{Name: "cyclic payload", Body: "var p = {}; p.self = p; return cwt.generateToken({protected: {1: 5}, payload: p}, {coseTag: 'MAC0', key: 'k'})", Want: "throw:TypeError: payload: nested more than 16 levels"},
		{Name: "function in payload", Body: "return cwt.generateToken({protected: {1: 5}, payload: {f: function () {}}}, {coseTag: 'MAC0', key: 'k'})", Want: "throw:TypeError: payload: functions cannot be encoded"},
		{Name: "NaN claim", Body: "return cwt.generateToken({protected: {1: 5}, payload: {4: NaN}}, {coseTag: 'MAC0', key: 'k'})", Want: "throw:TypeError: payload: NaN is not a finite number"},
	}, setup)
}
