package crypto

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/buffer"
	"github.com/edgefn/edgefn/runtime/modules/internal/jstest"
)

// setup1 installs the module as cloudfront-js-1.0 does: strings only, digest()
// gives a byte string.
func setup1(vm *goja.Runtime) error {
	return vm.Set("crypto", New(vm, ByteString, nil))
}

// setup2 installs it as cloudfront-js-2.0 does: Buffers in and out.
func setup2(vm *goja.Runtime) error {
	if err := buffer.Install(vm, 1<<20); err != nil {
		return err
	}
	return vm.Set("crypto", New(vm, buffer.New, buffer.Bytes))
}

// The expected digests were computed with Node.js's crypto module.
const fox = `'The quick brown fox jumps over the lazy dog é😀'`

func TestDigests(t *testing.T) {
	cases := []struct{ alg, enc, hash, hmac string }{
		{"md5", "hex", "01e171120947c9c1ce847e7fdc271a58", "e7c5620722312e4b1c9feb981ea6557f"},
		{"md5", "base64", "AeFxEglHycHOhH5/3CcaWA==", "58ViByIxLkscn+uYHqZVfw=="},
		{"md5", "base64url", "AeFxEglHycHOhH5_3CcaWA", "58ViByIxLkscn-uYHqZVfw"},
		{"sha1", "hex", "80de6a2ad6e9979e061551e3b6f04645ec3a9508", "8b8aab56c0e302f69b0dfb36638650f51b2d199a"},
		{"sha1", "base64", "gN5qKtbpl54GFVHjtvBGRew6lQg=", "i4qrVsDjAvabDfs2Y4ZQ9RstGZo="},
		{"sha1", "base64url", "gN5qKtbpl54GFVHjtvBGRew6lQg", "i4qrVsDjAvabDfs2Y4ZQ9RstGZo"},
		{"sha256", "hex", "e0d8091037913fd72d093181be08ce917509152d43a660d48317b8b502cfa704", "a4bf686f9c4cbb904d3a3166e32a82a144afdf9cb3500c464bef9f80702e1fbc"},
		{"sha256", "base64", "4NgJEDeRP9ctCTGBvgjOkXUJFS1DpmDUgxe4tQLPpwQ=", "pL9ob5xMu5BNOjFm4yqCoUSv35yzUAxGS++fgHAuH7w="},
		{"sha256", "base64url", "4NgJEDeRP9ctCTGBvgjOkXUJFS1DpmDUgxe4tQLPpwQ", "pL9ob5xMu5BNOjFm4yqCoUSv35yzUAxGS--fgHAuH7w"},
	}
	var js []jstest.Case
	for _, c := range cases {
		js = append(js,
			jstest.Case{Name: c.alg + " hash " + c.enc, Body: "return crypto.createHash('" + c.alg + "').update(" + fox + ").digest('" + c.enc + "')", Want: `str:"` + c.hash + `"`},
			jstest.Case{Name: c.alg + " hmac " + c.enc, Body: "return crypto.createHmac('" + c.alg + "', 'secret').update(" + fox + ").digest('" + c.enc + "')", Want: `str:"` + c.hmac + `"`},
		)
	}
	jstest.Run(t, js, setup1)
	jstest.Run(t, js, setup2)
}

func TestRuntime1(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "default digest is a byte string", Body: "var s = crypto.createHash('md5').update('abc').digest(); var h = ''; for (var i = 0; i < s.length; i++) h += (s.charCodeAt(i) < 16 ? '0' : '') + s.charCodeAt(i).toString(16); return [typeof s, s.length, h]", Want: `obj:["string",16,"900150983cd24fb0d6963f7d28e17f72"]`},
		{Name: "binary data refused", Body: "return crypto.createHash('md5').update(new Uint8Array(1))", Want: `throw:TypeError: data argument "object" is not a string or Buffer-like object`},
		{Name: "binary key refused", Body: "return crypto.createHmac('md5', new Uint8Array(1))", Want: `throw:TypeError: key argument "object" is not a string or Buffer-like object`},
	}, setup1)
}

func TestRuntime2(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "default digest is a Buffer", Body: "return crypto.createHash('md5').update('abc').digest()", Want: "buf:900150983cd24fb0d6963f7d28e17f72"},
		{Name: "buffer key and data", Body: "return crypto.createHmac('sha256', Buffer.from([0xde, 0xad, 0xbe, 0xef])).update(Buffer.from([1, 2, 3])).digest('hex')", Want: `str:"afbdc6a8d0acd8cc5b519633af9b64c2027a903cb693be9f42490b0d8b14fc9a"`},
		{Name: "typed array data", Body: "return crypto.createHash('md5').update(new Uint8Array([97, 98, 99])).digest('hex')", Want: `str:"900150983cd24fb0d6963f7d28e17f72"`},
		{Name: "hmac of digest buffer", Body: "var k = crypto.createHash('sha256').update('k').digest(); return crypto.createHmac('sha256', k).update('x').digest('base64url').length", Want: "number:43"},
	}, setup2)
}

func TestBehaviour(t *testing.T) {
	cases := []jstest.Case{
		{Name: "chained updates", Body: "return crypto.createHash('sha1').update('ab').update('cd').digest('hex')", Want: `str:"81fe8bfe87576c3ecb22426f8e57847382917acf"`},
		{Name: "empty input", Body: "return [crypto.createHash('sha256').digest('hex'), crypto.createHmac('sha256', '').digest('hex')]", Want: `obj:["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"]`},
		{Name: "key longer than block", Body: "return crypto.createHmac('sha256', new Array(101).join('k')).update('x').digest('hex')", Want: `str:"8c1858bff6cf9cb73708b4b54f43bca6e1b8b4c3380760dc009001b265b64c6f"`},
		{Name: "input encodings", Body: "return [crypto.createHash('md5').update('616263', 'hex').digest('hex'), crypto.createHash('md5').update('YWJj', 'base64').digest('hex'), crypto.createHash('md5').update('abc', 'utf8').digest('hex')]", Want: `obj:["900150983cd24fb0d6963f7d28e17f72","900150983cd24fb0d6963f7d28e17f72","900150983cd24fb0d6963f7d28e17f72"]`},
		{Name: "unknown input encoding", Body: "return crypto.createHash('md5').update('abc', 'latin2')", Want: `throw:TypeError: Unknown encoding: "latin2"`},
		{Name: "unsupported algorithm", Body: "return crypto.createHash('sha512')", Want: `throw:TypeError: not supported algorithm: "sha512"`},
		{Name: "algorithm is case-sensitive", Body: "return crypto.createHmac('SHA256', 'k')", Want: `throw:TypeError: not supported algorithm: "SHA256"`},
		{Name: "algorithm not a string", Body: "return crypto.createHash(1)", Want: "throw:TypeError: algorithm must be a string"},
		{Name: "digest twice", Body: "var h = crypto.createHash('md5'); h.digest('hex'); return h.digest('hex')", Want: "throw:Error: Digest already called"},
		{Name: "update after digest", Body: "var h = crypto.createHmac('md5', 'k'); h.digest('hex'); return h.update('x')", Want: "throw:Error: Digest already called"},
		{Name: "unknown digest encoding", Body: "return crypto.createHash('md5').digest('latin1')", Want: `throw:TypeError: Unknown digest encoding: "latin1"`},
		{Name: "digest encoding not a string", Body: "return crypto.createHash('md5').digest(1)", Want: "throw:TypeError: encoding must be a string"},
		{Name: "data not bytes", Body: "return crypto.createHash('md5').update(5)", Want: `throw:TypeError: data argument "number" is not a string or Buffer-like object`},
		{Name: "missing key", Body: "return crypto.createHmac('md5')", Want: `throw:TypeError: key argument "undefined" is not a string or Buffer-like object`},
		{Name: "foreign this", Body: "var h = crypto.createHash('md5'); return h.update.call({}, 'x')", Want: `throw:TypeError: "this" is not a hash object`},
		{Name: "update returns the object", Body: "var h = crypto.createHash('md5'); return h.update('x') === h", Want: "boolean:true"},
		{Name: "instances are independent", Body: "var a = crypto.createHash('md5'), b = crypto.createHash('md5'); a.update('abc'); return [a.digest('hex'), b.digest('hex')]", Want: `obj:["900150983cd24fb0d6963f7d28e17f72","d41d8cd98f00b204e9800998ecf8427e"]`},
		{Name: "prototype is frozen", Body: "var p = Object.getPrototypeOf(crypto.createHash('md5')); return [Object.isFrozen(p), Object.prototype.toString.call(crypto.createHmac('md5', 'k'))]", Want: `obj:[true,"[object Hmac]"]`},
		{Name: "export names", Body: "return [crypto.createHash.name, crypto.createHmac.length]", Want: `obj:["createHash",2]`},
	}
	jstest.Run(t, cases, setup1)
}

func TestByteStringsHashAsBytes(t *testing.T) {
	vm := goja.New()
	if err := vm.Set("crypto", New(vm, ByteString, nil)); err != nil {
		t.Fatal(err)
	}
	// "\u00ff\u0080" is the byte string ff 80; hashed as UTF-8 it would be c3bf c280.
	v, err := vm.RunString(`crypto.createHash('sha256').update('\u00ff\u0080').digest('hex')`)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte{0xff, 0x80})
	if got, want := v.String(), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("digest %s, want %s (bytes ff 80)", got, want)
	}
}
