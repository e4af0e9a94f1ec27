package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// Two-factor authentication (TOTP) for interactive sign-in, as Odoo's
// auth_totp: once a user enabled it, the console asks for a code after the
// password, and the password alone no longer opens anything — XML-RPC,
// JSON-RPC and /web/session/authenticate refuse it with a message pointing
// to API keys, which keep working (CheckPassword calls twoFactorGate).
//
// Storage (migration 004): rampart_totp holds the secret (pending until a
// first valid code confirms it), the last accepted time step (a code is
// refused a second time, also within its ±1 step window);
// rampart_totp_recovery holds the ten recovery codes as SHA-256 digests
// (high-entropy random values, like API keys, so a fast hash suffices),
// each usable once; rampart_2fa_pending the half-done logins (password
// checked, code awaited) by token digest, for five minutes, on every
// instance; rampart_2fa_required_groups the groups whose members must
// enrol before the console lets them do anything else.

// Two-factor events for the audit trail.
const (
	EventTwoFactorEnrolled  EventType = "2fa_enrolled"
	EventTwoFactorDisabled  EventType = "2fa_disabled"
	EventTwoFactorFailed    EventType = "2fa_code_failed"
	EventRecoveryCodeUsed   EventType = "2fa_recovery_code_used"
	EventTwoFactorGroupRule EventType = "2fa_group_requirement"
)

const (
	recoveryCodes  = 10
	pendingLoginTT = 5 * time.Minute
	maxCodeLen     = 64
)

// msgUseAPIKey is the refusal of a password alone for a 2FA user.
const msgUseAPIKey = "Two-factor authentication is enabled for this account: the password alone is not accepted here. Use an API key instead (create one in the console, My API keys)."

// secondFactorFollows marks a context whose caller asks for the second
// factor after the password (the console's sign-in), so twoFactorGate lets
// the password through. Only this package can set it.
type secondFactorFollows struct{}

// twoFactorGate is called by CheckPassword once a password matched: a user
// with 2FA enabled is refused a sign-in by password alone — RPC calls
// (non-interactive) and logins by name (/web/session/authenticate,
// /web/login) — unless the caller goes on to the code step. An interactive
// check by uid re-confirms the password of a user already signed in (the
// session's change-password), which 2FA does not forbid.
func (s *Service) twoFactorGate(ctx context.Context, uid int64, c Credential) error {
	if ctx.Value(secondFactorFollows{}) != nil || (c.Interactive && c.Login == "") {
		return nil
	}
	on, err := s.twoFactorEnabled(ctx, uid)
	if err != nil {
		return err
	}
	if on {
		// The cause marks a right password refused by policy, so that a
		// login page can say so (IsTwoFactorRefusal) where it otherwise
		// shows a generic "wrong login/password".
		return errs.Wrap(errs.AccessDenied, twoFactorRefusal{}, msgUseAPIKey)
	}
	return nil
}

// twoFactorRefusal is the internal cause of twoFactorGate's refusal.
type twoFactorRefusal struct{}

func (twoFactorRefusal) Error() string {
	return "password alone refused: two-factor authentication enabled"
}

// IsTwoFactorRefusal reports whether err refused a right password because
// the user has two-factor authentication: only ever after the password
// matched, so telling it apart reveals nothing to someone guessing.
func IsTwoFactorRefusal(err error) bool {
	var r twoFactorRefusal
	return errors.As(err, &r)
}

func (s *Service) twoFactorEnabled(ctx context.Context, uid int64) (bool, error) {
	var on bool
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT enabled FROM rampart_totp WHERE user_id = ?`, uid).Scan(&on)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return on, err
}

// TwoFactorStatus is what the console shows about a user's 2FA.
type TwoFactorStatus struct {
	Enabled bool
	// Pending: enrolment started, not yet confirmed by a code.
	Pending      bool
	EnabledAt    *time.Time
	RecoveryLeft int
	// Required: a group of the user requires 2FA.
	Required bool
}

// TwoFactor returns uid's 2FA status.
func (s *Service) TwoFactor(ctx context.Context, uid int64) (TwoFactorStatus, error) {
	var st TwoFactorStatus
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var at sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT enabled, enabled_at FROM rampart_totp WHERE user_id = ?`, uid).Scan(&st.Enabled, &at)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			st.Pending = !st.Enabled
			st.EnabledAt = msTime(at)
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_totp_recovery WHERE user_id = ? AND used_at IS NULL`, uid).Scan(&st.RecoveryLeft); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_2fa_required_groups r
			JOIN res_groups_users_rel gu ON gu.gid = r.gid WHERE gu.uid = ?`, uid).Scan(&n); err != nil {
			return err
		}
		// Implied groups: a member of a group implying a required one.
		var m int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_2fa_required_groups r
			JOIN res_groups_implied i ON i.hid = r.gid JOIN res_groups_users_rel gu ON gu.gid = i.gid WHERE gu.uid = ?`, uid).Scan(&m); err != nil {
			return err
		}
		st.Required = n+m > 0
		return nil
	})
	return st, err
}

// BeginTwoFactor draws a new secret for uid, pending until ConfirmTwoFactor
// checks a first code. It refuses when 2FA is already enabled (disable it
// first). The secret is returned to be shown once (QR code and text).
func (s *Service) BeginTwoFactor(ctx context.Context, uid int64) (string, error) {
	secret, err := newTOTPSecret()
	if err != nil {
		return "", errs.Internalf("totp secret: %w", err)
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var on bool
		err := tx.QueryRow(ctx, `SELECT enabled FROM rampart_totp WHERE user_id = ?`, uid).Scan(&on)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.Exec(ctx, `INSERT INTO rampart_totp (user_id, secret, enabled, last_step, created_at) VALUES (?, ?, ?, 0, ?)`,
				uid, secret, false, s.now().UnixMilli())
			return err
		case err != nil:
			return err
		case on:
			return errs.E(errs.UserError, "Two-factor authentication is already enabled; disable it first.")
		}
		_, err = tx.Exec(ctx, `UPDATE rampart_totp SET secret = ?, last_step = 0, created_at = ? WHERE user_id = ?`, secret, s.now().UnixMilli(), uid)
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// PendingTwoFactorSecret returns the secret of an enrolment not yet
// confirmed ("" when none), to show it again on the enrolment page.
func (s *Service) PendingTwoFactorSecret(ctx context.Context, uid int64) (string, error) {
	var secret string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT secret FROM rampart_totp WHERE user_id = ? AND enabled = ?`, uid, false).Scan(&secret)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return secret, err
}

// ConfirmTwoFactor enables p's pending 2FA when code is valid for its
// secret, and returns the ten recovery codes (shown once). A wrong code
// counts as a failed login. Enabling drops the user's cached password
// credentials everywhere, so an RPC client still using the password is
// refused from now on.
func (s *Service) ConfirmTwoFactor(ctx context.Context, p *principal.Principal, code string, client netip.Addr) ([]string, error) {
	if p == nil || p.Public {
		return nil, errAccessDenied()
	}
	keys, err := s.reserveCodeAttempt(ctx, client, p.UserID, p.Login)
	if err != nil {
		return nil, err
	}
	code = normalizeCode(code)
	var codes []string
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var secret string
		err := tx.QueryRow(ctx, `SELECT secret FROM rampart_totp WHERE user_id = ? AND enabled = ?`, p.UserID, false).Scan(&secret)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.UserError, "There is no two-factor enrolment to confirm: start again from My account.")
		}
		if err != nil {
			return err
		}
		key, err := decodeTOTPSecret(secret)
		if err != nil {
			return errs.Internalf("stored totp secret: %w", err)
		}
		step, ok := totpMatch(key, code, s.now())
		if !ok {
			return errWrongCode()
		}
		now := s.now().UnixMilli()
		if _, err := tx.Exec(ctx, `UPDATE rampart_totp SET enabled = ?, enabled_at = ?, last_step = ? WHERE user_id = ?`, true, now, step, p.UserID); err != nil {
			return err
		}
		codes, err = replaceRecoveryCodes(ctx, tx, p.UserID)
		return err
	})
	if errs.Is(err, errs.AccessDenied) {
		s.codeFailed(ctx, client, p.Login, p.UserID, "enrolment: wrong code")
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	keys.succeeded(ctx, s)
	s.afterCredentialChange(ctx, p.UserID)
	s.log.LogAttrs(ctx, slog.LevelInfo, "2fa enabled", slog.Int64("uid", p.UserID), slog.String("ip", addrString(client)))
	s.emit(ctx, AuthEvent{Type: EventTwoFactorEnrolled, UserID: p.UserID, Login: p.Login, Client: client, SessionID: p.SessionID})
	return codes, nil
}

func errWrongCode() error {
	return errs.E(errs.AccessDenied, "Invalid authentication code.")
}

// replaceRecoveryCodes deletes uid's recovery codes and stores ten new
// ones, returned in clear text.
func replaceRecoveryCodes(ctx context.Context, tx *store.Tx, uid int64) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM rampart_totp_recovery WHERE user_id = ?`, uid); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodes)
	for i := range codes {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			return nil, errs.Internalf("recovery code: %w", err)
		}
		c := strings.ToLower(b32.EncodeToString(b))[:12] // 60 bits
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:]
		if _, err := tx.Exec(ctx, `INSERT INTO rampart_totp_recovery (user_id, digest) VALUES (?, ?)`, uid, recoveryDigest(uid, codes[i])); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// recoveryDigest binds a code to its user, so equal codes of two users
// (never drawn in practice) can neither collide nor be swapped.
func recoveryDigest(uid int64, code string) string {
	sum := sha256.Sum256([]byte("rampart-recovery:" + strconv.FormatInt(uid, 10) + ":" + strings.ReplaceAll(normalizeCode(code), "-", "")))
	return hex.EncodeToString(sum[:])
}

func normalizeCode(c string) string {
	return strings.ToLower(strings.Join(strings.Fields(c), ""))
}

// DisableTwoFactor turns p's 2FA off after checking the password and a
// current code (or a recovery code); both count as login attempts.
func (s *Service) DisableTwoFactor(ctx context.Context, p *principal.Principal, password, code string, client netip.Addr) error {
	if p == nil || p.Public {
		return errAccessDenied()
	}
	if _, err := s.CheckPassword(context.WithValue(ctx, secondFactorFollows{}, true),
		Credential{UID: p.UserID, Password: password, Client: client, Interactive: true}); err != nil {
		return err
	}
	if err := s.CheckSecondFactor(ctx, p.UserID, p.Login, code, client); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_totp WHERE user_id = ?`, p.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM rampart_totp_recovery WHERE user_id = ?`, p.UserID)
		return err
	})
	if err != nil {
		return err
	}
	s.afterCredentialChange(ctx, p.UserID)
	s.log.LogAttrs(ctx, slog.LevelInfo, "2fa disabled", slog.Int64("uid", p.UserID), slog.String("ip", addrString(client)))
	s.emit(ctx, AuthEvent{Type: EventTwoFactorDisabled, UserID: p.UserID, Login: p.Login, Client: client, SessionID: p.SessionID})
	return nil
}

// ResetTwoFactor turns a user's 2FA off as an administrator (a lost
// phone without recovery codes): the secret (enabled or pending) and the
// recovery codes go (their sessions stay: they were signed in with the
// second factor), 2fa_disabled is recorded.
// actor must be a base.group_system member, or nil for the server's CLI.
// A user with nothing to reset is a UserError, recording nothing.
func (s *Service) ResetTwoFactor(ctx context.Context, actor *principal.Principal, uid int64, client netip.Addr) error {
	if actor != nil && !actor.IsSystem() {
		return errs.E(errs.AccessError, "Only administrators can reset another user's two-factor authentication.")
	}
	u, err := s.User(ctx, uid)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM rampart_totp WHERE user_id = ?`, uid)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = tx.Exec(ctx, `DELETE FROM rampart_totp_recovery WHERE user_id = ?`, uid)
		if err != nil {
			return err
		}
		m, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n+m == 0 {
			return errs.Ef(errs.UserError, "%s has no two-factor authentication to reset.", u.Login)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.afterCredentialChange(ctx, uid)
	reason := "reset by an administrator"
	if actor == nil {
		reason = "reset from the server's CLI"
	}
	by := actorID(actor, 0)
	s.log.LogAttrs(ctx, slog.LevelInfo, "2fa reset", slog.Int64("uid", uid), slog.Int64("by", by))
	s.emit(ctx, AuthEvent{Type: EventTwoFactorDisabled, UserID: uid, Login: u.Login, ActorID: by, Client: client, Reason: reason})
	return nil
}

// CheckSecondFactor checks a TOTP code (a step not used before) or an
// unused recovery code of uid, throttled as a login; a wrong code is a
// failed login and an audited 2fa_code_failed event.
func (s *Service) CheckSecondFactor(ctx context.Context, uid int64, login, code string, client netip.Addr) error {
	keys, err := s.reserveCodeAttempt(ctx, client, uid, login)
	if err != nil {
		return err
	}
	code = normalizeCode(code)
	if code == "" || len(code) > maxCodeLen {
		s.codeFailed(ctx, client, login, uid, "empty or oversized code")
		return errWrongCode()
	}
	var usedRecovery bool
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		var secret string
		var last int64
		err := tx.QueryRow(ctx, `SELECT secret, last_step FROM rampart_totp WHERE user_id = ? AND enabled = ?`, uid, true).Scan(&secret, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.UserError, "Two-factor authentication is not enabled for this account.")
		}
		if err != nil {
			return err
		}
		if len(code) == totpDigits {
			key, err := decodeTOTPSecret(secret)
			if err != nil {
				return errs.Internalf("stored totp secret: %w", err)
			}
			step, ok := totpMatch(key, code, s.now())
			if !ok || step <= last {
				return errWrongCode()
			}
			// Conditional on last_step: two concurrent requests with the
			// same code cannot both win.
			res, err := tx.Exec(ctx, `UPDATE rampart_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, uid, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errWrongCode()
			}
			return nil
		}
		res, err := tx.Exec(ctx, `UPDATE rampart_totp_recovery SET used_at = ? WHERE user_id = ? AND digest = ? AND used_at IS NULL`,
			s.now().UnixMilli(), uid, recoveryDigest(uid, code))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errWrongCode()
		}
		usedRecovery = true
		return nil
	})
	if errs.Is(err, errs.AccessDenied) {
		s.codeFailed(ctx, client, login, uid, "wrong or reused code")
		return err
	}
	if err != nil {
		return err
	}
	keys.succeeded(ctx, s)
	if usedRecovery {
		s.log.LogAttrs(ctx, slog.LevelWarn, "2fa recovery code used", slog.Int64("uid", uid), slog.String("ip", addrString(client)))
		s.emit(ctx, AuthEvent{Type: EventRecoveryCodeUsed, UserID: uid, Login: login, Client: client})
	}
	return nil
}

// codeAttempt names the counters a second-factor attempt was reserved
// on: the client IP and the account (as a password attempt), and the code
// step's own per-account counter, which only a valid code resets: a
// correct password resets the account's counter, so without this one an
// attacker knowing the password could alternate it with code guesses
// forever.
type codeAttempt struct{ ipKey, acctKey, codeKey string }

// reserveCodeAttempt reserves a code attempt of uid before the code is
// checked, as reserveAttempt does for a password: parallel guesses cannot
// all pass a check made before any of them is counted. A wrong code keeps
// its reservation as the failure.
func (s *Service) reserveCodeAttempt(ctx context.Context, client netip.Addr, uid int64, login string) (codeAttempt, error) {
	ipKey, acctKey := attemptKeys(client, uid, login)
	k := codeAttempt{ipKey: ipKey, acctKey: acctKey, codeKey: "2fa:user:" + strconv.FormatInt(uid, 10)}
	if err := s.reserveAttempt(ctx, attempt{client: client, ipKey: ipKey, acctKey: acctKey, login: login, secondStep: true}); err != nil {
		return k, err
	}
	if err := s.reserveAttempt(ctx, attempt{acctKey: k.codeKey, login: login, secondStep: true}); err != nil {
		return k, err
	}
	return k, nil
}

// succeeded clears the counters of a valid code.
func (k codeAttempt) succeeded(ctx context.Context, s *Service) {
	s.attemptSucceeded(ctx, k.ipKey, k.acctKey)
	s.attemptSucceeded(ctx, "", k.codeKey)
}

// codeFailed logs and audits a wrong code as 2fa_code_failed; its
// reservation (reserveCodeAttempt) already counts it as a failed login.
func (s *Service) codeFailed(ctx context.Context, client netip.Addr, login string, uid int64, reason string) {
	s.log.LogAttrs(ctx, slog.LevelWarn, "2fa code failed", slog.String("login", quoteSafe(login)),
		slog.String("ip", addrString(client)), slog.String("reason", reason))
	s.emit(ctx, AuthEvent{Type: EventTwoFactorFailed, UserID: uid, Login: quoteSafe(login), Client: client, Reason: reason})
}

// SignIn is the console's first step: it checks the password (throttled,
// as Login) and, for a user without 2FA, ends the caller's previous
// session and opens a new one at once, as Login does (pending == ""). For
// a user with 2FA it opens nothing and returns a pending-login token for
// SignInCode, valid five minutes. The web adapter sets the cookie.
func (s *Service) SignIn(ctx context.Context, in LoginInput) (sess *Session, pending string, err error) {
	p, err := s.CheckPassword(context.WithValue(ctx, secondFactorFollows{}, true),
		Credential{Login: in.Login, Password: in.Password, Client: in.Client, Interactive: true})
	if err != nil {
		return nil, "", err
	}
	on, err := s.twoFactorEnabled(ctx, p.UserID)
	if err != nil {
		return nil, "", err
	}
	if !on {
		if err := s.Logout(ctx, in.PreviousSID, in.Client); err != nil {
			return nil, "", err
		}
		sess, err = s.startSession(ctx, p.UserID, in.Client, in.UserAgent)
		return sess, "", err
	}
	tok, err := newSessionID()
	if err != nil {
		return nil, "", errs.Internalf("pending login: %w", err)
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_2fa_pending WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO rampart_2fa_pending (token_digest, user_id, expires_at) VALUES (?, ?, ?)`,
			pendingDigest(tok), p.UserID, now.Add(pendingLoginTT).UnixMilli())
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return nil, tok, nil
}

func pendingDigest(tok string) string {
	sum := sha256.Sum256([]byte("rampart-2fa-pending:" + tok))
	return hex.EncodeToString(sum[:])
}

// SignInCode is the console's second step: with the pending token from
// SignIn and a valid code it ends the token, opens the session (a new id)
// (the web adapter sets its cookie). An expired or unknown token is SessionExpired (sign
// in again); a wrong code keeps the token for another try, within the
// login throttle.
func (s *Service) SignInCode(ctx context.Context, pending, code string, in LoginInput) (*Session, error) {
	if pending == "" || len(pending) > 128 {
		return nil, errs.E(errs.SessionExpired, "Your sign-in expired: enter your password again.")
	}
	var uid int64
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT user_id FROM rampart_2fa_pending WHERE token_digest = ? AND expires_at > ?`,
			pendingDigest(pending), s.now().UnixMilli()).Scan(&uid)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.SessionExpired, "Your sign-in expired: enter your password again.")
	}
	if err != nil {
		return nil, err
	}
	u, err := s.User(ctx, uid)
	if err != nil {
		return nil, err
	}
	if err := s.CheckSecondFactor(ctx, uid, u.Login, code, in.Client); err != nil {
		return nil, err
	}
	var n int64
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM rampart_2fa_pending WHERE token_digest = ?`, pendingDigest(pending))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if n != 1 {
		// Used concurrently by another request: only one session per token.
		return nil, errs.E(errs.SessionExpired, "Your sign-in expired: enter your password again.")
	}
	if err := s.Logout(ctx, in.PreviousSID, in.Client); err != nil {
		return nil, err
	}
	return s.startSession(ctx, uid, in.Client, in.UserAgent)
}

// Reauthenticate checks that the session user of p is present: a current
// TOTP code when 2FA is enabled, else the password. The console asks for
// it before sensitive actions (creating a key, changing 2FA, granting
// groups). Failures count as failed logins.
func (s *Service) Reauthenticate(ctx context.Context, p *principal.Principal, secret string, client netip.Addr) error {
	if p == nil || p.Public {
		return errAccessDenied()
	}
	on, err := s.twoFactorEnabled(ctx, p.UserID)
	if err != nil {
		return err
	}
	if on && len(normalizeCode(secret)) == totpDigits {
		return s.CheckSecondFactor(ctx, p.UserID, p.Login, secret, client)
	}
	_, err = s.CheckPassword(context.WithValue(ctx, secondFactorFollows{}, true),
		Credential{UID: p.UserID, Password: secret, Client: client, Interactive: true})
	return err
}

// SetTwoFactorRequired makes 2FA mandatory (or not) for the members of a
// group (external id), including the groups that imply it. Administrators
// only.
func (s *Service) SetTwoFactorRequired(ctx context.Context, actor *principal.Principal, xmlid string, required bool) error {
	if !actor.IsSystem() {
		return errs.E(errs.AccessError, "Only administrators can require two-factor authentication.")
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		gid, err := groupID(ctx, tx, xmlid)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_2fa_required_groups WHERE gid = ?`, gid); err != nil {
			return err
		}
		if required {
			_, err = tx.Exec(ctx, `INSERT INTO rampart_2fa_required_groups (gid) VALUES (?)`, gid)
		}
		return err
	})
	if err != nil {
		return err
	}
	reason := xmlid + ": not required"
	if required {
		reason = xmlid + ": required"
	}
	s.emit(ctx, AuthEvent{Type: EventTwoFactorGroupRule, UserID: actor.UserID, Login: actor.Login, ActorID: actor.UserID, Reason: reason})
	return nil
}

// TwoFactorRequiredGroups lists the groups (external ids) requiring 2FA.
func (s *Service) TwoFactorRequiredGroups(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT g.xmlid FROM rampart_2fa_required_groups r JOIN res_groups g ON g.id = r.gid ORDER BY g.xmlid`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x string
			if err := rows.Scan(&x); err != nil {
				rows.Close()
				return err
			}
			out = append(out, x)
		}
		return closeRows(rows)
	})
	return out, err
}
