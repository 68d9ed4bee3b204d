// Package crypto implements the crypto module of both CloudFront runtimes
// (../../../../shared/spec/runtime.md §3.1): createHash and createHmac for
// md5, sha1 and sha256, with njs's argument rules and error texts.
package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/dop251/goja"

	"github.com/edgefn/edgefn/runtime/modules/internal/codec"
	"github.com/edgefn/edgefn/runtime/modules/internal/jsval"
)

// algorithms are the hashes CloudFront documents; names are case-sensitive,
// as in njs.
var algorithms = map[string]func() hash.Hash{
	"md5":    md5.New,
	"sha1":   sha1.New,
	"sha256": sha256.New,
}

// module holds what the hash objects of one VM share.
type module struct {
	vm            *goja.Runtime
	errs          *jsval.Errors
	hashProto     *goja.Object
	hmacProto     *goja.Object
	digestDefault func(*goja.Runtime, []byte) goja.Value
	keyBytes      func(goja.Value) ([]byte, bool)
}

// New returns the exports of the crypto module for vm. digest() without an
// encoding returns digestDefault(vm, sum): a byte string in cloudfront-js-1.0
// (ByteString), a Buffer in 2.0. keyBytes, when not nil, lets update() and
// createHmac() take binary data (Buffers, typed arrays); with nil
// (cloudfront-js-1.0) only strings are accepted, and byte strings hash as bytes.
func New(vm *goja.Runtime, digestDefault func(vm *goja.Runtime, sum []byte) goja.Value, keyBytes func(goja.Value) ([]byte, bool)) *goja.Object {
	errs, err := jsval.NewErrors(vm)
	if err != nil {
		panic(fmt.Errorf("crypto: %w", err)) // only a VM without Error constructors gets here
	}
	m := &module{vm: vm, errs: errs, digestDefault: digestDefault, keyBytes: keyBytes}
	m.hashProto = m.prototype("Hash")
	m.hmacProto = m.prototype("Hmac")
	exports := vm.NewObject()
	jsval.Methods(vm, exports, []jsval.Method{
		{Name: "createHash", Length: 1, Fn: m.createHash},
		{Name: "createHmac", Length: 2, Fn: m.createHmac},
	})
	return exports
}

// ByteString returns the byte string whose code units are b: the
// cloudfront-js-1.0 result of digest() without an encoding.
func ByteString(vm *goja.Runtime, b []byte) goja.Value {
	return codec.ByteString(b)
}

// prototype builds the frozen prototype shared by Hash or Hmac objects.
// Nothing reachable from the module exports leads to it, so the runtime's
// deep freeze would not; freezing it here keeps one invocation from
// changing it for the next.
func (m *module) prototype(name string) *goja.Object {
	proto := m.vm.NewObject()
	jsval.Methods(m.vm, proto, []jsval.Method{
		{Name: "update", Length: 2, Fn: m.update},
		{Name: "digest", Length: 1, Fn: m.digest},
	})
	_ = proto.DefineDataPropertySymbol(goja.SymToStringTag, m.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	freeze, _ := goja.AssertFunction(m.vm.Get("Object").(*goja.Object).Get("freeze"))
	if _, err := freeze(goja.Undefined(), proto); err != nil {
		panic(fmt.Errorf("crypto: freeze %s: %w", name, err))
	}
	return proto
}

// state is the Go side of one Hash or Hmac object. It backs a dynamic
// object, so scripts see no own properties and cannot reach the state.
type state struct {
	h hash.Hash // nil once digest was called
}

func (*state) Get(string) goja.Value       { return nil }
func (*state) Set(string, goja.Value) bool { return false }
func (*state) Has(string) bool             { return false }
func (*state) Delete(string) bool          { return true }
func (*state) Keys() []string              { return nil }

func (m *module) algorithm(v goja.Value) func() hash.Hash {
	if !goja.IsString(v) {
		panic(m.errs.Type("algorithm must be a string"))
	}
	newHash, ok := algorithms[v.String()]
	if !ok {
		panic(m.errs.Type(fmt.Sprintf("not supported algorithm: %q", v.String())))
	}
	return newHash
}

func (m *module) object(h hash.Hash, proto *goja.Object) *goja.Object {
	obj := m.vm.NewDynamicObject(&state{h: h})
	_ = obj.SetPrototype(proto)
	return obj
}

func (m *module) createHash(call goja.FunctionCall) goja.Value {
	return m.object(m.algorithm(jsval.Arg(call, 0))(), m.hashProto)
}

func (m *module) createHmac(call goja.FunctionCall) goja.Value {
	newHash := m.algorithm(jsval.Arg(call, 0))
	key, ok := m.data(jsval.Arg(call, 1), goja.Undefined())
	if !ok {
		panic(m.errs.Type(fmt.Sprintf("key argument %q is not a string or Buffer-like object", jsval.TypeOf(jsval.Arg(call, 1)))))
	}
	return m.object(hmac.New(newHash, key), m.hmacProto)
}

// data converts an update or key argument to bytes: a string in the given
// input encoding (UTF-8 by default), or binary data through keyBytes.
func (m *module) data(v, encArg goja.Value) ([]byte, bool) {
	if goja.IsString(v) {
		s := codec.String(v)
		if jsval.IsUndefined(encArg) {
			// cloudfront-js-1.0 has no Buffer: binary data (String.bytesFrom,
			// digest()) travels as byte strings, which njs hashes as their bytes.
			if m.keyBytes == nil && codec.IsByteString(s) {
				return codec.Latin1(s), true
			}
			return []byte(s.String()), true
		}
		switch encArg.String() {
		case "utf8", "utf-8":
			return []byte(s.String()), true
		case "hex":
			return codec.DecodeHex(codec.Narrow(s)), true
		case "base64", "base64url":
			return codec.DecodeBase64(codec.Narrow(s)), true
		}
		panic(m.errs.Type(fmt.Sprintf("Unknown encoding: %q", encArg.String())))
	}
	if m.keyBytes != nil {
		return m.keyBytes(v)
	}
	return nil, false
}

// this returns the state behind the receiver, which must be a Hash or Hmac.
func (m *module) this(call goja.FunctionCall) *state {
	if obj, ok := call.This.(*goja.Object); ok {
		if st, ok := obj.Export().(*state); ok {
			return st
		}
	}
	panic(m.errs.Type(`"this" is not a hash object`))
}

func (m *module) update(call goja.FunctionCall) goja.Value {
	st := m.this(call)
	b, ok := m.data(jsval.Arg(call, 0), jsval.Arg(call, 1))
	if !ok {
		panic(m.errs.Type(fmt.Sprintf("data argument %q is not a string or Buffer-like object", jsval.TypeOf(jsval.Arg(call, 0)))))
	}
	if st.h == nil {
		panic(m.errs.Error("Digest already called"))
	}
	st.h.Write(b)
	return call.This
}

func (m *module) digest(call goja.FunctionCall) goja.Value {
	st := m.this(call)
	enc := jsval.Arg(call, 0)
	if !jsval.IsUndefined(enc) && !goja.IsString(enc) {
		panic(m.errs.Type("encoding must be a string"))
	}
	var encode func([]byte) goja.Value
	switch {
	case jsval.IsUndefined(enc):
		encode = func(sum []byte) goja.Value { return m.digestDefault(m.vm, sum) }
	case enc.String() == "hex":
		encode = func(sum []byte) goja.Value { return m.vm.ToValue(hex.EncodeToString(sum)) }
	case enc.String() == "base64":
		encode = func(sum []byte) goja.Value { return m.vm.ToValue(base64.StdEncoding.EncodeToString(sum)) }
	case enc.String() == "base64url":
		encode = func(sum []byte) goja.Value { return m.vm.ToValue(base64.RawURLEncoding.EncodeToString(sum)) }
	default:
		panic(m.errs.Type(fmt.Sprintf("Unknown digest encoding: %q", enc.String())))
	}
	if st.h == nil {
		panic(m.errs.Error("Digest already called"))
	}
	sum := st.h.Sum(nil)
	st.h = nil
	return encode(sum)
}
