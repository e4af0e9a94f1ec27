// Package rampart is the framework API that programs embedding rampart
// import: an App that wires storage, identity, the ORM with its access
// control and audit trail, rate limiting, metrics, CSRF, TLS and the
// Odoo-compatible endpoints into one HTTP server, and the route types to
// declare endpoints with.
//
//	app, err := rampart.New(ctx, cfg, logger) // Open, then Bootstrap
//	app.Handle(&rampart.Route{Path: "/api/hello", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer,
//		Handler: func(r *rampart.Request) (any, error) { return "hello", nil }})
//	err = app.Run(ctx)
//
// The steps are separate so that each command does only what it needs:
// Open connects, migrates and syncs the schema (or, with
// Options.ReadOnly, only reads an existing database); Bootstrap creates
// the administrator, the base groups and the main company; demo data is
// an app's business (examples/sales seeds it for `rampart serve --demo`).
package rampart

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/access/accesshttp"
	"github.com/rampart/rampart/apidoc"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audithttp"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/console"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/httpd/loginpage"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identityhttp"
	"github.com/rampart/rampart/metrics"
	"github.com/rampart/rampart/odoorpc"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/ratelimit/ratelimithttp"
	"github.com/rampart/rampart/ratepolicy"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/tlsutil"
)

// Route-declaration types, re-exported so embedding programs need only
// this package.
type (
	Route   = httpd.Route
	Request = httpd.Request
	Handler = httpd.Handler
	CORS    = httpd.CORS
)

// Route types and auth modes.
const (
	TypeHTTP    = httpd.TypeHTTP
	TypeJSONRPC = httpd.TypeJSONRPC
	TypeJSON2   = httpd.TypeJSON2
	AuthNone    = httpd.AuthNone
	AuthPublic  = httpd.AuthPublic
	AuthUser    = httpd.AuthUser
	AuthBearer  = httpd.AuthBearer
)

// App is a wired rampart server. Its fields are the components, exposed
// for embedding programs and tests; treat them as read-only.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	DB       *store.DB
	HTTP     *httpd.Server
	Registry *orm.Registry
	Identity *identity.Service
	// IdentityHTTP is identity's web adapter: the Authenticator, the
	// session cookie, the /rampart/auth/* and admin routes.
	IdentityHTTP *identityhttp.Web
	Security     *access.Set
	Policy       *access.Policy
	Audit        *audit.Trail
	Limiter      *ratelimit.Limiter
	Metrics      *metrics.Metrics
	CSRF         *httpd.CSRFGuard
	TLS          *tlsutil.Setup
	// Methods holds the model methods apps make callable over JSON-2,
	// JSON-RPC and XML-RPC (register before Handler or Run).
	Methods *odoorpc.Methods
	// APIDoc builds the OpenAPI document and serves /doc (package apidoc).
	APIDoc *apidoc.Service

	readOnly       bool
	allowDemoUsers bool
	closeOnce      sync.Once
	draining       atomic.Bool // shutting down: readiness fails
	// runningIdentity: Run listens for credential changes (readiness
	// reports a channel down only then).
	runningIdentity atomic.Bool
}

// Options are wiring choices that do not belong in the config file.
type Options struct {
	// Apps are extra app sources (models and security) loaded after the
	// config's app directories.
	Apps []AppSource
	// InsecureFastHashing makes password hashing trivial: tests only.
	InsecureFastHashing bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// ReadOnly opens an existing database without writing to it: no data
	// directory is created, no migration or schema sync runs, the CSRF key
	// is not created when missing, and Run refuses to serve. For commands
	// that only read (routes, access explain, audit tail/search).
	ReadOnly bool
	// AllowDemoUsers lets Bootstrap accept a database that holds demo users
	// outside demo mode: for administration commands, which do not serve.
	AllowDemoUsers bool
}

// AppSource is an app given as file systems: YAML models and Odoo-format
// security files (groups XML, ir.model.access.csv, ir.rule XML, or YAML).
type AppSource struct {
	Module   string
	Models   func(*orm.Registry) error
	Security func(*access.Loader) error
}

// NewLogger builds the structured logger the config asks for.
func NewLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// New opens the database (Open) and bootstraps it (Bootstrap): what a
// server or an administration command that writes needs. cfg must be
// validated. Close the App when done (Run does it).
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Options) (*App, error) {
	a, err := Open(ctx, cfg, log, opts...)
	if err != nil {
		return nil, err
	}
	if err := a.Bootstrap(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Open connects to the database, applies the migrations, loads the apps,
// syncs their schema and wires the pipeline; it writes no data (Bootstrap
// does). With Options.ReadOnly it writes nothing at all: the database
// must exist and be migrated. cfg must be validated.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Options) (*App, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.ReadOnly {
		if err := existingDatabase(cfg); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	} else if err := privateDatabaseFile(cfg); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DB, cfg.Data, store.Options{ReadOnly: o.ReadOnly})
	if err != nil {
		return nil, err
	}
	db.SetLogger(log)
	db.SetSlowQueryLog(cfg.ORM.SlowQuery, store.LogSlowQueries(log))
	db.SetAnalyzeLog(func(table string, err error) {
		log.Error("store: planner statistics not refreshed", "table", table, "err", err)
	})
	a := &App{Config: cfg, Log: log, DB: db, HTTP: httpd.New(cfg.HTTP, log), Methods: odoorpc.NewMethods(),
		readOnly: o.ReadOnly, allowDemoUsers: o.AllowDemoUsers}
	wire := func() error { return a.wire(ctx, o) }
	if o.ReadOnly {
		err = wire() // writes nothing, so takes no lock (and creates no lock file)
	} else {
		// Instances started together take turns: migrations, schema sync
		// and the data-dir secrets are set up by one at a time.
		err = db.WithStartupLock(ctx, wire)
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// existingDatabase refuses a read-only open of a SQLite database that does
// not exist, which opening would create (with its directory).
func existingDatabase(cfg config.Config) error {
	path, ok := sqlitePath(cfg)
	if !ok {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s (start the server once with this --data/--db, or point to the right one): %w", path, err)
	}
	return nil
}

// privateDatabaseFile creates a new SQLite database file readable by its
// owner only: SQLite would create it with the umask's mode (usually
// world-readable), and gives its -wal and -shm files the same mode.
func privateDatabaseFile(cfg config.Config) error {
	path, ok := sqlitePath(cfg)
	if !ok {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("database dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("database file: %w", err)
	}
	return f.Close()
}

// sqlitePath is the SQLite file the config names, as store.Open resolves it.
func sqlitePath(cfg config.Config) (string, bool) {
	u := cfg.DB
	switch {
	case u == "":
	case strings.HasPrefix(u, "sqlite:"), strings.HasPrefix(u, "file:"):
		u = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "file:"), "//")
	default:
		return "", false
	}
	if u == "" {
		return filepath.Join(cfg.Data, "rampart.db"), true
	}
	return u, true
}

// Bootstrap creates what every server needs before it serves: the base
// groups and built-in users (an administrator without a password), the
// apps' groups and the main company. It is idempotent. Outside demo mode
// it refuses a database that holds demo users (see DemoUsers).
func (a *App) Bootstrap(ctx context.Context) error {
	if a.readOnly {
		return errors.New("bootstrap: the app was opened read-only")
	}
	// Instances started together bootstrap one at a time (each step is
	// idempotent; the lock keeps them from racing on the same rows).
	return a.DB.WithStartupLock(ctx, func() error { return a.bootstrap(ctx) })
}

func (a *App) bootstrap(ctx context.Context) error {
	if err := a.Identity.Bootstrap(ctx); err != nil {
		return fmt.Errorf("identity bootstrap: %w", err)
	}
	if !a.Config.Demo { // the demo app creates its own two companies
		if err := a.ensureCompany(ctx); err != nil {
			return fmt.Errorf("main company: %w", err)
		}
	}
	if err := access.EnsureGroups(ctx, a.Identity, a.Security); err != nil {
		return err
	}
	if err := a.SyncData(ctx); err != nil {
		return err
	}
	if !a.Config.Demo && !a.allowDemoUsers {
		return a.refuseDemoUsers(ctx)
	}
	return nil
}

// SyncData rewrites the reflection models (ir.model, ir.model.fields,
// ir.model.data) from the models, groups and companies now in place, and
// creates the declared sequences' counters. Bootstrap runs it; a program
// that loads records with external ids afterwards (the demo seed) runs it
// again.
func (a *App) SyncData(ctx context.Context) error {
	if err := a.Registry.SyncData(ctx, a.DB, orm.ReflectionOptions{Groups: true}); err != nil {
		return fmt.Errorf("reflection models and sequences: %w", err)
	}
	return nil
}

// wire connects the components and registers the built-in routes.
func (a *App) wire(ctx context.Context, o Options) error {
	cfg, log, db := a.Config, a.Log, a.DB
	idm, err := identity.Migrations()
	if err != nil {
		return err
	}
	am, err := audit.Migrations()
	if err != nil {
		return err
	}
	rm, err := migrations()
	if err != nil {
		return err
	}
	if !o.ReadOnly {
		if err := db.Migrate(ctx, idm, am, rm); err != nil {
			return err
		}
	}

	a.Metrics = metrics.New(metrics.Options{Logger: log, PileUp: cfg.Metrics.PileUp(), Now: o.Now})
	if err := a.Metrics.RegisterDB(db); err != nil {
		return err
	}
	// The chain's checkpoints are signed with a key kept beside the
	// database, never in it; instances sharing a database share the file.
	// A read-only App (audit tail, explain) creates nothing and signs
	// nothing.
	var auditKey ed25519.PrivateKey
	if !a.readOnly {
		if auditKey, err = audit.LoadOrCreateSigningKey(a.AuditSigningKeyPath()); err != nil {
			return err
		}
	}
	a.Audit = audit.New(db, audit.Options{Logger: log, Now: o.Now, OnDrop: a.Metrics.AuditDropped, SigningKey: auditKey,
		RequestInfo: audithttp.RequestInfo, DenyWindow: cfg.Audit.DenyWindow})
	routeRedisLogs(cfg.RateLimit.Store == ratelimit.StoreRedis, log) // go-redis's process-wide logger: redislog.go
	a.Limiter, err = ratelimit.New(cfg.RateLimit, ratelimit.Options{Logger: log, Recorder: a.Metrics, Now: o.Now})
	if err != nil {
		return err
	}
	chans, err := a.credentialChannels()
	if err != nil {
		return err
	}
	a.Identity, err = identity.New(db, identity.Options{
		Config: cfg.Identity, Logger: log, Clock: o.Now, Demo: cfg.Demo, Channels: chans,
		// Login failure counters live where the rate limits do: Redis when
		// configured (shared by every instance), else the database.
		Failures:            a.Limiter.LoginFailureStore(identity.NewDBFailureStore(db)),
		Limiter:             a.Limiter, // login_ip and login_user budgets
		Events:              authEvents{a.Audit, a.Metrics},
		InsecureFastHashing: o.InsecureFastHashing,
	})
	if err != nil {
		return err
	}
	a.IdentityHTTP = identityhttp.New(a.Identity)

	// Models: built-ins, the base security set, the configured app
	// directories, then apps given in code. The schema sync never drops a
	// column; a read-only open does not sync.
	// The registry needs its policy now, the rules are loaded (and checked
	// against the models) below: the policy refuses everything until then.
	a.Policy = access.NewPolicy(nil, access.PolicyOptions{Logger: log, Now: o.Now})
	a.Registry = orm.NewRegistry(a.Policy)
	a.Registry.Logger = log
	a.Registry.Budget = orm.Budget{MaxRows: cfg.ORM.MaxRows, MaxBytes: cfg.ORM.MaxResponseBytes, StreamAbove: cfg.ORM.StreamAbove}
	a.Registry.MaxCommands, a.Registry.WriteBudget = cfg.ORM.MaxCommands, cfg.ORM.WriteBudget
	a.Registry.Now = o.Now
	apps := a.appSources(o)
	for _, app := range apps {
		if app.Models != nil {
			if err := app.Models(a.Registry); err != nil {
				return fmt.Errorf("app %s: models: %w", app.Module, err)
			}
		}
	}
	if !o.ReadOnly {
		rep, err := a.Registry.Sync(ctx, db)
		if err != nil {
			return fmt.Errorf("schema sync: %w", err)
		}
		for _, w := range rep.Warnings {
			log.Warn("schema sync", "warning", w)
		}
	}

	// Security: every app's groups, ACLs and rules, checked at load.
	loader := access.NewLoader(a.Registry, log)
	for _, app := range apps {
		if app.Security != nil {
			if err := app.Security(loader); err != nil {
				return fmt.Errorf("app %s: security: %w", app.Module, err)
			}
		}
	}
	a.Security, err = loader.Build()
	if err != nil {
		return err
	}
	a.Policy.Replace(a.Security)
	a.Registry.Auditor = sudoCounter{a.Audit, a.Metrics}

	secretFile := cfg.HTTP.CSRF.SecretFile
	if secretFile == "" {
		secretFile = filepath.Join(cfg.Data, "csrf.key")
	}
	secret, err := a.csrfSecret(secretFile)
	if err != nil {
		return err
	}
	a.CSRF, err = httpd.NewCSRFGuard(httpd.CSRFOptions{Config: cfg.HTTP.CSRF, Secret: secret,
		SessionKey: identityhttp.SessionCSRFKey, SessionCookie: identityhttp.HasSessionCookie, Log: log, Clock: o.Now})
	if err != nil {
		return err
	}
	if !o.ReadOnly { // a read-only App never serves: no certificates
		a.TLS, err = tlsutil.Build(cfg.TLS, cfg.Data, log)
		if err != nil {
			return err
		}
	}

	s := a.HTTP
	s.Auth = authObserver{a.IdentityHTTP, a.Metrics}
	s.Limiter = ratelimithttp.Limiter{L: a.Limiter}
	// CSRF refusals and refused calls to /rampart/admin/* are denials in
	// the audit trail (audithttp).
	s.CSRF = audithttp.CSRF{Next: a.CSRF, Trail: a.Audit}
	s.Envs = envFactory{reg: a.Registry, db: db}
	// The console's rate-limits page reads the 429s seen here.
	rateLog := console.NewRateLog(o.Now)
	s.Observer = audithttp.Observer{Next: rateLog.Wrap(httpObserver{a.Metrics}), Trail: a.Audit}
	s.Middleware = append(s.Middleware, a.Metrics.InFlight)

	rpcService, err := odoorpc.NewService(odoorpc.Deps{
		DB: cfg.DBName, Identity: a.Identity, Sessions: a.IdentityHTTP,
		Methods: a.Methods, ScopeAllows: identity.ScopeAllows, ListDB: cfg.RPC.ListDB, Log: log, Now: o.Now,
		PreAuthMaxBody: min(cfg.RPC.MaxBody, cfg.HTTP.MaxBody), // never above the server's own limit
	})
	if err != nil {
		return err
	}
	a.APIDoc = apidoc.New(apidoc.Deps{DB: cfg.DBName, Routes: s.Routes, RPC: rpcService})
	routes := append([]*Route{a.healthRoute()}, a.IdentityHTTP.Routes()...)
	routes = append(routes, rpcService.Routes()...)
	routes = append(routes, a.APIDoc.Routes()...)
	routes = append(routes, accesshttp.AdminRoutes(a.Policy, a.Identity)...)
	routes = append(routes, a.IdentityHTTP.AdminRoutes()...)
	routes = append(routes, audithttp.AdminRoutes(a.Audit)...)
	routes = append(routes, loginpage.Routes(loginpage.Options{Auth: a.IdentityHTTP, CSRF: a.CSRF, Path: cfg.HTTP.LoginPath,
		TwoFactorLogin: console.Prefix + "/login"})...)
	// The web console (/console/): pages over the same services.
	cons, err := console.New(console.Options{Identity: a.Identity, Web: a.IdentityHTTP, CSRF: a.CSRF, Policy: a.Policy, Security: a.Security,
		Audit: a.Audit, Registry: a.Registry, Routes: a.HTTP.Routes, RateLog: rateLog, Now: o.Now})
	if err != nil {
		return err
	}
	routes = append(routes, cons.Routes()...)
	return a.Handle(routes...)
}

// csrfSecret loads the CSRF key, creating it when missing; a read-only
// App, which never serves, uses a throwaway key instead of creating one.
func (a *App) csrfSecret(path string) ([]byte, error) {
	if !a.readOnly {
		return httpd.LoadOrCreateSecret(path)
	}
	b := make([]byte, 32)
	_, err := rand.Read(b)
	return b, err
}

// Handle registers application routes. Call before Handler or Run. A
// route naming an unknown rate-limit policy is refused.
func (a *App) Handle(routes ...*Route) error {
	for _, r := range routes {
		if err := a.Limiter.CheckPolicy(r.Path, r.RateLimit); err != nil {
			return err
		}
	}
	return a.HTTP.Register(routes...)
}

// Handler is the complete HTTP handler (for tests and embedding).
func (a *App) Handler() (http.Handler, error) { return a.HTTP.Handler() }

// Close flushes the audit trail and releases the database and Redis.
func (a *App) Close() error {
	var err error
	a.closeOnce.Do(func() {
		if a.Audit != nil {
			err = errors.Join(err, a.Audit.Close())
		}
		if a.Identity != nil {
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = errors.Join(err, a.Identity.FlushKeyUsage(flushCtx))
			cancel()
		}
		if a.Identity != nil {
			err = errors.Join(err, a.Identity.Close())
		}
		if a.Limiter != nil {
			err = errors.Join(err, a.Limiter.Close())
		}
		err = errors.Join(err, a.DB.Close())
	})
	return err
}

// Run serves until ctx is cancelled, then shuts down gracefully (in-flight
// requests get http.shutdown_timeout) and closes everything.
func (a *App) Run(ctx context.Context) error {
	defer a.Close()
	if a.readOnly {
		return errors.New("run: the app was opened read-only")
	}
	h, err := a.Handler()
	if err != nil {
		return err
	}
	ln, err := a.TLS.Listen(a.Config.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.HTTP.Addr, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	background := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				a.Log.Error(name+" stopped", "err", err)
			}
		}()
	}
	a.runningIdentity.Store(true)
	background("identity maintenance", a.Identity.Run)
	// Audit retention runs in the serving process only (`rampart audit
	// archive` on demand): no other command archives as a side effect.
	if keep := a.Config.Audit.Retention; keep > 0 {
		background("audit retention", func(ctx context.Context) error {
			return a.Audit.RunRetention(ctx, keep, time.Hour, a.AuditArchiveDir())
		})
	}
	background("planner statistics", func(ctx context.Context) error {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if err := a.DB.Optimize(ctx); err != nil {
					a.Log.Warn("database optimize failed", "err", err)
				}
			}
		}
	})
	if !a.Config.Metrics.Disabled {
		mln, err := net.Listen("tcp", a.Config.Metrics.Addr)
		if err != nil {
			return fmt.Errorf("metrics listener %s: %w", a.Config.Metrics.Addr, err)
		}
		a.Log.Info("metrics listening", "addr", mln.Addr().String())
		background("metrics listener", func(ctx context.Context) error {
			return serveUntil(ctx, mln, &http.Server{Handler: a.Metrics.Handler(), ReadHeaderTimeout: 5 * time.Second})
		})
	}
	if rs := a.TLS.RedirectServer(a.Config.HTTP.Addr); rs != nil {
		rln, err := net.Listen("tcp", rs.Addr)
		if err != nil {
			return fmt.Errorf("redirect listener %s: %w", rs.Addr, err)
		}
		background("redirect listener", func(ctx context.Context) error { return serveUntil(ctx, rln, rs) })
	}
	scheme := "http"
	if a.TLS.TLS != nil {
		scheme = "https"
	}
	a.Log.Info("rampart listening", "url", scheme+"://"+ln.Addr().String(), "db", a.DB.String(), "demo", a.Config.Demo)
	err = a.HTTP.Serve(a.drain(ctx), ln, a.HTTP.HTTPServer(h))
	cancel()
	wg.Wait()
	return err
}

// drain returns a context that ends http.drain_delay after ctx does:
// meanwhile readiness fails (so load balancers take the instance out) and
// requests are still served; then Serve shuts down, letting in-flight
// requests finish.
func (a *App) drain(ctx context.Context) context.Context {
	serve, stop := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer stop()
		select {
		case <-ctx.Done():
		case <-serve.Done():
			return
		}
		a.draining.Store(true)
		if d := a.Config.HTTP.DrainDelay; d > 0 {
			a.Log.Info("draining: readiness fails before shutdown", "delay", d.String())
			time.Sleep(d)
		}
	}()
	return serve
}

func serveUntil(ctx context.Context, ln net.Listener, s *http.Server) error {
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(sctx)
	}()
	return s.Serve(ln)
}

// healthRoute is Odoo's /web/health: auth none; with db_server_status=1
// (readiness) it also checks the database and answers 500 when it is
// down, 503 while draining for shutdown, and lists what runs degraded
// (rate limits without their Redis, credential changes without their
// channel) while still ready. docs/operations.md describes both.
func (a *App) healthRoute() *Route {
	return &Route{
		Name: "health", Path: "/web/health", Type: TypeHTTP, Auth: AuthNone, RateLimit: ratepolicy.None,
		Handler: func(r *Request) (any, error) {
			if r.HTTP.URL.Query().Get("db_server_status") == "" {
				return map[string]any{"status": "pass"}, nil
			}
			if a.draining.Load() {
				r.W.Header().Set("Content-Type", "application/json; charset=utf-8")
				r.W.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(r.W, `{"status":"fail","draining":true}`)
				return httpd.Written, nil
			}
			ctx, cancel := context.WithTimeout(r.HTTP.Context(), 2*time.Second)
			defer cancel()
			if err := a.DB.Ping(ctx); err != nil {
				// The outage itself is logged once by store, not per probe.
				a.Log.Debug("health: database down", "request_id", r.ID, "err", err)
				r.W.Header().Set("Content-Type", "application/json; charset=utf-8")
				r.W.WriteHeader(http.StatusInternalServerError)
				io.WriteString(r.W, `{"status":"fail","db_server_status":false}`)
				return httpd.Written, nil
			}
			if deg := a.degraded(ctx); len(deg) > 0 {
				return map[string]any{"status": "pass", "db_server_status": true, "degraded": deg}, nil
			}
			return map[string]any{"status": "pass", "db_server_status": true}, nil
		},
	}
}

// envFactory opens each request's data environment as its principal.
type envFactory struct {
	reg *orm.Registry
	db  *store.DB
}

func (f envFactory) NewEnv(r *httpd.Request) (*orm.Env, error) {
	// Odoo's context comes with each call (odoorpc applies kwargs.context);
	// a custom route's body is its own business, not a context.
	return orm.NewEnv(r.HTTP.Context(), f.reg, f.db, r.Principal, orm.EnvOptions{
		ReadOnly: r.ReadOnly, RequestID: r.ID, Route: r.Route.Name, Budgeted: true,
	}), nil
}

// authObserver counts authentication failures by reason for metrics and
// the failed-authentication pile-up detector.
type authObserver struct {
	id *identityhttp.Web
	m  *metrics.Metrics
}

func (o authObserver) Authenticate(r *httpd.Request) error {
	err := o.id.Authenticate(r)
	// A call's own credentials are checked like a login: identity's
	// events count those failures already (authEvents).
	if err != nil && r.Route.Auth != httpd.AuthCall {
		switch k := errs.KindOf(err); k {
		case errs.Unauthorized, errs.AccessDenied, errs.SessionExpired, errs.BadRequest:
			o.m.AuthFailure(k.String(), r.Client.String(), "")
		}
	}
	return err
}

// httpObserver is metrics' adapter to httpd: the route of each finished
// request (its name, else its path; "" when no route matched).
type httpObserver struct{ m *metrics.Metrics }

func (o httpObserver) Observe(r *httpd.Request, status int, _ int64, d time.Duration) {
	route := ""
	if r != nil && r.Route != nil {
		if route = r.Route.Name; route == "" {
			route = r.Route.Path
		}
	}
	o.m.ObserveRoute(route, status, d)
}

// authEvents sends identity's events to the audit trail and to metrics.
type authEvents struct {
	trail *audit.Trail
	m     *metrics.Metrics
}

func (e authEvents) AuthEvent(ctx context.Context, ev identity.AuthEvent) {
	e.trail.AuthEvent(ctx, ev)
	switch ev.Type {
	case identity.EventLoginFailed, identity.EventLoginThrottled:
		e.m.AuthFailure(string(ev.Type), ev.Client.String(), ev.Login)
	}
}

// sudoCounter records ORM audit events and counts sudo use in metrics.
type sudoCounter struct {
	trail *audit.Trail
	m     *metrics.Metrics
}

func (s sudoCounter) Record(e *orm.Env, tx *store.Tx, ev orm.AuditEvent) error {
	if ev.Sudo {
		s.m.Sudo(ev.Model)
	}
	return s.trail.Record(e, tx, ev)
}

// credentialChannels are how credential changes reach the other
// instances: the database's own channel, plus Redis pub/sub when the
// deployment has a Redis.
func (a *App) credentialChannels() ([]identity.Channel, error) {
	chans := []identity.Channel{identity.DefaultChannel(a.DB)}
	if rl := a.Config.RateLimit; rl.Store == ratelimit.StoreRedis {
		prefix := rl.RedisPrefix
		if prefix == "" {
			prefix = "rampart:"
		}
		rc, err := identity.NewRedisChannel(rl.RedisURL, prefix+"credentials")
		if err != nil {
			return nil, err
		}
		chans = append(chans, rc)
	}
	return chans, nil
}

// degraded lists the parts running on a fallback, for readiness.
func (a *App) degraded(ctx context.Context) []string {
	var out []string
	if a.Limiter.RedisDown(ctx) {
		out = append(out, "rate_limit_redis")
	}
	if a.runningIdentity.Load() && !a.Identity.ChannelsUp() {
		out = append(out, "credential_channels")
	}
	return out
}

// AuditSigningKeyPath is the audit checkpoint signing key's file:
// audit.signing_key, else audit-signing.key in the data directory.
func (a *App) AuditSigningKeyPath() string {
	if p := a.Config.Audit.SigningKey; p != "" {
		return p
	}
	return filepath.Join(a.Config.Data, "audit-signing.key")
}

// AuditArchiveDir is where audit retention writes its archive files:
// audit.archive_dir, else audit-archive in the data directory.
func (a *App) AuditArchiveDir() string {
	if d := a.Config.Audit.ArchiveDir; d != "" {
		return d
	}
	return filepath.Join(a.Config.Data, "audit-archive")
}
