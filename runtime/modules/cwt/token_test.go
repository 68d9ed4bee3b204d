package cwt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// RFC 8392 Appendix A.4 (a MACed CWT, alg HMAC 256/64) and the 256-bit
// symmetric key of Appendix A.2.2 it is MACed with.
const (
	rfcToken = "d83dd18443a10104a1044c53796d6d65747269633235365850a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b7148093101ef6d789200"
	rfcKey   = "403697de87af64611c1d32a05dab0fe1fcb715a86ab435f1ec99192d79569388"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateRFC8392(t *testing.T) {
	tok, err := Validate(unhex(t, rfcToken), unhex(t, rfcKey))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"1": "coap://as.example.com", "2": "erikw", "3": "coap://light.example.com", "4": 1444064944.0, "5": 1443944944.0, "6": 1443944944.0}
	for k, v := range want {
		if tok.Payload[k] != v {
			t.Errorf("claim %s = %v, want %v", k, tok.Payload[k], v)
		}
	}
	if cti, _ := tok.Payload["7"].([]byte); !bytes.Equal(cti, []byte{0x0b, 0x71}) {
		t.Errorf("cti = %x", tok.Payload["7"])
	}
	if tok.Protected["1"] != 4.0 || string(tok.Unprotected["4"].([]byte)) != "Symmetric256" {
		t.Errorf("headers = %v %v", tok.Protected, tok.Unprotected)
	}
}

// raw builds a COSE_Mac0 from raw protected and payload bytes, MACed with key.
func raw(t *testing.T, protected, payload, key []byte, tags ...uint64) []byte {
	t.Helper()
	tag, err := mac(key, protected, payload, algHMAC256_256)
	if err != nil {
		t.Fatal(err)
	}
	var v any = []any{protected, map[any]any{}, payload, tag}
	for i := len(tags) - 1; i >= 0; i-- {
		v = cbor.Tag{Number: tags[i], Content: v}
	}
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateHostile(t *testing.T) {
	key := []byte("k")
	alg5 := []byte{0xa1, 0x01, 0x05}
	claims := []byte{0xa1, 0x04, 0x01} // {4: 1}: exp long past
	rfc := unhex(t, rfcToken)
	flipped := bytes.Clone(rfc)
	flipped[len(flipped)-1] ^= 1
	nested := append(bytes.Repeat([]byte{0x81}, 40), 0x01)
	cases := []struct {
		name  string
		token []byte
		key   []byte
		want  error
	}{
		{"expired token still valid: claims are the code's job", raw(t, alg5, claims, key, 61, 17), key, nil},
		{"without the optional CWT tag", raw(t, alg5, claims, key, 17), key, nil},
		{"oversize", append(raw(t, alg5, claims, key, 17), make([]byte, MaxTokenSize)...), key, ErrTooLarge},
		{"truncated", rfc[:len(rfc)-1], unhex(t, rfcKey), ErrMalformed},
		{"trailing bytes", append(bytes.Clone(rfc), 0), unhex(t, rfcKey), ErrMalformed},
		{"empty", nil, key, ErrMalformed},
		{"untagged", raw(t, alg5, claims, key), key, ErrNotMac0},
		{"COSE_Sign1 tag", raw(t, alg5, claims, key, 18), key, ErrNotMac0},
		{"CWT tag alone", raw(t, alg5, claims, key, 61), key, ErrNotMac0},
		{"HS384", raw(t, []byte{0xa1, 0x01, 0x06}, claims, key, 17), key, ErrAlgorithm},
		{"ES256", raw(t, []byte{0xa1, 0x01, 0x26}, claims, key, 17), key, ErrAlgorithm},
		{"no alg", raw(t, []byte{}, claims, key, 17), key, ErrAlgorithm},
		{"bad MAC", flipped, unhex(t, rfcKey), ErrSignature},
		{"wrong key", rfc, []byte("not the key"), ErrSignature},
		{"payload not a map", raw(t, alg5, []byte{0x01}, key, 17), key, ErrPayload},
		{"duplicate claim", raw(t, alg5, []byte{0xa2, 0x04, 0x01, 0x04, 0x02}, key, 17), key, ErrMalformed},
		{"int and text label collide", raw(t, alg5, []byte{0xa2, 0x04, 0x01, 0x61, '4', 0x02}, key, 17), key, ErrDuplicateKey},
		{"nested 40 deep", raw(t, alg5, append([]byte{0xa1, 0x01}, nested...), key, 17), key, ErrMalformed},
		{"array claiming 4G items", raw(t, alg5, []byte{0xa1, 0x01, 0x9a, 0xff, 0xff, 0xff, 0xff}, key, 17), key, ErrMalformed},
		{"indefinite arrays never closed", raw(t, alg5, append([]byte{0xa1, 0x01}, bytes.Repeat([]byte{0x9f}, 12)...), key, 17), key, ErrMalformed},
		{"four-item array of wrong types", []byte{0xd1, 0x84, 0x01, 0x02, 0x03, 0x04}, key, ErrMalformed},
		{"three items", []byte{0xd1, 0x83, 0x40, 0xa0, 0x40}, key, ErrMalformed},
		{"invalid UTF-8 text", raw(t, alg5, []byte{0xa1, 0x01, 0x61, 0xff}, key, 17), key, ErrMalformed},
		{"byte string map key", raw(t, alg5, []byte{0xa1, 0x41, 0x00, 0x01}, key, 17), key, ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Validate(c.token, c.key)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestGenerateRoundTrip(t *testing.T) {
	key := []byte("secret")
	in := &Token{
		Protected:   Map{"1": "5"},
		Unprotected: Map{"4": []byte("kid-1")},
		Payload:     Map{"1": "iss", "4": 1740000000.0, "401": Map{"2": Map{"1": "/media/"}}, "catm": []any{"GET", "HEAD"}, "f": 1.5, "n": nil, "b": true},
	}
	for _, cwtTag := range []bool{false, true} {
		b, err := Generate(in, key, cwtTag)
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(b[:2]); (got == "d83d") != cwtTag {
			t.Errorf("cwtTag %v: token starts %s", cwtTag, got)
		}
		out, err := Validate(b, key)
		if err != nil {
			t.Fatal(err)
		}
		if out.Protected["1"] != 5.0 || out.Payload["4"] != 1740000000.0 || out.Payload["f"] != 1.5 || out.Payload["b"] != true {
			t.Errorf("round trip: %+v", out)
		}
		if p := out.Payload["401"].(Map)["2"].(Map)["1"]; p != "/media/" {
			t.Errorf("nested claim = %v", p)
		}
		// Labels are integers on the wire: claim 4 is the byte 0x04, not "4".
		if !bytes.Contains(b, []byte{0x04, 0x1a}) {
			t.Errorf("exp not encoded under integer label 4: %x", b)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	big := &Token{Protected: Map{"1": 5.0}, Payload: Map{"1": strings.Repeat("x", MaxTokenSize)}}
	if _, err := Generate(big, []byte("k"), true); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversize: %v", err)
	}
	for _, alg := range []any{nil, 6.0, "HS256", 5.5} {
		if _, err := Generate(&Token{Protected: Map{"1": alg}}, []byte("k"), false); !errors.Is(err, ErrAlgorithm) {
			t.Errorf("alg %v: %v", alg, err)
		}
	}
}
