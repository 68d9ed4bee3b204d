package codec

import (
	"bytes"
	"testing"
)

// The expected outputs were checked against Node.js 20 (Buffer and
// TextDecoder) and, for DecodeBase64Prefix, against njs's decoder.
func TestDecodeUTF8(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"valid", []byte("hé€😀"), "hé€😀"},
		{"empty", nil, ""},
		{"truncated three-byte", []byte{0xe2, 0x82, 0x41}, "\ufffdA"},
		{"truncated four-byte", []byte{0xf0, 0x9f, 0x98, 0xc3, 0x28}, "\ufffd\ufffd("},
		{"surrogate", []byte{0xed, 0xa0, 0x80}, "\ufffd\ufffd\ufffd"},
		{"above U+10FFFF", []byte{0xf4, 0x90, 0x80, 0x80}, "\ufffd\ufffd\ufffd\ufffd"},
		{"overlong", []byte{0xc0, 0xaf, 0xe0, 0x80}, "\ufffd\ufffd\ufffd\ufffd"},
		{"invalid lead", []byte{0xff, 0x41}, "\ufffdA"},
		{"incomplete at end", []byte{0x41, 0xf0, 0x9f}, "A\ufffd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DecodeUTF8(c.in); got != c.want {
				t.Errorf("DecodeUTF8(% x) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestPrefixUTF8(t *testing.T) {
	text := []byte("ab€c") // € is three bytes at 2..4
	cases := []struct{ limit, want int }{{0, 0}, {2, 2}, {3, 2}, {4, 2}, {5, 5}, {6, 6}, {9, 6}}
	for _, c := range cases {
		if got := PrefixUTF8(text, c.limit); got != c.want {
			t.Errorf("PrefixUTF8(%q, %d) = %d, want %d", text, c.limit, got, c.want)
		}
	}
}

func TestDecoders(t *testing.T) {
	cases := []struct {
		name   string
		decode func([]byte) []byte
		in     string
		want   []byte
	}{
		{"hex", DecodeHex, "DEADbeef", []byte{0xde, 0xad, 0xbe, 0xef}},
		{"hex stops at bad pair", DecodeHex, "abzzcd", []byte{0xab}},
		{"hex odd", DecodeHex, "abc", []byte{0xab}},
		{"hex empty", DecodeHex, "a", []byte{}},
		{"base64", DecodeBase64, "aGVsbG8gd29ybGQ=", []byte("hello world")},
		{"base64 unpadded", DecodeBase64, "aGVsbG8", []byte("hello")},
		{"base64 both alphabets", DecodeBase64, "-_+/", []byte{0xfb, 0xff, 0xbf}},
		{"base64 skips junk", DecodeBase64, "aG Vs\n*bG8=", []byte("hello")},
		{"base64 stops at pad", DecodeBase64, "YQ==YQ==", []byte("a")},
		{"base64 lone sextet", DecodeBase64, "Y", []byte{}},
		{"prefix std", func(b []byte) []byte { return DecodeBase64Prefix(b, false) }, "P/8-", []byte{0x3f, 0xff}},
		{"prefix url", func(b []byte) []byte { return DecodeBase64Prefix(b, true) }, "P_8-", []byte{0x3f, 0xff, 0x3e}},
		{"prefix stops at space", func(b []byte) []byte { return DecodeBase64Prefix(b, false) }, "aG k=", []byte("h")},
		{"prefix wrong alphabet", func(b []byte) []byte { return DecodeBase64Prefix(b, true) }, "P/8", []byte{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.decode([]byte(c.in)); !bytes.Equal(got, c.want) {
				t.Errorf("decode(%q) = % x, want % x", c.in, got, c.want)
			}
		})
	}
}
