package console

import (
	"html/template"
	"net/http"
)

// loginTemplate is the sign-in form; it is the only page served without a
// session.
var loginTemplate = template.Must(template.ParseFS(assets, "assets/login.html"))

type loginView struct {
	Token, Error, AccessKeyID string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.renderLogin(w, r, http.StatusOK, loginView{})
}

// renderLogin shows the form with a fresh sign-in token in a cookie and in the
// form.
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	token, err := randomToken()
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: sign-in page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Token = token
	http.SetCookie(w, cookie(r, loginCookie, token, c.cfg.Now().Add(c.cfg.SessionTTL)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := loginTemplate.Execute(w, v); err != nil {
		c.log.WarnContext(r.Context(), "console: render sign-in page", "err", err)
	}
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, r, http.StatusBadRequest, loginView{Error: "The form could not be read."})
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || ck.Value == "" || r.PostForm.Get("token") != ck.Value {
		c.log.DebugContext(r.Context(), "console: sign-in form without its token", "has_cookie", err == nil, "remote", r.RemoteAddr)
		c.renderLogin(w, r, http.StatusForbidden, loginView{Error: "The sign-in form expired: try again."})
		return
	}
	id := r.PostForm.Get("accessKeyId")
	cred, ok := c.authenticate(r, id, r.PostForm.Get("secretAccessKey"))
	if !ok {
		c.log.WarnContext(r.Context(), "console: sign-in refused", "access_key_id", id, "remote", r.RemoteAddr)
		c.renderLogin(w, r, http.StatusUnauthorized, loginView{Error: "Unknown access key, wrong secret, or a key not usable from here.", AccessKeyID: id})
		return
	}
	nonce, err := randomToken()
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	expires := c.cfg.Now().Add(c.cfg.SessionTTL)
	value, err := c.sign.encode(session{AccessKeyID: cred.AccessKeyID, Expires: expires.Unix(), Nonce: nonce})
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: sign-in", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, cookie(r, sessionCookie, value, expires))
	http.SetCookie(w, cookie(r, loginCookie, "", expires))
	c.log.InfoContext(r.Context(), "console: signed in", "access_key_id", cred.AccessKeyID, "account_id", cred.AccountID)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// logout forgets the cookie. The session's MAC stays valid until it expires
// (sessions are not stored), which the short lifetime bounds.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, who *signedIn) {
	http.SetCookie(w, cookie(r, sessionCookie, "", c.cfg.Now()))
	c.log.InfoContext(r.Context(), "console: signed out", "access_key_id", who.cred.AccessKeyID)
	writeJSON(w, http.StatusOK, map[string]string{"location": "/console/login"})
}
