// Package codec holds the byte-level text codecs the built-in modules share:
// WHATWG UTF-8 decoding, Node's lenient hex and base64 decoding, and the
// conversions between goja strings and their UTF-16 code units.
package codec
