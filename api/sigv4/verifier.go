package sigv4

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxSkew is how far X-Amz-Date may be from the server's clock, as on AWS.
const DefaultMaxSkew = 15 * time.Minute

// Cache bounds. Signing keys are per (key, day, region, service) and the region
// is whatever the client chose, so that cache needs a cap; public keys are per
// access key and only made for keys in the keyring.
const (
	maxSigningKeys = 4096
	maxPublicKeys  = 4096
)

// Identity is who signed a request and how.
type Identity struct {
	AccessKeyID string
	AccountID   string
	// Service is ServiceCloudFront or ServiceKeyValueStore, from the scope.
	Service string
	// Region is the SigV4 scope's region, or for SigV4A the X-Amz-Region-Set
	// value (usually "*").
	Region string
	// Algorithm is AlgorithmSigV4 or AlgorithmSigV4A.
	Algorithm string
}

// Verifier checks request signatures against a keyring. It is safe for
// concurrent use.
type Verifier struct {
	keys        *Keyring
	now         func() time.Time
	maxSkew     time.Duration
	log         *slog.Logger
	signingKeys *boundedCache[signingKeyID, []byte]
	publicKeys  *boundedCache[string, *ecdsa.PublicKey]
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithClock sets the clock that request times are checked against.
func WithClock(now func() time.Time) Option { return func(v *Verifier) { v.now = now } }

// WithMaxSkew sets how far a request's time may be from the clock (default
// DefaultMaxSkew).
func WithMaxSkew(d time.Duration) Option { return func(v *Verifier) { v.maxSkew = d } }

// WithLogger sets where rejections are logged, at debug level with the
// canonical request for signature mismatches (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(v *Verifier) { v.log = l } }

// NewVerifier returns a Verifier for the credentials in k.
func NewVerifier(k *Keyring, opts ...Option) *Verifier {
	v := &Verifier{
		keys:        k,
		now:         time.Now,
		maxSkew:     DefaultMaxSkew,
		log:         slog.New(slog.DiscardHandler),
		signingKeys: newBoundedCache[signingKeyID, []byte](maxSigningKeys),
		publicKeys:  newBoundedCache[string, *ecdsa.PublicKey](maxPublicKeys),
	}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Verify checks the SigV4 or SigV4A signature of r, whose body the caller has
// already read into body. On failure the error is an *Error.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Identity, error) {
	_, p, err := v.Head(r)
	if err != nil {
		return nil, err
	}
	return p.Verify(body)
}

// Pending is a request whose head passed Head: only the signature is left to
// check, and it covers the body's hash.
type Pending struct {
	v              *Verifier
	r              *http.Request
	a              *authInfo
	cred           Credential
	path, rawQuery string
}

// Head checks all that r's head decides before its body is read, so that a
// request without a usable signature is refused without reading it: the
// signature parameters are complete and coherent, the access key is known,
// the request time is current. service is the service the credential scope
// names ("" when it cannot be read), even when Head fails: it says which
// plane's error format to answer in. On failure the error is an *Error.
func (v *Verifier) Head(r *http.Request) (service string, p *Pending, err error) {
	path, rawQuery := rawTarget(r)
	a, e := parseAuth(r, rawQuery)
	if a != nil {
		service = a.service
	}
	if e != nil {
		v.reject(r.Context(), e, nil)
		return service, nil, e
	}
	cred, ok := v.keys.Lookup(a.accessKeyID)
	if !ok {
		e = errUnknownKey()
	} else {
		e = v.checkTime(a)
	}
	if e != nil {
		v.reject(r.Context(), e, a)
		return service, nil, e
	}
	return service, &Pending{v: v, r: r, a: a, cred: cred, path: path, rawQuery: rawQuery}, nil
}

// Verify checks the signature against the request's body. On failure the
// error is an *Error.
func (p *Pending) Verify(body []byte) (*Identity, error) {
	a := p.a
	if err := p.v.checkSignature(p.r.Context(), p.r, a, p.cred, p.path, p.rawQuery, body); err != nil {
		p.v.reject(p.r.Context(), err, a)
		return nil, err
	}
	region := a.region
	if a.algorithm == AlgorithmSigV4A {
		region = a.regionSet
	}
	return &Identity{
		AccessKeyID: p.cred.AccessKeyID,
		AccountID:   p.cred.AccountID,
		Service:     a.service,
		Region:      region,
		Algorithm:   a.algorithm,
	}, nil
}

// checkTime rejects requests signed too long ago or too far in the future.
// AWS reports clock skew as SignatureDoesNotMatch, and the SDKs' clock-skew
// correction retries on exactly that code, so this does the same; only an
// elapsed X-Amz-Expires on a presigned request is RequestExpired.
func (v *Verifier) checkTime(a *authInfo) *Error {
	now := v.now().UTC()
	if a.time.Sub(now) > v.maxSkew {
		return errMismatch("Signature not yet current: %s is still later than %s (%s + %s).",
			a.amzDate, now.Add(v.maxSkew).Format(amzDateLayout), now.Format(amzDateLayout), v.maxSkew)
	}
	if a.presigned && a.expires > 0 {
		if now.Sub(a.time) > a.expires {
			return errExpired()
		}
		return nil
	}
	if now.Sub(a.time) > v.maxSkew {
		return errMismatch("Signature expired: %s is now earlier than %s (%s - %s).",
			a.amzDate, now.Add(-v.maxSkew).Format(amzDateLayout), now.Format(amzDateLayout), v.maxSkew)
	}
	return nil
}

func (v *Verifier) checkSignature(ctx context.Context, r *http.Request, a *authInfo, cred Credential, path, rawQuery string, body []byte) *Error {
	payload, err := payloadHash(r, body)
	if err != nil {
		return err
	}
	canonical := canonicalRequest(r, canonicalURI(path), rawQuery, a, payload)
	if v.validSignature(ctx, a, cred, canonical) {
		return nil
	}
	if p, ok := normalizedPath(path); ok && v.validSignature(ctx, a, cred, canonicalRequest(r, canonicalURI(p), rawQuery, a, payload)) {
		return nil
	}
	v.log.DebugContext(ctx, "sigv4: signature mismatch",
		"accessKeyId", a.accessKeyID, "canonicalRequest", canonical, "stringToSign", stringToSign(a, canonical))
	return errSignature()
}

func (v *Verifier) validSignature(ctx context.Context, a *authInfo, cred Credential, canonical string) bool {
	sts := stringToSign(a, canonical)
	if a.algorithm == AlgorithmSigV4A {
		return v.validSigV4A(ctx, cred, a, sts)
	}
	return v.validSigV4(cred, a, sts)
}

func stringToSign(a *authInfo, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return a.algorithm + "\n" + a.amzDate + "\n" + a.scope + "\n" + hex.EncodeToString(sum[:])
}

// payloadHash is X-Amz-Content-Sha256 when the client sent it, else the hash of
// body. A hash header must match the body: the signature covers the header, not
// the body, so a stale header would let a replayed request carry a new body.
func payloadHash(r *http.Request, body []byte) (string, *Error) {
	h := r.Header.Get("X-Amz-Content-Sha256")
	if h == "UNSIGNED-PAYLOAD" {
		return h, nil
	}
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	if h == "" {
		return computed, nil
	}
	if !strings.EqualFold(h, computed) {
		return "", errContentHash()
	}
	return h, nil
}

func (v *Verifier) reject(ctx context.Context, err *Error, a *authInfo) {
	attrs := []any{"code", err.Code, "message", err.Message}
	if a != nil {
		attrs = append(attrs, "accessKeyId", a.accessKeyID, "algorithm", a.algorithm, "scope", a.scope)
	}
	v.log.DebugContext(ctx, "sigv4: request rejected", attrs...)
}
