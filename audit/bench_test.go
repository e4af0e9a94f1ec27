package audit_test

import (
	"context"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// BenchmarkAppend is one audited change: a write transaction holding one
// entry (and its chain link), on SQLite.
func BenchmarkAppend(b *testing.B) {
	db := storetest.SQLite(b)
	set, err := audit.Migrations()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Migrate(ctx, set); err != nil {
		b.Fatal(err)
	}
	tr := audit.New(db, audit.Options{})
	defer tr.Close()
	e := audit.Entry{UserID: 2, Op: audit.OpWrite, Model: "sale.order", IDs: []int64{7}, Fields: []string{"state"}, RequestID: "r1"}
	b.ResetTimer()
	for b.Loop() {
		if err := db.Write(ctx, func(tx *store.Tx) error { return tr.Append(ctx, tx, e) }); err != nil {
			b.Fatal(err)
		}
	}
}
