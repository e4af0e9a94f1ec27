package seed_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/examples/seed"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/httpd/loginpage"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identityhttp"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/ratelimit/ratelimithttp"
	"github.com/rampart/rampart/store/storetest"
)

// fixture is the seed's routes and the login page on a server wired as
// the real one is: identity for authentication and sessions, the rate
// limiter, the CSRF guard bound to identity's session keys.
type fixture struct {
	id     *identitytest.Env
	h      http.Handler
	cookie *http.Cookie // alice's session
	key    string       // alice's API key
}

// newFixture builds the server; anonymousBurst sizes the "anonymous"
// rate-limit policy (per client IP, per minute).
func newFixture(t *testing.T, anonymousBurst int) *fixture {
	t.Helper()
	id := identitytest.New(t, storetest.SQLite(t))
	uid := id.CreateUser(t, "alice")
	f := &fixture{id: id, cookie: id.Login(t, "alice"), key: id.APIKey(t, uid)}

	lim, err := ratelimit.New(ratelimit.Config{Policies: map[string]ratelimit.PolicyConfig{
		"anonymous": {Rate: anonymousBurst, Period: time.Minute, Burst: anonymousBurst},
		// The login page tests try many logins from one address.
		ratelimit.PolicyLoginIP: {Rate: 1000, Period: time.Minute, Burst: 1000},
	}}, ratelimit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	guard, err := httpd.NewCSRFGuard(httpd.CSRFOptions{
		Secret: []byte(strings.Repeat("s", 32)), SessionKey: identityhttp.SessionCSRFKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := httpd.Config{}
	cfg.Defaults()
	srv := httpd.New(cfg, slog.New(slog.DiscardHandler))
	srv.Auth, srv.Limiter, srv.CSRF = id.Web, ratelimithttp.Limiter{L: lim}, guard
	routes := append(seed.Routes(seed.Deps{CSRF: guard}), loginpage.Routes(loginpage.Options{Auth: id.Web, CSRF: guard})...)
	if err := srv.Register(routes...); err != nil {
		t.Fatal(err)
	}
	if f.h, err = srv.Handler(); err != nil {
		t.Fatal(err)
	}
	return f
}

type call struct {
	method, path, ct, body string
	cookies                []*http.Cookie
	hdr                    []string
	remote                 string
}

func (f *fixture) do(c call) *httptest.ResponseRecorder {
	r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.ct != "" {
		r.Header.Set("Content-Type", c.ct)
	}
	for _, ck := range c.cookies {
		r.AddCookie(ck)
	}
	for i := 0; i+1 < len(c.hdr); i += 2 {
		r.Header.Set(c.hdr[i], c.hdr[i+1])
	}
	if c.remote != "" {
		r.RemoteAddr = c.remote
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func jsonCall(path, body string, hdr ...string) call {
	return call{method: "POST", path: path, ct: "application/json", body: body, hdr: hdr}
}

// TestSeedEndpoints shows, per endpoint, the secure call served and the
// insecure ones refused with the right status.
func TestSeedEndpoints(t *testing.T) {
	f := newFixture(t, 1000)
	sess := []*http.Cookie{f.cookie}
	withSession := func(c call) call { c.cookies = sess; return c }
	cases := []struct {
		name   string
		c      call
		status int
		check  func(t *testing.T, w *httptest.ResponseRecorder)
	}{
		{"data: valid input", jsonCall("/api/data", `{"name":"Widget","quantity":2,"email":"a@b.example","channel":"web"}`), 200, bodyHas(`"message":"Hello World"`)},
		{"data: invalid input, field by field", jsonCall("/api/data", `{"quantity":0,"email":"nope","channel":"fax","admin":true}`), 422, func(t *testing.T, w *httptest.ResponseRecorder) {
			fields := fieldsOf(t, w)
			for f, msg := range map[string]string{"name": "is required", "quantity": "must be at least 1", "email": "must be a valid email address",
				"channel": "must be one of: web, mobile, partner", "admin": "unknown field"} {
				if fields[f] != msg {
					t.Errorf("%s: %q, want %q", f, fields[f], msg)
				}
			}
		}},
		{"data: duplicate keys", jsonCall("/api/data", `{"name":"a","name":"b"}`), 400, bodyHas("duplicate key")},
		{"data: trailing data", jsonCall("/api/data", `{"name":"a"} {"name":"b"}`), 400, nil},
		{"data: array instead of object", jsonCall("/api/data", `[{"name":"a"}]`), 400, bodyHas("must be a JSON object")},
		{"data: nesting too deep", jsonCall("/api/data", `{"name":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`), 400, nil},
		{"data: wrong content type", call{method: "POST", path: "/api/data", ct: "text/plain", body: `{"name":"a"}`}, 415, nil},
		{"data: GET not allowed", call{method: "GET", path: "/api/data"}, 405, header("Allow", "POST")},
		{"data: oversized body", jsonCall("/api/data", `{"name":"`+strings.Repeat("x", 5000)+`"}`), 413, nil},

		{"orders: session", withSession(jsonCall("/api/orders", `{}`)), 200, bodyHas(`"status":"success"`)},
		{"orders: no session", jsonCall("/api/orders", `{}`), 401, bodyHas("SessionExpired")},
		{"orders: forged session", call{method: "POST", path: "/api/orders", ct: "application/json", body: "{}", cookies: []*http.Cookie{{Name: identity.CookieName, Value: strings.Repeat("A", 43)}}}, 401, nil},
		{"orders: cross-site post with the session cookie", withSession(jsonCall("/api/orders", `{}`, "Sec-Fetch-Site", "cross-site")), 403, bodyHas("Cross-origin request refused")},
		{"orders: never cached", withSession(jsonCall("/api/orders", `{}`)), 200, header("Cache-Control", "no-store")},

		{"secure-data: X-API-KEY", jsonCall("/api/secure-data", `{}`, "X-API-KEY", f.key), 200, bodyHas(`"data":"Secure Data"`)},
		{"secure-data: Authorization Bearer", jsonCall("/api/secure-data", `{}`, "Authorization", "Bearer "+f.key), 200, nil},
		{"secure-data: no key", jsonCall("/api/secure-data", `{}`), 401, header("WWW-Authenticate", "Bearer")},
		{"secure-data: wrong key", jsonCall("/api/secure-data", `{}`, "X-API-KEY", "rp_"+strings.Repeat("a", 40)), 401, func(t *testing.T, w *httptest.ResponseRecorder) {
			if strings.Contains(w.Body.String(), strings.Repeat("a", 40)) {
				t.Error("the submitted key is echoed back")
			}
		}},
		{"secure-data: session instead of key", withSession(jsonCall("/api/secure-data", `{}`)), 401, nil},

		{"v1: served, deprecated", withSession(jsonCall("/api/v1/data", `{}`)), 200, func(t *testing.T, w *httptest.ResponseRecorder) {
			header("Sunset", "Wed, 30 Jun 2027 00:00:00 GMT")(t, w)
			header("Deprecation", "@1788220800")(t, w)
			header("Link", `</api/v2/data>; rel="successor-version"`)(t, w)
		}},
		{"v2: current", withSession(jsonCall("/api/v2/data", `{}`)), 200, func(t *testing.T, w *httptest.ResponseRecorder) {
			header("Deprecation", "")(t, w)
			bodyHas(`"version":"v2"`)(t, w)
		}},
		{"v1: no session", jsonCall("/api/v1/data", `{}`), 401, nil},
		{"unversioned path", withSession(jsonCall("/data", `{}`)), 404, nil},

		{"data: preflight from any origin", call{method: "OPTIONS", path: "/api/data", hdr: []string{"Origin", "https://anywhere.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"}}, 204, func(t *testing.T, w *httptest.ResponseRecorder) {
			header("Access-Control-Allow-Origin", "*")(t, w)
			header("Access-Control-Allow-Credentials", "")(t, w)
		}},
		{"orders: preflight from the shop", call{method: "OPTIONS", path: "/api/orders", hdr: []string{"Origin", seed.ShopOrigin, "Access-Control-Request-Method", "POST"}}, 204, func(t *testing.T, w *httptest.ResponseRecorder) {
			header("Access-Control-Allow-Origin", seed.ShopOrigin)(t, w)
			header("Access-Control-Allow-Credentials", "true")(t, w)
		}},
		{"orders: preflight from another site", call{method: "OPTIONS", path: "/api/orders", hdr: []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}}, 403, header("Access-Control-Allow-Origin", "")},
		{"orders: the shop calls with the session cookie", withSession(jsonCall("/api/orders", `{}`, "Origin", seed.ShopOrigin, "Sec-Fetch-Site", "cross-site")), 200, header("Access-Control-Allow-Origin", seed.ShopOrigin)},
		{"data: cross-site with a session cookie", withSession(jsonCall("/api/data", `{"name":"a"}`, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")), 403, nil},
		{"data: cross-site without cookies", jsonCall("/api/data", `{"name":"a"}`, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), 200, header("Access-Control-Allow-Origin", "*")},
		{"form: without session, to the login page", call{method: "GET", path: "/api/form"}, 303, header("Location", "/web/login?redirect=%2Fapi%2Fform")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.do(c.c)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.check != nil {
				c.check(t, w)
			}
		})
	}
}

func TestSeedDataRateLimited(t *testing.T) {
	f := newFixture(t, 3)
	c := jsonCall("/api/data", `{"name":"a"}`)
	c.remote = "198.51.100.20:4000"
	var last *httptest.ResponseRecorder
	served := 0
	for range 10 {
		if last = f.do(c); last.Code != 200 {
			break
		}
		served++
	}
	if served == 0 || served > 6 || last.Code != 429 || last.Header().Get("Retry-After") == "" {
		t.Fatalf("served %d, then %d (Retry-After %q): %s", served, last.Code, last.Header().Get("Retry-After"), last.Body)
	}
	if !strings.Contains(last.Body.String(), "werkzeug.exceptions.TooManyRequests") {
		t.Errorf("429 body: %s", last.Body)
	}
	// Another client is not affected.
	c.remote = "198.51.100.21:4000"
	if w := f.do(c); w.Code != 200 {
		t.Errorf("other client: %d", w.Code)
	}
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func tokenOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("no token in %d %s", w.Code, w.Body)
	}
	return m[1]
}

func TestSeedFormCSRF(t *testing.T) {
	f := newFixture(t, 1000)
	sess := []*http.Cookie{f.cookie}
	tok := tokenOf(t, f.do(call{method: "GET", path: "/api/form", cookies: sess}))
	form := func(body string, hdr ...string) call {
		return call{method: "POST", path: "/api/form", ct: "application/x-www-form-urlencoded", body: body, cookies: sess, hdr: hdr}
	}
	cases := []struct {
		name   string
		c      call
		status int
		has    string
	}{
		{"valid token", form("title=Printer&priority=high&csrf_token=" + tok), 200, `Saved "Printer" with priority high`},
		{"token in header", form("title=Printer&priority=low", "X-CSRF-Token", tok), 200, "Saved"},
		{"missing token", form("title=Printer&priority=high"), 403, "Invalid CSRF token"},
		{"forged token", form("title=x&priority=low&csrf_token=" + strings.Repeat("0", 64) + tok[64:]), 403, "Invalid CSRF token"},
		{"cross-site with a valid token", form("title=x&priority=low&csrf_token="+tok, "Origin", "https://evil.example"), 403, "Cross-origin"},
		{"valid token, invalid input", form("title=&priority=urgent&csrf_token=" + tok), 422, "priority must be one of"},
		{"no session", call{method: "POST", path: "/api/form", ct: "application/x-www-form-urlencoded", body: "csrf_token=" + tok}, 303, ""},
		// The same user logged in elsewhere: another session, another key.
		{"token of another session of the same user", call{method: "POST", path: "/api/form", ct: "application/x-www-form-urlencoded",
			body: "title=x&priority=low&csrf_token=" + tok, cookies: []*http.Cookie{f.id.Login(t, "alice")}}, 403, "another session"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := f.do(c.c)
			if w.Code != c.status || !strings.Contains(w.Body.String(), c.has) {
				t.Fatalf("status %d, want %d with %q: %s", w.Code, c.status, c.has, w.Body)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	f := newFixture(t, 1000)
	get := f.do(call{method: "GET", path: "/web/login?redirect=%2Fapi%2Fform"})
	tok := tokenOf(t, get)
	anon := get.Result().Cookies()
	if len(anon) != 1 || get.Header().Get("Cache-Control") != "no-store" || !strings.Contains(get.Body.String(), `name="redirect" value="/api/form"`) {
		t.Fatalf("login page: cookies %v, headers %v", anon, get.Header())
	}
	login := func(body string, cookies []*http.Cookie, hdr ...string) *httptest.ResponseRecorder {
		return f.do(call{method: "POST", path: "/web/login", ct: "application/x-www-form-urlencoded", body: body, cookies: cookies, hdr: hdr})
	}
	creds := "login=alice&password=" + url.QueryEscape(identitytest.Password("alice")) + "&csrf_token=" + tok

	if w := login(creds+"&redirect=%2Fapi%2Fform", nil); w.Code != 403 {
		t.Errorf("token without its cookie: %d", w.Code)
	}
	if w := login("login=alice&password=x", anon); w.Code != 403 {
		t.Errorf("no token: %d", w.Code)
	}
	if w := login(creds, anon, "Sec-Fetch-Site", "cross-site"); w.Code != 403 || sessionCookie(w) != nil {
		t.Errorf("login CSRF: %d", w.Code)
	}
	w := login("login=alice&password=wrong&csrf_token="+tok, anon)
	if w.Code != 403 || !strings.Contains(w.Body.String(), "Wrong login/password") || sessionCookie(w) != nil {
		t.Errorf("wrong password: %d %s", w.Code, w.Body)
	}
	tokenOf403 := tokenRE.FindStringSubmatch(w.Body.String())
	if tokenOf403 == nil {
		t.Error("the re-rendered form has no token")
	}

	for redirect, want := range map[string]string{
		"/api/form?x=1":                  "/api/form?x=1",
		"https://evil.example/steal":     "/",
		"//evil.example/x":               "/",
		"/\\evil.example":                "/",
		"javascript:alert(1)":            "/",
		"":                               "/",
		"/web/login?redirect=//evil.com": "/web/login?redirect=//evil.com",
	} {
		w := login(creds+"&redirect="+url.QueryEscape(redirect), anon)
		if w.Code != 303 || w.Header().Get("Location") != want || sessionCookie(w) == nil {
			t.Errorf("redirect %q: %d Location %q", redirect, w.Code, w.Header().Get("Location"))
			continue
		}
	}
	// The new session works on a protected page.
	w = login(creds, anon)
	if g := f.do(call{method: "GET", path: "/api/form", cookies: []*http.Cookie{sessionCookie(w)}}); g.Code != 200 {
		t.Errorf("session from the login page: %d", g.Code)
	}
}

func sessionCookie(w *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == identity.CookieName && c.Value != "" {
			return c
		}
	}
	return nil
}

func bodyHas(s string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		if !strings.Contains(w.Body.String(), s) {
			t.Errorf("body lacks %q: %s", s, w.Body)
		}
	}
}

func header(k, v string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func fieldsOf(t *testing.T, w *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	var body struct {
		Fields []struct{ Field, Message string } `json:"fields"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range body.Fields {
		out[f.Field] = f.Message
	}
	return out
}
