package identity

import (
	"fmt"
	"runtime"
	"time"
)

// Config tunes identity. The integrator embeds it in the server config
// (under `identity:`); zero fields take the defaults of Defaults.
type Config struct {
	// SessionIdleTimeout ends a session not used for this long; it is also
	// the cookie's Max-Age (Odoo: sessions.max_inactivity_seconds, 7 days).
	SessionIdleTimeout time.Duration `yaml:"session_idle_timeout"`
	// SessionMaxLifetime ends a session this long after login, however
	// active (Odoo has no such bound).
	SessionMaxLifetime time.Duration `yaml:"session_max_lifetime"`
	// SessionTouchInterval throttles last-seen writes: at most one per
	// session per interval.
	SessionTouchInterval time.Duration `yaml:"session_touch_interval"`

	// PasswordMinLength is the minimum password length in characters.
	PasswordMinLength int `yaml:"password_min_length"`
	// Argon2 sets the password hashing cost.
	Argon2 Argon2Params `yaml:"argon2"`

	// APIKeyMaxPerUser caps the live (unrevoked, unexpired) keys of a user
	// (Odoo: base.programmatic_api_keys_limit, 10).
	APIKeyMaxPerUser int `yaml:"api_key_max_per_user"`
	// ProgrammaticAPIKeys lets every internal user create keys through
	// res.users.apikeys.generate with an existing key (Odoo's ICP
	// base.enable_programmatic_api_keys); administrators always may.
	ProgrammaticAPIKeys bool `yaml:"programmatic_api_keys"`
	// KeyUsageFlushInterval is how often in-memory key last-use records are
	// written to the database by Run.
	KeyUsageFlushInterval time.Duration `yaml:"key_usage_flush_interval"`

	// CacheTTL bounds how long a verified credential is trusted without a
	// database read, i.e. how stale another instance's revocation can be
	// here (at most 5m). A negative value disables caching.
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// DegradedCacheTTL replaces CacheTTL while a credential-change channel
	// (LISTEN/NOTIFY, Redis pub/sub, the SQLite change table) is down, as
	// other instances' changes then arrive only by expiry (default 2s).
	DegradedCacheTTL time.Duration `yaml:"cache_ttl_degraded"`
	// CacheSize caps the number of cached credentials.
	CacheSize int `yaml:"cache_size"`

	// LoginCooldownAfter failures from one client IP put it on cooldown
	// (Odoo: base.login_cooldown_after, 5); 0 disables the cooldown.
	LoginCooldownAfter int `yaml:"login_cooldown_after"`
	// LoginCooldownDuration is the window and the cooldown length (Odoo:
	// base.login_cooldown_duration, 60 s).
	LoginCooldownDuration time.Duration `yaml:"login_cooldown_duration"`
	// LoginBackoffAfter consecutive failures for one login start a per-login
	// exponential backoff (LoginBackoffBase, doubling, up to LoginBackoffMax);
	// 0 disables it. The count is forgotten after LoginBackoffReset without
	// failures, or at a successful login.
	LoginBackoffAfter int           `yaml:"login_backoff_after"`
	LoginBackoffBase  time.Duration `yaml:"login_backoff_base"`
	LoginBackoffMax   time.Duration `yaml:"login_backoff_max"`
	LoginBackoffReset time.Duration `yaml:"login_backoff_reset"`

	// HashConcurrency bounds the password verifications (argon2id, 19 MiB
	// each by default) running at once (default: the number of CPUs);
	// HashQueue more may wait for a slot (default 4 × HashConcurrency).
	// Attempts beyond that are answered at once with 503 and Retry-After,
	// so a flood of logins cannot exhaust memory or CPU.
	HashConcurrency int `yaml:"hash_concurrency"`
	HashQueue       int `yaml:"hash_queue"`
}

// Argon2Params are argon2id costs. The defaults are OWASP's first
// recommendation (m=19 MiB, t=2, p=1): about 20-40 ms per hash on a server
// core, with a memory cost that makes GPU guessing expensive. Validate
// accepts any setting at least as strong as OWASP's table (m ≥ 7 MiB and
// m·t ≥ 35 MiB·passes, e.g. m=46 MiB t=1).
type Argon2Params struct {
	MemoryKiB uint32 `yaml:"memory_kib"`
	Time      uint32 `yaml:"time"`
	Threads   uint8  `yaml:"threads"`
}

// Defaults returns c with every zero field set to its default.
func (c Config) Defaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defInt := func(i *int, v int) {
		if *i == 0 {
			*i = v
		}
	}
	def(&c.SessionIdleTimeout, 7*24*time.Hour)
	def(&c.SessionMaxLifetime, 30*24*time.Hour)
	def(&c.SessionTouchInterval, time.Minute)
	defInt(&c.PasswordMinLength, 8)
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}
	}
	defInt(&c.APIKeyMaxPerUser, 10)
	def(&c.KeyUsageFlushInterval, time.Minute)
	def(&c.CacheTTL, 30*time.Second)
	def(&c.DegradedCacheTTL, 2*time.Second)
	defInt(&c.CacheSize, 100_000)
	defInt(&c.LoginCooldownAfter, 5)
	def(&c.LoginCooldownDuration, time.Minute)
	defInt(&c.LoginBackoffAfter, 3)
	def(&c.LoginBackoffBase, time.Second)
	def(&c.LoginBackoffMax, 5*time.Minute)
	def(&c.LoginBackoffReset, time.Hour)
	defInt(&c.HashConcurrency, runtime.NumCPU())
	defInt(&c.HashQueue, 4*c.HashConcurrency)
	return c
}

// Validate reports the first invalid setting of a defaulted config.
func (c Config) Validate() error {
	switch {
	case c.SessionIdleTimeout < time.Minute:
		return fmt.Errorf("identity.session_idle_timeout must be at least 1m")
	case c.SessionMaxLifetime < c.SessionIdleTimeout:
		return fmt.Errorf("identity.session_max_lifetime must be at least session_idle_timeout")
	case c.SessionTouchInterval <= 0 || c.SessionTouchInterval > c.SessionIdleTimeout/2:
		return fmt.Errorf("identity.session_touch_interval must be positive and at most half the idle timeout")
	case c.PasswordMinLength < 1 || c.PasswordMinLength > maxPasswordLen:
		return fmt.Errorf("identity.password_min_length must be between 1 and %d", maxPasswordLen)
	case c.Argon2.Threads < 1 || c.Argon2.Time < 1 || c.Argon2.MemoryKiB < 7*1024 ||
		uint64(c.Argon2.MemoryKiB)*uint64(c.Argon2.Time) < 35*1024:
		return fmt.Errorf("identity.argon2 is weaker than OWASP's minimum (m≥7168 KiB and m·t≥35840)")
	case c.APIKeyMaxPerUser < 1:
		return fmt.Errorf("identity.api_key_max_per_user must be positive")
	case c.KeyUsageFlushInterval <= 0:
		return fmt.Errorf("identity.key_usage_flush_interval must be positive")
	case c.CacheTTL > 5*time.Minute:
		return fmt.Errorf("identity.cache_ttl must be at most 5m (negative disables the cache)")
	case c.DegradedCacheTTL < 0:
		return fmt.Errorf("identity.cache_ttl_degraded must not be negative")
	case c.CacheSize < 1:
		return fmt.Errorf("identity.cache_size must be positive")
	case c.LoginCooldownAfter < 0 || c.LoginBackoffAfter < 0:
		return fmt.Errorf("identity.login_cooldown_after and login_backoff_after must not be negative")
	case c.LoginCooldownDuration <= 0 || c.LoginBackoffBase <= 0 || c.LoginBackoffMax < c.LoginBackoffBase || c.LoginBackoffReset <= 0:
		return fmt.Errorf("identity: login throttling durations must be positive, backoff max ≥ base")
	case c.HashConcurrency < 1 || c.HashQueue < 0:
		return fmt.Errorf("identity.hash_concurrency must be positive, hash_queue not negative")
	}
	return nil
}
