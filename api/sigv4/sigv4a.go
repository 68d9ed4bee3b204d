package sigv4

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
)

// validSigV4A checks the DER ECDSA signature against the public key derived
// from the secret. SigV4A signatures are randomized, so unlike SigV4 there is
// nothing to recompute and compare.
func (v *Verifier) validSigV4A(ctx context.Context, c Credential, a *authInfo, stringToSign string) bool {
	pub, err := v.publicKey(c)
	if err != nil {
		v.log.ErrorContext(ctx, "sigv4a: cannot derive public key", "accessKeyId", c.AccessKeyID, "err", err)
		return false
	}
	sig, err := hex.DecodeString(a.signature)
	if err != nil {
		return false
	}
	digest := sha256.Sum256([]byte(stringToSign))
	return ecdsa.VerifyASN1(pub, digest[:], sig)
}

// publicKey returns the cached SigV4A public key of an access key; deriving it
// costs a scalar multiplication, far more than a verification's hashing.
func (v *Verifier) publicKey(c Credential) (*ecdsa.PublicKey, error) {
	if pub, ok := v.publicKeys.get(c.AccessKeyID); ok {
		return pub, nil
	}
	d, err := deriveScalar(c.AccessKeyID, c.SecretAccessKey)
	if err != nil {
		return nil, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, fmt.Errorf("sigv4a: derived scalar: %w", err)
	}
	v.publicKeys.put(c.AccessKeyID, &priv.PublicKey)
	return &priv.PublicKey, nil
}

// deriveScalar turns an access key pair into the P-256 private scalar that
// SigV4A signers use, as a 32-byte big-endian string. Each candidate is one
// block of the NIST SP 800-108 counter-mode KDF (HMAC-SHA256 keyed with
// "AWS4A"+secret, label = the algorithm name, context = access key id plus a
// one-byte retry counter, output length 256 bits); the first candidate c below
// n-2 gives d = c+1 (FIPS 186-4 B.4.2 testing candidates).
func deriveScalar(accessKeyID, secret string) ([]byte, error) {
	nMinus2 := new(big.Int).Sub(elliptic.P256().Params().N, big.NewInt(2)).FillBytes(make([]byte, 32))
	mac := hmac.New(sha256.New, []byte("AWS4A"+secret))
	input := make([]byte, 0, 4+len(AlgorithmSigV4A)+1+len(accessKeyID)+1+4)
	for retry := 1; retry <= 0xFF; retry++ {
		input = binary.BigEndian.AppendUint32(input[:0], 1) // KDF block counter: one block is 256 bits
		input = append(input, AlgorithmSigV4A...)
		input = append(input, 0)
		input = append(input, accessKeyID...)
		input = append(input, byte(retry))
		input = binary.BigEndian.AppendUint32(input, 256)
		mac.Reset()
		mac.Write(input)
		c := mac.Sum(nil)
		if lessConstantTime(c, nMinus2) {
			d := new(big.Int).SetBytes(c)
			return d.Add(d, big.NewInt(1)).FillBytes(c), nil
		}
	}
	return nil, errors.New("sigv4a: no P-256 scalar candidate below n-2 in 255 tries")
}

// lessConstantTime reports x < y for equal-length big-endian numbers without
// branching on their bytes: it subtracts y from x and returns the final borrow.
func lessConstantTime(x, y []byte) bool {
	borrow := 0
	for i := len(x) - 1; i >= 0; i-- {
		diff := int(x[i]) - int(y[i]) - borrow
		borrow = (diff >> 8) & 1
	}
	return borrow == 1
}
