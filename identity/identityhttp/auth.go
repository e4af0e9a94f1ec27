package identityhttp

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
)

// Odoo 19's messages for refused bearer requests.
const (
	msgNoKey       = "User not authenticated, use an API Key with a Bearer Authorization header."
	msgNoSecFetch  = `Missing "Authorization" or Sec-headers for interactive usage.`
	msgKeyMismatch = "Session user does not match the used apikey."
)

// Authenticate implements httpd.Authenticator with Odoo 19's auth modes:
//
//   - none: r.Principal stays nil; the session cookie is not even read.
//   - public: the session's user, else the public user (Public=true).
//   - user (and the zero Auth): the session's user, else errs.SessionExpired
//     (httpd renders 401 for json2, code 100 for jsonrpc, a redirect to the
//     login page for http).
//   - call: the credentials the call carries (Request.Credentials, set by
//     the route's Prepare hook: XML-RPC/JSON-RPC execute_kw's uid and
//     password or key); none: no principal. A wrong secret is
//     errs.AccessDenied.
//   - bearer: the API key from "Authorization: Bearer <key>" or
//     "X-API-Key: <key>". A bad, expired or revoked key is errs.Unauthorized
//     "Invalid apikey" with WWW-Authenticate: Bearer; a key of another user
//     than the request's session is errs.AccessDenied (403). Without a key,
//     a session is accepted only for a top-level navigation (Sec-Fetch-Dest
//     document, -Mode navigate, -Site none or same-origin, -User ?1);
//     otherwise 401 with Odoo's message. The route's Scope must be carried
//     by the key (RouteScopeAllowed), else 403 insufficient_scope. No
//     cookie is ever set on a bearer request.
//
// A session whose user changed credentials since login is deleted and
// treated as absent. On public and user routes the cookie of a dead session
// is cleared and a live one is refreshed when its last-seen time is
// written (at most once per SessionTouchInterval).
func (w *Web) Authenticate(r *httpd.Request) error {
	auth := r.Route.Auth
	switch auth {
	case httpd.AuthNone:
		r.Principal = nil
		return nil
	case httpd.AuthBearer:
		return w.authBearer(r)
	case httpd.AuthCall:
		return w.authCall(r)
	case httpd.AuthPublic, httpd.AuthUser, "":
	default:
		// An unknown mode fails closed, as Odoo's catch-all AccessDenied.
		return errs.Internalf("route %s: unknown auth mode %q", r.Route.Path, auth)
	}
	sess, err := w.cookieSession(r, true)
	if err != nil {
		return err
	}
	if sess != nil {
		r.Principal = sess.Principal
		return nil
	}
	if auth == httpd.AuthPublic {
		p, err := w.S.PublicPrincipal(r.HTTP.Context())
		if err != nil {
			return err
		}
		r.Principal = p
		return nil
	}
	return errs.E(errs.SessionExpired, "Session expired")
}

// cookieSession resolves the request's session cookie. With cookies set,
// it clears a dead session's cookie and refreshes a touched one's.
func (w *Web) cookieSession(r *httpd.Request, cookies bool) (*identity.Session, error) {
	sid, ok := sessionCookie(r.HTTP)
	if !ok {
		if cookies && hasCookie(r.HTTP) {
			clearSessionCookie(r.W, r.TLS)
		}
		return nil, nil
	}
	sess, touched, err := w.S.LookupSession(r.HTTP.Context(), sid)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		if cookies {
			clearSessionCookie(r.W, r.TLS)
		}
		return nil, nil
	}
	setRequestSession(r, sess)
	if touched && cookies {
		setSessionCookie(r.W, r.TLS, sid, sess)
	}
	return sess, nil
}

func hasCookie(r *http.Request) bool {
	_, err := r.Cookie(identity.CookieName)
	return err == nil
}

func (w *Web) authBearer(r *httpd.Request) error {
	key, present, err := bearerKey(r.HTTP.Header)
	if err != nil {
		return err
	}
	// A session is consulted (never written back as a cookie: bearer
	// requests are stateless) to detect a key/session user mismatch or
	// to allow a top-level navigation.
	sess, err := w.cookieSession(r, false)
	if err != nil {
		return err
	}
	if present {
		p, err := w.S.VerifyKey(r.HTTP.Context(), key, r.Client)
		if err != nil {
			return err
		}
		if sess != nil && sess.Principal.UserID != p.UserID {
			return errs.E(errs.AccessDenied, msgKeyMismatch)
		}
		if !identity.RouteScopeAllowed(p.Scopes, r.Scope) {
			return errs.Ef(errs.AccessDenied, "This API key lacks the %q scope this endpoint requires.", r.Scope).
				WithHeader("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+r.Scope+`"`)
		}
		// The request is authenticated by the key, not the cookie: it has no
		// session as far as later stages (CSRF) are concerned.
		setRequestSession(r, nil)
		r.Principal = p
		return nil
	}
	if sess == nil {
		return errs.E(errs.Unauthorized, msgNoKey).WithHeader("WWW-Authenticate", "Bearer")
	}
	if !topLevelNavigation(r.HTTP.Header) {
		return errs.E(errs.Unauthorized, msgNoSecFetch).WithHeader("WWW-Authenticate", "Bearer")
	}
	r.Principal = sess.Principal
	return nil
}

// authCall checks the credentials an RPC call carries (uid and password
// or API key, through the verified-credential cache, throttled like a
// login). A call without credentials runs without a principal; cookies
// are never read or set.
func (w *Web) authCall(r *httpd.Request) error {
	r.Principal = nil
	c := r.Credentials
	if c == nil {
		return nil
	}
	p, err := w.S.CheckPassword(r.HTTP.Context(), identity.Credential{UID: c.UID, Password: c.Secret, Client: r.Client, Call: true})
	if err != nil {
		return err
	}
	r.Principal = p
	return nil
}

// topLevelNavigation is Odoo 19's check that a cookie-authenticated bearer
// request is a user navigating, not a script riding on the cookie.
func topLevelNavigation(h http.Header) bool {
	site := h.Get("Sec-Fetch-Site")
	return h.Get("Sec-Fetch-Dest") == "document" && h.Get("Sec-Fetch-Mode") == "navigate" &&
		(site == "none" || site == "same-origin") && h.Get("Sec-Fetch-User") == "?1"
}

// bearerKey extracts the API key. present is false when neither header
// carries one (an Authorization header of another scheme counts as none,
// as in Odoo). Errors need no I/O: several Authorization or X-API-Key
// headers, or two different keys, are 400; a key that is empty, too long
// or not UTF-8 is 401 "Invalid apikey".
func bearerKey(h http.Header) (key string, present bool, err error) {
	auths, xs := h.Values("Authorization"), h.Values("X-API-Key")
	if len(auths) > 1 || len(xs) > 1 {
		return "", false, errs.E(errs.BadRequest, "Send one Authorization or X-API-Key header.")
	}
	if len(auths) == 1 {
		v := strings.TrimSpace(auths[0])
		scheme, rest, _ := strings.Cut(v, " ")
		if t, _, ok := strings.Cut(scheme, "\t"); ok { // "Bearer\tkey"
			scheme, rest = t, v[len(t)+1:]
		}
		if strings.EqualFold(scheme, "bearer") {
			key, present = strings.TrimSpace(rest), true
		}
	}
	if len(xs) == 1 {
		x := strings.TrimSpace(xs[0])
		if present && x != key {
			return "", false, errs.E(errs.BadRequest, "The Authorization and X-API-Key headers carry different keys.")
		}
		key, present = x, true
	}
	if present && (key == "" || len(key) > identity.MaxKeyLength || !utf8.ValidString(key)) {
		return "", false, identity.InvalidKeyError()
	}
	return key, present, nil
}

// PrincipalOf is a convenience for handlers: the request's principal, or
// errs.SessionExpired when there is none.
func PrincipalOf(r *httpd.Request) (*principal.Principal, error) {
	if r.Principal == nil || r.Principal.Public {
		return nil, errs.E(errs.SessionExpired, "Session expired")
	}
	return r.Principal, nil
}
