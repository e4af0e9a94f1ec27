// Package rampartest is the scenario harness for tests of the wired
// server: a demo App (the sales app with its users and data, as `rampart
// serve --demo` runs it) or a plain one, served on a loopback listener;
// clients per protocol (JSON-2 with an API key, JSON-RPC/call_kw with a
// session, XML-RPC execute_kw); and role fixtures (the demo users and
// reasoned sudo Envs for reading the data back).
//
//	a := rampartest.Demo(t, rampartest.Options{})
//	status, res, _ := a.JSON2(rampartest.Alice).Call(t, "sale.order", "search_read", map[string]any{"limit": 5})
//
// It runs on SQLite in a temp dir, or on a fresh PostgreSQL schema with
// Options.Postgres (skipped without RAMPART_TEST_POSTGRES, failed under
// CI=true, like package storetest).
package rampartest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store/storetest"
)

// The demo users (examples/sales); each one's password is its login.
const (
	Admin = "admin" // Settings administrator and sales manager, both companies
	Alice = "alice" // salesman: her own orders
	Bob   = "bob"   // sales manager, both companies, may delete
	Dave  = "dave"  // salesman of the second company
	Carol = "carol" // portal user, contact of the customer Deco Addict
)

// Options tune the App.
type Options struct {
	// Routes are registered before the server starts.
	Routes []*rampart.Route
	// Log receives the server's JSON log; nil discards it.
	Log io.Writer
	// Config adjusts the configuration before validation.
	Config func(*config.Config)
	// Postgres runs the App on a fresh schema of RAMPART_TEST_POSTGRES.
	Postgres bool
	// RealHashing keeps the production password hashing cost (default:
	// trivial hashing, tests only).
	RealHashing bool
}

// App is a served App. Its embedded *rampart.App gives the components.
type App struct {
	*rampart.App
	// URL is the server's base URL.
	URL string
	// DemoKeys are the demo users' API keys ("rpc" scope), by login.
	DemoKeys map[string]string
}

// Demo serves the demo app: models, security, users, data and the seed
// guide's routes, as `rampart serve --demo` does.
func Demo(t testing.TB, o Options) *App {
	t.Helper()
	return start(t, o, true)
}

// New serves an App without any app or demo data: the built-in models,
// the base security set and a bootstrapped administrator.
func New(t testing.TB, o Options) *App {
	t.Helper()
	return start(t, o, false)
}

// Config is the configuration Demo and New start from: a temp data dir,
// metrics not served, and demo mode as asked.
func Config(t testing.TB, demo bool) config.Config {
	c := config.Default()
	c.Data = t.TempDir()
	c.Demo = demo
	c.Metrics.Disabled = true
	return c
}

func start(t testing.TB, o Options, demo bool) *App {
	t.Helper()
	c := Config(t, demo)
	if o.Postgres {
		c.DB = storetest.PostgresSchemaURL(t)
	}
	if o.Config != nil {
		o.Config(&c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if o.Log != nil {
		log = slog.New(slog.NewJSONHandler(o.Log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	ctx := context.Background()
	opts := rampart.Options{InsecureFastHashing: !o.RealHashing}
	if demo {
		opts.Apps = []rampart.AppSource{sales.App()}
	}
	app, err := rampart.New(ctx, c, log, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	a := &App{App: app}
	if demo {
		if err := app.Handle(sales.Routes(app)...); err != nil {
			t.Fatal(err)
		}
		if a.DemoKeys, err = sales.Seed(ctx, app, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Handle(o.Routes...); err != nil {
		t.Fatal(err)
	}
	a.URL = Serve(t, app).URL
	return a
}

// Serve serves an App the test opened itself on a loopback listener,
// closed when the test ends (the App is not: the caller owns it).
func Serve(t testing.TB, app *rampart.App) *App {
	t.Helper()
	h, err := app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &App{App: app, URL: srv.URL}
}

// User returns a user by login.
func (a *App) User(t testing.TB, login string) *identity.User {
	t.Helper()
	u, err := a.Identity.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatalf("user %s: %v", login, err)
	}
	return u
}

// UID returns a user's id.
func (a *App) UID(t testing.TB, login string) int64 { return a.User(t, login).ID }

// Principal returns a user's principal (groups, companies).
func (a *App) Principal(t testing.TB, login string) *principal.Principal {
	t.Helper()
	p, err := a.Identity.Principal(context.Background(), a.UID(t, login))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Env is a read-only Env acting as the user, finished when the test ends.
func (a *App) Env(t testing.TB, login string) *orm.Env {
	t.Helper()
	env := orm.NewEnv(context.Background(), a.Registry, a.DB, a.Principal(t, login), orm.EnvOptions{ReadOnly: true, RequestID: "test"})
	t.Cleanup(func() { env.Finish(nil) })
	return env
}

// WithSudo runs fn with a read-only superuser Env, to read data back as
// it is (before and after a refused call).
func (a *App) WithSudo(t testing.TB, fn func(*orm.Env)) {
	t.Helper()
	env := orm.NewEnv(context.Background(), a.Registry, a.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "test"})
	fn(env.Sudo("test fixture: read the data back"))
	env.Finish(nil)
}
