package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestMigrateAndTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		set, err := store.LoadMigrations("t", fstest.MapFS{
			"001_init.sqlite.sql":   {Data: []byte("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)\n--;\nCREATE INDEX t_name ON t(name)")},
			"001_init.postgres.sql": {Data: []byte("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE)\n--;\nCREATE INDEX t_name ON t(name)")},
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // idempotent
			if err := db.Migrate(ctx, set); err != nil {
				t.Fatal(err)
			}
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO t (name) VALUES (?)`, "a")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// A failing function rolls back.
		boom := errors.New("boom")
		err = db.Write(ctx, func(tx *store.Tx) error {
			tx.Exec(ctx, `INSERT INTO t (name) VALUES (?)`, "b")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		// A unique violation is a ValidationError that hides the driver text.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO t (name) VALUES (?)`, "a")
			return err
		})
		if !errs.Is(err, errs.ValidationError) {
			t.Fatalf("unique violation: got %v", err)
		}
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE name IN (?, ?)`, "a", "b").Scan(&n)
		}); err != nil || n != 1 {
			t.Fatalf("count = %d, %v", n, err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRestrictIsValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		idcol := "INTEGER PRIMARY KEY AUTOINCREMENT"
		if db.Dialect.Name() == "postgres" {
			idcol = "BIGSERIAL PRIMARY KEY"
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			for _, q := range []string{
				"CREATE TABLE p (id " + idcol + ")",
				"CREATE TABLE c (id " + idcol + ", p_id BIGINT REFERENCES p(id) ON DELETE RESTRICT)",
				"INSERT INTO p (id) VALUES (1)",
				"INSERT INTO c (p_id) VALUES (1)",
			} {
				if _, err := tx.Exec(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM p WHERE id = ?", 1)
			return err
		})
		if !errs.Is(err, errs.ValidationError) {
			t.Fatalf("restricted delete: got %v, want a ValidationError", err)
		}
		if strings.Contains(errs.As(err).Message(), "constraint") {
			t.Errorf("driver text leaked: %q", errs.As(err).Message())
		}
	})
}
