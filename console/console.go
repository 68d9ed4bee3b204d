// Package console serves edgefn's web console under /console/ on the API
// listener: a sign-in with the API's own access keys, then a single-page
// application whose server side is the API's own handlers, called in-process
// under the signed-in account (so the console can do nothing the API would
// refuse, and shows what the API answers), plus two console-only endpoints: the
// compile check that puts refusals at their line, and the edge's function and
// request metrics as JSON for the charts. TestFunction's answers gain the
// position of a run's error in a header.
package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/runtime"
)

// Prefix is where the console is served.
const Prefix = "/console/"

// DefaultSessionTTL is how long a sign-in lasts.
const DefaultSessionTTL = 8 * time.Hour

//go:embed assets
var assets embed.FS

// Keyring is where access keys are looked up: the one the API's SigV4
// verifier uses.
type Keyring interface {
	Lookup(accessKeyID string) (sigv4.Credential, bool)
}

// Compiler compiles function code; a *runtime.CompileError is a refusal.
type Compiler interface {
	Compile(code []byte, rt edgefn.Runtime) (*runtime.Program, error)
}

// DistributionLister lists an account's distributions, to keep the metrics of
// other accounts out of its charts.
type DistributionLister interface {
	ListDistributions(ctx context.Context, account, marker string, max int) ([]*edgefn.Distribution, string, error)
}

// Config wires the console to the server's parts.
type Config struct {
	Keys Keyring
	// DevAccessKeyID is the development key's id, if the server uses it: a
	// sign-in with it is accepted from loopback addresses only.
	DevAccessKeyID string
	// CloudFront and KeyValueStore are the API's handlers; they read the
	// account from sigv4.IdentityFrom.
	CloudFront, KeyValueStore http.Handler
	Compiler                  Compiler
	Distributions             DistributionLister
	// Metrics is the registry the edge counts function runs in.
	Metrics    prometheus.Gatherer
	SessionTTL time.Duration // default DefaultSessionTTL
	// MaxBodyBytes caps request bodies, as the API does (default 4 MiB).
	MaxBodyBytes int64
	Logger       *slog.Logger
	Now          func() time.Time // default time.Now
}

// Console is the console's http.Handler, for paths under Prefix.
type Console struct {
	cfg    Config
	log    *slog.Logger
	sign   *signer
	static http.Handler
	mux    *http.ServeMux
}

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 4 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sign, err := newSigner()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		return nil, fmt.Errorf("console: assets: %w", err)
	}
	c := &Console{cfg: cfg, log: cfg.Logger, sign: sign, static: http.StripPrefix(Prefix, http.FileServerFS(sub)), mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	c.mux.HandleFunc("GET /console/login", c.loginPage)
	c.mux.HandleFunc("POST /console/login", c.login)
	// The sign-in page's style sheet is public; behind the sign-in, its
	// redirect would renew the sign-in token under the form's feet.
	c.mux.Handle("GET /console/style.css", c.static)
	c.mux.Handle("POST /console/logout", c.authed(c.logout))
	c.mux.Handle("GET /console/api/session", c.authed(c.sessionInfo))
	c.mux.Handle("POST /console/api/check", c.authed(c.check))
	c.mux.Handle("GET /console/api/metrics", c.authed(c.metrics))
	c.mux.Handle("/console/api/cloudfront/", c.authed(c.forward("/console/api/cloudfront", sigv4.ServiceCloudFront, c.cfg.CloudFront)))
	c.mux.Handle("POST /console/api/cloudfront/2020-05-31/function/{Name}/test", c.authed(c.forward("/console/api/cloudfront", sigv4.ServiceCloudFront, withErrorPosition(c.cfg.CloudFront))))
	c.mux.Handle("/console/api/kvs/", c.authed(c.forward("/console/api/kvs", sigv4.ServiceKeyValueStore, c.cfg.KeyValueStore)))
	c.mux.Handle("/console/api/", c.authed(func(w http.ResponseWriter, _ *http.Request, _ *signedIn) {
		writeJSONError(w, http.StatusNotFound, "no such console endpoint")
	}))
	// The application's page and assets: without a session, the page sends
	// the browser to the sign-in.
	c.mux.Handle("/console/", c.authed(func(w http.ResponseWriter, r *http.Request, _ *signedIn) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		c.static.ServeHTTP(w, r)
	}))
	c.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
	})
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The console is a page of its own: no framing by other sites, no scripts
	// but its own. Inline styles are allowed: the editor injects its theme.
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// signedIn is the caller of an authenticated request.
type signedIn struct {
	session session
	cred    sigv4.Credential
}

type authedHandler func(w http.ResponseWriter, r *http.Request, who *signedIn)

// authed admits requests with a valid session, and state-changing ones only
// with the session's CSRF token too. Pages without a session redirect to the
// sign-in; API calls get 401.
func (c *Console) authed(next authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, ok := c.who(r)
		if !ok {
			if strings.HasPrefix(r.URL.Path, "/console/api/") {
				writeJSONError(w, http.StatusUnauthorized, "sign in first")
				return
			}
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		default:
			if !c.sign.validCSRF(who.session, r.Header.Get("X-CSRF-Token")) {
				c.log.WarnContext(r.Context(), "console: request without a valid CSRF token refused", "method", r.Method, "path", r.URL.Path, "access_key_id", who.cred.AccessKeyID)
				writeJSONError(w, http.StatusForbidden, "missing or invalid CSRF token")
				return
			}
		}
		next(w, r, who)
	})
}

// who is the request's signed-in caller, if its session is valid and its key
// still usable from where the request comes.
func (c *Console) who(r *http.Request) (*signedIn, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	ss, err := c.sign.decode(ck.Value, c.cfg.Now())
	if err != nil {
		return nil, false
	}
	cred, ok := c.cfg.Keys.Lookup(ss.AccessKeyID)
	if !ok || !c.keyAllowedFrom(cred.AccessKeyID, r) {
		return nil, false
	}
	return &signedIn{session: ss, cred: cred}, true
}

// keyAllowedFrom refuses the development key beyond loopback, as serve
// refuses to expose the API with it.
func (c *Console) keyAllowedFrom(accessKeyID string, r *http.Request) bool {
	return c.cfg.DevAccessKeyID == "" || accessKeyID != c.cfg.DevAccessKeyID || fromLoopback(r)
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authenticate checks an access key pair against the keyring.
func (c *Console) authenticate(r *http.Request, accessKeyID, secret string) (sigv4.Credential, bool) {
	cred, ok := c.cfg.Keys.Lookup(accessKeyID)
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(cred.SecretAccessKey)) != 1 {
		return sigv4.Credential{}, false
	}
	return cred, c.keyAllowedFrom(cred.AccessKeyID, r)
}

func (c *Console) sessionInfo(w http.ResponseWriter, _ *http.Request, who *signedIn) {
	writeJSON(w, http.StatusOK, map[string]any{
		"accessKeyId": who.cred.AccessKeyID,
		"accountId":   who.cred.AccountID,
		"csrfToken":   c.sign.csrf(who.session),
		"expires":     time.Unix(who.session.Expires, 0).UTC(),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}
