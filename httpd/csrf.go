package httpd

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
)

// CSRF protection has two layers, both run by CSRFGuard.CheckCSRF after
// authentication and before any input is bound or data touched, so a
// refused request changes nothing.
//
// Layer 1, tokens (Odoo's scheme, http routes with unsafe methods unless
// the route says CSRF: false, whatever its auth mode):
//
//	token   = hex(HMAC-SHA256(secret, binding + "|" + max_ts)) + "o" + max_ts
//	binding = "s:" + hex(session CSRF key)   with a session
//	        | "a:" + anonymous cookie value  without one
//
// Odoo uses HMAC-SHA1 keyed with database.secret over sid[:42]+max_ts;
// rampart uses SHA-256, adds the "|" separator and a binding prefix so a
// session binding can never be confused with an anonymous one, and reads
// the token from the csrf_token form field or the X-CSRF-Token header —
// never from the query string, which ends up in proxy logs and Referer
// headers. max_ts (Unix seconds) is when the token expires: now +
// Validity (default one hour, where Odoo's web client uses a year), and a
// token claiming to live longer than Validity is refused too, so lowering
// the setting takes effect at once. Tokens are not single-use (neither are
// Odoo's): replaying one is harmless within its session, and one taken
// from another session, an old session (identity draws a new key at every
// login and logout) or another anonymous visitor is refused.
//
// Requests without a session (the login page, auth=none or public forms)
// still need a token, as in Odoo, which binds it to the anonymous session
// id. rampart creates no server-side state for anonymous visitors: the
// first token handed out sets a random, HttpOnly, SameSite=Lax cookie
// (__Host-rampart_csrf over TLS, so a sibling subdomain cannot plant one;
// rampart_csrf otherwise) and the token is bound to its value. An attacker
// can mint a token only for a cookie they can also make the victim's
// browser send, which the __Host- prefix and layer 2 prevent.
//
// Layer 2, the cross-origin check of net/http.CrossOriginProtection: an
// unsafe request whose Sec-Fetch-Site is not same-origin/none, or whose
// Origin names another host, is refused. It runs on CSRF-protected routes
// and on every unsafe request authenticated by the session cookie, or
// carrying it on a route of any auth mode that does not otherwise
// authenticate the caller (CSRFOptions.SessionCookie), of any route type. Requests that carry neither header (curl, server-to-server
// API clients, bearer keys) pass: they are not made by a browser on
// another site's behalf. Origins listed in TrustedOrigins, and those a
// route's CORS policy lists with Credentials, are allowed.
//
// A refusal is 403 (errs.Forbidden) with a message saying what was wrong
// and what to do. Odoo answers 400 "Session expired (invalid CSRF token)";
// 403 says what it is — the request is understood but not permitted — and
// keeps 400 for malformed input.

// CSRFConfig configures CSRF protection. The integrator embeds it (e.g.
// under http.csrf).
type CSRFConfig struct {
	// Validity is how long a token is accepted after it was issued
	// (default 1h, at most 8760h as Odoo's web client).
	Validity time.Duration `yaml:"validity"`
	// SecretFile holds the token key (created with 32 random bytes at the
	// first start when missing). Several instances must share it.
	// Default: csrf.key in the data directory, set by the integrator.
	SecretFile string `yaml:"secret_file"`
	// TrustedOrigins may send cross-origin unsafe requests with cookies
	// ("https://app.example.com"), e.g. a front end on another host.
	TrustedOrigins []string `yaml:"trusted_origins"`
}

// Defaults fills zero fields.
func (c *CSRFConfig) Defaults() {
	if c.Validity == 0 {
		c.Validity = time.Hour
	}
}

// Validate reports the first invalid setting by its key.
func (c *CSRFConfig) Validate() error {
	if c.Validity < time.Minute || c.Validity > 365*24*time.Hour {
		return fmt.Errorf("http.csrf.validity must be between 1m and 8760h")
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range c.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return fmt.Errorf("http.csrf.trusted_origins: %q: want scheme://host[:port]", o)
		}
	}
	return nil
}

// SessionKeyFunc returns the CSRF key of the request's session (set by the
// Authenticator), ok=false without a session; identityhttp.SessionCSRFKey is
// one.
type SessionKeyFunc func(r *Request) (key []byte, ok bool)

// CSRFOptions are a CSRFGuard's dependencies.
type CSRFOptions struct {
	Config CSRFConfig
	// Secret is the HMAC key, at least 32 bytes (see LoadOrCreateSecret).
	Secret []byte
	// SessionKey finds the session binding; nil means every request is
	// treated as anonymous.
	SessionKey SessionKeyFunc
	// SessionCookie reports a request carrying the session cookie, read
	// or not by its route (identity.HasSessionCookie): its unsafe requests
	// get the cross-origin check whatever the route's auth mode. Nil means
	// only requests authenticated by the session are checked.
	SessionCookie func(*http.Request) bool
	// Log receives refusals (never a token). Nil discards.
	Log *slog.Logger
	// Clock is the time source (tests); nil means time.Now.
	Clock func() time.Time
}

// CSRFGuard implements CSRFChecker and issues tokens for forms. It is safe
// for concurrent use.
type CSRFGuard struct {
	secret     []byte
	validity   time.Duration
	sessionKey SessionKeyFunc
	hasCookie  func(*http.Request) bool
	cop        *http.CrossOriginProtection
	log        *slog.Logger
	now        func() time.Time
}

// Names of the anonymous binding cookie: over TLS the __Host- prefix makes
// browsers refuse it from a subdomain or without Secure and Path=/.
const (
	csrfCookie       = "rampart_csrf"
	csrfCookieSecure = "__Host-rampart_csrf"
	// CSRFField is the form field that carries the token (as Odoo).
	CSRFField = "csrf_token"
	// CSRFHeader is the header alternative, for scripts.
	CSRFHeader = "X-CSRF-Token"
)

// NewCSRFGuard validates the configuration and builds the guard.
func NewCSRFGuard(opt CSRFOptions) (*CSRFGuard, error) {
	cfg := opt.Config
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(opt.Secret) < 32 {
		return nil, errors.New("httpd: the CSRF secret must be at least 32 bytes")
	}
	g := &CSRFGuard{
		secret:     slices.Clone(opt.Secret),
		validity:   cfg.Validity,
		sessionKey: opt.SessionKey,
		hasCookie:  opt.SessionCookie,
		cop:        http.NewCrossOriginProtection(),
		log:        opt.Log,
		now:        opt.Clock,
	}
	for _, o := range cfg.TrustedOrigins {
		g.cop.AddTrustedOrigin(o) // validated above
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

// anonValue is the Request.Values key of an anonymous binding minted
// during this request (so several forms on one page share it).
type anonValue struct{}

// Token returns a fresh token for r's session, or for its anonymous
// binding cookie (set on r.W when the browser has none). Handlers that
// render forms put it in a hidden csrf_token field.
func (g *CSRFGuard) Token(r *Request) (string, error) {
	b, fromCookie, ok := g.binding(r)
	switch {
	case !ok:
		v, err := g.newAnonValue()
		if err != nil {
			return "", err
		}
		g.setAnonCookie(r, v)
		b = "a:" + v
	case fromCookie != "":
		// Keep the cookie alive as long as the token it is handed with.
		g.setAnonCookie(r, fromCookie)
	}
	return g.sign(b, g.now().Add(g.validity).Unix()), nil
}

// FormField is Token as a hidden form field, for html/template pages:
// {{.CSRF}} where CSRF is the returned value.
func (g *CSRFGuard) FormField(r *Request) (template.HTML, error) {
	tok, err := g.Token(r)
	if err != nil {
		return "", err
	}
	return template.HTML(`<input type="hidden" name="` + CSRFField + `" value="` + template.HTMLEscapeString(tok) + `">`), nil
}

// binding is what a token of r is bound to; ok is false for an anonymous
// request without a valid binding cookie. fromCookie is the anonymous
// cookie's value when the binding came from the request's cookie.
func (g *CSRFGuard) binding(r *Request) (b, fromCookie string, ok bool) {
	if g.sessionKey != nil {
		if k, ok := g.sessionKey(r); ok && len(k) > 0 {
			return "s:" + hex.EncodeToString(k), "", true
		}
	}
	if v, ok := r.Values[anonValue{}].(string); ok {
		return "a:" + v, "", true
	}
	if c, err := r.HTTP.Cookie(g.cookieName(r)); err == nil && saneAnonValue(c.Value) {
		return "a:" + c.Value, c.Value, true
	}
	return "", "", false
}

func (g *CSRFGuard) cookieName(r *Request) string {
	if r.TLS {
		return csrfCookieSecure
	}
	return csrfCookie
}

func (g *CSRFGuard) newAnonValue() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errs.Internalf("csrf cookie: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// setAnonCookie (re)sets the anonymous binding cookie once per request.
func (g *CSRFGuard) setAnonCookie(r *Request, v string) {
	if r.Values == nil {
		r.Values = map[any]any{}
	}
	if _, done := r.Values[anonValue{}]; done {
		return
	}
	r.Values[anonValue{}] = v
	http.SetCookie(r.W, &http.Cookie{
		Name: g.cookieName(r), Value: v, Path: "/", HttpOnly: true, Secure: r.TLS,
		SameSite: http.SameSiteLaxMode, MaxAge: int(g.validity / time.Second),
	})
}

// saneAnonValue accepts only what newAnonCookie makes.
func saneAnonValue(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

func (g *CSRFGuard) sign(binding string, maxTS int64) string {
	ts := strconv.FormatInt(maxTS, 10)
	m := hmac.New(sha256.New, g.secret)
	m.Write([]byte(binding))
	m.Write([]byte{'|'})
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil)) + "o" + ts
}

// CheckCSRF implements CSRFChecker; dispatch calls it for every request
// with an unsafe method, after authentication.
func (g *CSRFGuard) CheckCSRF(r *Request) error {
	tokens := r.Route.CSRFEnabled()
	cookieAuth := r.Principal != nil && r.Principal.Via == "session" ||
		// The cookie rides along on a route that does not authenticate by
		// it (auth none: logout, login), unless the request proved who it
		// is otherwise (a key, the call's own credentials).
		r.Principal == nil && g.hasCookie != nil && g.hasCookie(r.HTTP)
	if !tokens && !cookieAuth {
		return nil
	}
	if err := g.checkOrigin(r); err != nil {
		return err
	}
	if !tokens {
		return nil
	}
	return g.checkToken(r)
}

// checkOrigin is layer 2. A route whose CORS policy lists the origin with
// credentials has opted in to credentialed cross-origin calls from it.
func (g *CSRFGuard) checkOrigin(r *Request) error {
	if err := g.cop.Check(r.HTTP); err != nil {
		if c := r.Route.CORS; c != nil && c.Credentials && slices.Contains(c.Origins, r.HTTP.Header.Get("Origin")) {
			return nil
		}
		g.refused(r, "cross-origin")
		return errs.Wrap(errs.Forbidden, err, "Cross-origin request refused: with this site's cookies, unsafe requests may only come from its own pages.")
	}
	return nil
}

// Token problems, as told to the client.
const (
	msgCSRFMissing = "Invalid CSRF token: the request has no csrf_token field or X-CSRF-Token header. Reload the page and try again."
	msgCSRFBad     = "Invalid CSRF token: the token is malformed or belongs to another session. Reload the page and try again."
	msgCSRFExpired = "Invalid CSRF token: the token has expired. Reload the page and try again."
)

func (g *CSRFGuard) checkToken(r *Request) error {
	tok := r.HTTP.Header.Get(CSRFHeader)
	if tok == "" {
		// PostFormValue reads only the body (within the route's body limit,
		// enforced by readBody), not the query string.
		tok = r.HTTP.PostFormValue(CSRFField)
	}
	if tok == "" {
		g.refused(r, "missing")
		return errs.E(errs.Forbidden, msgCSRFMissing)
	}
	mac, maxTS, ok := parseCSRFToken(tok)
	if !ok {
		g.refused(r, "malformed")
		return errs.E(errs.Forbidden, msgCSRFBad)
	}
	binding, _, ok := g.binding(r)
	if !ok {
		g.refused(r, "no binding")
		return errs.E(errs.Forbidden, msgCSRFBad)
	}
	want := g.sign(binding, maxTS)[:2*sha256.Size]
	if !hmac.Equal([]byte(want), []byte(mac)) {
		g.refused(r, "mismatch")
		return errs.E(errs.Forbidden, msgCSRFBad)
	}
	now := g.now()
	if maxTS < now.Unix() {
		g.refused(r, "expired")
		return errs.E(errs.Forbidden, msgCSRFExpired)
	}
	if maxTS > now.Add(g.validity+time.Minute).Unix() {
		g.refused(r, "lifetime over validity")
		return errs.E(errs.Forbidden, msgCSRFExpired)
	}
	return nil
}

// parseCSRFToken splits "<64 hex>o<digits>" as Odoo does, at the last "o".
// It bounds every part so nothing unbounded is parsed.
func parseCSRFToken(tok string) (mac string, maxTS int64, ok bool) {
	i := strings.LastIndexByte(tok, 'o')
	if i != 2*sha256.Size || len(tok)-i-1 < 1 || len(tok)-i-1 > 12 {
		return "", 0, false
	}
	mac, ts := tok[:i], tok[i+1:]
	for j := 0; j < len(mac); j++ {
		if c := mac[j]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", 0, false
		}
	}
	for j := 0; j < len(ts); j++ {
		if ts[j] < '0' || ts[j] > '9' {
			return "", 0, false
		}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return mac, n, true
}

func (g *CSRFGuard) refused(r *Request, reason string) {
	g.log.LogAttrs(r.HTTP.Context(), slog.LevelWarn, "CSRF validation failed",
		slog.String("reason", reason), slog.String("path", r.HTTP.URL.Path),
		slog.String("request_id", r.ID), slog.String("client_ip", r.Client.String()))
}
