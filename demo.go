package rampart

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/store"
)

// The root package's own tables: which users demo mode gave well-known
// credentials. The first migration also adopts the users of databases
// served with --demo before the table existed (they carry the demo
// start-up key).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

func migrations() (store.MigrationSet, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return store.MigrationSet{}, err
	}
	return store.LoadMigrations("rampart", sub)
}

// MarkDemoUsers records users whose password demo mode set to their login
// (or who got a printed demo key): a server started without demo mode
// refuses the database while they exist (see Bootstrap, WipeDemoUsers).
func (a *App) MarkDemoUsers(ctx context.Context, uids ...int64) error {
	return a.DB.Write(ctx, func(tx *store.Tx) error {
		for _, id := range uids {
			if _, err := tx.Exec(ctx, `INSERT INTO rampart_demo_users (user_id) VALUES (?) ON CONFLICT (user_id) DO NOTHING`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// DemoUsers returns the users demo mode gave well-known credentials, by
// login.
func (a *App) DemoUsers(ctx context.Context) ([]identity.User, error) {
	var ids []int64
	err := a.DB.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT user_id FROM rampart_demo_users ORDER BY user_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	out := make([]identity.User, 0, len(ids))
	for _, id := range ids {
		u, err := a.Identity.User(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, nil
}

// ErrDemoDatabase is returned by Bootstrap outside demo mode when the
// database holds demo users.
var ErrDemoDatabase = errors.New("demo database")

// refuseDemoUsers stops a server started without demo mode on a database
// whose users still have the demo credentials (password = login, keys
// printed on a console): they would keep working.
func (a *App) refuseDemoUsers(ctx context.Context) error {
	users, err := a.DemoUsers(ctx)
	if err != nil || len(users) == 0 {
		return err
	}
	logins := make([]string, len(users))
	for i, u := range users {
		logins[i] = u.Login
	}
	where := "--data " + a.Config.Data
	if a.Config.DB != "" {
		where = "--db " + a.Config.DB
	}
	return fmt.Errorf("%w: this database was served with --demo and its demo users (%s) still log in with their "+
		"demo passwords and keys; refusing to serve it outside demo mode.\n"+
		"  to keep using it as a demo:  rampart serve --demo %s\n"+
		"  to wipe the demo users' credentials (passwords, API keys, sessions), then serve it:\n"+
		"                               rampart demo wipe %s",
		ErrDemoDatabase, strings.Join(logins, ", "), where, where)
}

// WipeDemoUsers takes the demo credentials away: every demo user's API
// keys are revoked and its password replaced by a random one nobody knows
// (which ends its sessions); the demo users other than the administrator
// are deactivated. The administrator then needs `rampart users passwd`.
// Returns the logins wiped. Serving with --demo again restores them.
func (a *App) WipeDemoUsers(ctx context.Context) ([]string, error) {
	users, err := a.DemoUsers(ctx)
	if err != nil {
		return nil, err
	}
	var wiped []string
	for _, u := range users {
		keys, err := a.Identity.ListAPIKeys(ctx, u.ID)
		if err != nil {
			return wiped, err
		}
		for _, k := range keys {
			if k.RevokedAt == nil {
				if err := a.Identity.RevokeAPIKey(ctx, nil, k.ID); err != nil {
					return wiped, err
				}
			}
		}
		if err := a.Identity.SetPassword(ctx, u.ID, unguessable()); err != nil {
			return wiped, err
		}
		if u.Login != identity.AdminLogin {
			if err := a.Identity.SetActive(ctx, u.ID, false); err != nil {
				return wiped, err
			}
		}
		if err := a.DB.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM rampart_demo_users WHERE user_id = ?`, u.ID)
			return err
		}); err != nil {
			return wiped, err
		}
		wiped = append(wiped, u.Login)
		a.Log.Warn("demo user wiped: password replaced, API keys revoked, sessions ended", "login", u.Login, "deactivated", u.Login != identity.AdminLogin)
	}
	return wiped, nil
}

// unguessable is a password nobody knows: 256 random bits.
func unguessable() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
