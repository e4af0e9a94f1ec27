// Package identityhttp is identity's web adapter: httpd's Authenticator
// (the auth modes), the session cookie, the native /rampart/auth/*
// endpoints and the admin routes. Package identity decides (passwords,
// sessions, keys, throttling) and never touches a request or a response;
// this package reads the request and sets or clears the cookie from the
// identity.Session values it returns.
package identityhttp

import (
	"net/http"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
)

// Web adapts an identity.Service to httpd. It is safe for concurrent use.
type Web struct{ S *identity.Service }

// New returns the adapter of s.
func New(s *identity.Service) *Web { return &Web{S: s} }

var _ httpd.Authenticator = (*Web)(nil)

// Login checks login and password interactively (identity.Service.Login:
// throttled, no API keys), ends the request's previous session, sets the
// new session's cookie on r.W and r.Principal, and returns the principal.
// The login endpoint, the login page and odoorpc's
// /web/session/authenticate call it.
func (w *Web) Login(r *httpd.Request, login, password string) (*principal.Principal, error) {
	sess, err := w.S.Login(r.HTTP.Context(), w.loginInput(r, login, password))
	if err != nil {
		return nil, err
	}
	w.started(r, sess)
	return sess.Principal, nil
}

// TwoFactorRefusal reports whether a Login error refused a right password
// because the user has two-factor authentication (loginpage then points
// to the console's two-factor sign-in instead of "Wrong login/password").
func (w *Web) TwoFactorRefusal(err error) bool { return identity.IsTwoFactorRefusal(err) }

// started makes a new session the request's: cookie, CSRF binding,
// principal.
func (w *Web) started(r *httpd.Request, sess *identity.Session) {
	setSessionCookie(r.W, r.TLS, sess.SID, sess)
	setRequestSession(r, sess)
	r.Principal = sess.Principal
}

// Logout ends the request's session (if any) server-side and clears the
// cookie. It never fails for a missing or dead session.
func (w *Web) Logout(r *httpd.Request) error {
	sid, _ := sessionCookie(r.HTTP)
	if err := w.S.Logout(r.HTTP.Context(), sid, r.Client); err != nil {
		return err
	}
	setRequestSession(r, nil)
	if hasCookie(r.HTTP) {
		clearSessionCookie(r.W, r.TLS)
	}
	if r.Principal != nil && r.Principal.Via == "session" {
		r.Principal = nil
	}
	return nil
}

// ChangePassword changes the password of r's session user after checking
// the current one, ends all the user's sessions and opens a fresh one for
// r (new cookie), so the caller stays logged in with a new session id.
func (w *Web) ChangePassword(r *httpd.Request, oldPassword, newPassword string) error {
	p, err := PrincipalOf(r)
	if err != nil {
		return err
	}
	sess, err := w.S.ChangePassword(r.HTTP.Context(), p, oldPassword, newPassword, r.Client, r.HTTP.UserAgent())
	if err != nil {
		return err
	}
	w.started(r, sess)
	return nil
}

// sessionCookie returns the request's session cookie value, if any
// (identity checks its shape).
func sessionCookie(r *http.Request) (string, bool) {
	c, err := r.Cookie(identity.CookieName)
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

// HasSessionCookie reports a request carrying a (well-formed) session
// cookie, whether or not its route reads it: the CSRF layer checks the
// origin of every such unsafe request, so that a cross-site POST to an
// auth=none route that acts on the session (logout) is refused too.
func HasSessionCookie(r *http.Request) bool {
	sid, ok := sessionCookie(r)
	return ok && identity.WellFormedSID(sid)
}

// setSessionCookie sends the session cookie: HttpOnly, SameSite=Lax,
// Secure over TLS, Path=/, Max-Age = the idle timeout, capped by what is
// left of the absolute lifetime.
func setSessionCookie(w http.ResponseWriter, tls bool, sid string, sess *identity.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: identity.CookieName, Value: sid, Path: "/", MaxAge: max(int(sess.CookieMaxAge/time.Second), 1),
		HttpOnly: true, Secure: tls, SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie tells the browser to forget the session cookie.
func clearSessionCookie(w http.ResponseWriter, tls bool) {
	http.SetCookie(w, &http.Cookie{Name: identity.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: tls, SameSite: http.SameSiteLaxMode})
}

// sessionKey is the Request.Values key under which Authenticate and the
// login endpoints leave the request's session.
type sessionKey struct{}

// SessionCSRFKey returns the CSRF secret of the request's session: 32
// random bytes drawn at login, stored server-side, never sent to the
// client, stable for the session's whole life and different for every
// session (a new one at each login and logout, like Odoo's sid[:42] across
// a hard rotation). The CSRF layer derives its tokens from it. ok is false
// when the request has no session (Authenticate found none, or the route
// is auth=none).
func SessionCSRFKey(r *httpd.Request) (key []byte, ok bool) {
	sess, ok := r.Values[sessionKey{}].(*identity.Session)
	if !ok {
		return nil, false
	}
	return sess.CSRFKey, true
}

func setRequestSession(r *httpd.Request, sess *identity.Session) {
	if r.Values == nil {
		r.Values = map[any]any{}
	}
	if sess == nil {
		delete(r.Values, sessionKey{})
		return
	}
	r.Values[sessionKey{}] = sess
}
