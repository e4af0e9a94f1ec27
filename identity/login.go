package identity

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// Login checks login and password interactively (throttled; API keys are
// not accepted, as in Odoo's /web/session/authenticate), ends the
// request's previous session if any, opens a new one (a new id: no
// fixation), sets its cookie on r.W and r.Principal, and returns the
// principal. The login endpoint and odoorpc's /web/session/authenticate
// both call it.
func (s *Service) Login(r *httpd.Request, login, password string) (*principal.Principal, error) {
	ctx := r.HTTP.Context()
	p, err := s.CheckPassword(ctx, Credential{Login: login, Password: password, Client: r.Client, Interactive: true})
	if err != nil {
		// A failed attempt leaves the current session alone, as in Odoo.
		return nil, err
	}
	if err := s.endRequestSession(r, false); err != nil {
		return nil, err
	}
	return s.startSession(r, p.UserID)
}

// startSession opens a session for uid on r and sets the cookie.
func (s *Service) startSession(r *httpd.Request, uid int64) (*principal.Principal, error) {
	ctx := r.HTTP.Context()
	u, err := s.userForLogin(ctx, Credential{UID: uid})
	if err != nil {
		return nil, err
	}
	if u == nil || !u.active {
		return nil, errAccessDenied()
	}
	sid, row, err := s.openSession(ctx, u.id, u.cv, r.Client, r.HTTP.UserAgent())
	if err != nil {
		return nil, err
	}
	p, err := s.Principal(ctx, u.id)
	if err != nil {
		return nil, err
	}
	p.SessionID, p.Via = row.id, "session"
	s.setSessionCookie(r.W, r.TLS, sid, row)
	setRequestSession(r, row)
	r.Principal = p
	s.log.LogAttrs(ctx, slog.LevelInfo, "login successful", slog.String("login", u.login), slog.String("ip", addrString(r.Client)), slog.Int64("session", row.id))
	s.emit(ctx, AuthEvent{Type: EventLogin, UserID: u.id, Login: u.login, Client: r.Client, SessionID: row.id})
	return copyPrincipal(p), nil
}

// Logout ends the request's session (if any) server-side and clears the
// cookie. It never fails for a missing or dead session.
func (s *Service) Logout(r *httpd.Request) error {
	return s.endRequestSession(r, true)
}

func (s *Service) endRequestSession(r *httpd.Request, clear bool) error {
	ctx := r.HTTP.Context()
	if sid, ok := sessionCookie(r.HTTP); ok {
		e, _, err := s.session(ctx, sid)
		if err != nil {
			return err
		}
		if e != nil {
			if err := s.deleteSession(ctx, e.sess.userID, e.sess.id); err != nil {
				return err
			}
			s.emit(ctx, AuthEvent{Type: EventLogout, UserID: e.p.UserID, Login: e.p.Login, Client: r.Client, SessionID: e.sess.id})
		}
	}
	setRequestSession(r, nil)
	if clear && hasCookie(r.HTTP) {
		clearSessionCookie(r.W, r.TLS)
	}
	if r.Principal != nil && r.Principal.Via == "session" {
		r.Principal = nil
	}
	return nil
}

// ChangePassword changes the password of r's session user after checking
// the current one (throttled like a login), ends all the user's sessions
// and opens a fresh one for r, so the caller stays logged in with a new
// session id.
func (s *Service) ChangePassword(r *httpd.Request, oldPassword, newPassword string) error {
	p, err := PrincipalOf(r)
	if err != nil {
		return err
	}
	ctx := r.HTTP.Context()
	if _, err := s.CheckPassword(ctx, Credential{UID: p.UserID, Password: oldPassword, Client: r.Client, Interactive: true}); err != nil {
		return err
	}
	if newPassword == "" {
		return errs.E(errs.UserError, "Setting empty passwords is not allowed for security reasons!")
	}
	if err := s.SetPassword(ctx, p.UserID, newPassword); err != nil {
		return err
	}
	if err := s.EndUserSessions(ctx, p.UserID, 0); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "password changed", slog.Int64("uid", p.UserID), slog.String("ip", addrString(r.Client)))
	s.emit(ctx, AuthEvent{Type: EventPasswordChanged, UserID: p.UserID, Login: p.Login, Client: r.Client})
	_, err = s.startSession(r, p.UserID)
	return err
}

// LoginRPC checks a login and a password (or an API key of that user) for
// a non-interactive RPC call, as Odoo's common.authenticate, and returns
// the uid. Wrong credentials are errs.AccessDenied.
func (s *Service) LoginRPC(ctx context.Context, login, secret string, client netip.Addr) (int64, error) {
	p, err := s.CheckPassword(ctx, Credential{Login: login, Password: secret, Client: client})
	if err != nil {
		return 0, err
	}
	return p.UserID, nil
}

// CheckRPC checks uid and secret (password or API key) for one RPC call,
// through the verified-credential cache, and returns whom the call acts as.
func (s *Service) CheckRPC(ctx context.Context, uid int64, secret string, client netip.Addr) (*principal.Principal, error) {
	return s.CheckPassword(ctx, Credential{UID: uid, Password: secret, Client: client})
}

// GenerateKey is Odoo 19's res.users.apikeys.generate, allowed to
// administrators, or to everyone when Config.ProgrammaticAPIKeys is set
// (Odoo's base.enable_programmatic_api_keys) or in demo mode: key must be a
// valid key of p's user; a key with the rpc scope may create any scope, another
// key only keys within its own scopes. scope "" means rpc; expires nil asks
// for a persistent key (administrators only). It returns the new secret.
func (s *Service) GenerateKey(ctx context.Context, p *principal.Principal, key, scope, name string, expires *time.Time, client netip.Addr) (string, error) {
	if p == nil || p.Public {
		return "", errAccessDenied()
	}
	if !p.IsSystem() && !s.cfg.ProgrammaticAPIKeys && !s.demo {
		return "", errs.E(errs.UserError, "Programmatic API keys are not enabled")
	}
	ipKey, acctKey := attemptKeys(client, p.UserID, p.Login)
	if err := s.reserveAttempt(ctx, attempt{client: client, ipKey: ipKey, acctKey: acctKey, login: p.Login}); err != nil {
		return "", err
	}
	e, err := s.verifyKey(ctx, key, client)
	if err != nil || e.p.UserID != p.UserID {
		s.attemptFailed(ctx, client, p.Login, p.UserID, "generate: invalid api key")
		return "", errAccessDenied()
	}
	s.attemptSucceeded(ctx, ipKey, acctKey)
	if scope == "" {
		scope = ScopeRPC
	}
	if !scopeWithin(e.scopes, scope) {
		return "", errs.E(errs.AccessError, "This API key cannot create a key of that scope.")
	}
	nk := NewAPIKey{UserID: p.UserID, Name: name, Scopes: []string{scope}, Actor: p, Client: client}
	if expires == nil {
		nk.NoExpiry = true
	} else {
		nk.ExpiresIn = expires.Sub(s.now())
	}
	secret, _, err := s.CreateAPIKey(ctx, nk)
	return secret, err
}

// scopeWithin reports whether a key with scopes may mint a key of scope.
func scopeWithin(scopes []string, scope string) bool {
	for _, s := range scopes {
		if s == ScopeRPC || s == scope {
			return true
		}
	}
	return false
}

// RevokeKey is res.users.apikeys.revoke: it revokes the key whose secret
// is given, if it belongs to p's user (or p is an administrator). A key
// that is not found is errs.AccessDenied, as in Odoo.
func (s *Service) RevokeKey(ctx context.Context, p *principal.Principal, key string, client netip.Addr) error {
	if p == nil || p.Public {
		return errAccessDenied()
	}
	e, err := s.verifyKey(ctx, key, client)
	if err != nil {
		return errAccessDenied()
	}
	if err := s.RevokeAPIKey(ctx, p, e.keyID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errAccessDenied()
		}
		return err
	}
	return nil
}
