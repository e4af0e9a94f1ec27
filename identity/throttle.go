package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// FailureStore counts failed logins in storage that every instance shares,
// so that a brute force spread over instances is still counted once.
// Keys are short ASCII strings made by this package ("ip:203.0.113.7",
// "login:<hex>"), at most 80 bytes. Implementations: DBFailureStore here;
// package ratelimit provides a Redis one. Methods must be safe for
// concurrent use; an error fails the login closed (the attempt is refused
// with an internal error, never let through unchecked).
type FailureStore interface {
	// Failure records one failure under key at time at and returns the
	// count including it. When the previous failure is older than window
	// (or there is none), the count restarts at 1. The store may forget a
	// key once window has passed since its last failure.
	Failure(ctx context.Context, key string, at time.Time, window time.Duration) (count int, err error)
	// Failures returns key's count and last failure time; zero values when
	// there is none (or it was forgotten).
	Failures(ctx context.Context, key string) (count int, last time.Time, err error)
	// Reset forgets key (after a successful login).
	Reset(ctx context.Context, key string) error
}

// DBFailureStore keeps failure counters in the rampart_login_failures table.
type DBFailureStore struct{ db *store.DB }

// NewDBFailureStore returns a FailureStore on db (identity's migrations
// must have run).
func NewDBFailureStore(db *store.DB) *DBFailureStore { return &DBFailureStore{db: db} }

// Failure implements FailureStore with one atomic upsert.
func (f *DBFailureStore) Failure(ctx context.Context, key string, at time.Time, window time.Duration) (int, error) {
	var n int
	err := f.db.Write(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO rampart_login_failures (key, count, last_at) VALUES (?, 1, ?)
			ON CONFLICT (key) DO UPDATE SET
				count = CASE WHEN rampart_login_failures.last_at <= ? THEN 1 ELSE rampart_login_failures.count + 1 END,
				last_at = excluded.last_at
			RETURNING count`, key, at.UnixMilli(), at.Add(-window).UnixMilli()).Scan(&n)
	})
	return n, err
}

// Failures implements FailureStore.
func (f *DBFailureStore) Failures(ctx context.Context, key string) (int, time.Time, error) {
	var n int
	var last int64
	err := f.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT count, last_at FROM rampart_login_failures WHERE key = ?`, key)
		if err != nil {
			return err
		}
		if rows.Next() {
			if err := rows.Scan(&n, &last); err != nil {
				rows.Close()
				return err
			}
		}
		return closeRows(rows)
	})
	if err != nil || n == 0 {
		return 0, time.Time{}, err
	}
	return n, time.UnixMilli(last), nil
}

// Reset implements FailureStore.
func (f *DBFailureStore) Reset(ctx context.Context, key string) error {
	return f.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM rampart_login_failures WHERE key = ?`, key)
		return err
	})
}

// throttleKeys names the counters of one attempt: the client IP (Odoo's
// cooldown) and the login (per-account backoff). The login is hashed so
// that keys are bounded and carry no user input.
func throttleKeys(client netip.Addr, login string) (ipKey, loginKey string) {
	if client.IsValid() {
		ipKey = "ip:" + client.Unmap().String()
	}
	if login != "" {
		sum := sha256.Sum256([]byte(strings.ToLower(login)))
		loginKey = "login:" + hex.EncodeToString(sum[:16])
	}
	return ipKey, loginKey
}

// errThrottled is Odoo's cooldown message, as a 429.
func errThrottled(wait time.Duration) error {
	return errs.E(errs.TooManyRequests, "Too many login failures, please wait a bit before trying again.").RetryAfter(wait)
}

// checkThrottle refuses an attempt while the client IP is on cooldown or
// the login is backing off. It runs before any password is checked.
func (s *Service) checkThrottle(ctx context.Context, client netip.Addr, login string) error {
	ipKey, loginKey := throttleKeys(client, login)
	now := s.now()
	if ipKey != "" && s.cfg.LoginCooldownAfter > 0 {
		n, last, err := s.failures.Failures(ctx, ipKey)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		if until := last.Add(s.cfg.LoginCooldownDuration); n >= s.cfg.LoginCooldownAfter && now.Before(until) {
			s.throttled(ctx, client, login, "ip cooldown", until.Sub(now))
			return errThrottled(until.Sub(now))
		}
	}
	if loginKey != "" && s.cfg.LoginBackoffAfter > 0 {
		n, last, err := s.failures.Failures(ctx, loginKey)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		if n >= s.cfg.LoginBackoffAfter {
			if until := last.Add(s.backoff(n)); now.Before(until) {
				s.throttled(ctx, client, login, "login backoff", until.Sub(now))
				return errThrottled(until.Sub(now))
			}
		}
	}
	return nil
}

// backoff is the wait after n consecutive failures of one login:
// base·2^(n-after), capped.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.LoginBackoffBase
	for i := s.cfg.LoginBackoffAfter; i < n && d < s.cfg.LoginBackoffMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.LoginBackoffMax)
}

func (s *Service) throttled(ctx context.Context, client netip.Addr, login, reason string, wait time.Duration) {
	s.log.LogAttrs(ctx, slog.LevelWarn, "login throttled", slog.String("login", quoteSafe(login)),
		slog.String("ip", addrString(client)), slog.String("reason", reason), slog.Duration("retry_after", wait))
	s.emit(ctx, AuthEvent{Type: EventLoginThrottled, Login: quoteSafe(login), Client: client, Reason: reason})
}

// recordFailure counts a failed attempt and logs it (never the password).
func (s *Service) recordFailure(ctx context.Context, client netip.Addr, login string, uid int64, reason string) {
	ipKey, loginKey := throttleKeys(client, login)
	now := s.now()
	if ipKey != "" && s.cfg.LoginCooldownAfter > 0 {
		if _, err := s.failures.Failure(ctx, ipKey, now, s.cfg.LoginCooldownDuration); err != nil {
			s.log.Error("identity: record login failure", "err", err)
		}
	}
	if loginKey != "" && s.cfg.LoginBackoffAfter > 0 {
		if _, err := s.failures.Failure(ctx, loginKey, now, s.cfg.LoginBackoffReset); err != nil {
			s.log.Error("identity: record login failure", "err", err)
		}
	}
	s.log.LogAttrs(ctx, slog.LevelWarn, "login failed", slog.String("login", quoteSafe(login)),
		slog.String("ip", addrString(client)), slog.String("reason", reason))
	s.emit(ctx, AuthEvent{Type: EventLoginFailed, UserID: uid, Login: quoteSafe(login), Client: client, Reason: reason})
}

// recordSuccess clears the counters, as Odoo clears the IP's entry.
func (s *Service) recordSuccess(ctx context.Context, client netip.Addr, login string) {
	ipKey, loginKey := throttleKeys(client, login)
	for _, k := range []string{ipKey, loginKey} {
		if k == "" {
			continue
		}
		if err := s.failures.Reset(ctx, k); err != nil {
			s.log.Error("identity: reset login failures", "err", err)
		}
	}
}
