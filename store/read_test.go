package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func makeTable(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE r (id `+db.Dialect.AutoID()+`, v INTEGER NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO r (v) VALUES (1), (2), (3)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, tx *store.Tx) int {
	t.Helper()
	var n int
	if err := tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM r`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadSeesOneSnapshot: a read of several statements sees the data as
// of its first one, even when a write commits in between (PostgreSQL
// used READ COMMITTED, a snapshot per statement, before).
func TestReadSeesOneSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		makeTable(t, db)
		tx, err := db.Begin(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if n := count(t, tx); n != 3 {
			t.Fatalf("first count %d", n)
		}
		if err := db.Write(ctx, func(w *store.Tx) error {
			_, err := w.Exec(ctx, `INSERT INTO r (v) VALUES (4)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, tx); n != 3 {
			t.Errorf("second statement of the read saw %d rows, want the first one's 3", n)
		}
		tx.Commit()
		tx, _ = db.Begin(ctx, true)
		if n := count(t, tx); n != 4 {
			t.Errorf("a new read sees %d rows, want 4", n)
		}
		tx.Commit()
	})
}

// TestSoleReadRoundTrips: a read that is one statement is one round trip
// (no BEGIN, no COMMIT), on PostgreSQL and on SQLite; its session
// refuses writes.
func TestSoleReadRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		makeTable(t, db)
		db.Trips().Start()
		tx, err := db.Begin(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		q, args := `SELECT v FROM r WHERE id IN (1, 3) ORDER BY v`, []any{}
		if db.Dialect.Name() == "postgres" {
			q, args = `SELECT v FROM r WHERE id = ANY($1) ORDER BY v`, []any{[]int64{1, 3}}
		}
		rows, err := tx.QuerySole(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for rows.Next() {
			var v int
			rows.Scan(&v)
			got = append(got, v)
		}
		rows.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		want := int64(1) // no BEGIN, no COMMIT, on either database (SQLite's were 3)
		if n := db.Trips().Stop(); n != want || len(got) != 2 || got[0] != 1 || got[1] != 3 {
			t.Errorf("%d statements (%v), rows %v; want %d", n, db.Trips().Sent(), got, want)
		}
		// A second statement after a sole one still works (in a
		// transaction of its own snapshot).
		tx, _ = db.Begin(ctx, true)
		r2, err := tx.QuerySole(ctx, `SELECT COUNT(*) FROM r`)
		if err != nil {
			t.Fatal(err)
		}
		r2.Close()
		if n := count(t, tx); n != 3 {
			t.Errorf("count after a sole statement: %d", n)
		}
		tx.Commit()
		// The read session refuses writes, with or without a transaction.
		for _, sole := range []bool{true, false} {
			tx, _ = db.Begin(ctx, true)
			var err error
			if sole {
				var r *sql.Rows
				r, err = tx.QuerySole(ctx, `INSERT INTO r (v) VALUES (9) RETURNING id`)
				if err == nil {
					r.Next()
					err = r.Err()
					r.Close()
				}
			} else {
				_, err = tx.Exec(ctx, `INSERT INTO r (v) VALUES (9)`)
			}
			tx.Rollback()
			if err == nil {
				t.Errorf("sole=%v: a write on the read pool succeeded", sole)
			}
		}
		tx, _ = db.Begin(ctx, true)
		if n := count(t, tx); n != 3 {
			t.Errorf("rows after refused writes: %d", n)
		}
		tx.Commit()
	})
}

// TestAnalyzeAfterLargeWrites: once a table has taken AnalyzeRows rows in
// committed writes, its statistics are refreshed in the background.
func TestAnalyzeAfterLargeWrites(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.PostgresSchemaURL(t), "", store.Options{MaxConns: 4, AnalyzeRows: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE big (id BIGSERIAL PRIMARY KEY, v BIGINT)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tuples := func() float64 {
		var n float64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'big'::regclass`).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := func(n int, commit bool) {
		err := db.Write(ctx, func(tx *store.Tx) error {
			for i := range n {
				if _, err := tx.Exec(ctx, `INSERT INTO "big" (v) VALUES (?)`, i); err != nil {
					return err
				}
			}
			if !commit {
				return context.Canceled
			}
			return nil
		})
		if commit && err != nil {
			t.Fatal(err)
		}
	}
	insert(60, false) // rolled back: not counted
	insert(40, true)
	time.Sleep(50 * time.Millisecond)
	if n := tuples(); n > 0 {
		t.Fatalf("analysed below the threshold (reltuples %v)", n)
	}
	insert(20, true) // 60 committed rows: past 50
	deadline := time.Now().Add(5 * time.Second)
	for tuples() != 60 {
		if time.Now().After(deadline) {
			t.Fatalf("not analysed after 60 committed rows (reltuples %v)", tuples())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWrittenTable reads the table of rampart's INSERT/UPDATE/DELETE forms.
func TestWrittenTable(t *testing.T) {
	for q, want := range map[string]string{
		`INSERT INTO "sale_order" ("name") VALUES ($1) RETURNING "id"`: "sale_order",
		`UPDATE "a""b" SET x = 1`:                                      `a"b`,
		`update t SET x = 1`:                                           "t",
		`  DELETE FROM "res_partner" WHERE id = ANY($1)`:               "res_partner",
		`SELECT 1`: "",
		`INSERT INTO rampart_audit (at) VALUES (?)`: "rampart_audit",
	} {
		if got := store.WrittenTable(q); got != want {
			t.Errorf("%s: %q, want %q", strings.TrimSpace(q), got, want)
		}
	}
}
