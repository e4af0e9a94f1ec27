package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/ratepolicy"
)

// Options carries a Limiter's collaborators. All are optional.
type Options struct {
	// Logger receives the Redis outage and recovery lines and
	// configuration warnings (default: discard).
	Logger *slog.Logger
	// Recorder counts refusals and fallbacks (default: none).
	Recorder Recorder
	// Now is the memory store's clock (default time.Now). The Redis store
	// always uses the Redis server's clock.
	Now func() time.Time
	// Redis, when set with store: redis, is used instead of dialing
	// Config.RedisURL; the Limiter does not close it.
	Redis redis.UniversalClient
}

// Limiter applies the configured policies; ratelimithttp adapts it to
// httpd.Limiter. It is safe for concurrent use. Build it with New; Close it at shutdown.
type Limiter struct {
	cfg      Config
	policies map[string]Policy
	local    *MemoryStore
	shared   *failover             // nil with store: memory
	redis    redis.UniversalClient // nil with store: memory
	rstore   *RedisStore           // the Redis adapter, nil with store: memory
	owned    io.Closer             // the Redis client New dialed, if any
	rec      Recorder
	log      *slog.Logger
	now      func() time.Time
	warned   sync.Map // route policy names already reported as unknown
	ipv6Bits int
}

// New validates cfg (after filling its defaults) and builds the limiter.
// With store: redis it connects lazily: an unreachable Redis at start-up
// is handled like an outage, not an error.
func New(cfg Config, opt Options) (*Limiter, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fillDefaults(&opt.Logger, &opt.Recorder, &opt.Now)
	l := &Limiter{
		cfg:      cfg,
		policies: cfg.policies(),
		local:    NewMemoryStore(MemoryOptions{MaxKeys: cfg.MaxKeys, Now: opt.Now}),
		rec:      opt.Recorder,
		log:      opt.Logger,
		now:      opt.Now,
		ipv6Bits: cfg.IPv6Prefix,
	}
	if cfg.Store == StoreRedis {
		client := opt.Redis
		if client == nil {
			c, err := NewRedisClient(cfg.RedisURL, cfg.RedisTimeout)
			if err != nil {
				l.local.Close()
				return nil, fmt.Errorf("rate_limit.redis_url: %w", err)
			}
			client, l.owned = c, c
		}
		l.redis = client
		l.rstore = NewRedisStore(client, RedisOptions{Prefix: cfg.RedisPrefix, Timeout: cfg.RedisTimeout})
		action := "deciding locally (per-instance limits)"
		if cfg.OnRedisError == OnRedisErrorDeny {
			action = "refusing requests (on_redis_error: deny)"
		}
		l.shared = &failover{
			primary: l.rstore,
			local:   l.local,
			deny:    cfg.OnRedisError == OnRedisErrorDeny,
			rec:     opt.Recorder,
			breaker: &breaker{what: "rate limit", action: action, log: opt.Logger, now: opt.Now, backoff: backoffDefault},
		}
	}
	return l, nil
}

// Close stops the memory store's janitor and closes the Redis client New
// dialed. Decisions made after Close still work on the memory store.
func (l *Limiter) Close() error {
	err := l.local.Close()
	if l.owned != nil {
		if cerr := l.owned.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// LoginFailureStore is where package identity should count failed
// logins: with store: redis, the limiter's own Redis adapter (keys under
// redis_prefix + "#failures:", a prefix no policy key can have) that uses
// fallback while Redis is unreachable; with store: memory, fallback
// itself (identity's DB store, shared by every instance already).
func (l *Limiter) LoginFailureStore(fallback FailureStore) FailureStore {
	if l.rstore == nil {
		return fallback
	}
	return NewRedisStore(l.redis, RedisOptions{
		Prefix:          l.cfg.RedisPrefix,
		Timeout:         l.cfg.RedisTimeout,
		FailurePrefix:   l.cfg.RedisPrefix + "#failures:",
		FailureFallback: fallback,
		Logger:          l.log,
		Recorder:        l.rec,
		Now:             l.now,
	})
}

// Policy returns the named policy.
func (l *Limiter) Policy(name string) (Policy, bool) {
	p, ok := l.policies[name]
	return p, ok
}

// CheckPolicy reports a route policy that names no configured policy.
// The integrator calls it (through ratelimithttp) when registering
// routes, so that a typo stops start-up instead of silently falling back
// to the default at run time.
func (l *Limiter) CheckPolicy(path string, name ratepolicy.Name) error {
	if name == ratepolicy.Default || name == ratepolicy.None {
		return nil
	}
	if _, ok := l.policies[string(name)]; !ok {
		return fmt.Errorf("route %s: rate limit policy %q is not configured", path, name)
	}
	return nil
}

// Allow charges one request under the named policy to key, which the
// caller builds (identity uses the login or the client address). Keys
// longer than 128 bytes are hashed, so a hostile login cannot grow the
// store. It returns an errs.TooManyRequests error with Retry-After when
// refused, and errs.Internal for an unknown policy (a programming error).
func (l *Limiter) Allow(ctx context.Context, policy, key string) (Decision, error) {
	p, ok := l.policies[policy]
	if !ok {
		return Decision{}, errs.Internalf("ratelimit: unknown policy %q", policy)
	}
	if l.cfg.Disabled {
		return Decision{Allowed: true, Limit: p.Burst, Remaining: p.Burst}, nil
	}
	d := l.take(ctx, p.Name+":"+boundKey(key), p)
	if !d.Allowed {
		l.rec.RateLimited(p.Name)
		return d, tooMany(d)
	}
	return d, nil
}

// LoginIP charges one password attempt to the login_ip budget of client,
// keyed as the request stages key it, so that a route whose policy is
// login_ip and package identity share one budget per address. Exempt
// clients are not charged. A refusal is TooManyRequests with Retry-After.
func (l *Limiter) LoginIP(ctx context.Context, client netip.Addr) error {
	if l.cfg.Disabled || l.exempt(client) {
		return nil
	}
	p := l.policies[PolicyLoginIP]
	var buf [96]byte
	key := l.appendClient(append(append(buf[:0], p.Name...), ":ip:"...), client)
	return l.charge(ctx, string(key), p)
}

// LoginUser charges one login attempt to the login_user budget of
// account (package identity's per-user key).
func (l *Limiter) LoginUser(ctx context.Context, account string) error {
	if l.cfg.Disabled {
		return nil
	}
	p := l.policies[PolicyLoginUser]
	return l.charge(ctx, p.Name+":"+boundKey(account), p)
}

func (l *Limiter) charge(ctx context.Context, key string, p Policy) error {
	if d := l.take(ctx, key, p); !d.Allowed {
		l.rec.RateLimited(p.Name)
		return tooMany(d)
	}
	return nil
}

// Call is what one stage of a request is charged for: the transport
// adapter (ratelimithttp) fills it from the request.
type Call struct {
	// PreAuth is the stage before authentication: the "ip" flood guard,
	// per client address, whatever the rest says.
	PreAuth bool
	// Policy is the request's policy (its route's, or what the route's
	// Prepare chose); Default is the caller's, None skips the stage.
	Policy ratepolicy.Name
	// Principal is who the request acts as (nil before authentication or
	// without one); Client the real client address.
	Principal *principal.Principal
	Client    netip.Addr
	// Route names the route in the log line about an unknown policy.
	Route string
}

// Charge charges one stage of a request and returns the policy and the
// decision, for the RateLimit headers (SetHeaders) and, when refused, the
// TooMany error. ok is false when nothing was charged (limits disabled, an
// exempt client, policy None).
func (l *Limiter) Charge(ctx context.Context, c Call) (p Policy, d Decision, ok bool) {
	if l.cfg.Disabled || l.exempt(c.Client) {
		return Policy{}, Decision{}, false
	}
	p, key, ok := l.resolve(c)
	if !ok {
		return Policy{}, Decision{}, false
	}
	d = l.take(ctx, key, p)
	if !d.Allowed {
		l.rec.RateLimited(p.Name)
	}
	return p, d, true
}

// TooMany is the refusal for a decision that was not allowed: 429 with
// Retry-After.
func TooMany(d Decision) error { return tooMany(d) }

func tooMany(d Decision) error {
	return errs.E(errs.TooManyRequests, "Too many requests, please retry later.").RetryAfter(d.RetryAfter)
}

// take decides with the configured store. It cannot fail: the memory
// store never does, and the failover answers for Redis.
func (l *Limiter) take(ctx context.Context, key string, p Policy) Decision {
	if l.shared != nil {
		return l.shared.take(ctx, key, p)
	}
	d, _ := l.local.Take(ctx, key, p)
	return d
}

// resolve picks the policy and key for a call; ok is false when the
// stage does not apply.
func (l *Limiter) resolve(c Call) (p Policy, key string, ok bool) {
	// Keys are "<policy>:<subject>", built in one buffer: this runs twice
	// per request.
	var buf [96]byte
	if c.PreAuth {
		p = l.policies[PolicyIP]
		subject := l.appendClient(append(buf[:0], "ip:"...), c.Client)
		return p, p.Name + ":" + string(subject), true
	}
	name := string(c.Policy)
	if name == NoPolicy {
		return Policy{}, "", false
	}
	subject, def := l.appendSubject(buf[:0], c.Principal, c.Client)
	if name == "" {
		name = def
	} else if _, known := l.policies[name]; !known {
		if _, seen := l.warned.LoadOrStore(name, true); !seen {
			l.log.Error("rate limit: route names an unknown policy; using the caller's default",
				"route", c.Route, "policy", name, "default", def)
		}
		name = def
	}
	p = l.policies[name]
	if pr := c.Principal; (name == PolicyUser || name == PolicyAPIKey) && pr != nil && !pr.Public && pr.UserID != 0 {
		// One budget per user, whatever the credential: every key and
		// session of a user charges the same bucket (each at its own
		// policy's rate), so ten keys do not make ten budgets.
		subject = strconv.AppendInt(append(buf[:0], "u:"...), pr.UserID, 10)
		return p, PolicyUser + ":" + string(subject), true
	}
	return p, p.Name + ":" + string(subject), true
}

// exempt reports a client in one of the configured exempt networks.
func (l *Limiter) exempt(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l.cfg.Exempt {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// appendSubject appends who the caller is for the post-auth stage, and
// names the default policy for that kind of caller.
func (l *Limiter) appendSubject(b []byte, pr *principal.Principal, client netip.Addr) (subject []byte, policy string) {
	switch {
	case pr != nil && pr.KeyID != 0:
		// The policy is the key's; resolve charges the user's one budget.
		return strconv.AppendInt(append(b, "k:"...), pr.KeyID, 10), PolicyAPIKey
	case pr != nil && !pr.Public && pr.UserID != 0:
		return strconv.AppendInt(append(b, "u:"...), pr.UserID, 10), PolicyUser
	default:
		return l.appendClient(append(b, "ip:"...), client), PolicyAnonymous
	}
}

// appendClient appends the address a client is counted under: IPv4 (and
// IPv4-mapped IPv6) per address, IPv6 per prefix, since a single host is
// routinely given a whole /64 and could otherwise rotate through it.
func (l *Limiter) appendClient(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(b, "unknown"...)
	}
	a = a.Unmap().WithZone("")
	if a.Is4() || l.ipv6Bits >= 128 {
		return a.AppendTo(b)
	}
	pfx, err := a.Prefix(l.ipv6Bits)
	if err != nil {
		return a.AppendTo(b)
	}
	return pfx.AppendTo(b)
}

// maxKeyLen bounds caller-supplied key parts; longer ones are hashed.
const maxKeyLen = 128

func boundKey(k string) string {
	if len(k) <= maxKeyLen {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(sum[:])
}
