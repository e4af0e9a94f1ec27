package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// FailureStore counts failed logins per key; it is the interface package
// identity declares (identity.FailureStore), restated here so that
// ratelimit does not import identity. Keys are identity's ("ip:…",
// "login:<hex>"). See identity for the contract.
type FailureStore interface {
	Failure(ctx context.Context, key string, at time.Time, window time.Duration) (count int, err error)
	Failures(ctx context.Context, key string) (count int, last time.Time, err error)
	Reset(ctx context.Context, key string) error
}

// failureScript is identity's DB upsert in Lua: the count restarts at 1
// when the previous failure is at or before at-window, last becomes at,
// and the key expires window after it. Times are the caller's, in
// milliseconds, as in the DB store, so the two agree.
const failureScript = `
local at = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0') or 0
local n = 1
if last > at - window then
  n = redis.call('HINCRBY', KEYS[1], 'count', 1)
else
  redis.call('HSET', KEYS[1], 'count', 1)
end
redis.call('HSET', KEYS[1], 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[1], window)
return n
`

// RedisFailureOptions tune a RedisFailureStore.
type RedisFailureOptions struct {
	// Prefix is prepended to identity's keys (default "rampart:lf:").
	Prefix string
	// Timeout bounds each round trip (default 100 ms).
	Timeout time.Duration
	// Fallback, when set, serves the calls while Redis is unreachable
	// (identity's DB store: still shared by every instance). Without it
	// errors are returned and identity refuses the login.
	Fallback FailureStore
	// Logger receives one line when Redis goes away and one when it is
	// back; Recorder counts each call served by Fallback.
	Logger   *slog.Logger
	Recorder Recorder
	// Now is the clock that paces reconnection probes (default time.Now).
	Now func() time.Time
}

// RedisFailureStore is a FailureStore in Redis: one hash per key with
// fields count and last (Unix ms), expiring window after the last
// failure. Failure is one atomic script round trip.
type RedisFailureStore struct {
	client   redis.UniversalClient
	script   luaScript
	prefix   string
	timeout  time.Duration
	fallback FailureStore
	rec      Recorder
	breaker  *breaker
}

// NewRedisFailureStore returns a store on client, which it does not own.
func NewRedisFailureStore(client redis.UniversalClient, opt RedisFailureOptions) *RedisFailureStore {
	if opt.Prefix == "" {
		opt.Prefix = "rampart:lf:"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 100 * time.Millisecond
	}
	fillDefaults(&opt.Logger, &opt.Recorder, &opt.Now)
	action := "refusing logins"
	if opt.Fallback != nil {
		action = "counting login failures in the fallback store"
	}
	return &RedisFailureStore{
		client:   client,
		script:   newLuaScript(failureScript),
		prefix:   opt.Prefix,
		timeout:  opt.Timeout,
		fallback: opt.Fallback,
		rec:      opt.Recorder,
		breaker:  &breaker{what: "login throttling", action: action, log: opt.Logger, now: opt.Now, backoff: backoffDefault},
	}
}

// call runs fn against Redis with the store's timeout, or reports that
// the caller must fall back (Redis down and a fallback configured).
func (s *RedisFailureStore) call(ctx context.Context, fn func(ctx context.Context) error) (fallback bool, err error) {
	ok := s.breaker.do(ctx, func() error {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		err = fn(ctx)
		return err
	})
	if ok {
		return false, nil
	}
	if s.fallback != nil {
		s.rec.RedisFallback("local")
		return true, nil
	}
	if err == nil { // skipped while down
		err = fmt.Errorf("redis login failures: Redis unreachable")
	}
	return false, fmt.Errorf("redis login failures: %w", err)
}

// Failure implements FailureStore.
func (s *RedisFailureStore) Failure(ctx context.Context, key string, at time.Time, window time.Duration) (int, error) {
	var n int64
	fb, err := s.call(ctx, func(ctx context.Context) (err error) {
		n, err = s.script.run(ctx, s.client, []string{s.prefix + key}, at.UnixMilli(), max(window.Milliseconds(), 1)).Int64()
		return err
	})
	if fb {
		return s.fallback.Failure(ctx, key, at, window)
	}
	return int(n), err
}

// Failures implements FailureStore.
func (s *RedisFailureStore) Failures(ctx context.Context, key string) (int, time.Time, error) {
	var vals []any
	fb, err := s.call(ctx, func(ctx context.Context) (err error) {
		vals, err = s.client.HMGet(ctx, s.prefix+key, "count", "last").Result()
		return err
	})
	if fb {
		return s.fallback.Failures(ctx, key)
	}
	if err != nil || len(vals) != 2 {
		return 0, time.Time{}, err
	}
	c, _ := vals[0].(string)
	l, _ := vals[1].(string)
	n, _ := strconv.Atoi(c)
	ms, _ := strconv.ParseInt(l, 10, 64)
	if n == 0 {
		return 0, time.Time{}, nil
	}
	return n, time.UnixMilli(ms), nil
}

// Reset implements FailureStore. While Redis is down it resets the
// fallback's key instead; it does not write to the fallback on every
// success otherwise (that would put a DB write back on every login).
func (s *RedisFailureStore) Reset(ctx context.Context, key string) error {
	fb, err := s.call(ctx, func(ctx context.Context) error {
		return s.client.Del(ctx, s.prefix+key).Err()
	})
	if fb {
		return s.fallback.Reset(ctx, key)
	}
	return err
}
