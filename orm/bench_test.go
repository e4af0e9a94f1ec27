package orm

import (
	"context"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// benchRows is the size of the searched table (DESIGN.md §8, W1).
const benchRows = 100_000

// benchSetup declares bench.order with the Go API, syncs it and fills it
// with benchRows rows in one INSERT ... SELECT over a recursive CTE (both
// databases), owned by 100 users.
func benchSetup(b *testing.B, db *store.DB) *Registry {
	b.Helper()
	ctx := context.Background()
	r := NewRegistry(AllowAll{})
	err := r.Define(ModelDef{Name: "bench.order", Source: "bench", Fields: []Field{
		{Name: "name", Type: Char, Required: true},
		{Name: "state", Type: Selection, Selection: [][2]string{{"draft", "Draft"}, {"sent", "Sent"}, {"sale", "Sale"}, {"cancel", "Cancelled"}}, Index: true},
		{Name: "user_id", Type: Many2one, Comodel: "res.users", Index: true},
		{Name: "amount_total", Type: Monetary},
	}, Indexes: [][]string{{"user_id", "id"}}})
	if err != nil {
		b.Fatal(err)
	}
	setup(b, db, r)
	err = db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
			INSERT INTO bench_order (name, state, user_id, amount_total, create_date, write_date)
			SELECT 'SO' || i, CASE i % 4 WHEN 0 THEN 'draft' WHEN 1 THEN 'sent' WHEN 2 THEN 'sale' ELSE 'cancel' END,
				((i / 4) % 100) + 1, i % 1000, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM s`, benchRows)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if db.Dialect.Name() == "postgres" {
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE bench_order`); return err })
	} else {
		err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `ANALYZE`); return err })
	}
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkSearchRead is W1's query through the ORM: a user's own orders
// (record rule user_id = uid) in state sale, 50 rows of 100,000, three
// fields, order id; one read-only Env per iteration as per request.
func BenchmarkSearchRead(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			r := benchSetup(b, db)
			pol := &benchPolicy{}
			r.policy = pol
			d := domain.Condition{Field: "state", Operator: "=", Value: "sale"}
			fields := []string{"name", "state", "amount_total"}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				uid := int64(i%100) + 1
				e := NewEnv(ctx, r, db, &principal.Principal{UserID: uid}, EnvOptions{ReadOnly: true})
				m, _ := e.Model("bench.order")
				recs, err := m.SearchRead(d, fields, SearchOptions{Limit: 50, Order: "id"})
				e.Finish(err)
				if err != nil || len(recs) != 50 {
					b.Fatalf("search_read: %d rows, %v", len(recs), err)
				}
			}
		})
	}
}

// BenchmarkSearchReadBareSQL is the floor for BenchmarkSearchRead: the
// same rows by one hand-written query in a read-only transaction, no ORM.
// Report the ORM's cost as the ratio of the two.
func BenchmarkSearchReadBareSQL(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			benchSetup(b, db)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				n := 0
				err := db.Read(ctx, func(tx *store.Tx) error {
					rows, err := tx.Query(ctx, `SELECT id, name, state, amount_total FROM bench_order WHERE state = ? AND user_id = ? ORDER BY id LIMIT 50`, "sale", int64(i%100)+1)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var id int64
						var name, state string
						var amount float64
						if err := rows.Scan(&id, &name, &state, &amount); err != nil {
							return err
						}
						n++
					}
					return rows.Err()
				})
				if err != nil || n != 50 {
					b.Fatalf("bare query: %d rows, %v", n, err)
				}
			}
		})
	}
}

// benchPolicy allows everything and restricts reads to the user's own
// orders, like the W1 rule.
type benchPolicy struct{}

func (benchPolicy) CheckModel(*Env, string, Op) error { return nil }
func (benchPolicy) RuleDomain(e *Env, model string, op Op) (domain.Node, error) {
	return domain.Condition{Field: "user_id", Operator: "=", Value: e.UID()}, nil
}
func (benchPolicy) FieldAllowed(*Env, string, *Field) bool { return true }
