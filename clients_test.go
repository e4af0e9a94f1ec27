package rampart_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// The client compatibility tests run real Odoo clients — Python's
// xmlrpc.client following Odoo's external-API documentation, and the
// Debian package python3-odoorpc — against a live rampart serving the demo
// app exactly as `rampart serve --demo` does (demo users, data and keys).
// Refused operations must reach the clients as Odoo's errors. Without
// python3 or odoorpc they skip, except under CI=true, where they fail.

func TestOdooClientsAgainstDemo(t *testing.T) {
	xmlPy := python(t, "xmlrpc.client")
	rpcPy := python(t, "odoorpc")
	cfg := clientConfig(t, startDemo(t))
	for _, c := range []struct{ py, script string }{{xmlPy, "xmlrpc_flow.py"}, {rpcPy, "odoorpc_flow.py"}} {
		t.Run(c.script, func(t *testing.T) { runScript(t, c.py, c.script, cfg) })
	}
}

// python returns an interpreter that imports module. Debian's odoorpc is
// installed for the system python3, which need not be first on PATH.
func python(t *testing.T, module string) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import "+module).Run()
		cancel()
		if err == nil {
			return py
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("python3 with %s is required under CI=true (apt-get install python3 python3-odoorpc)", module)
	}
	t.Skipf("no python3 with %s", module)
	return ""
}

func runScript(t *testing.T, py, script string, cfg map[string]any) {
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("odoorpc", "testdata", "clients", script), path)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "NO_PROXY=*", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	t.Logf("%s\n%s", script, out)
}

// demo is a live server serving the demo app.
type demo struct {
	app *rampart.App
	url string
}

// startDemo serves the demo app on a loopback listener, as `rampart serve
// --demo` does, with extra routes registered first.
func startDemo(t *testing.T, routes ...*rampart.Route) demo {
	t.Helper()
	c := config.Default()
	c.Data = t.TempDir()
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

// clientConfig is the scripts' configuration: the administrator, alice (a
// salesman who may not delete orders) with her start-up key, an order of
// another salesman, and a customer.
func clientConfig(t *testing.T, d demo) map[string]any {
	t.Helper()
	ctx := context.Background()
	alice, err := d.app.Identity.UserByLogin(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	env := d.adminEnv(t)
	foreign := find(t, env, "sale.order", []any{[]any{"user_id", "!=", alice.ID}, []any{"user_id", "!=", false}})
	customer := find(t, env, "res.partner", []any{[]any{"name", "=", "Deco Addict"}, []any{"parent_id", "=", false}})
	return map[string]any{
		"url":              d.url,
		"db":               d.app.Config.DBName,
		"admin":            map[string]any{"login": "admin", "password": "admin"},
		"user":             map[string]any{"login": "alice", "password": "alice", "key": d.app.DemoKeys["alice"]},
		"foreign_order_id": foreign,
		"partner_id":       customer,
		"order_vals":       map[string]any{"company_id": 1, "date_order": "2026-06-01 12:00:00"},
	}
}
