// Package rampart is the framework API that programs embedding rampart
// import: an App that wires storage, identity, the ORM with its access
// control and audit trail, rate limiting, metrics, CSRF, TLS and the
// Odoo-compatible endpoints into one HTTP server, and the route types to
// declare endpoints with.
//
//	app, err := rampart.New(ctx, cfg, logger)
//	app.Handle(&rampart.Route{Path: "/api/hello", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer,
//		Handler: func(r *rampart.Request) (any, error) { return "hello", nil }})
//	err = app.Run(ctx)
package rampart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/examples/seed"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/httpd/loginpage"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/metrics"
	"github.com/rampart/rampart/odoorpc"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/ratelimit"
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
	Security *access.Set
	Policy   *access.Policy
	Audit    *audit.Trail
	Limiter  *ratelimit.Limiter
	Metrics  *metrics.Metrics
	CSRF     *httpd.CSRFGuard
	TLS      *tlsutil.Setup
	// Methods holds the model methods apps make callable over JSON-2,
	// JSON-RPC and XML-RPC (register before Handler or Run).
	Methods *odoorpc.Methods
	// DemoKeys are the API keys created for the demo users at start-up
	// (--demo only), by login. They exist only in memory and on stdout.
	DemoKeys map[string]string

	closeOnce sync.Once
	stdout    io.Writer
	draining  atomic.Bool // shutting down: readiness fails
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
	// Stdout is the console: demo mode prints the demo users' API keys
	// there (never into the log). Nil prints nothing.
	Stdout io.Writer
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

// New opens the database, applies migrations, loads the apps, syncs their
// schema and wires the pipeline. cfg must be validated. Close the App when
// done (Run does it).
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Options) (*App, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	db, err := store.Open(ctx, cfg.DB, cfg.Data, store.Options{})
	if err != nil {
		return nil, err
	}
	db.SetLogger(log)
	a := &App{Config: cfg, Log: log, DB: db, HTTP: httpd.New(cfg.HTTP, log), Methods: odoorpc.NewMethods(), stdout: o.Stdout}
	// Instances started together take turns: migrations, schema sync,
	// bootstrap and the data-dir secrets are set up by one at a time.
	if err := db.WithStartupLock(ctx, func() error { return a.wire(ctx, o) }); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
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
	if err := db.Migrate(ctx, idm, am); err != nil {
		return err
	}

	a.Metrics = metrics.New(metrics.Options{Logger: log, PileUp: cfg.Metrics.PileUp(), Now: o.Now})
	if err := a.Metrics.RegisterDB(db); err != nil {
		return err
	}
	// The chain's checkpoints are signed with a key kept beside the
	// database, never in it; instances sharing a database share the file.
	auditKey, err := audit.LoadOrCreateSigningKey(filepath.Join(cfg.Data, "audit-signing.key"))
	if err != nil {
		return err
	}
	a.Audit = audit.New(db, audit.Options{Logger: log, Now: o.Now, SigningKey: auditKey})
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
		Events:              authEvents{a.Audit, a.Metrics},
		InsecureFastHashing: o.InsecureFastHashing,
	})
	if err != nil {
		return err
	}
	if err := a.Identity.Bootstrap(ctx); err != nil {
		return fmt.Errorf("identity bootstrap: %w", err)
	}

	// Models: built-ins, the configured app directories, the demo app,
	// then apps given in code. The schema sync never drops a column.
	a.Registry = orm.NewRegistry()
	a.Registry.Logger = log
	a.Registry.MaxLimit = cfg.ORM.MaxLimit
	a.Registry.Now = o.Now
	apps := a.appSources(o)
	for _, app := range apps {
		if app.Models != nil {
			if err := app.Models(a.Registry); err != nil {
				return fmt.Errorf("app %s: models: %w", app.Module, err)
			}
		}
	}
	rep, err := a.Registry.Sync(ctx, db)
	if err != nil {
		return fmt.Errorf("schema sync: %w", err)
	}
	for _, w := range rep.Warnings {
		log.Warn("schema sync", "warning", w)
	}
	if !cfg.Demo { // the demo app creates its own two companies
		if err := a.ensureCompany(ctx); err != nil {
			return fmt.Errorf("main company: %w", err)
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
	if err := access.EnsureGroups(ctx, a.Identity, a.Security); err != nil {
		return err
	}
	a.Policy = access.NewPolicy(a.Security, access.PolicyOptions{Logger: log, Now: o.Now})
	a.Registry.Policy = a.Policy
	a.Registry.Auditor = sudoCounter{a.Audit, a.Metrics}

	secretFile := cfg.HTTP.CSRF.SecretFile
	if secretFile == "" {
		secretFile = filepath.Join(cfg.Data, "csrf.key")
	}
	secret, err := httpd.LoadOrCreateSecret(secretFile)
	if err != nil {
		return err
	}
	a.CSRF, err = httpd.NewCSRFGuard(httpd.CSRFOptions{Config: cfg.HTTP.CSRF, Secret: secret,
		SessionKey: identity.SessionCSRFKey, Log: log, Clock: o.Now})
	if err != nil {
		return err
	}
	a.TLS, err = tlsutil.Build(cfg.TLS, cfg.Data, log)
	if err != nil {
		return err
	}

	s := a.HTTP
	s.Auth = authObserver{a.Identity, a.Metrics}
	s.Limiter = a.Limiter
	s.CSRF = a.CSRF
	s.Envs = envFactory{reg: a.Registry, db: db}
	s.Observer = a.Metrics
	s.Middleware = append(s.Middleware, a.Metrics.InFlight)

	rpc, err := odoorpc.Routes(odoorpc.Deps{
		DB: cfg.DBName, Identity: a.Identity, Sessions: a.Identity, Envs: s.Envs,
		Methods: a.Methods, ScopeAllows: identity.ScopeAllows, ListDB: cfg.RPC.ListDB, Limiter: a.Limiter, Log: log, Now: o.Now,
	})
	if err != nil {
		return err
	}
	routes := append([]*Route{a.healthRoute()}, a.Identity.Routes()...)
	routes = append(routes, rpc...)
	routes = append(routes, a.Policy.AdminRoutes(a.Identity)...)
	routes = append(routes, a.Identity.AdminRoutes()...)
	routes = append(routes, a.Audit.AdminRoutes()...)
	routes = append(routes, loginpage.Routes(loginpage.Options{Auth: a.Identity, CSRF: a.CSRF, Path: cfg.HTTP.LoginPath})...)
	if cfg.Demo {
		// The seed guide's endpoints, done right, as examples to read and try.
		routes = append(routes, seed.Routes(seed.Deps{CSRF: a.CSRF})...)
	}
	if err := a.Handle(routes...); err != nil {
		return err
	}
	if cfg.Demo {
		if err := a.loadDemo(ctx); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// Handle registers application routes. Call before Handler or Run. A
// route naming an unknown rate-limit policy is refused.
func (a *App) Handle(routes ...*Route) error {
	for _, r := range routes {
		if err := a.Limiter.CheckRoute(r); err != nil {
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
		Name: "health", Path: "/web/health", Type: TypeHTTP, Auth: AuthNone, RateLimit: "none",
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
		ReadOnly: r.Route.ReadOnly, RequestID: r.ID, Route: r.Route.Name,
	}), nil
}

// authObserver counts authentication failures by reason for metrics and
// the failed-authentication pile-up detector.
type authObserver struct {
	id *identity.Service
	m  *metrics.Metrics
}

func (o authObserver) Authenticate(r *httpd.Request) error {
	err := o.id.Authenticate(r)
	if err != nil {
		switch k := errs.KindOf(err); k {
		case errs.Unauthorized, errs.AccessDenied, errs.SessionExpired, errs.BadRequest:
			o.m.AuthFailure(k.String(), r.Client.String(), "")
		}
	}
	return err
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
