package access_test

import (
	"fmt"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// benchOrders adds n orders spread over alice, bob and dave, half of
// them confirmed.
func (w *world) benchOrders(b *testing.B, n int) {
	users := []string{"alice", "bob", "dave"}
	err := w.run("", true, func(e *orm.Env) error {
		m := w.model(e.Sudo("bench fixtures"), "sale.order")
		batch := make([]map[string]any, 0, 500)
		for i := range n {
			u := users[i%len(users)]
			company := "c_main"
			if u == "dave" {
				company = "c_branch"
			}
			batch = append(batch, map[string]any{"name": fmt.Sprintf("B%05d", i), "partner_id": w.rec["p_azure"], "company_id": w.rec[company],
				"user_id": w.users[u].UserID, "state": []string{"draft", "sale"}[i%2], "date_order": "2026-01-10 09:00:00", "amount_total": float64(i % 1000)})
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := m.Create(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func eachDB(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkSearchRead compares W1's query (state = sale, three fields,
// limit 50, order id) for a salesman under ACL + rules with the same query
// under sudo. The ratio is the cost of access control.
func BenchmarkSearchRead(b *testing.B) {
	eachDB(b, func(b *testing.B, db *store.DB) {
		w := newWorld(b, db)
		w.benchOrders(b, 6000)
		d := mustDomain(b, "[('state', '=', 'sale')]")
		fields := []string{"name", "state", "amount_total"}
		opts := orm.SearchOptions{Limit: 50, Order: "id"}
		// "sudo" includes the audit entry every sudo read writes (its own
		// write transaction); "sudo-noaudit" is the bare query, the fair
		// baseline for the cost of the checks themselves.
		auditor := w.reg.Auditor
		for _, mode := range []string{"rules", "sudo", "sudo-noaudit"} {
			b.Run(mode, func(b *testing.B) {
				if mode == "sudo-noaudit" {
					w.reg.Auditor = nil
					defer func() { w.reg.Auditor = auditor }()
				}
				for b.Loop() {
					e := orm.NewEnv(b.Context(), w.reg, w.db, w.users["alice"], orm.EnvOptions{ReadOnly: true})
					if mode != "rules" {
						e = e.Sudo("bench: same query without access control")
					}
					rows, err := w.model(e, "sale.order").SearchRead(d, fields, opts)
					e.Finish(nil)
					if err != nil || len(rows) != 50 {
						b.Fatalf("%d rows, %v", len(rows), err)
					}
				}
			})
		}
	})
}

// BenchmarkRuleDomain measures the combined rule domain for (user, model,
// op) and its SQL: cold (cache dropped, rules bound for the user, combined,
// normalized and compiled) and cached (both caches warm).
func BenchmarkRuleDomain(b *testing.B) {
	w := newWorld(b, storetest.SQLite(b))
	for _, user := range []string{"alice", "carol"} {
		e := orm.NewEnv(b.Context(), w.reg, w.db, w.users[user], orm.EnvOptions{ReadOnly: true})
		b.Cleanup(func() { e.Finish(nil) })
		b.Run(user+"/cold", func(b *testing.B) {
			for b.Loop() {
				w.pol.Invalidate()
				d, err := w.pol.RuleDomain(e, "sale.order", orm.OpRead)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := domain.Compile(w.db.Dialect, w.reg, "sale.order", d, domain.CompileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		c := domain.NewCompiler(w.reg, 0)
		b.Run(user+"/cached", func(b *testing.B) {
			for b.Loop() {
				d, err := w.pol.RuleDomain(e, "sale.order", orm.OpRead)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.Compile(w.db.Dialect, "sale.order", d, domain.CompileOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
