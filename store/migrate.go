package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart/rampart/errs"
)

// Migration is one versioned schema change of one component, with its SQL
// for each dialect. Statements are separated by lines holding only "--;".
type Migration struct {
	Version  int
	Name     string
	SQLite   string
	Postgres string
}

// MigrationSet is the ordered migrations of one component (identity, audit,
// ...). Components migrate independently, so each package owns its files.
type MigrationSet struct {
	Component  string
	Migrations []Migration
}

// LoadMigrations reads NNN_name.sqlite.sql and NNN_name.postgres.sql files
// from fsys. Every version must exist for both dialects.
func LoadMigrations(component string, fsys fs.FS) (MigrationSet, error) {
	set := MigrationSet{Component: component}
	byVer := map[int]*Migration{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return set, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		base := strings.TrimSuffix(name, ".sql")
		dot := strings.LastIndexByte(base, '.')
		us := strings.IndexByte(base, '_')
		if dot < 0 || us < 0 {
			return set, fmt.Errorf("migration %s: want NNN_name.{sqlite,postgres}.sql", name)
		}
		ver, err := strconv.Atoi(base[:us])
		if err != nil || ver <= 0 {
			return set, fmt.Errorf("migration %s: bad version", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return set, err
		}
		m := byVer[ver]
		if m == nil {
			m = &Migration{Version: ver, Name: base[us+1 : dot]}
			byVer[ver] = m
		}
		switch base[dot+1:] {
		case "sqlite":
			m.SQLite = string(b)
		case "postgres":
			m.Postgres = string(b)
		default:
			return set, fmt.Errorf("migration %s: unknown dialect", name)
		}
	}
	for _, m := range byVer {
		if m.SQLite == "" || m.Postgres == "" {
			return set, fmt.Errorf("migration %s/%03d: needs both sqlite and postgres files", component, m.Version)
		}
		set.Migrations = append(set.Migrations, *m)
	}
	sort.Slice(set.Migrations, func(i, j int) bool { return set.Migrations[i].Version < set.Migrations[j].Version })
	return set, nil
}

// Migrate applies every migration not yet recorded, each in its own
// transaction together with its bookkeeping row, so a failed migration
// leaves nothing half-applied.
func (db *DB) Migrate(ctx context.Context, sets ...MigrationSet) error {
	err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rampart_migrations (
			component TEXT NOT NULL,
			version INTEGER NOT NULL,
			name TEXT NOT NULL,
			PRIMARY KEY (component, version))`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrations table: %w", driverCause(err))
	}
	for _, set := range sets {
		for _, m := range set.Migrations {
			err := db.Write(ctx, func(tx *Tx) error {
				var n int
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_migrations WHERE component = ? AND version = ?`, set.Component, m.Version).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return nil
				}
				body := m.SQLite
				if db.Dialect.Name() == "postgres" {
					body = m.Postgres
				}
				for _, stmt := range splitStatements(body) {
					if _, err := tx.Exec(ctx, stmt); err != nil {
						return err
					}
				}
				_, err := tx.Exec(ctx, `INSERT INTO rampart_migrations (component, version, name) VALUES (?, ?, ?)`, set.Component, m.Version, m.Name)
				return err
			})
			if err != nil {
				return fmt.Errorf("migration %s/%03d_%s: %w", set.Component, m.Version, m.Name, driverCause(err))
			}
		}
	}
	return nil
}

// driverCause unwraps the client-facing classification (classify) from a
// start-up failure: an operator reading "validation: ... another record
// has the same value" about a CREATE TABLE is misled; the driver's own
// words say what happened.
func driverCause(err error) error {
	var e *errs.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err
	}
	return err
}

func splitStatements(body string) []string {
	var out []string
	for _, part := range strings.Split(body, "\n--;\n") {
		if s := strings.TrimSpace(part); s != "" {
			out = append(out, s)
		}
	}
	return out
}
