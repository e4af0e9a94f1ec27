package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// CookieName is the session cookie, as Odoo names it.
const CookieName = "session_id"

const (
	sidBytes = 32                   // 256 bits
	sidLen   = (sidBytes*8 + 5) / 6 // 43 base64url characters
	csrfLen  = 32                   // per-session CSRF secret
	maxUA    = 512                  // user agent bytes kept
)

// sessionRow is a stored session. Only lastSeen changes after creation.
type sessionRow struct {
	id        int64
	userID    int64
	cv        int64
	csrf      []byte
	createdAt time.Time
	expiresAt time.Time    // absolute end
	lastSeen  atomic.Int64 // unix ms
	clientIP  string
	userAgent string
}

// idleEnd is when the session ends if unused from now on.
func (r *sessionRow) idleEnd(idle time.Duration) time.Time {
	return time.UnixMilli(r.lastSeen.Load()).Add(idle)
}

// SessionInfo describes a session to its owner. It never holds the
// session id, only its database id.
type SessionInfo struct {
	ID         int64     `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"` // the earlier of idle and absolute expiry
	ClientIP   string    `json:"client_ip"`
	UserAgent  string    `json:"user_agent"`
}

func newSessionID() (string, error) {
	b := make([]byte, sidBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// WellFormedSID checks a session cookie's shape before any lookup.
func WellFormedSID(s string) bool { return wellFormedSID(s) }

func wellFormedSID(s string) bool {
	if len(s) != sidLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// openSession stores a new session for user u and returns its id.
func (s *Service) openSession(ctx context.Context, uid, cv int64, client netip.Addr, ua string) (string, *sessionRow, error) {
	sid, err := newSessionID()
	if err != nil {
		return "", nil, errs.Internalf("session id: %w", err)
	}
	csrf := make([]byte, csrfLen)
	if _, err := rand.Read(csrf); err != nil {
		return "", nil, errs.Internalf("csrf secret: %w", err)
	}
	if len(ua) > maxUA {
		ua = ua[:maxUA]
	}
	now := s.now()
	row := &sessionRow{userID: uid, cv: cv, csrf: csrf, createdAt: now, expiresAt: now.Add(s.cfg.SessionMaxLifetime), userAgent: strings.ToValidUTF8(ua, "?")}
	if client.IsValid() {
		row.clientIP = client.String()
	}
	row.lastSeen.Store(now.UnixMilli())
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO rampart_sessions (token_digest, user_id, credential_version, csrf_secret, created_at, last_seen_at, expires_at, client_ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			secretDigest(sid), uid, cv, hex.EncodeToString(csrf), now.UnixMilli(), now.UnixMilli(), row.expiresAt.UnixMilli(), row.clientIP, row.userAgent).Scan(&row.id)
	})
	if err != nil {
		return "", nil, err
	}
	return sid, row, nil
}

// session returns the verified credential of a session id, or nil when the
// session does not exist, has expired, or its user's credentials changed
// (such a session is deleted). touched reports that last-seen was written,
// so the caller may refresh the cookie.
func (s *Service) session(ctx context.Context, sid string) (e *credEntry, touched bool, err error) {
	now := s.now()
	k := s.secretKey(kindSession, sid)
	cached := true
	if e = s.cache.get(k, now); e == nil {
		cached = false
		if e, err = s.loadSession(ctx, sid, now); e == nil || err != nil {
			return nil, false, err
		}
		s.cache.put(k, e, now)
	}
	if !now.Before(e.sess.expiresAt) || !now.Before(e.sess.idleEnd(s.cfg.SessionIdleTimeout)) {
		s.cache.drop(k)
		if cached {
			// Another instance may have seen it since: decide on fresh data.
			return s.session(ctx, sid)
		}
		return nil, false, s.deleteSession(ctx, e.sess.userID, e.sess.id)
	}
	return e, s.touch(ctx, e.sess, now), nil
}

func (s *Service) loadSession(ctx context.Context, sid string, now time.Time) (*credEntry, error) {
	var e *credEntry
	var stale *sessionRow
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var row sessionRow
		var csrf string
		var created, expires, seen int64
		u, err := scanUser(tx.QueryRow(ctx, `SELECT s.id, s.user_id, s.credential_version, s.csrf_secret, s.created_at, s.expires_at, s.last_seen_at, s.client_ip, s.user_agent, `+userColsU+`
			FROM rampart_sessions s JOIN res_users u ON u.id = s.user_id WHERE s.token_digest = ?`, secretDigest(sid)),
			&row.id, &row.userID, &row.cv, &csrf, &created, &expires, &seen, &row.clientIP, &row.userAgent)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		row.createdAt, row.expiresAt = time.UnixMilli(created), time.UnixMilli(expires)
		row.lastSeen.Store(seen)
		if row.csrf, err = hex.DecodeString(csrf); err != nil {
			return errs.Internalf("session %d: bad csrf secret", row.id)
		}
		if !u.active || u.cv != row.cv || u.login == PublicLogin {
			stale = &row
			return nil
		}
		p, err := loadPrincipal(ctx, tx, u)
		if err != nil {
			return err
		}
		p.SessionID, p.Via = row.id, "session"
		e = &credEntry{p: p, cv: u.cv, sess: &row, expires: row.expiresAt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if stale != nil {
		// The credentials changed since login: the session is over for good.
		return nil, s.deleteSession(ctx, stale.userID, stale.id)
	}
	return e, nil
}

// touch records activity at most once per SessionTouchInterval. It is
// best effort: a failed write is logged and the request goes on (the next
// touch retries).
func (s *Service) touch(ctx context.Context, row *sessionRow, now time.Time) bool {
	last := row.lastSeen.Load()
	if now.UnixMilli()-last < s.cfg.SessionTouchInterval.Milliseconds() {
		return false
	}
	if !row.lastSeen.CompareAndSwap(last, now.UnixMilli()) {
		return false // a concurrent request is touching it
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE rampart_sessions SET last_seen_at = ? WHERE id = ?`, now.UnixMilli(), row.id)
		return err
	})
	if err != nil {
		row.lastSeen.CompareAndSwap(now.UnixMilli(), last)
		s.log.Warn("identity: session touch failed", "session", row.id, "err", err)
		return false
	}
	return true
}

func (s *Service) deleteSession(ctx context.Context, uid, id int64) error {
	s.cache.dropUserWhere(uid, func(e *credEntry) bool { return e.sess != nil && e.sess.id == id })
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE id = ?`, id)
		return err
	})
	s.inval.publish(ctx, msgUser(uid))
	return err
}

// ListSessions lists user uid's live sessions, newest first. current marks
// the caller's own session (0 for none).
func (s *Service) ListSessions(ctx context.Context, uid, current int64) ([]SessionInfo, error) {
	now := s.now()
	var out []SessionInfo
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, s.client_ip, s.user_agent
			FROM rampart_sessions s JOIN res_users u ON u.id = s.user_id
			WHERE s.user_id = ? AND s.credential_version = u.credential_version AND s.expires_at > ? AND s.last_seen_at > ?
			ORDER BY s.id DESC`, uid, now.UnixMilli(), now.Add(-s.cfg.SessionIdleTimeout).UnixMilli())
		if err != nil {
			return err
		}
		for rows.Next() {
			var si SessionInfo
			var created, seen, expires int64
			if err := rows.Scan(&si.ID, &created, &seen, &expires, &si.ClientIP, &si.UserAgent); err != nil {
				rows.Close()
				return err
			}
			si.CreatedAt, si.LastSeenAt = time.UnixMilli(created).UTC(), time.UnixMilli(seen).UTC()
			si.ExpiresAt = time.UnixMilli(min(expires, seen+s.cfg.SessionIdleTimeout.Milliseconds())).UTC()
			si.Current = si.ID == current
			out = append(out, si)
		}
		return closeRows(rows)
	})
	return out, err
}

// EndSession ends session id of user uid (errs.NotFound when uid has no
// such session, so ids of other users' sessions are not confirmed).
func (s *Service) EndSession(ctx context.Context, uid, id int64) error {
	var n int64
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE id = ? AND user_id = ?`, id, uid)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	s.cache.dropUserWhere(uid, func(e *credEntry) bool { return e.sess != nil && e.sess.id == id })
	if n > 0 {
		s.inval.publish(ctx, msgUser(uid))
	}
	if err == nil && n == 0 {
		return errs.E(errs.NotFound, "No such session.")
	}
	return err
}

// EndUserSessions ends every session of uid except keep (0: all).
func (s *Service) EndUserSessions(ctx context.Context, uid, keep int64) error {
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE user_id = ? AND id <> ?`, uid, keep)
		return err
	})
	s.cache.dropUserWhere(uid, func(e *credEntry) bool { return e.sess != nil && e.sess.id != keep })
	s.inval.publish(ctx, msgUser(uid))
	return err
}

// copyPrincipal copies a cached principal for one request: the slices stay
// shared and must be treated as read-only.
func copyPrincipal(p *principal.Principal) *principal.Principal {
	c := *p
	return &c
}
