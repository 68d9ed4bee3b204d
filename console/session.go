package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Cookie names. The login cookie carries the token that the sign-in form must
// echo (a double-submit token: a sign-in form posted from another site cannot
// know it, so nobody can be signed in to an attacker's account unawares).
const (
	sessionCookie = "edgefn_console"
	loginCookie   = "edgefn_console_login"
)

// session is what the signed cookie says: who signed in and until when. The
// nonce ties the CSRF token to this sign-in only.
type session struct {
	AccessKeyID string `json:"k"`
	Expires     int64  `json:"e"` // Unix seconds
	Nonce       string `json:"n"`
}

// signer makes and checks the console's MACs with a key drawn at start:
// sessions end when the server restarts, which keeps no secret on disk.
type signer struct {
	key []byte
}

func newSigner() (*signer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("console: session key: %w", err)
	}
	return &signer{key: key}, nil
}

func (s *signer) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		// The NUL separates parts so that ("ab","c") and ("a","bc") differ.
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console: random token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// encode returns the cookie value: base64url(JSON) "." base64url(MAC).
func (s *signer) encode(ss session) (string, error) {
	payload, err := json.Marshal(ss)
	if err != nil {
		return "", fmt.Errorf("console: encode session: %w", err)
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac("session", p)), nil
}

var errNoSession = errors.New("no valid session")

// decode checks a cookie value's MAC and expiry.
func (s *signer) decode(value string, now time.Time) (session, error) {
	p, sig, ok := strings.Cut(value, ".")
	if !ok {
		return session{}, errNoSession
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac("session", p)) {
		return session{}, errNoSession
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return session{}, errNoSession
	}
	var ss session
	if err := json.Unmarshal(payload, &ss); err != nil {
		return session{}, errNoSession
	}
	if now.Unix() >= ss.Expires {
		return session{}, errNoSession
	}
	return ss, nil
}

// csrf is the token that state-changing requests of a session must carry in
// the X-CSRF-Token header.
func (s *signer) csrf(ss session) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", ss.Nonce))
}

func (s *signer) validCSRF(ss session, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && token != "" && hmac.Equal(got, s.mac("csrf", ss.Nonce))
}

// cookie is a console cookie: HttpOnly so scripts cannot read it, SameSite
// Strict so other sites' pages never send it, Secure when served over TLS.
func cookie(r *http.Request, name, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     Prefix,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   r.TLS != nil,
		Expires:  expires,
	}
	if value == "" {
		c.MaxAge = -1
	}
	return c
}
