package httpd

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

// fakeSessions authenticates the cookie sid=<name> as a session user and
// exposes a per-session CSRF key, like identity does.
type fakeSessions struct{}

type fakeSessKey struct{}

func (fakeSessions) Authenticate(r *Request) error {
	if r.Route.Auth == AuthNone {
		return nil
	}
	if c, err := r.HTTP.Cookie("sid"); err == nil {
		r.Principal = &principal.Principal{UserID: int64(len(c.Value)), Login: c.Value, Via: "session"}
		r.Values[fakeSessKey{}] = []byte("key-of-" + c.Value)
		return nil
	}
	if r.HTTP.Header.Get("Authorization") != "" {
		r.Principal = &principal.Principal{UserID: 9, Via: "key"}
		return nil
	}
	if r.Route.Auth == AuthPublic {
		r.Principal = &principal.Principal{Public: true, Via: "public"}
		return nil
	}
	return errs.E(errs.SessionExpired, "Session expired")
}

func fakeSessionKey(r *Request) ([]byte, bool) {
	k, ok := r.Values[fakeSessKey{}].([]byte)
	return k, ok
}

type csrfFixture struct {
	h       http.Handler
	guard   *CSRFGuard
	now     time.Time
	changes int
}

func newCSRFFixture(t *testing.T) *csrfFixture {
	t.Helper()
	f := &csrfFixture{now: time.Unix(1_800_000_000, 0)}
	g, err := NewCSRFGuard(CSRFOptions{
		Secret: []byte(strings.Repeat("k", 32)), SessionKey: fakeSessionKey,
		Clock: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.guard = g
	render := func(r *Request) (any, error) {
		tok, err := g.Token(r)
		return `<form method="post"><input type="hidden" name="csrf_token" value="` + tok + `"></form>`, err
	}
	change := func(*Request) (any, error) { f.changes++; return "saved", nil }
	no := false
	_, f.h, _ = testServer(t, func(s *Server) { s.Auth, s.CSRF = fakeSessions{}, g },
		&Route{Path: "/form", Auth: AuthUser, Handler: render},
		&Route{Path: "/form", Auth: AuthUser, Methods: []string{"POST"}, Handler: change},
		&Route{Path: "/login", Auth: AuthNone, Handler: render},
		&Route{Path: "/login", Auth: AuthNone, Methods: []string{"POST"}, Handler: change},
		&Route{Path: "/hook", Auth: AuthNone, Methods: []string{"POST"}, CSRF: &no, Handler: change},
		&Route{Path: "/rpc", Type: TypeJSONRPC, Auth: AuthPublic, Handler: change},
		&Route{Path: "/shared", Type: TypeJSON2, Auth: AuthUser, Handler: change,
			CORS: &CORS{Origins: []string{"https://app.example"}, Credentials: true}},
	)
	return f
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// get renders a form and returns its token and the cookies set.
func (f *csrfFixture) get(t *testing.T, path string, cookies ...*http.Cookie) (string, []*http.Cookie) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	m := tokenRE.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return m[1], w.Result().Cookies()
}

func (f *csrfFixture) post(path, body string, cookies []*http.Cookie, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func TestCSRFTokens(t *testing.T) {
	f := newCSRFFixture(t)
	alice := []*http.Cookie{{Name: "sid", Value: "alice"}}
	bob := []*http.Cookie{{Name: "sid", Value: "bob"}}
	tok, _ := f.get(t, "/form", alice...)
	bobTok, _ := f.get(t, "/form", bob...)
	forged := strings.Repeat("a", 64) + "o" + tok[65:]
	longLived := f.guard.sign("s:"+hexOf("key-of-alice"), f.now.Add(48*time.Hour).Unix())
	cases := []struct {
		name    string
		body    string
		cookies []*http.Cookie
		hdr     []string
		status  int
		msg     string
	}{
		{"valid field", "csrf_token=" + url.QueryEscape(tok), alice, nil, 200, ""},
		{"valid header", "", alice, []string{"X-CSRF-Token", tok}, 200, ""},
		{"replay in the same session", "csrf_token=" + tok, alice, nil, 200, ""},
		{"missing", "name=x", alice, nil, 403, "no csrf_token"},
		{"forged", "csrf_token=" + forged, alice, nil, 403, "another session"},
		{"other session's token", "csrf_token=" + bobTok, alice, nil, 403, "another session"},
		{"lifetime over validity", "csrf_token=" + longLived, alice, nil, 403, "expired"},
		{"uppercase hex", "csrf_token=" + strings.ToUpper(tok[:64]) + tok[64:], alice, nil, 403, "malformed"},
		{"no timestamp", "csrf_token=" + tok[:65], alice, nil, 403, "malformed"},
		{"garbage", "csrf_token=%00%ff", alice, nil, 403, "malformed"},
		{"no session at all", "csrf_token=" + tok, nil, nil, 303, ""}, // auth=user: to the login page first
		{"csrf=false route", "", nil, nil, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "/form"
			if c.name == "csrf=false route" {
				path = "/hook"
			}
			before := f.changes
			w := f.post(path, c.body, c.cookies, c.hdr...)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.status != 200 && f.changes != before {
				t.Error("refused request changed data")
			}
			if c.msg != "" && !strings.Contains(w.Body.String(), c.msg) {
				t.Errorf("body lacks %q: %s", c.msg, w.Body)
			}
		})
	}
	t.Run("token in query string ignored", func(t *testing.T) {
		if w := f.post("/form?csrf_token="+tok, "", alice); w.Code != 403 {
			t.Errorf("status %d", w.Code)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f.now = f.now.Add(time.Hour + time.Second)
		defer func() { f.now = f.now.Add(-time.Hour - time.Second) }()
		w := f.post("/form", "csrf_token="+tok, alice)
		if w.Code != 403 || !strings.Contains(w.Body.String(), "expired") {
			t.Errorf("expired token: %d %s", w.Code, w.Body)
		}
	})
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(out)
}

func TestCSRFAnonymous(t *testing.T) {
	f := newCSRFFixture(t)
	tok, cookies := f.get(t, "/login")
	if len(cookies) != 1 || cookies[0].Name != "rampart_csrf" || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("binding cookie: %+v", cookies)
	}
	otherTok, otherCookies := f.get(t, "/login")
	if w := f.post("/login", "csrf_token="+tok, cookies); w.Code != 200 {
		t.Errorf("valid anonymous token: %d %s", w.Code, w.Body)
	}
	for name, c := range map[string]struct {
		tok     string
		cookies []*http.Cookie
	}{
		"no cookie":            {tok, nil},
		"another visitor's":    {otherTok, cookies},
		"invented cookie":      {tok, []*http.Cookie{{Name: "rampart_csrf", Value: strings.Repeat("A", 43)}}},
		"cookie without token": {"", otherCookies},
	} {
		before := f.changes
		if w := f.post("/login", "csrf_token="+c.tok, c.cookies); w.Code != 403 || f.changes != before {
			t.Errorf("%s: %d, changes %d→%d", name, w.Code, before, f.changes)
		}
	}
	// The same visitor keeps the same binding (the cookie is only
	// refreshed): a second form still works.
	tok2, set := f.get(t, "/login", cookies...)
	if len(set) != 1 || set[0].Value != cookies[0].Value {
		t.Errorf("cookie not refreshed with the same value: %+v", set)
	}
	if w := f.post("/login", "csrf_token="+tok2, cookies); w.Code != 200 {
		t.Errorf("second token: %d", w.Code)
	}
}

func TestCSRFFormField(t *testing.T) {
	f := newCSRFFixture(t)
	r := &Request{HTTP: httptest.NewRequest("GET", "/", nil), W: httptest.NewRecorder(), Route: &Route{}, Values: map[any]any{}}
	field, err := f.guard.FormField(r)
	if err != nil || !tokenRE.MatchString(string(field)) || !strings.HasPrefix(string(field), `<input type="hidden"`) {
		t.Errorf("FormField = %q, %v", field, err)
	}
}

func TestCSRFOverTLSUsesHostCookie(t *testing.T) {
	f := newCSRFFixture(t)
	r := httptest.NewRequest("GET", "https://example.com/login", nil)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	c := w.Result().Cookies()
	if len(c) != 1 || c[0].Name != "__Host-rampart_csrf" || !c[0].Secure || c[0].Path != "/" {
		t.Errorf("TLS binding cookie: %+v", c)
	}
}

func TestCrossSiteRefused(t *testing.T) {
	f := newCSRFFixture(t)
	alice := []*http.Cookie{{Name: "sid", Value: "alice"}}
	tok, _ := f.get(t, "/form", alice...)
	rpc := `{"jsonrpc":"2.0","method":"call","params":{},"id":1}`
	cases := []struct {
		name, path, body string
		cookies          []*http.Cookie
		hdr              []string
		status           int
	}{
		{"same-origin fetch", "/form", "csrf_token=" + tok, alice, []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"same-host Origin", "/form", "csrf_token=" + tok, alice, []string{"Origin", "http://example.com"}, 200},
		{"cross-site fetch with a valid token", "/form", "csrf_token=" + tok, alice, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"same-site sibling", "/form", "csrf_token=" + tok, alice, []string{"Sec-Fetch-Site", "same-site"}, 403},
		{"foreign Origin", "/form", "csrf_token=" + tok, alice, []string{"Origin", "https://evil.example"}, 403},
		{"login CSRF", "/login", "", nil, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"jsonrpc with session cookie", "/rpc", rpc, alice, []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, 403},
		{"jsonrpc anonymous", "/rpc", rpc, nil, []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, 200},
		{"bearer from another site", "/rpc", rpc, nil, []string{"Origin", "https://evil.example", "Authorization", "Bearer k", "Content-Type", "application/json"}, 200},
		{"API client without headers", "/rpc", rpc, alice, []string{"Content-Type", "application/json"}, 200},
		{"CORS credentials origin", "/shared", "{}", alice, []string{"Origin", "https://app.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, 200},
		{"CORS route, other origin", "/shared", "{}", alice, []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.changes
			w := f.post(c.path, c.body, c.cookies, c.hdr...)
			code := w.Code
			if c.path == "/rpc" && strings.Contains(w.Body.String(), "werkzeug.exceptions.Forbidden") {
				code = 403 // JSON-RPC errors travel in a 200 envelope
			}
			if code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if c.status == 403 {
				if f.changes != before {
					t.Error("refused request changed data")
				}
				if !strings.Contains(w.Body.String(), "Cross-origin request refused") {
					t.Errorf("message: %s", w.Body)
				}
			}
		})
	}
}

func TestCSRFConfigValidate(t *testing.T) {
	for _, c := range []CSRFConfig{
		{Validity: time.Second},
		{Validity: 2 * 365 * 24 * time.Hour},
		{Validity: time.Hour, TrustedOrigins: []string{"app.example"}},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	hc := Config{CSRF: CSRFConfig{TrustedOrigins: []string{"not an origin"}}}
	hc.Defaults()
	if err := hc.Validate(); err == nil || !strings.Contains(err.Error(), "http.csrf.trusted_origins") {
		t.Errorf("http config with a bad csrf section: %v", err)
	}
	if hc.CSRF.Validity != time.Hour {
		t.Errorf("default validity %v", hc.CSRF.Validity)
	}
	if _, err := NewCSRFGuard(CSRFOptions{Secret: []byte("short")}); err == nil {
		t.Error("short secret accepted")
	}
}

func TestLoadOrCreateSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "csrf.key")
	a, err := LoadOrCreateSecret(p)
	if err != nil || len(a) != 32 {
		t.Fatalf("create: %v %d", err, len(a))
	}
	b, err := LoadOrCreateSecret(p)
	if err != nil || string(a) != string(b) {
		t.Fatalf("reload differs: %v", err)
	}
	os.Chmod(p, 0o644)
	if _, err := LoadOrCreateSecret(p); err == nil {
		t.Error("world-readable secret accepted")
	}
	os.Chmod(p, 0o600)
	os.WriteFile(p, []byte("abcd\n"), 0o600)
	if _, err := LoadOrCreateSecret(p); err == nil {
		t.Error("short secret accepted")
	}
}

func FuzzParseCSRFToken(f *testing.F) {
	f.Add(strings.Repeat("0", 64) + "o1800000000")
	f.Add("o")
	f.Add(strings.Repeat("f", 64) + "o99999999999999999999")
	f.Add("abcdo12")
	f.Fuzz(func(t *testing.T, tok string) {
		mac, ts, ok := parseCSRFToken(tok)
		if !ok {
			return
		}
		if len(mac) != 64 || ts < 0 || mac+"o" != tok[:65] {
			t.Fatalf("%q parsed as %q %d", tok, mac, ts)
		}
	})
}
