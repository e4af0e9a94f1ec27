package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestFaultsFailTheArmedStep: each armed step fails once with the given
// error, leaves nothing written, and the next transaction works again.
func TestFaultsFailTheArmedStep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `CREATE TABLE f (name TEXT NOT NULL)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		insert := func(name string) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO f (name) VALUES (?)`, name)
				return err
			})
		}
		count := func() int {
			var n int
			if err := db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM f`).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		boom := errors.New("injected")
		for _, op := range []store.FaultOp{store.FaultBegin, store.FaultExec, store.FaultCommit} {
			db.Faults().FailNext(op, boom, 1)
			if err := insert(op.String()); !errors.Is(err, boom) {
				t.Fatalf("%s: got %v, want the injected error", op, err)
			}
			if n := count(); n != 0 {
				t.Fatalf("%s: %d rows written by a failed transaction", op, n)
			}
		}
		if err := insert("ok"); err != nil {
			t.Fatalf("after the faults: %v", err)
		}
		if n := count(); n != 1 {
			t.Fatalf("want 1 row, got %d", n)
		}
		// Reset disarms what is still armed.
		db.Faults().FailNext(store.FaultCommit, boom, 3)
		db.Faults().Reset()
		if err := insert("ok2"); err != nil {
			t.Fatalf("after Reset: %v", err)
		}
	})
}
