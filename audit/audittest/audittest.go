// Package audittest has the helpers tests of the audit trail share
// (package audit's own and the CLI's): a migrated Trail, raw SQL, and the
// append-only triggers dropped, as an attacker with the file would.
package audittest

import (
	"context"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/store"
)

// New migrates the audit schema on db and returns a Trail closed at the
// end of the test.
func New(t testing.TB, db *store.DB) *audit.Trail {
	t.Helper()
	set, err := audit.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background(), set); err != nil {
		t.Fatal(err)
	}
	tr := audit.New(db, audit.Options{})
	t.Cleanup(func() { tr.Close() })
	return tr
}

// DropTriggers removes the append-only triggers of the trail and its chain.
func DropTriggers(t testing.TB, db *store.DB) {
	t.Helper()
	stmts := []string{`DROP TRIGGER rampart_audit_no_update`, `DROP TRIGGER rampart_audit_no_delete`,
		`DROP TRIGGER rampart_audit_chain_no_update`, `DROP TRIGGER rampart_audit_chain_no_delete`}
	if db.Dialect.Name() == "postgres" {
		stmts = []string{`DROP TRIGGER rampart_audit_no_change ON rampart_audit`, `DROP TRIGGER rampart_audit_chain_no_change ON rampart_audit_chain`}
	}
	Exec(t, db, stmts...)
}

// Exec runs raw statements in one write transaction.
func Exec(t testing.TB, db *store.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
