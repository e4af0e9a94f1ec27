package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// A migration that fails on a duplicate key says so in the driver's words:
// "validation" (the client-facing classification) would mislead an operator.
func TestMigrationErrorNamesTheCause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		body := "CREATE TABLE dup_t (id INTEGER PRIMARY KEY)\n--;\nINSERT INTO dup_t (id) VALUES (1)\n--;\nINSERT INTO dup_t (id) VALUES (1)\n"
		set := store.MigrationSet{Component: "dup", Migrations: []store.Migration{{Version: 1, Name: "init", SQLite: body, Postgres: body}}}
		err := db.Migrate(context.Background(), set)
		if err == nil || strings.Contains(err.Error(), "validation") || !strings.Contains(err.Error(), "migration dup/001_init") {
			t.Fatalf("err = %v", err)
		}
	})
}
