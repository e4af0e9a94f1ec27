package rampart_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/store"
)

// A data directory first served with --demo, then without it, must not
// keep accepting the demo passwords and keys: the server refuses to start
// and says how to keep the demo or wipe its users; after `rampart demo
// wipe` it serves, and no demo credential works over any protocol.
func TestDemoUsersNeverOutliveDemoMode(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	demo := rampartest.Demo(t, rampartest.Options{Config: func(c *config.Config) { c.Data = dir }})
	// The demo credentials work in demo mode (the allowed side).
	demo.Session(t, rampartest.Alice) // fails the test when refused
	if st, _, body := demo.JSON2(rampartest.Alice).Call(t, "sale.order", "search_count", map[string]any{"domain": []any{}}); st != 200 {
		t.Fatalf("alice's demo key in demo mode: %d %s", st, body)
	}
	aliceKey := demo.DemoKeys[rampartest.Alice]
	adminKey := demo.DemoKeys[rampartest.Admin]

	cfg := config.Default()
	cfg.Data = dir
	cfg.Metrics.Disabled = true
	// Every refusal below must come from the wipe, not the login throttle.
	cfg.Identity.LoginCooldownAfter, cfg.Identity.LoginBackoffAfter = 1000, 1000
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	opts := rampart.Options{InsecureFastHashing: true}
	if app, err := rampart.New(ctx, cfg, quiet, opts); err == nil {
		app.Close()
		t.Fatal("a demo database served without --demo started")
	} else {
		if !errors.Is(err, rampart.ErrDemoDatabase) {
			t.Errorf("refusal is not ErrDemoDatabase: %v", err)
		}
		for _, want := range []string{"alice", "rampart serve --demo --data " + dir, "rampart demo wipe --data " + dir} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q does not mention %q", err, want)
			}
		}
	}

	// rampart demo wipe, then the server starts and refuses every demo
	// credential: passwords over JSON-RPC and XML-RPC, keys over JSON-2.
	app, err := rampart.Open(ctx, cfg, quiet, opts)
	if err != nil {
		t.Fatal(err)
	}
	wiped, err := app.WipeDemoUsers(ctx)
	app.Close()
	if err != nil || !strings.Contains(strings.Join(wiped, ","), "alice") || !strings.Contains(strings.Join(wiped, ","), "admin") {
		t.Fatalf("wipe: %v %v", wiped, err)
	}
	app, err = rampart.New(ctx, cfg, quiet, opts)
	if err != nil {
		t.Fatalf("after the wipe: %v", err)
	}
	defer app.Close()
	plain := rampartest.Serve(t, app)
	for _, login := range []string{rampartest.Admin, rampartest.Alice, rampartest.Bob, rampartest.Carol, rampartest.Dave} {
		s := plain.Session(t, "")
		if _, res, name, _ := s.PostStatus(t, "/web/session/authenticate", map[string]any{"db": cfg.DBName, "login": login, "password": login}); name == "" {
			t.Errorf("%s/%s still logs in over /web/session/authenticate: %v", login, login, res)
		}
		x := &rampartest.XMLRPC{URL: plain.URL, DB: cfg.DBName, HTTP: http.DefaultClient}
		if _, res, _ := x.Call(t, "/xmlrpc/2/common", "authenticate", cfg.DBName, login, login, map[string]any{}); res != false {
			t.Errorf("%s/%s still authenticates over XML-RPC: %v", login, login, res)
		}
	}
	for login, key := range map[string]string{"alice": aliceKey, "admin": adminKey} {
		if st, _, _ := (&rampartest.JSON2{URL: plain.URL, Key: key, HTTP: http.DefaultClient}).Call(t, "res.partner", "search_count", map[string]any{"domain": []any{}}); st != http.StatusUnauthorized {
			t.Errorf("%s's demo key after the wipe: status %d, want 401", login, st)
		}
	}
	// The administrator is still there, waiting for a real password.
	if u, err := app.Identity.UserByLogin(ctx, "admin"); err != nil || !u.Active {
		t.Errorf("admin after the wipe: %+v %v", u, err)
	}
}

// A database served with --demo before demo users were recorded is
// recognised by the demo start-up keys its users hold.
func TestDemoDatabaseFromBeforeTheMarker(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, "", dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	idm, err := identity.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, idm); err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(db, identity.Options{Demo: true, InsecureFastHashing: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	uid, err := svc.CreateUser(ctx, identity.NewUser{Login: "alice", Password: "alice", Groups: []string{identity.GroupUser}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: sales.DemoKeyName, ExpiresIn: time.Hour}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	cfg := config.Default()
	cfg.Data = dir
	cfg.Metrics.Disabled = true
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := rampart.New(ctx, cfg, slog.New(slog.DiscardHandler), rampart.Options{InsecureFastHashing: true})
	if err == nil {
		app.Close()
		t.Fatal("an old demo database served without --demo started")
	}
	if !errors.Is(err, rampart.ErrDemoDatabase) {
		t.Fatalf("refusal: %v", err)
	}
}
