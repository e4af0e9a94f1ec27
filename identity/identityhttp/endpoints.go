package identityhttp

import (
	"math"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
)

// Routes returns identity's native JSON-2 endpoints, for the integrator to
// register. Every body is a JSON object; answers are JSON with
// Cache-Control: no-store.
//
//	POST /rampart/auth/login            {login, password} → session info; sets the cookie
//	POST /rampart/auth/logout           {} → {}; ends the session, clears the cookie
//	GET|POST /rampart/auth/session      → session info (user, groups, companies, session)
//	POST /rampart/auth/password         {old_password, new_password} → session info; ends every
//	                                    session of the user and opens a new one for the caller
//	GET|POST /rampart/auth/sessions     → [{id, current, created_at, last_seen_at, expires_at, client_ip, user_agent}]
//	POST /rampart/auth/sessions/end     {id} → {}
//	GET|POST /rampart/auth/keys         {all?} → [{id, user_id, login, name, hint, scopes, created_at, expires_at,
//	                                    revoked_at, last_used_at, last_used_ip}]; all=true (administrators): every user's
//	POST /rampart/auth/keys/create      {password, name, scopes?, expires_in_days? | no_expiry?} → {key, ...key fields}
//	                                    (the password is Odoo's identity check; the key is shown only here)
//	POST /rampart/auth/keys/revoke      {id} → {}; administrators may revoke anyone's key
//
// login and logout are auth=none (they manage the cookie themselves); the
// others are auth=user: a session, not an API key, manages credentials.
// LoginRateLimit is the rate-limit policy of every route that takes a
// password (package ratelimit defines its rate, per client IP).
const LoginRateLimit = ratepolicy.LoginIP

// Routes: see above.
func (w *Web) Routes() []*httpd.Route {
	getPost := []string{"GET", "POST"}
	rt := func(name, path string, auth httpd.Auth, methods []string, h httpd.Handler) *httpd.Route {
		return &httpd.Route{
			Name: "rampart.auth." + name, Path: "/rampart/auth/" + path, Type: httpd.TypeJSON2,
			Auth: auth, Methods: methods, Handler: noStore(h),
		}
	}
	// Routes that take a password draw on the rate limiter's login_ip
	// budget, on top of the cooldown and backoff above.
	pw := func(r *httpd.Route) *httpd.Route { r.RateLimit = LoginRateLimit; return r }
	return []*httpd.Route{
		pw(rt("login", "login", httpd.AuthNone, nil, w.handleLogin)),
		rt("logout", "logout", httpd.AuthNone, nil, w.handleLogout),
		rt("session", "session", httpd.AuthUser, getPost, w.handleSession),
		pw(rt("password", "password", httpd.AuthUser, nil, w.handlePassword)),
		rt("sessions", "sessions", httpd.AuthUser, getPost, w.handleSessions),
		rt("sessions.end", "sessions/end", httpd.AuthUser, nil, w.handleEndSession),
		rt("keys", "keys", httpd.AuthUser, getPost, w.handleKeys),
		pw(rt("keys.create", "keys/create", httpd.AuthUser, nil, w.handleCreateKey)),
		rt("keys.revoke", "keys/revoke", httpd.AuthUser, nil, w.handleRevokeKey),
	}
}

// noStore keeps credentials and session data out of every cache.
func noStore(h httpd.Handler) httpd.Handler {
	return func(r *httpd.Request) (any, error) {
		r.W.Header().Set("Cache-Control", "no-store")
		return h(r)
	}
}

func (w *Web) handleLogin(r *httpd.Request) (any, error) {
	login, err := stringParam(r, "login", true)
	if err != nil {
		return nil, err
	}
	password, err := stringParam(r, "password", true)
	if err != nil {
		return nil, err
	}
	p, err := w.Login(r, login, password)
	if err != nil {
		return nil, err
	}
	return w.sessionInfo(r, p)
}

func (w *Web) handleLogout(r *httpd.Request) (any, error) {
	return struct{}{}, w.Logout(r)
}

func (w *Web) handleSession(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	return w.sessionInfo(r, p)
}

func (w *Web) handlePassword(r *httpd.Request) (any, error) {
	oldPw, err := stringParam(r, "old_password", true)
	if err != nil {
		return nil, err
	}
	newPw, err := stringParam(r, "new_password", true)
	if err != nil {
		return nil, err
	}
	if err := w.ChangePassword(r, oldPw, newPw); err != nil {
		return nil, err
	}
	return w.sessionInfo(r, r.Principal)
}

func (w *Web) handleSessions(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	list, err := w.S.ListSessions(r.HTTP.Context(), p.UserID, p.SessionID)
	if list == nil {
		list = []identity.SessionInfo{}
	}
	return list, err
}

func (w *Web) handleEndSession(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	id, err := idParam(r, "id")
	if err != nil {
		return nil, err
	}
	if err := w.S.EndOwnSession(r.HTTP.Context(), p, id, r.Client); err != nil {
		return nil, err
	}
	if id == p.SessionID {
		clearSessionCookie(r.W, r.TLS)
		setRequestSession(r, nil)
	}
	return struct{}{}, nil
}

func (w *Web) handleKeys(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	all, err := boolParam(r, "all")
	if err != nil {
		return nil, err
	}
	uid := p.UserID
	if all {
		if !p.IsSystem() {
			return nil, errs.E(errs.AccessError, "Only administrators can list every user's API keys.")
		}
		uid = 0
	}
	keys, err := w.S.ListAPIKeys(r.HTTP.Context(), uid)
	if keys == nil {
		keys = []identity.APIKey{}
	}
	return keys, err
}

// createdKey is the one answer that carries a key's secret.
type createdKey struct {
	Key string `json:"key"`
	*identity.APIKey
}

func (w *Web) handleCreateKey(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	password, err := stringParam(r, "password", true)
	if err != nil {
		return nil, err
	}
	name, err := stringParam(r, "name", true)
	if err != nil {
		return nil, err
	}
	scopes, err := stringsParam(r, "scopes")
	if err != nil {
		return nil, err
	}
	nk := identity.NewAPIKey{UserID: p.UserID, Name: name, Scopes: scopes, Actor: p, Client: r.Client}
	if nk.NoExpiry, err = boolParam(r, "no_expiry"); err != nil {
		return nil, err
	}
	if v, ok := r.Params["expires_in_days"]; ok {
		d, ok := number(v)
		if !ok || d <= 0 || d > 36500 {
			return nil, badParam("expires_in_days", "a positive number of days")
		}
		nk.ExpiresIn = time.Duration(d * float64(24*time.Hour))
	}
	// Odoo's identity check: the password again, throttled like a login.
	ctx := r.HTTP.Context()
	if _, err := w.S.CheckPassword(ctx, identity.Credential{UID: p.UserID, Password: password, Client: r.Client, Interactive: true}); err != nil {
		return nil, err
	}
	secret, key, err := w.S.CreateAPIKey(ctx, nk)
	if err != nil {
		return nil, err
	}
	return createdKey{Key: secret, APIKey: key}, nil
}

func (w *Web) handleRevokeKey(r *httpd.Request) (any, error) {
	p, err := PrincipalOf(r)
	if err != nil {
		return nil, err
	}
	id, err := idParam(r, "id")
	if err != nil {
		return nil, err
	}
	return struct{}{}, w.S.RevokeAPIKey(r.HTTP.Context(), p, id)
}

func (w *Web) sessionInfo(r *httpd.Request, p *principal.Principal) (*identity.SessionInfoResult, error) {
	sess, _ := r.Values[sessionKey{}].(*identity.Session)
	return w.S.SessionInfoFor(r.HTTP.Context(), p, sess)
}

func badParam(name, want string) error {
	return &errs.Error{Kind: errs.BadRequest, Msg: "Invalid parameter " + name + ": expected " + want + ".",
		Fields: []errs.FieldError{{Field: name, Message: "expected " + want}}}
}

// stringParam reads a string member of the JSON body.
func stringParam(r *httpd.Request, name string, required bool) (string, error) {
	v, ok := r.Params[name]
	if !ok || v == nil {
		if required {
			return "", badParam(name, "a string")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok || (required && s == "") {
		return "", badParam(name, "a non-empty string")
	}
	return s, nil
}

func stringsParam(r *httpd.Request, name string) ([]string, error) {
	v, ok := r.Params[name]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badParam(name, "a list of strings")
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, badParam(name, "a list of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

func boolParam(r *httpd.Request, name string) (bool, error) {
	v, ok := r.Params[name]
	if !ok || v == nil {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, badParam(name, "true or false")
	}
	return b, nil
}

func idParam(r *httpd.Request, name string) (int64, error) {
	f, ok := number(r.Params[name])
	if !ok || f < 1 || f != math.Trunc(f) || f > 1<<53 {
		return 0, badParam(name, "a positive integer id")
	}
	return int64(f), nil
}

// number accepts the int64 and float64 that jsonx produces.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
