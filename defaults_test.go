package rampart_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
)

// Safe defaults of a new, non-demo server.
func TestSafeDefaults(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data") // created by the server
	a := rampartest.New(t, rampartest.Options{Config: func(c *config.Config) { c.Data = data }})
	ctx := context.Background()

	// db.list is off unless configured (Odoo's list_db).
	s := a.Session(t, "")
	if res, name, _ := s.Post(t, "/web/database/list", map[string]any{}); name == "" {
		t.Errorf("/web/database/list answered %v by default", res)
	}

	// The base security set: the administrator can administer partners,
	// companies and users out of the box; a plain internal user can read
	// partners but not change companies.
	if err := a.Identity.EnsureAdmin(ctx, "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	admin := a.Session(t, "").Login(t, a.Config.DBName, "admin", "a long passphrase")
	created, name, msg := admin.CallKW(t, "res.partner", "create", []any{map[string]any{"name": "Acme"}}, nil)
	if name != "" {
		t.Fatalf("admin creating a partner on a new database: %s %s", name, msg)
	}
	if _, name, msg := admin.CallKW(t, "res.partner", "write", []any{created, map[string]any{"name": "Acme Corp"}}, nil); name != "" {
		t.Errorf("admin writing a partner: %s %s", name, msg)
	}
	if _, name, msg := admin.CallKW(t, "res.company", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"name"}}); name != "" {
		t.Errorf("admin reading companies: %s %s", name, msg)
	}
	if _, err := a.Identity.CreateUser(ctx, identityUser("emma")); err != nil {
		t.Fatal(err)
	}
	emma := a.Session(t, "").Login(t, a.Config.DBName, "emma", "emma's passphrase")
	if _, name, msg := emma.CallKW(t, "res.partner", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"name"}}); name != "" {
		t.Errorf("internal user reading partners: %s %s", name, msg)
	}
	if _, name, _ := emma.CallKW(t, "res.company", "create", []any{map[string]any{"name": "Mine"}}, nil); name != "odoo.exceptions.AccessError" {
		t.Errorf("internal user creating a company: %q, want AccessError", name)
	}
	a.WithSudo(t, func(env *ormEnv) {
		m, _ := env.Model("res.company")
		if n, _ := m.SearchCount(nil, 0); n != 1 {
			t.Errorf("companies after the refused create: %d, want 1", n)
		}
	})

	// Files and directories the server creates are private.
	filepath.WalkDir(a.Config.Data, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil // the SQLite side files come and go
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm()&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", path, st.Mode().Perm(), want)
		}
		return nil
	})
}

type ormEnv = orm.Env

func identityUser(login string) identity.NewUser {
	return identity.NewUser{Login: login, Password: login + "'s passphrase", Groups: []string{identity.GroupUser}}
}
