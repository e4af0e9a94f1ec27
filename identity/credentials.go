package identity

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// Credential is a login attempt: a login (or, for XML-RPC execute_kw, a
// user id) and a password.
type Credential struct {
	Login    string
	UID      int64 // used when Login is empty
	Password string
	// Client is the caller's IP, for throttling and logs.
	Client netip.Addr
	// Interactive is true for a human logging in (the login endpoint,
	// /web/session/authenticate): only the password is accepted and nothing
	// is cached. Non-interactive checks (XML-RPC/JSON-RPC, on every call)
	// also accept one of the user's API keys in place of the password, as
	// Odoo does, and are cached for CacheTTL.
	Interactive bool
	// Call marks execute_kw's per-call check (XML-RPC/JSON-RPC): a secret
	// actually checked (not cached) is charged to the login_ip budget;
	// other checks are logins, charged to login_user (see AttemptLimiter).
	Call bool
}

func errAccessDenied() error { return errs.E(errs.AccessDenied, "Access Denied") }

// CheckPassword verifies a credential and returns the user's principal
// (Via "password", or "key" with the key's scopes when an API key stood in
// for the password). Wrong credentials, unknown logins, inactive users and
// users without a password all get the same errs.AccessDenied "Access
// Denied", after the same argon2id work; a throttled client or login gets
// errs.TooManyRequests with Retry-After, without its password being checked.
func (s *Service) CheckPassword(ctx context.Context, c Credential) (*principal.Principal, error) {
	// id names the account in logs; idKind keeps a login
	// that happens to read "#2" apart from uid 2 in the cache.
	id, idKind := c.Login, "login"
	if id == "" {
		id, idKind = "#"+strconv.FormatInt(c.UID, 10), "uid"
	}
	// Refused by shape: no such user can exist, and no hash is spent.
	if c.Password == "" || len(c.Password) > maxPasswordLen || !utf8.ValidString(c.Password) ||
		(c.Login == "" && c.UID <= 0) || (c.Login != "" && validLogin(c.Login) != nil) {
		return nil, errAccessDenied()
	}
	var k cacheKey
	if !c.Interactive {
		k = s.secretKey(kindPassword, idKind, id, c.Password)
		if e := s.cache.get(k, s.now()); e != nil && (c.UID == 0 || e.p.UserID == c.UID) {
			if e.keyID != 0 {
				s.usage.record(e.keyID, s.now(), c.Client)
			}
			return s.entryPrincipal(e), nil
		}
	}
	u, err := s.userForLogin(ctx, c)
	if err != nil {
		return nil, err
	}
	live := u != nil && u.active && u.login != PublicLogin
	usable := live && u.hash != ""
	uid := userID(u)
	if c.Login == "" {
		uid = c.UID // an unknown uid still has one bucket
	}
	ipKey, acctKey := attemptKeys(c.Client, uid, c.Login)
	at := attempt{client: c.Client, ipKey: ipKey, acctKey: acctKey, login: id, call: c.Call}

	// A non-interactive "password" that is one of our API keys is checked
	// as a key; no user has a password of that exact shape and checksum.
	// Users without a password (bots) may still use their keys, as in Odoo.
	if !c.Interactive && wellFormedKey(c.Password) {
		if err := s.reserveAttempt(ctx, at); err != nil {
			return nil, err
		}
		e, err := s.verifyKey(ctx, c.Password, c.Client)
		if err == nil && live && e.p.UserID == u.id {
			s.attemptSucceeded(ctx, ipKey, acctKey)
			s.cache.put(k, e, s.now())
			return s.entryPrincipal(e), nil
		}
		if err != nil && !errs.Is(err, errs.Unauthorized) {
			return nil, err
		}
		s.attemptFailed(ctx, c.Client, id, userID(u), "invalid api key")
		return nil, errAccessDenied()
	}

	hash := s.dummy()
	if usable {
		hash = u.hash
	}
	ok, rehash, err := s.verifyPassword(ctx, at, c.Password, hash)
	if err != nil {
		return nil, err
	}
	if !ok || !usable {
		reason := "wrong password"
		if !usable {
			reason = "unknown, inactive or password-less user"
		}
		s.attemptFailed(ctx, c.Client, id, userID(u), reason)
		return nil, errAccessDenied()
	}
	if rehash {
		s.upgradeHash(ctx, u.id, c.Password, u.hash)
	}
	// The password was right: its reservation is released before the
	// second-factor gate, which refuses by policy, not as a failed guess
	// (code guesses have their own counter, see reserveCodeAttempt).
	s.attemptSucceeded(ctx, ipKey, acctKey)
	if err := s.twoFactorGate(ctx, u.id, c); err != nil { // twofactor.go: password alone refused under 2FA
		return nil, err
	}
	p, err := s.Principal(ctx, u.id)
	if err != nil {
		return nil, err
	}
	p.Via = "password"
	if !c.Interactive {
		s.cache.put(k, &credEntry{p: p, cv: u.cv}, s.now())
	}
	return copyPrincipal(p), nil
}

// verifyPassword is the one place a password is checked against a user's
// hash (the dummy one for unknown users): it takes a place in the hashing
// gate (refused at once when the gate is full), reserves the attempt on
// the throttle counters, then runs argon2id (or pbkdf2) in a slot. Any
// further check of a password-authenticated login (a second factor)
// belongs after it, in CheckPassword.
func (s *Service) verifyPassword(ctx context.Context, at attempt, password, hash string) (ok, rehash bool, err error) {
	if err := s.gate.admit(); err != nil {
		s.throttled(ctx, at.client, at.login, "hashing busy", time.Second)
		return false, false, err
	}
	defer s.gate.done()
	if err := s.reserveAttempt(ctx, at); err != nil {
		return false, false, err
	}
	var verr error
	if err := s.gate.run(ctx, func() {
		if s.onHash != nil {
			s.onHash()
		}
		ok, rehash, verr = s.hasher.verify(password, hash)
	}); err != nil {
		return false, false, err
	}
	if verr != nil {
		s.log.Error("identity: unusable password hash", "err", verr)
	}
	return ok, rehash, nil
}

// userForLogin reads the user a credential names; nil when there is none.
func (s *Service) userForLogin(ctx context.Context, c Credential) (*userRow, error) {
	var u *userRow
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.Login != "" {
			u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM res_users WHERE login = ?`, c.Login))
		} else {
			u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM res_users WHERE id = ?`, c.UID))
		}
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return u, err
}

func userID(u *userRow) int64 {
	if u == nil {
		return 0
	}
	return u.id
}

// dummy is a valid argon2id hash of a random password, verified for
// unknown users so that they cost what a wrong password costs.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		pw, _ := newSessionID()
		h, err := s.hasher.hash(pw)
		if err != nil {
			panic("identity: cannot hash: " + err.Error())
		}
		s.dummyHash = h
	})
	return s.dummyHash
}

// upgradeHash replaces an outdated hash (Odoo's pbkdf2, weaker argon2
// parameters) after a successful login. The credential version is not
// bumped: the password did not change, so sessions stay valid. Failure is
// logged only; the next login tries again.
func (s *Service) upgradeHash(ctx context.Context, uid int64, password, old string) {
	h, err := s.hasher.hash(password)
	if err == nil {
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			// Only if nobody changed it meanwhile.
			_, err := tx.Exec(ctx, `UPDATE res_users SET password = ? WHERE id = ? AND password = ?`, h, uid, old)
			return err
		})
	}
	if err != nil {
		s.log.Warn("identity: password hash upgrade failed", "uid", uid, "err", err)
	}
}

// entryPrincipal is a per-request copy of a cached principal.
func (s *Service) entryPrincipal(e *credEntry) *principal.Principal {
	p := copyPrincipal(e.p)
	if e.keyID != 0 {
		p.KeyID, p.Scopes, p.Via = e.keyID, e.scopes, "key"
	}
	return p
}
