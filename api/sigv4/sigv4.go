package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// signingKeyID names one derived SigV4 signing key. The secret is not part of
// it: a Verifier's keyring is immutable, so an access key id fixes the secret.
type signingKeyID struct {
	accessKeyID, date, region, service string
}

// signingKey returns kSigning for the request's scope, derived once per
// (key, day, region, service) and then cached.
func (v *Verifier) signingKey(c Credential, a *authInfo) []byte {
	id := signingKeyID{c.AccessKeyID, a.date, a.region, a.service}
	if k, ok := v.signingKeys.get(id); ok {
		return k
	}
	k := hmacSHA256([]byte("AWS4"+c.SecretAccessKey), a.date)
	k = hmacSHA256(k, a.region)
	k = hmacSHA256(k, a.service)
	k = hmacSHA256(k, scopeTerminator)
	v.signingKeys.put(id, k)
	return k
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// validSigV4 recomputes the HMAC and compares it in constant time.
func (v *Verifier) validSigV4(c Credential, a *authInfo, stringToSign string) bool {
	got, err := hex.DecodeString(a.signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, hmacSHA256(v.signingKey(c, a), stringToSign))
}
