// Package storetest opens throw-away databases for tests: a SQLite file in
// a temp dir, and, when RAMPART_TEST_POSTGRES is set, a fresh schema on that
// PostgreSQL server. Under CI=true a missing PostgreSQL fails the test
// instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/rampart/rampart/store"
)

// SQLite opens a fresh SQLite database in t.TempDir.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns RAMPART_TEST_POSTGRES, skipping the test when it is
// unset, or failing it under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return envOrSkip(t, "RAMPART_TEST_POSTGRES", "PostgreSQL")
}

// RedisURL returns RAMPART_TEST_REDIS, skipping the test when it is unset,
// or failing it under CI=true. Tests must use keys under a unique prefix:
// the server is shared.
func RedisURL(t testing.TB) string {
	t.Helper()
	return envOrSkip(t, "RAMPART_TEST_REDIS", "Redis")
}

func envOrSkip(t testing.TB, name, what string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; under CI=true %s is required", name, what)
		}
		t.Skip(name + " not set")
	}
	return u
}

// Postgres opens a connection to a new, empty schema on the test server,
// dropped when the test ends.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), PostgresSchemaURL(t), "", store.Options{MaxConns: 8})
	if err != nil {
		t.Fatalf("open postgres schema: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresSchemaURL creates a new, empty schema on the test server, dropped
// when the test ends, and returns a URL whose connections use it (for
// tests that open several handles, or whole App instances, on one schema).
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "rt_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err = admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema (is PostgreSQL at %q running?): %v", base, err)
	}
	// Registered before the caller's cleanups, so it runs after them:
	// the schema goes once the caller's connections are closed.
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("RAMPART_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}
