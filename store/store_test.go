package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

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

// Reads reuse prepared statements; when every reader connection is held by
// a transaction that wants a new statement, preparing gives up and the
// query still runs, instead of all of them waiting on each other.
func TestReadStatementsNeverDeadlock(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", t.TempDir(), store.Options{Readers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var txs []*store.Tx
	for range 2 {
		tx, err := db.Begin(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
	}
	done := make(chan error, 2)
	for i, tx := range txs {
		go func() {
			var n int
			err := tx.QueryRow(ctx, "SELECT ? + 1", i).Scan(&n)
			rows, qerr := tx.QueryRaw(ctx, "SELECT 40 + ?", i)
			if qerr == nil {
				rows.Next()
				rows.Scan(&n)
				rows.Close()
			}
			done <- errors.Join(err, qerr)
		}()
	}
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("reads deadlocked preparing statements")
		}
	}
	for _, tx := range txs {
		tx.Rollback()
	}
	// The same query again is served from the cache (and still correct).
	for i := range 3 {
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.QueryRaw(ctx, "SELECT 40 + ?", i)
			if err != nil {
				return err
			}
			defer rows.Close()
			rows.Next()
			return rows.Scan(&n)
		}); err != nil || n != 40+i {
			t.Fatalf("cached statement: %d, %v", n, err)
		}
	}
}
