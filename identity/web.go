package identity

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
)

// Session is a live session as a transport adapter needs it
// (identity/identityhttp sets and clears the cookie from it): identity
// itself never touches a request or a response.
type Session struct {
	// SID is the secret session id, for the cookie. Set by Login and
	// ChangePassword (a new session); empty from LookupSession, whose
	// caller already holds it.
	SID string
	// Principal is whom the session acts as (Via "session"); a per-request
	// copy.
	Principal *principal.Principal
	// CSRFKey is the session's CSRF secret (see SessionCSRFKey in
	// identityhttp): server-side only, never sent to the client.
	CSRFKey []byte
	// Info describes the session to its owner (Current is true).
	Info SessionInfo
	// CookieMaxAge is how long the cookie should live from now: the idle
	// timeout, capped by what is left of the absolute lifetime.
	CookieMaxAge time.Duration
}

// LoginInput is an interactive login attempt.
type LoginInput struct {
	Login, Password string
	Client          netip.Addr
	UserAgent       string
	// PreviousSID is the caller's current session cookie, if any: a
	// successful login ends it (no fixation; a failed one leaves it).
	PreviousSID string
}

// sessionValue builds the Session of row for p.
func (s *Service) sessionValue(sid string, row *sessionRow, p *principal.Principal) *Session {
	seen := time.UnixMilli(row.lastSeen.Load())
	return &Session{
		SID: sid, Principal: p, CSRFKey: row.csrf,
		Info: SessionInfo{ID: row.id, Current: true, CreatedAt: row.createdAt.UTC(), LastSeenAt: seen.UTC(),
			ExpiresAt: minTime(row.expiresAt, seen.Add(s.cfg.SessionIdleTimeout)).UTC(), ClientIP: row.clientIP, UserAgent: row.userAgent},
		CookieMaxAge: min(s.cfg.SessionIdleTimeout, row.expiresAt.Sub(s.now())),
	}
}

// LookupSession resolves a session cookie's value: nil (and no error)
// when it names no live session (a session whose user changed
// credentials since login is deleted and treated as absent). touched
// reports that its last-seen time was just written (at most once per
// SessionTouchInterval): the adapter refreshes the cookie then.
func (s *Service) LookupSession(ctx context.Context, sid string) (sess *Session, touched bool, err error) {
	if !wellFormedSID(sid) {
		return nil, false, nil
	}
	e, touched, err := s.session(ctx, sid)
	if err != nil || e == nil {
		return nil, false, err
	}
	return s.sessionValue("", e.sess, copyPrincipal(e.p)), touched, nil
}

// Login checks login and password interactively (throttled; API keys are
// not accepted, as in Odoo's /web/session/authenticate), ends the
// caller's previous session if any, opens a new one (a new id: no
// fixation) and returns it. The web adapter sets its cookie.
func (s *Service) Login(ctx context.Context, in LoginInput) (*Session, error) {
	p, err := s.CheckPassword(ctx, Credential{Login: in.Login, Password: in.Password, Client: in.Client, Interactive: true})
	if err != nil {
		// A failed attempt leaves the current session alone, as in Odoo.
		return nil, err
	}
	if err := s.Logout(ctx, in.PreviousSID, in.Client); err != nil {
		return nil, err
	}
	return s.startSession(ctx, p.UserID, in.Client, in.UserAgent)
}

// startSession opens a session for uid.
func (s *Service) startSession(ctx context.Context, uid int64, client netip.Addr, ua string) (*Session, error) {
	u, err := s.userForLogin(ctx, Credential{UID: uid})
	if err != nil {
		return nil, err
	}
	if u == nil || !u.active {
		return nil, errAccessDenied()
	}
	sid, row, err := s.openSession(ctx, u.id, u.cv, client, ua)
	if err != nil {
		return nil, err
	}
	p, err := s.Principal(ctx, u.id)
	if err != nil {
		return nil, err
	}
	p.SessionID, p.Via = row.id, "session"
	s.log.LogAttrs(ctx, slog.LevelInfo, "login successful", slog.String("login", u.login), slog.String("ip", addrString(client)), slog.Int64("session", row.id))
	s.emit(ctx, AuthEvent{Type: EventLogin, UserID: u.id, Login: u.login, Client: client, SessionID: row.id})
	return s.sessionValue(sid, row, copyPrincipal(p)), nil
}

// Logout ends the session sid names server-side, if it is live. It never
// fails for an empty, malformed or dead one.
func (s *Service) Logout(ctx context.Context, sid string, client netip.Addr) error {
	if !wellFormedSID(sid) {
		return nil
	}
	e, _, err := s.session(ctx, sid)
	if err != nil || e == nil {
		return err
	}
	if err := s.deleteSession(ctx, e.sess.userID, e.sess.id); err != nil {
		return err
	}
	s.emit(ctx, AuthEvent{Type: EventLogout, UserID: e.p.UserID, Login: e.p.Login, Client: client, SessionID: e.sess.id})
	return nil
}

// ChangePassword changes p's password after checking the current one
// (throttled like a login), ends all the user's sessions and opens a
// fresh one for the caller, so that it stays logged in with a new
// session id.
func (s *Service) ChangePassword(ctx context.Context, p *principal.Principal, oldPassword, newPassword string, client netip.Addr, ua string) (*Session, error) {
	if p == nil || p.Public {
		return nil, errs.E(errs.SessionExpired, "Session expired")
	}
	if _, err := s.CheckPassword(ctx, Credential{UID: p.UserID, Password: oldPassword, Client: client, Interactive: true}); err != nil {
		return nil, err
	}
	if newPassword == "" {
		return nil, errs.E(errs.UserError, "Setting empty passwords is not allowed for security reasons!")
	}
	if err := s.SetPassword(ctx, p.UserID, newPassword); err != nil {
		return nil, err
	}
	if err := s.EndUserSessions(ctx, p.UserID, 0); err != nil {
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "password changed", slog.Int64("uid", p.UserID), slog.String("ip", addrString(client)))
	s.emit(ctx, AuthEvent{Type: EventPasswordChanged, UserID: p.UserID, Login: p.Login, Client: client})
	return s.startSession(ctx, p.UserID, client, ua)
}

// EndOwnSession ends one of p's sessions by database id (the sessions
// endpoint) and records it.
func (s *Service) EndOwnSession(ctx context.Context, p *principal.Principal, id int64, client netip.Addr) error {
	if err := s.EndSession(ctx, p.UserID, id); err != nil {
		return err
	}
	s.emit(ctx, AuthEvent{Type: EventSessionEnded, UserID: p.UserID, Login: p.Login, Client: client, SessionID: id})
	return nil
}

// VerifyKey checks an API key and returns whom it acts as (Via "key",
// with its KeyID and Scopes). A bad, expired or revoked key is
// errs.Unauthorized "Invalid apikey" with WWW-Authenticate: Bearer.
func (s *Service) VerifyKey(ctx context.Context, key string, client netip.Addr) (*principal.Principal, error) {
	e, err := s.verifyKey(ctx, key, client)
	if err != nil {
		return nil, err
	}
	return s.entryPrincipal(e), nil
}

// InvalidKeyError is the refusal of a malformed or unknown API key.
func InvalidKeyError() error { return errInvalidKey() }

// MaxKeyLength bounds an API key read from a header: longer values are
// refused unread.
const MaxKeyLength = maxHeaderKey

// PublicPrincipal is the public user's principal (a per-request copy),
// for public routes without a session.
func (s *Service) PublicPrincipal(ctx context.Context) (*principal.Principal, error) {
	p, err := s.publicPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	return copyPrincipal(p), nil
}

// SetUserActive disables or re-enables the user named login and records
// it (user_disabled / user_enabled): the one path of the admin API, the
// console and the CLI, so that none of them changes a user's state
// without the trail knowing. actor is the administrator asking (a
// base.group_system member), nil for the server's CLI. The built-in users
// are refused, and so is an administrator disabling themselves.
// (SetActive, unaudited, is for seeding and demo wipes.)
func (s *Service) SetUserActive(ctx context.Context, actor *principal.Principal, login string, active bool, client netip.Addr) error {
	if actor != nil && !actor.IsSystem() {
		return errs.E(errs.AccessError, "This endpoint is reserved to administrators (Administration / Settings).")
	}
	u, err := s.UserByLogin(ctx, login)
	if err != nil {
		return err
	}
	switch {
	case u.Login == SystemLogin || u.Login == PublicLogin:
		return errs.E(errs.UserError, "The built-in users cannot be enabled or disabled.")
	case actor != nil && u.ID == actor.UserID && !active:
		return errs.E(errs.UserError, "You cannot deactivate the user you're currently logged in as.")
	}
	if err := s.SetActive(ctx, u.ID, active); err != nil {
		return err
	}
	ev := EventUserDisabled
	if active {
		ev = EventUserEnabled
	}
	by, reason := actorID(actor, 0), ""
	if actor == nil {
		reason = "from the server's CLI"
	}
	s.log.Info("identity: "+string(ev), "uid", u.ID, "by", by)
	s.emit(ctx, AuthEvent{Type: ev, UserID: u.ID, Login: u.Login, ActorID: by, Client: client, Reason: reason})
	return nil
}

// SessionInfoResult is what the session endpoints answer.
type SessionInfoResult struct {
	UID            int64        `json:"uid"`
	Login          string       `json:"login"`
	Name           string       `json:"name"`
	IsSystem       bool         `json:"is_system"`
	IsInternalUser bool         `json:"is_internal_user"`
	Groups         []string     `json:"groups"`
	CompanyID      int64        `json:"company_id"`
	CompanyIDs     []int64      `json:"company_ids"`
	PartnerID      int64        `json:"partner_id"`
	Session        *SessionInfo `json:"session,omitempty"`
}

// SessionInfo describes p (and sess, the request's session, if any).
func (s *Service) SessionInfoFor(ctx context.Context, p *principal.Principal, sess *Session) (*SessionInfoResult, error) {
	u, err := s.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &SessionInfoResult{UID: p.UserID, Login: p.Login, Name: u.Name, IsSystem: p.IsSystem(),
		IsInternalUser: p.InGroup(GroupUser), Groups: p.GroupXMLIDs, CompanyID: p.CompanyID,
		CompanyIDs: p.CompanyIDs, PartnerID: p.PartnerID}
	if sess != nil {
		info := sess.Info
		out.Session = &info
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
