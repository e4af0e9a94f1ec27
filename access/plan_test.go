package access_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestExplainPlan asks for the database's plan of the rule-filtered
// search_read: the SQL carries the user's rule (alice's own orders), the
// plan is the database's own (EXPLAIN), and nothing about it changes
// what the user may do.
func TestExplainPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		e := orm.NewEnv(context.Background(), w.reg, db, nil, orm.EnvOptions{ReadOnly: true})
		x, err := w.pol.ExplainFor(e, w.ids.Service, access.ExplainRequest{User: "alice", Model: "sale.order", Op: "read",
			Plan: true, Domain: []any{[]any{"state", "in", []any{"sale", "sent"}}}, Order: "date_order desc", Limit: 10})
		e.Finish(err)
		if err != nil {
			t.Fatal(err)
		}
		p := x.Plan
		if p == nil || len(p.Plan) == 0 {
			t.Fatalf("no plan: %+v", x)
		}
		uid := w.users["alice"].UserID
		if !strings.Contains(p.SQL, `"user_id"`) || !strings.Contains(p.SQL, "ORDER BY") {
			t.Errorf("plan SQL lacks the rule or the order: %s", p.SQL)
		}
		found := false
		for _, a := range p.Args {
			found = found || a == uid
		}
		if !found {
			t.Errorf("plan args %v lack alice's id %d (the rule's value)", p.Args, uid)
		}
		text := x.Text()
		if !strings.Contains(text, "Query plan ("+db.Dialect.Name()+")") || !strings.Contains(text, "| ") {
			t.Errorf("text lacks the plan:\n%s", text)
		}
		want := "SCAN" // SQLite's EXPLAIN QUERY PLAN: SCAN or SEARCH
		if db.Dialect.Name() == "postgres" {
			want = "Scan" // Seq Scan, Index Scan, Bitmap Heap Scan
		}
		if !strings.Contains(strings.ToUpper(strings.Join(p.Plan, "\n")), strings.ToUpper(want)) && !strings.Contains(strings.Join(p.Plan, "\n"), "SEARCH") {
			t.Errorf("plan is not the database's:\n%s", strings.Join(p.Plan, "\n"))
		}
		// Without Plan, no plan (and no EXPLAIN).
		e = orm.NewEnv(context.Background(), w.reg, db, nil, orm.EnvOptions{ReadOnly: true})
		x, err = w.pol.ExplainFor(e, w.ids.Service, access.ExplainRequest{User: "alice", Model: "sale.order", Op: "read"})
		e.Finish(err)
		if err != nil || x.Plan != nil {
			t.Fatalf("plan without asking: %+v, %v", x.Plan, err)
		}
	})
}

// TestSlowQueryLog: with the threshold at its minimum every ORM statement
// is reported, with the model, the method, the rule domain applied and the
// rows, and never a parameter value; off (negative), nothing is.
func TestSlowQueryLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		var mu sync.Mutex
		var got []store.SlowQuery
		db.SetSlowQueryLog(time.Nanosecond, func(_ context.Context, q store.SlowQuery) {
			mu.Lock()
			got = append(got, q)
			mu.Unlock()
		})
		before := db.SlowQueries()
		e := w.env("alice", nil)
		m := w.model(e, "sale.order")
		recs, err := m.SearchRead(domain.Condition{Field: "name", Operator: "=", Value: "secret-value-xyz"}, []string{"name"}, orm.SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.Finish(nil)
		var q *store.SlowQuery
		for i := range got {
			if got[i].Operation == "search_read" {
				q = &got[i]
			}
		}
		if q == nil {
			t.Fatalf("search_read not reported: %+v", got)
		}
		if q.Model != "sale.order" || q.Rows != len(recs) || len(q.Rules) == 0 || !strings.Contains(q.Rules[0], "user_id") {
			t.Errorf("report: %+v", q)
		}
		if strings.Contains(q.SQL, "secret-value-xyz") {
			t.Errorf("a parameter value is in the logged SQL: %s", q.SQL)
		}
		if db.SlowQueries() <= before {
			t.Errorf("slow-query count did not grow")
		}
		db.SetSlowQueryLog(-1, nil)
		n := db.SlowQueries()
		e = w.env("alice", nil)
		if _, err := w.model(e, "sale.order").SearchRead(nil, []string{"name"}, orm.SearchOptions{}); err != nil {
			t.Fatal(err)
		}
		e.Finish(nil)
		if db.SlowQueries() != n {
			t.Errorf("reported with the log off")
		}
	})
}
