package identity

import (
	"context"
	"crypto/rand"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns identity's system-table migrations (component
// "identity"), for store.DB.Migrate. Call Service.Bootstrap afterwards.
func Migrations() (store.MigrationSet, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return store.MigrationSet{}, err
	}
	return store.LoadMigrations("identity", sub)
}

// Options are a Service's dependencies. Only Config is read from the
// configuration file; the rest is wiring.
type Options struct {
	Config Config
	// Logger receives failed/throttled logins and key changes (never a
	// secret). Nil discards.
	Logger *slog.Logger
	// Clock returns the current time (tests inject one). Nil means time.Now.
	Clock func() time.Time
	// Events receives authentication events for the audit trail. May be nil.
	Events EventSink
	// Failures stores login-failure counters. Nil means the database
	// (DBFailureStore), shared by all instances on that database.
	Failures FailureStore
	// Limiter charges password attempts to the login_ip and login_user
	// budgets (the rate limiter). Nil: only the failure counters throttle.
	Limiter AttemptLimiter
	// Channels carry credential changes to the other instances (see
	// Channel). Nil means DefaultChannel(db) alone; App adds Redis pub/sub
	// when Redis is configured.
	Channels []Channel
	// Demo allows passwords equal to the login (demo users), as the server's
	// demo mode asks.
	Demo bool
	// InsecureFastHashing replaces the argon2 cost by a trivial one. For
	// tests only (identitytest sets it); never set it in a server.
	InsecureFastHashing bool
}

// Service is identity's entry point: it implements httpd.Authenticator and
// holds the caches. It is safe for concurrent use. Create it with New.
type Service struct {
	db       *store.DB
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	events   EventSink
	failures FailureStore
	limiter  AttemptLimiter
	demo     bool
	hasher   hasher
	gate     *hashGate // bounds concurrent password hashing
	onHash   func()    // test seam: runs once per password verified

	cache    *credCache
	inval    *invalidator
	usage    *keyUsage
	cacheKey []byte // per-process HMAC key for cache keys

	dummyOnce sync.Once
	dummyHash string // argon2id hash verified for unknown logins

	publicMu sync.Mutex
	public   *principal.Principal // the public user's principal, cached
	publicAt time.Time
}

// New builds a Service on db. The identity migrations must have run.
func New(db *store.DB, opt Options) (*Service, error) {
	cfg := opt.Config.Defaults()
	if opt.InsecureFastHashing {
		cfg.Argon2 = Argon2Params{MemoryKiB: 8, Time: 1, Threads: 1}
	} else if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opt.InsecureFastHashing {
		// Everything but the hash cost must still be valid.
		c := cfg
		c.Argon2 = Argon2Params{MemoryKiB: 7 * 1024, Time: 5, Threads: 1}
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	s := &Service{
		db:     db,
		cfg:    cfg,
		log:    opt.Logger,
		now:    opt.Clock,
		events: opt.Events,
		demo:   opt.Demo,
		hasher: hasher{cfg.Argon2},
		gate:   newHashGate(cfg.HashConcurrency, cfg.HashQueue),
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.limiter = opt.Limiter
	s.failures = opt.Failures
	if s.failures == nil {
		s.failures = NewDBFailureStore(db)
	}
	s.cacheKey = make([]byte, 32)
	if _, err := rand.Read(s.cacheKey); err != nil {
		return nil, fmt.Errorf("identity: cache key: %w", err)
	}
	s.cache = newCredCache(cfg.CacheTTL, cfg.CacheSize)
	s.cache.shortTTL = cfg.DegradedCacheTTL
	chans := opt.Channels
	if chans == nil {
		chans = []Channel{DefaultChannel(db)}
	}
	s.inval = &invalidator{s: s, channels: chans, warned: map[string]bool{}}
	s.usage = newKeyUsage()
	return s, nil
}

// Config returns the effective (defaulted) configuration.
func (s *Service) Config() Config { return s.cfg }

// Run does the background work until ctx ends: it flushes API-key last-use
// records every KeyUsageFlushInterval and deletes expired sessions and
// stale failure counters. It flushes once more before returning.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.KeyUsageFlushInterval)
	defer t.Stop()
	lctx, stop := context.WithCancel(ctx)
	listening := make(chan struct{})
	go func() { defer close(listening); s.inval.run(lctx) }()
	defer func() { stop(); <-listening }()
	gcEvery := 0
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err := s.FlushKeyUsage(fctx)
			cancel()
			return err
		case <-t.C:
			if err := s.FlushKeyUsage(ctx); err != nil {
				s.log.Warn("identity: flush key usage", "err", err)
			}
			if gcEvery++; gcEvery%60 == 1 {
				if err := s.GC(ctx); err != nil {
					s.log.Warn("identity: gc", "err", err)
				}
			}
		}
	}
}

// Close releases the invalidation channels' connections (Redis).
func (s *Service) Close() error { return s.inval.close() }

// GC deletes expired sessions and failure counters nobody will read again.
func (s *Service) GC(ctx context.Context) error {
	now := s.now()
	idle := now.Add(-s.cfg.SessionIdleTimeout).UnixMilli()
	stale := now.Add(-max(s.cfg.LoginBackoffReset, s.cfg.LoginCooldownDuration)).UnixMilli()
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_sessions WHERE expires_at <= ? OR last_seen_at <= ?`, now.UnixMilli(), idle); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM rampart_login_failures WHERE last_at <= ?`, stale)
		return err
	})
}

// nowSQL is the dialect's current naive-UTC timestamp for create/write dates.
func nowSQL(d store.Dialect) string {
	if d.Name() == "postgres" {
		return "(now() AT TIME ZONE 'utc')"
	}
	return "strftime('%Y-%m-%d %H:%M:%S', 'now')"
}
