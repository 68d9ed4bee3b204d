// Package cwt implements cf.cwt of cloudfront-js-2.0: CBOR Web Tokens
// (RFC 8392) in a tagged COSE_Mac0 structure (RFC 8152 §6.2) with HMAC-SHA256,
// tokens up to 1 KB. validateToken checks the structure and the MAC and
// returns the decoded token; as CloudFront documents, it does not check the
// claims (exp, nbf, …): that is the function's code's job.
package cwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// MaxTokenSize is CloudFront's limit on a token, encoded, in bytes.
const MaxTokenSize = 1024

// CBOR tags (RFC 8392 §6, RFC 8152 §2) and header labels (RFC 8152 §3.1).
const (
	tagCWT      = 61
	tagCOSEMac0 = 17
	labelAlg    = 1
)

// COSE MAC algorithms (RFC 8152 §9.1, Table 7) using HMAC-SHA256: HS256
// proper (256/256) and its 64-bit truncation, which CloudFront's own token
// example and RFC 8392's MACed example (Appendix A.4) use.
const (
	algHMAC256_64  = 4
	algHMAC256_256 = 5
)

var tagLength = map[int64]int{algHMAC256_64: 8, algHMAC256_256: sha256.Size}

// Errors validateToken and generateToken report; the messages are edgefn's
// (CloudFront does not document its texts).
var (
	ErrTooLarge     = fmt.Errorf("token exceeds the %d byte limit", MaxTokenSize)
	ErrMalformed    = errors.New("malformed token")
	ErrNotMac0      = errors.New("token is not a COSE_Mac0 structure (CBOR tag 17 required)")
	ErrAlgorithm    = errors.New("unsupported algorithm: only HMAC-SHA256 (COSE alg 5, or 4 truncated) is supported")
	ErrSignature    = errors.New("token signature verification failed")
	ErrPayload      = errors.New("token payload is not a CBOR map of claims")
	ErrUnsupported  = errors.New("unsupported CBOR value in token")
	ErrDuplicateKey = errors.New("duplicate key in token map")
)

// Map is a decoded CBOR map: keys are strings (integer labels in decimal, as
// CloudFront hands claim keys to JavaScript), values are nil, bool, float64,
// string, []byte, []any or Map.
type Map map[string]any

// Token is a decoded COSE_Mac0 CWT.
type Token struct {
	Protected, Unprotected, Payload Map
}

// decMode bounds what a hostile token can make the decoder do; with 1 KB of
// input the counts are bounded anyway, and the nesting limit keeps the
// conversion below shallow.
var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  16,
		MaxArrayElements: MaxTokenSize,
		MaxMapPairs:      MaxTokenSize,
		IndefLength:      cbor.IndefLengthAllowed,
		UTF8:             cbor.UTF8RejectInvalid,
		DefaultMapType:   reflect.TypeOf(map[any]any{}),
		IntDec:           cbor.IntDecConvertNone,
		BigIntDec:        cbor.BigIntDecodeValue,
	}.DecMode()
	if err != nil {
		panic(err) // constant options
	}
	return dm
}()

var encMode = func() cbor.EncMode {
	em, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Validate decodes token and checks its MAC with key.
func Validate(token, key []byte) (*Token, error) {
	if len(token) > MaxTokenSize {
		return nil, ErrTooLarge
	}
	var outer any
	if err := decMode.Unmarshal(token, &outer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if t, ok := outer.(cbor.Tag); ok && t.Number == tagCWT {
		outer = t.Content
	}
	t, ok := outer.(cbor.Tag)
	if !ok || t.Number != tagCOSEMac0 {
		return nil, ErrNotMac0
	}
	parts, ok := t.Content.([]any)
	if !ok || len(parts) != 4 {
		return nil, fmt.Errorf("%w: COSE_Mac0 must be an array of 4 items", ErrMalformed)
	}
	protected, ok1 := parts[0].([]byte)
	unprotected, ok2 := parts[1].(map[any]any)
	payload, ok3 := parts[2].([]byte)
	tag, ok4 := parts[3].([]byte)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, fmt.Errorf("%w: COSE_Mac0 items must be bstr, map, bstr, bstr", ErrMalformed)
	}
	prot, err := decodeMap(protected)
	if err != nil {
		return nil, fmt.Errorf("protected header: %w", err)
	}
	alg, ok := algorithm(prot[strconv.Itoa(labelAlg)])
	if !ok {
		return nil, ErrAlgorithm
	}
	// The MAC is checked before the payload is parsed: nothing an attacker
	// wrote without the key gets further than the headers.
	want, err := mac(key, protected, payload, alg)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(want, tag) {
		return nil, ErrSignature
	}
	unprot, err := toMap(unprotected)
	if err != nil {
		return nil, fmt.Errorf("unprotected header: %w", err)
	}
	claims, err := decodeMap(payload)
	if err != nil {
		return nil, err
	}
	return &Token{Protected: prot, Unprotected: unprot, Payload: claims}, nil
}

// Generate encodes t as a tagged COSE_Mac0, MACed with key; cwtTag adds the
// optional CWT tag around it. Keys of t's maps that are decimal integers are
// encoded as CBOR integers (claim and header labels), others as text.
func Generate(t *Token, key []byte, cwtTag bool) ([]byte, error) {
	alg, ok := algorithm(t.Protected[strconv.Itoa(labelAlg)])
	if !ok {
		return nil, ErrAlgorithm
	}
	prot := cborMap(t.Protected)
	prot[int64(labelAlg)] = alg // a label's value is an integer, however given
	protected, err := encodeHeader(prot)
	if err != nil {
		return nil, err
	}
	payload, err := encMode.Marshal(cborMap(t.Payload))
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	tag, err := mac(key, protected, payload, alg)
	if err != nil {
		return nil, err
	}
	var v any = cbor.Tag{Number: tagCOSEMac0, Content: []any{protected, cborMap(t.Unprotected), payload, tag}}
	if cwtTag {
		v = cbor.Tag{Number: tagCWT, Content: v}
	}
	out, err := encMode.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(out) > MaxTokenSize {
		return nil, ErrTooLarge
	}
	return out, nil
}

// encodeHeader serialises protected headers: an empty map is the empty
// string (RFC 8152 §3).
func encodeHeader(m map[any]any) ([]byte, error) {
	if len(m) == 0 {
		return []byte{}, nil
	}
	b, err := encMode.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("protected header: %w", err)
	}
	return b, nil
}

// mac computes the COSE_Mac0 tag: HMAC-SHA256 over MAC_structure
// ["MAC0", protected, external_aad (empty), payload] (RFC 8152 §6.3).
func mac(key, protected, payload []byte, alg int64) ([]byte, error) {
	structure, err := encMode.Marshal([]any{"MAC0", protected, []byte{}, payload})
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write(structure)
	return h.Sum(nil)[:tagLength[alg]], nil
}

// algorithm reads the alg header: an integer label, or its decimal string
// (CloudFront's generateToken example writes {1: "5"}).
func algorithm(v any) (int64, bool) {
	var n int64
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) {
			return 0, false
		}
		n = int64(x)
	case string:
		var err error
		if n, err = strconv.ParseInt(x, 10, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	_, ok := tagLength[n]
	return n, ok
}

// decodeMap decodes a bstr-wrapped map (the protected header, the claims);
// an empty protected header is the empty string.
func decodeMap(b []byte) (Map, error) {
	if len(b) == 0 {
		return Map{}, nil
	}
	var v any
	if err := decMode.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	m, ok := v.(map[any]any)
	if !ok {
		return nil, ErrPayload
	}
	return toMap(m)
}

func toMap(m map[any]any) (Map, error) {
	out := make(Map, len(m))
	for k, v := range m {
		var key string
		switch k := k.(type) {
		case uint64:
			key = strconv.FormatUint(k, 10)
		case int64:
			key = strconv.FormatInt(k, 10)
		case string:
			key = k
		default:
			return nil, fmt.Errorf("%w: map key of type %T", ErrUnsupported, k)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateKey, key)
		}
		val, err := toValue(v)
		if err != nil {
			return nil, err
		}
		out[key] = val
	}
	return out, nil
}

// toValue converts a decoded CBOR item to the values JavaScript receives:
// numbers become float64, as every JavaScript number is.
func toValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, []byte:
		return x, nil
	case uint64:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case big.Int:
		f, _ := new(big.Float).SetInt(&x).Float64()
		return f, nil
	case time.Time: // tags 0 and 1: as the epoch seconds claims use
		return float64(x.UnixNano()) / 1e9, nil
	case cbor.Tag: // other tags: their content
		return toValue(x.Content)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = toValue(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		return toMap(x)
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupported, v)
}

// cborMap turns a Map into what the encoder writes: decimal keys as integers.
func cborMap(m Map) map[any]any {
	out := make(map[any]any, len(m))
	for k, v := range m {
		out[label(k)] = cborValue(v)
	}
	return out
}

func label(k string) any {
	if n, err := strconv.ParseInt(k, 10, 64); err == nil && strconv.FormatInt(n, 10) == k {
		return n
	}
	return k
}

func cborValue(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x) // epoch seconds and labels are integers on the wire
		}
		return x
	case Map:
		return cborMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cborValue(e)
		}
		return out
	}
	return v
}
