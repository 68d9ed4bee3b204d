package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/sigv4"
	"github.com/edgefn/edgefn/runtime"
)

var (
	alice = sigv4.Credential{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice-secret", AccountID: "111111111111"}
	bob   = sigv4.Credential{AccessKeyID: "AKIDBOB", SecretAccessKey: "bob-secret", AccountID: "222222222222"}
	devK  = sigv4.Credential{AccessKeyID: "AKIDDEV", SecretAccessKey: "dev-secret", AccountID: "000000000000"}
)

// recorder is an API handler that answers with the identity it was called
// under and the path it saw.
type recorder struct{}

func (recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, _ := sigv4.IdentityFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]string{"account": id.AccountID, "service": id.Service, "path": r.URL.EscapedPath(), "cookie": r.Header.Get("Cookie")})
}

type distributions map[string][]string // account -> ids

func (d distributions) ListDistributions(_ context.Context, account, _ string, _ int) ([]*edgefn.Distribution, string, error) {
	var out []*edgefn.Distribution
	for _, id := range d[account] {
		out = append(out, &edgefn.Distribution{ID: id})
	}
	return out, "", nil
}

type fixture struct {
	t   *testing.T
	c   *Console
	now time.Time
	reg *prometheus.Registry
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	keys, err := sigv4.NewKeyring(alice, bob, devK)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), reg: prometheus.NewRegistry()}
	f.c, err = New(Config{
		Keys: keys, DevAccessKeyID: devK.AccessKeyID,
		CloudFront: recorder{}, KeyValueStore: recorder{},
		Compiler:      runtime.New(runtime.Options{}),
		Distributions: distributions{alice.AccountID: {"EALICE"}, bob.AccountID: {"EBOB"}},
		Metrics:       f.reg,
		Now:           func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// do serves one request from remote with the given cookies.
func (f *fixture) do(method, target, remote string, body string, header http.Header, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.RemoteAddr = remote
	for k, v := range header {
		r.Header[k] = v
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.c.ServeHTTP(w, r)
	return w
}

var tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)

// signIn posts the sign-in form from remote; it returns the response and the
// session cookie, if one was set.
func (f *fixture) signIn(cred sigv4.Credential, secret, remote string) (*httptest.ResponseRecorder, *http.Cookie) {
	f.t.Helper()
	page := f.do("GET", "/console/login", remote, "", nil)
	m := tokenField.FindStringSubmatch(page.Body.String())
	if m == nil {
		f.t.Fatalf("no token in the sign-in page:\n%s", page.Body)
	}
	form := url.Values{"token": {m[1]}, "accessKeyId": {cred.AccessKeyID}, "secretAccessKey": {secret}}
	w := f.do("POST", "/console/login", remote, form.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, page.Result().Cookies()...)
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return w, c
		}
	}
	return w, nil
}

func (f *fixture) mustSignIn(cred sigv4.Credential) (*http.Cookie, string) {
	f.t.Helper()
	w, ck := f.signIn(cred, cred.SecretAccessKey, "127.0.0.1:5000")
	if ck == nil || w.Code != http.StatusSeeOther || w.Header().Get("Location") != Prefix {
		f.t.Fatalf("sign-in as %s: %d %v\n%s", cred.AccessKeyID, w.Code, w.Header(), w.Body)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Expires.IsZero() || ck.Path != Prefix {
		f.t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, an expiry and Path %s", ck, Prefix)
	}
	var s struct{ CSRFToken string }
	info := f.do("GET", "/console/api/session", "127.0.0.1:5000", "", nil, ck)
	if err := json.Unmarshal(info.Body.Bytes(), &s); err != nil || s.CSRFToken == "" {
		f.t.Fatalf("session info: %d %s", info.Code, info.Body)
	}
	return ck, s.CSRFToken
}

func TestNoSessionRedirectsPagesAndRefusesAPI(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/console/", "/console/app.js", "/console/index.html"} {
		w := f.do("GET", p, "127.0.0.1:1", "", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/console/login" {
			t.Errorf("GET %s without a session: %d %q, want 303 to /console/login", p, w.Code, w.Header().Get("Location"))
		}
	}
	for _, p := range []string{"/console/api/session", "/console/api/metrics", "/console/api/cloudfront/2020-05-31/function", "/console/api/kvs/key-value-stores/x"} {
		w := f.do("GET", p, "127.0.0.1:1", "", nil)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: %d, want 401", p, w.Code)
		}
	}
	if w := f.do("GET", "/console/login", "127.0.0.1:1", "", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "secretAccessKey") {
		t.Errorf("sign-in page: %d", w.Code)
	}
}

func TestSignInRefusals(t *testing.T) {
	f := newFixture(t)
	if w, ck := f.signIn(alice, "wrong", "127.0.0.1:1"); ck != nil || w.Code != http.StatusUnauthorized {
		t.Errorf("bad secret: %d, cookie %v; want 401 and no session", w.Code, ck)
	}
	if w, ck := f.signIn(sigv4.Credential{AccessKeyID: "AKIDNOBODY"}, "x", "127.0.0.1:1"); ck != nil || w.Code != http.StatusUnauthorized {
		t.Errorf("unknown key: %d, cookie %v; want 401 and no session", w.Code, ck)
	}
	if w, ck := f.signIn(devK, devK.SecretAccessKey, "192.0.2.7:4000"); ck != nil || w.Code != http.StatusUnauthorized {
		t.Errorf("development key from beyond loopback: %d, cookie %v; want 401 and no session", w.Code, ck)
	}
	if _, ck := f.signIn(devK, devK.SecretAccessKey, "[::1]:4000"); ck == nil {
		t.Error("development key from loopback: refused")
	}
	if _, ck := f.signIn(alice, alice.SecretAccessKey, "192.0.2.7:4000"); ck == nil {
		t.Error("a configured key from beyond loopback: refused")
	}
	// The form must echo the token of the sign-in cookie.
	form := url.Values{"token": {"forged"}, "accessKeyId": {alice.AccessKeyID}, "secretAccessKey": {alice.SecretAccessKey}}
	w := f.do("POST", "/console/login", "127.0.0.1:1", form.Encode(), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		&http.Cookie{Name: loginCookie, Value: "other"})
	if w.Code != http.StatusForbidden || strings.Contains(w.Header().Get("Set-Cookie"), sessionCookie+"=e") {
		t.Errorf("sign-in with a forged form token: %d, want 403 and no session", w.Code)
	}
}

func TestCSRFGuardsStateChanges(t *testing.T) {
	f := newFixture(t)
	ck, token := f.mustSignIn(alice)
	_, bobToken := f.mustSignIn(bob)
	post := func(tok string) int {
		h := http.Header{"Content-Type": {"application/xml"}}
		if tok != "" {
			h.Set("X-CSRF-Token", tok)
		}
		return f.do("POST", "/console/api/cloudfront/2020-05-31/function", "127.0.0.1:1", "<x/>", h, ck).Code
	}
	if c := post(""); c != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d, want 403", c)
	}
	if c := post("bm90LWEtdG9rZW4"); c != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d, want 403", c)
	}
	if c := post(bobToken); c != http.StatusForbidden {
		t.Errorf("POST with another session's CSRF token: %d, want 403", c)
	}
	if c := post(token); c != http.StatusOK {
		t.Errorf("POST with the session's CSRF token: %d, want 200", c)
	}
	for _, p := range []string{"/console/api/check", "/console/logout", "/console/api/kvs/key-value-stores/x/keys", "/console/api/cloudfront/2020-05-31/function/x/test"} {
		if w := f.do("POST", p, "127.0.0.1:1", "{}", nil, ck); w.Code != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", p, w.Code)
		}
	}
}

func TestForwardActsForTheSessionAccount(t *testing.T) {
	f := newFixture(t)
	for _, cred := range []sigv4.Credential{alice, bob} {
		ck, token := f.mustSignIn(cred)
		var got map[string]string
		w := f.do("GET", "/console/api/kvs/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A1%3Akey-value-store%2Fid/keys", "127.0.0.1:1", "", nil, ck)
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		want := map[string]string{"account": cred.AccountID, "service": sigv4.ServiceKeyValueStore,
			"path": "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A1%3Akey-value-store%2Fid/keys", "cookie": ""}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: handler saw %s %q, want %q", cred.AccessKeyID, k, got[k], v)
			}
		}
		// TestFunction has a route of its own (for the error's position),
		// forwarded the same way.
		w = f.do("POST", "/console/api/cloudfront/2020-05-31/function/fn/test", "127.0.0.1:1", "<x/>", http.Header{"X-Csrf-Token": {token}}, ck)
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["account"] != cred.AccountID || got["path"] != "/2020-05-31/function/fn/test" || got["service"] != sigv4.ServiceCloudFront {
			t.Errorf("%s: TestFunction reached the handler as %d %s", cred.AccessKeyID, w.Code, w.Body)
		}
	}
}

func TestSessionExpiresAndResistsTampering(t *testing.T) {
	f := newFixture(t)
	ck, _ := f.mustSignIn(alice)
	_, mac, _ := strings.Cut(ck.Value, ".")
	// A cookie naming bob with alice's MAC.
	bobs, _ := json.Marshal(session{AccessKeyID: bob.AccessKeyID, Expires: f.now.Add(time.Hour).Unix(), Nonce: "n"})
	forged := base64.RawURLEncoding.EncodeToString(bobs) + "." + mac
	if w := f.do("GET", "/console/api/session", "127.0.0.1:1", "", nil, &http.Cookie{Name: sessionCookie, Value: forged}); w.Code != http.StatusUnauthorized {
		t.Errorf("tampered cookie: %d, want 401", w.Code)
	}
	f.now = f.now.Add(DefaultSessionTTL + time.Second)
	if w := f.do("GET", "/console/api/session", "127.0.0.1:1", "", nil, ck); w.Code != http.StatusUnauthorized {
		t.Errorf("expired session: %d, want 401", w.Code)
	}
}

func TestDevSessionRefusedBeyondLoopback(t *testing.T) {
	f := newFixture(t)
	ck, _ := f.mustSignIn(devK)
	if w := f.do("GET", "/console/api/session", "127.0.0.1:1", "", nil, ck); w.Code != http.StatusOK {
		t.Errorf("development session from loopback: %d", w.Code)
	}
	if w := f.do("GET", "/console/api/session", "198.51.100.3:1", "", nil, ck); w.Code != http.StatusUnauthorized {
		t.Errorf("development session from beyond loopback: %d, want 401", w.Code)
	}
}

func TestCheckPlacesRefusals(t *testing.T) {
	f := newFixture(t)
	ck, token := f.mustSignIn(alice)
	body := `{"runtime":"cloudfront-js-1.0","code":"function handler(event) {\n  let x = 1;\n  return event.request;\n}"}`
	w := f.do("POST", "/console/api/check", "127.0.0.1:1", body, http.Header{"X-Csrf-Token": {token}}, ck)
	var res checkResponse
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(res.Problems) == 0 || res.Problems[0].Line != 2 {
		t.Errorf("let in 1.0: problems %+v, want one at line 2", res.Problems)
	}
	body = `{"runtime":"cloudfront-js-2.0","code":"function handler(event) {\n  let x = 1;\n  return event.request;\n}"}`
	w = f.do("POST", "/console/api/check", "127.0.0.1:1", body, http.Header{"X-Csrf-Token": {token}}, ck)
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || len(res.Problems) != 0 {
		t.Errorf("valid 2.0 code: %d %s", w.Code, w.Body)
	}
	body = `{"runtime":"cloudfront-js-2.0","code":"function handler(event) {\n  var x = 1;\n  x = ;\n  return event.request;\n}"}`
	w = f.do("POST", "/console/api/check", "127.0.0.1:1", body, http.Header{"X-Csrf-Token": {token}}, ck)
	res = checkResponse{}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || len(res.Problems) == 0 || res.Problems[0].Line != 3 || !strings.Contains(res.Message, "in 3") {
		t.Errorf("2.0 syntax error on line 3: %d %s", w.Code, w.Body)
	}
}

func TestMetricsKeepToTheAccount(t *testing.T) {
	f := newFixture(t)
	inv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgefn_function_invocations_total"}, []string{"distribution_id", "function_name"})
	util := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "edgefn_function_compute_utilization"}, []string{"distribution_id", "function_name"})
	f.reg.MustRegister(inv, util)
	inv.WithLabelValues("EALICE", "a").Add(3)
	util.WithLabelValues("EALICE", "a").Observe(20)
	inv.WithLabelValues("EBOB", "b").Add(5)
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "edgefn_edge_requests_total"}, []string{"distribution_id", "status", "result_type"})
	f.reg.MustRegister(reqs)
	for _, r := range []struct {
		dist, status, result string
		n                    float64
	}{
		{"EALICE", "200", "Hit", 5},
		{"EALICE", "304", "RefreshHit", 1},
		{"EALICE", "200", "Miss", 2},
		{"EALICE", "404", "Miss", 3},
		{"EALICE", "503", "Error", 4},
		{"EALICE", "302", "FunctionGeneratedResponse", 6},
		{"EBOB", "200", "Hit", 7},
		{"", "421", "Error", 8}, // no distribution: nobody's
	} {
		reqs.WithLabelValues(r.dist, r.status, r.result).Add(r.n)
	}
	ck, _ := f.mustSignIn(alice)
	w := f.do("GET", "/console/api/metrics", "127.0.0.1:1", "", nil, ck)
	var res struct {
		Functions     []functionSeries
		Distributions []distributionSeries
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	want := []functionSeries{{DistributionID: "EALICE", FunctionName: "a", Invocations: 3, UtilizationSum: 20, UtilizationCount: 1}}
	if len(res.Functions) != 1 || res.Functions[0] != want[0] {
		t.Errorf("alice's metrics: %+v, want %+v", res.Functions, want)
	}
	wantDist := distributionSeries{DistributionID: "EALICE", Requests: 21, Errors4xx: 3, Errors5xx: 4, CacheHits: 6, CacheMisses: 5}
	if len(res.Distributions) != 1 || res.Distributions[0] != wantDist {
		t.Errorf("alice's distribution metrics: %+v, want %+v", res.Distributions, wantDist)
	}
}
