package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/store"
)

// FailureStore counts login attempts in storage every instance shares.
// It is ratelimit's interface (declared there, with the Redis adapter
// that implements it, so that neither package restates the other's):
// DBFailureStore here, ratelimit.RedisStore for Redis.
type FailureStore = ratelimit.FailureStore

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

// attempt is one password (or key-as-password) check on its way to the
// throttle: who is attempting, the counters it is charged to, and whether
// it is execute_kw's per-call check rather than a login (which budget of
// AttemptLimiter it is charged to).
type attempt struct {
	client         netip.Addr
	ipKey, acctKey string
	login          string // for logs
	call           bool
	// secondStep marks a second-factor code: the same login's password
	// step was charged to the rate budgets already, so only the failure
	// counters (cooldown, backoff and the code's own) bound the guesses.
	secondStep bool
}

// attemptKeys names the counters of one attempt: the client IP (Odoo's
// cooldown) and the account (per-user backoff). An existing user is
// counted under its id however the credential names it (login for
// common.login and the web, uid for execute_kw), so both ways share one
// bucket; an unknown login under the login, hashed so that keys are
// bounded and carry no user input.
func attemptKeys(client netip.Addr, uid int64, login string) (ipKey, acctKey string) {
	if client.IsValid() {
		ipKey = "ip:" + client.Unmap().String()
	}
	switch {
	case uid > 0:
		acctKey = "user:" + strconv.FormatInt(uid, 10)
	case login != "":
		sum := sha256.Sum256([]byte(strings.ToLower(login)))
		acctKey = "login:" + hex.EncodeToString(sum[:16])
	}
	return ipKey, acctKey
}

// errThrottled is Odoo's cooldown message, as a 429.
func errThrottled(wait time.Duration) error {
	return errs.E(errs.TooManyRequests, "Too many login failures, please wait a bit before trying again.").RetryAfter(wait)
}

// AttemptLimiter charges password attempts to the rate limiter's login
// budgets; *ratelimit.Limiter implements it. A refusal is
// errs.TooManyRequests with Retry-After.
//
//   - LoginIP charges the login_ip budget of a client address. Routes that
//     take a password declare login_ip as their policy; identity charges
//     it only for execute_kw's password (whose route charges the caller's
//     own budget), when the password is actually checked, not cached.
//   - LoginUser charges the login_user budget of an account (identity's
//     counter key: the user's id, or the hashed unknown login) for every
//     login: the web and JSON-2 logins, common.login/authenticate, a
//     password change, a key creation. Not for execute_kw's per-call
//     checks, which the cache, login_ip and the backoff bound: a script
//     re-checked every cache TTL must not exhaust a per-login budget.
type AttemptLimiter interface {
	LoginIP(ctx context.Context, client netip.Addr) error
	LoginUser(ctx context.Context, account string) error
}

// reserveAttempt counts an attempt BEFORE its secret is checked, so that
// parallel attempts cannot all pass a check made before any of them is
// recorded. It refuses while the IP is on cooldown or the account backing
// off (reading the counters first, so a refused attempt does not extend
// the wait), then reserves one attempt on each counter with the store's
// atomic increment: an attempt whose reserved count is past the allowance
// lost a race and is refused too, unhashed. A success resets the counters
// (attemptSucceeded); a failure leaves its reservation as the failure.
func (s *Service) reserveAttempt(ctx context.Context, c attempt) error {
	client, ipKey, acctKey, login := c.client, c.ipKey, c.acctKey, c.login
	if s.limiter != nil && !c.secondStep {
		var err error
		if c.call {
			err = s.limiter.LoginIP(ctx, client)
		} else if acctKey != "" {
			err = s.limiter.LoginUser(ctx, acctKey)
		}
		if err != nil {
			s.throttled(ctx, client, login, "login rate limit", retryAfter(err))
			return err
		}
	}
	now := s.now()
	cool, back := s.cfg.LoginCooldownAfter, s.cfg.LoginBackoffAfter
	acctSeen := 0
	if ipKey != "" && cool > 0 {
		n, last, err := s.failures.Failures(ctx, ipKey)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		if until := last.Add(s.cfg.LoginCooldownDuration); n >= cool && now.Before(until) {
			s.throttled(ctx, client, login, "ip cooldown", until.Sub(now))
			return errThrottled(until.Sub(now))
		}
	}
	if acctKey != "" && back > 0 {
		n, last, err := s.failures.Failures(ctx, acctKey)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		if n >= back {
			if until := last.Add(s.backoff(n)); now.Before(until) {
				s.throttled(ctx, client, login, "login backoff", until.Sub(now))
				return errThrottled(until.Sub(now))
			}
		}
		if now.Sub(last) < s.cfg.LoginBackoffReset {
			acctSeen = n
		}
	}
	if ipKey != "" && cool > 0 {
		n, err := s.failures.Failure(ctx, ipKey, now, s.cfg.LoginCooldownDuration)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		if n > cool {
			s.throttled(ctx, client, login, "ip cooldown", s.cfg.LoginCooldownDuration)
			return errThrottled(s.cfg.LoginCooldownDuration)
		}
	}
	if acctKey != "" && back > 0 {
		n, err := s.failures.Failure(ctx, acctKey, now, s.cfg.LoginBackoffReset)
		if err != nil {
			return errs.Internalf("login throttle: %w", err)
		}
		// Below the threshold any reservation may proceed; past it (the
		// backoff having elapsed) only the one attempt that follows the
		// count read above.
		if n > max(back, acctSeen+1) {
			s.throttled(ctx, client, login, "login backoff", s.backoff(n))
			return errThrottled(s.backoff(n))
		}
	}
	return nil
}

// retryAfter reads the wait a refusal announces, for the log line.
func retryAfter(err error) time.Duration {
	n, _ := strconv.Atoi(errs.As(err).Header.Get("Retry-After"))
	return time.Duration(n) * time.Second
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

// attemptFailed logs a failed attempt (never the password); its
// reservation already counts it.
func (s *Service) attemptFailed(ctx context.Context, client netip.Addr, login string, uid int64, reason string) {
	s.log.LogAttrs(ctx, slog.LevelWarn, "login failed", slog.String("login", quoteSafe(login)),
		slog.String("ip", addrString(client)), slog.String("reason", reason))
	s.emit(ctx, AuthEvent{Type: EventLoginFailed, UserID: uid, Login: quoteSafe(login), Client: client, Reason: reason})
}

// attemptSucceeded clears the counters, as Odoo clears the IP's entry.
func (s *Service) attemptSucceeded(ctx context.Context, ipKey, acctKey string) {
	for _, k := range []string{ipKey, acctKey} {
		if k == "" {
			continue
		}
		if err := s.failures.Reset(ctx, k); err != nil {
			s.log.Error("identity: reset login failures", "err", err)
		}
	}
}
