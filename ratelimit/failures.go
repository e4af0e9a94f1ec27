package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

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

// call runs fn against Redis with the store's timeout, or reports that
// the caller must fall back (Redis down and a fallback configured).
func (s *RedisStore) failCall(ctx context.Context, fn func(ctx context.Context) error) (fallback bool, err error) {
	ok := s.failBreaker.do(ctx, func() error {
		ctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		err = fn(ctx)
		return err
	})
	if ok {
		return false, nil
	}
	if s.failFallback != nil {
		s.failRec.RedisFallback("local")
		return true, nil
	}
	if err == nil { // skipped while down
		err = fmt.Errorf("redis login failures: Redis unreachable")
	}
	return false, fmt.Errorf("redis login failures: %w", err)
}

// Failure implements FailureStore: one atomic script round trip (one
// hash per key with fields count and last, Unix ms, expiring window after
// the last failure).
func (s *RedisStore) Failure(ctx context.Context, key string, at time.Time, window time.Duration) (int, error) {
	var n int64
	fb, err := s.failCall(ctx, func(ctx context.Context) (err error) {
		n, err = s.failScript.run(ctx, s.client, []string{s.failPrefix + key}, at.UnixMilli(), max(window.Milliseconds(), 1)).Int64()
		return err
	})
	if fb {
		return s.failFallback.Failure(ctx, key, at, window)
	}
	return int(n), err
}

// Failures implements FailureStore.
func (s *RedisStore) Failures(ctx context.Context, key string) (int, time.Time, error) {
	var vals []any
	fb, err := s.failCall(ctx, func(ctx context.Context) (err error) {
		vals, err = s.client.HMGet(ctx, s.failPrefix+key, "count", "last").Result()
		return err
	})
	if fb {
		return s.failFallback.Failures(ctx, key)
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
func (s *RedisStore) Reset(ctx context.Context, key string) error {
	fb, err := s.failCall(ctx, func(ctx context.Context) error {
		return s.client.Del(ctx, s.failPrefix+key).Err()
	})
	if fb {
		return s.failFallback.Reset(ctx, key)
	}
	return err
}
