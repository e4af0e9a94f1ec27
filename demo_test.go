package rampart_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// demo is a live server serving the demo app.
type demo struct {
	app *rampart.App
	url string
}

// startDemo serves the demo app on a loopback listener, as `rampart serve
// --demo` does, with extra routes registered first.
func startDemo(t *testing.T, routes ...*rampart.Route) demo {
	t.Helper()
	return startDemoOn(t, "", routes...)
}

// startDemoOn is startDemo on the database at dbURL ("" for SQLite in a
// temporary directory).
func startDemoOn(t *testing.T, dbURL string, routes ...*rampart.Route) demo {
	t.Helper()
	c := config.Default()
	c.Data = t.TempDir()
	c.DB = dbURL
	c.Demo = true
	c.Metrics.Disabled = true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := rampart.New(ctx, c, slog.New(slog.DiscardHandler), rampart.Options{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	if err := app.Handle(routes...); err != nil {
		t.Fatal(err)
	}
	h, err := app.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return demo{app: app, url: srv.URL}
}

// adminEnv is a read-only Env of the demo administrator, for fixtures.
func (d demo) adminEnv(t *testing.T) *orm.Env {
	t.Helper()
	ctx := context.Background()
	admin, err := d.app.Identity.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.app.Identity.Principal(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	env := orm.NewEnv(ctx, d.app.Registry, d.app.DB, p, orm.EnvOptions{ReadOnly: true})
	t.Cleanup(func() { env.Finish(nil) })
	return env
}

// find returns the first id (by id) of model matching the JSON domain d.
func find(t *testing.T, env *orm.Env, model string, d []any) int64 {
	t.Helper()
	dom, err := domain.FromJSON(d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.Model(model)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.Search(dom, orm.SearchOptions{Limit: 1, Order: "id"})
	if err != nil || len(ids) == 0 {
		t.Fatalf("no %s matching %v: %v", model, d, err)
	}
	return ids[0]
}
