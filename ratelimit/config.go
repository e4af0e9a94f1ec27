package ratelimit

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart/rampart/ratepolicy"
)

// Store kinds and Redis failure modes accepted by Config.
const (
	StoreMemory = "memory"
	StoreRedis  = "redis"

	OnRedisErrorLocal = "local"
	OnRedisErrorDeny  = "deny"
)

// Built-in policy names. Config.Policies may redefine any of them and add
// others for routes to name.
// The names are spelled once, in package ratepolicy.
const (
	PolicyIP        = string(ratepolicy.IP)        // pre-auth flood guard, per client address
	PolicyAnonymous = string(ratepolicy.Anonymous) // post-auth, callers without a user, per address
	PolicyUser      = string(ratepolicy.User)      // post-auth, per user id
	PolicyAPIKey    = string(ratepolicy.APIKey)    // post-auth, per API key id
	PolicyLoginIP   = string(ratepolicy.LoginIP)   // login attempts per client address
	PolicyLoginUser = string(ratepolicy.LoginUser) // login attempts per login

	// NoPolicy, as a Route.RateLimit, exempts the route from the
	// post-auth stage. It cannot name a policy.
	NoPolicy = string(ratepolicy.None)
)

// Config is the rate-limit section of rampart's configuration, embedded by
// package config under `rate_limit:`. Call SetDefaults, then Validate.
//
//	rate_limit:
//	  store: redis                      # memory (default) | redis
//	  redis_url: redis://127.0.0.1:6379/0
//	  redis_timeout: 100ms
//	  on_redis_error: local             # local (default) | deny
//	  exempt: [10.1.2.0/24]             # never limited
//	  policies:
//	    user:   {rate: 600, period: 1m, burst: 100}
//	    export: {rate: 10, period: 1h}  # burst defaults to rate
type Config struct {
	// Disabled turns rate limiting off entirely (no headers either).
	Disabled bool `yaml:"disabled"`
	// Store is "memory" (per instance) or "redis" (shared).
	Store string `yaml:"store"`
	// RedisURL is redis://[user:password@]host:port/db or rediss://...
	RedisURL string `yaml:"redis_url"`
	// RedisPrefix is prepended to every Redis key (default "rampart:rl:").
	RedisPrefix string `yaml:"redis_prefix"`
	// RedisTimeout bounds each Redis round trip (default 100ms, max 1s).
	RedisTimeout time.Duration `yaml:"redis_timeout"`
	// OnRedisError is "local" (decide with a per-instance memory store) or
	// "deny" (refuse with 429 while Redis is unreachable).
	OnRedisError string `yaml:"on_redis_error"`
	// MaxKeys bounds the memory store (default 100,000 keys).
	MaxKeys int `yaml:"max_keys"`
	// IPv6Prefix is the prefix length IPv6 clients are keyed by
	// (default 64, 128 = per address).
	IPv6Prefix int `yaml:"ipv6_prefix"`
	// Exempt lists client networks never limited (monitoring probes, a
	// load generator). Empty by default. Clients are matched by the
	// address httpd resolved, after trusted proxies.
	Exempt []netip.Prefix `yaml:"exempt"`
	// Policies by name. Built-in names not listed keep their defaults.
	Policies map[string]PolicyConfig `yaml:"policies"`
}

// PolicyConfig is one policy as configured.
type PolicyConfig struct {
	// Rate is the sustained number of requests per Period.
	Rate int `yaml:"rate"`
	// Period defaults to 1m.
	Period time.Duration `yaml:"period"`
	// Burst defaults to Rate.
	Burst int `yaml:"burst"`
}

// DefaultPolicies are the built-in policies. The pre-auth "ip" budget is
// deliberately generous (many users can share one NAT address); the
// per-caller budgets do the real limiting. Login budgets are small: a
// person mistypes a password a few times, a guesser needs thousands.
func DefaultPolicies() map[string]PolicyConfig {
	return map[string]PolicyConfig{
		PolicyIP:        {Rate: 1200, Period: time.Minute, Burst: 200},
		PolicyAnonymous: {Rate: 120, Period: time.Minute, Burst: 30},
		PolicyUser:      {Rate: 600, Period: time.Minute, Burst: 100},
		PolicyAPIKey:    {Rate: 1200, Period: time.Minute, Burst: 200},
		PolicyLoginIP:   {Rate: 30, Period: time.Minute, Burst: 10},
		PolicyLoginUser: {Rate: 10, Period: 10 * time.Minute, Burst: 5},
	}
}

// SetDefaults fills every unset field, merging the built-in policies
// under the configured ones.
func (c *Config) SetDefaults() {
	if c.Store == "" {
		c.Store = StoreMemory
	}
	if c.RedisPrefix == "" {
		c.RedisPrefix = "rampart:rl:"
	}
	if c.RedisTimeout == 0 {
		c.RedisTimeout = 100 * time.Millisecond
	}
	if c.OnRedisError == "" {
		c.OnRedisError = OnRedisErrorLocal
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = 100_000
	}
	if c.IPv6Prefix == 0 {
		c.IPv6Prefix = 64
	}
	merged := DefaultPolicies()
	for name, pc := range c.Policies {
		if pc.Period == 0 {
			pc.Period = time.Minute
		}
		if pc.Burst == 0 {
			pc.Burst = pc.Rate
		}
		merged[name] = pc
	}
	c.Policies = merged
}

// Validate reports every problem, each naming its field. It expects
// SetDefaults to have run.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("rate_limit."+format, args...)) }
	switch c.Store {
	case StoreMemory:
	case StoreRedis:
		if c.RedisURL == "" {
			bad("redis_url: required when store is redis")
		} else if _, err := redis.ParseURL(c.RedisURL); err != nil {
			// Not %v: go-redis may echo the URL, password included.
			bad("redis_url: invalid (want redis://[user:password@]host:port/db or rediss://...)")
		}
	default:
		bad("store: %q is not memory or redis", c.Store)
	}
	switch c.OnRedisError {
	case OnRedisErrorLocal, OnRedisErrorDeny:
	default:
		bad("on_redis_error: %q is not local or deny", c.OnRedisError)
	}
	if c.RedisTimeout < time.Millisecond || c.RedisTimeout > time.Second {
		bad("redis_timeout: %s is outside 1ms..1s (a slow limiter slows every request)", c.RedisTimeout)
	}
	if c.MaxKeys < 1 {
		bad("max_keys: must be at least 1, got %d", c.MaxKeys)
	}
	if c.IPv6Prefix < 32 || c.IPv6Prefix > 128 {
		bad("ipv6_prefix: must be within 32..128, got %d", c.IPv6Prefix)
	}
	for i, p := range c.Exempt {
		if !p.IsValid() {
			bad("exempt[%d]: not a network", i)
		} else if p.Bits() == 0 {
			bad("exempt[%d]: %s exempts every client; set disabled: true instead", i, p)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Policies)) {
		pc := c.Policies[name]
		p := Policy{Name: name, Rate: pc.Rate, Period: pc.Period, Burst: pc.Burst}
		if err := p.Validate(); err != nil {
			bad("policies.%s: %v", name, err)
		}
	}
	return errors.Join(errs...)
}

// policies converts the validated configuration.
func (c *Config) policies() map[string]Policy {
	out := make(map[string]Policy, len(c.Policies))
	for name, pc := range c.Policies {
		out[name] = Policy{Name: name, Rate: pc.Rate, Period: pc.Period, Burst: pc.Burst}
	}
	return out
}
