package ratelimit

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript is gcra() in Lua. KEYS[1] is the key; ARGV are the emission
// interval and the tolerance in microseconds. Time comes from the server's
// TIME so that every instance sharing the Redis agrees on "now" whatever
// its own clock says. A script that reads TIME and then writes must be
// replicated by its effects: the default since Redis 5, and what
// replicate_commands asks for on 3.2 and 4 (a no-op later). Microseconds since
// the epoch fit exactly in Lua's doubles (< 2^53); nanoseconds would not.
// The TAT is written with '%.0f', which never switches to exponent form.
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then tat = now end
local new = tat + interval
local allow_at = new - tolerance
if allow_at > now then
  return {0, 0, allow_at - now, tat - now}
end
local reset = new - now
redis.call('SET', KEYS[1], string.format('%.0f', new), 'PX', math.ceil(reset / 1000))
return {1, math.floor((tolerance - reset) / interval), 0, reset}
`

// RedisOptions tune a RedisStore.
type RedisOptions struct {
	// Prefix is prepended to every rate-limit key (default "rampart:rl:").
	Prefix string
	// Timeout bounds each round trip (default 100 ms).
	Timeout time.Duration

	// The login-failure side (FailureStore):
	//
	// FailurePrefix is prepended to identity's failure keys (default
	// "rampart:lf:").
	FailurePrefix string
	// FailureFallback, when set, serves the failure calls while Redis is
	// unreachable (identity's DB store: still shared by every instance).
	// Without it errors are returned and identity refuses the login.
	FailureFallback FailureStore
	// Logger receives one line when Redis goes away and one when it is
	// back (failure side; the Limiter reports its own); Recorder counts
	// each failure call served by FailureFallback; Now paces reconnection
	// probes (default time.Now).
	Logger   *slog.Logger
	Recorder Recorder
	Now      func() time.Time
}

// RedisStore is rampart's one Redis adapter: it is the rate limiter's
// shared Store (one EVALSHA round trip per decision; errors are returned
// as they are and the Limiter decides what to do about them) and
// identity's login FailureStore (see failures.go), so that both live on
// the same connection and configuration.
type RedisStore struct {
	client  redis.UniversalClient
	script  luaScript
	prefix  string
	timeout time.Duration

	failScript   luaScript
	failPrefix   string
	failFallback FailureStore
	failRec      Recorder
	failBreaker  *breaker
}

// NewRedisStore returns a store on client, which it does not own.
func NewRedisStore(client redis.UniversalClient, opt RedisOptions) *RedisStore {
	if opt.Prefix == "" {
		opt.Prefix = "rampart:rl:"
	}
	if opt.FailurePrefix == "" {
		opt.FailurePrefix = "rampart:lf:"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 100 * time.Millisecond
	}
	fillDefaults(&opt.Logger, &opt.Recorder, &opt.Now)
	action := "refusing logins"
	if opt.FailureFallback != nil {
		action = "counting login failures in the fallback store"
	}
	return &RedisStore{
		client: client, script: newLuaScript(gcraScript), prefix: opt.Prefix, timeout: opt.Timeout,
		failScript: newLuaScript(failureScript), failPrefix: opt.FailurePrefix,
		failFallback: opt.FailureFallback, failRec: opt.Recorder,
		failBreaker: &breaker{what: "login throttling", action: action, log: opt.Logger, now: opt.Now, backoff: backoffDefault},
	}
}

// NewRedisClient connects to url (redis:// or rediss://) with timeouts
// short enough that a dead Redis costs a request at most about timeout:
// no command retries (the limiter falls back instead) and one dial attempt.
func NewRedisClient(url string, timeout time.Duration) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		// go-redis errors may echo the URL, and with it a password.
		return nil, errors.New("invalid redis URL (want redis://[user:password@]host:port/db)")
	}
	if timeout <= 0 {
		timeout = 100 * time.Millisecond
	}
	opt.DialTimeout = timeout
	opt.ReadTimeout = timeout
	opt.WriteTimeout = timeout
	opt.PoolTimeout = timeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	return redis.NewClient(opt), nil
}

// Take implements Store.
func (s *RedisStore) Take(ctx context.Context, key string, p Policy) (Decision, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := s.script.run(ctx, s.client, []string{s.prefix + key},
		p.interval().Microseconds(), p.tolerance().Microseconds()).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("redis rate limit: %w", err)
	}
	if len(res) != 4 {
		return Decision{}, fmt.Errorf("redis rate limit: script returned %d values", len(res))
	}
	r := gcraResult{allowed: res[0] == 1, remaining: res[1], retryAfter: res[2], resetAfter: res[3]}
	return decision(p, r, time.Microsecond), nil
}

// luaScript is a script run by EVALSHA: one round trip once the server
// knows it. On NOSCRIPT (first use on this server, a restart, SCRIPT
// FLUSH) it is loaded with SCRIPT LOAD and run again.
type luaScript struct{ src, sha string }

func newLuaScript(src string) luaScript {
	sum := sha1.Sum([]byte(src))
	return luaScript{src: src, sha: hex.EncodeToString(sum[:])}
}

func (s luaScript) run(ctx context.Context, c redis.Scripter, keys []string, args ...any) *redis.Cmd {
	cmd := c.EvalSha(ctx, s.sha, keys, args...)
	if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		if err := c.ScriptLoad(ctx, s.src).Err(); err != nil {
			cmd.SetErr(err)
			return cmd
		}
		cmd = c.EvalSha(ctx, s.sha, keys, args...)
	}
	return cmd
}
