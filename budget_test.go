package rampart_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// §5: one request's x2many commands are capped (nested ones included):
// above the cap the whole call is a 422 naming the field and nothing is
// stored; below it the call works.
func TestX2manyCommandCap(t *testing.T) {
	d := startDemoWith(t, false, func(c *config.Config) { c.ORM.MaxCommands = 20 })
	f := d.fixture(t)
	bob := d.j2(t, "bob")
	order := func(lines int) map[string]any {
		var l []any
		for range lines {
			l = append(l, []any{0, 0, map[string]any{"name": "line", "price_unit": 1}})
		}
		return map[string]any{"vals_list": []any{map[string]any{"name": "cap", "partner_id": f.shared, "company_id": f.c1,
			"date_order": "2026-05-01 10:00:00", "order_line": l}}}
	}
	bob.call(t, "sale.order", "create", order(20)).ok(t, "at the cap")
	orders, lines := d.sudoCount(t, "sale.order", nil), d.sudoCount(t, "sale.order.line", nil)
	r := bob.call(t, "sale.order", "create", order(21)).refused(t, "above the cap", http.StatusUnprocessableEntity, "odoo.exceptions.ValidationError")
	if !strings.Contains(r.raw, `"order_line"`) {
		t.Errorf("the error does not name order_line: %s", r.raw)
	}
	// Nested commands count: 2 partners with 10 contacts each = 22.
	contacts := func(n int) []any {
		var l []any
		for range n {
			l = append(l, []any{0, 0, map[string]any{"name": "contact"}})
		}
		return l
	}
	partners := d.sudoCount(t, "res.partner", nil)
	bob.call(t, "res.partner", "create", map[string]any{"vals_list": []any{map[string]any{"name": "p", "child_ids": []any{
		[]any{0, 0, map[string]any{"name": "c1", "child_ids": contacts(10)}},
		[]any{0, 0, map[string]any{"name": "c2", "child_ids": contacts(10)}},
	}}}}).refused(t, "nested above the cap", http.StatusUnprocessableEntity, "odoo.exceptions.ValidationError")
	if d.sudoCount(t, "sale.order", nil) != orders || d.sudoCount(t, "sale.order.line", nil) != lines || d.sudoCount(t, "res.partner", nil) != partners {
		t.Errorf("a refused call stored records")
	}
}

// §5: a write transaction past its budget is rolled back and answered 503
// with Retry-After; meanwhile logins (session writes) are not kept waiting
// behind it: one completes while the slow handler still sleeps.
func TestWriteBudgetFreesTheWriter(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			slow := &rampart.Route{Path: "/t/slow", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer, Methods: []string{"POST"},
				Handler: func(r *rampart.Request) (any, error) {
					m, err := r.Env.Model("res.partner")
					if err != nil {
						return nil, err
					}
					if _, err := m.Create([]map[string]any{{"name": "slow writer"}}); err != nil {
						return nil, err
					}
					time.Sleep(1500 * time.Millisecond) // ignores the context, as careless code does
					return "done", nil
				}}
			d := startDemoWith(t, pg, func(c *config.Config) { c.ORM.WriteBudget = 300 * time.Millisecond }, slow)
			key := d.app.DemoKeys["admin"]
			type answer struct {
				status int
				retry  string
				at     time.Time
			}
			slowDone := make(chan answer, 1)
			go func() {
				req, _ := http.NewRequest("POST", d.url+"/t/slow", strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					slowDone <- answer{}
					return
				}
				resp.Body.Close()
				slowDone <- answer{resp.StatusCode, resp.Header.Get("Retry-After"), time.Now()}
			}()
			time.Sleep(100 * time.Millisecond) // let the slow writer take the writer
			body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1,
				"params": map[string]any{"db": d.app.Config.DBName, "login": "alice", "password": "alice"}})
			resp, err := http.Post(d.url+"/web/session/authenticate", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loginAt := time.Now()
			if resp.StatusCode != 200 || resp.Header.Get("Set-Cookie") == "" {
				t.Fatalf("login failed: %d", resp.StatusCode)
			}
			a := <-slowDone
			if !loginAt.Before(a.at) {
				t.Errorf("the login waited for the slow write to end")
			}
			if a.status != http.StatusServiceUnavailable || a.retry == "" {
				t.Errorf("slow write answered %d (Retry-After %q), want 503 with Retry-After", a.status, a.retry)
			}
			if n := d.countNamed(t, "slow writer"); n != 0 {
				t.Errorf("the slow write was committed")
			}
		})
	}
}

// BenchmarkCreate1000Lines: one JSON-2 create of an order with 1,000
// lines (the case that held the writer quadratically long).
func BenchmarkCreate1000Lines(b *testing.B) {
	d := startDemoWith(b, false, nil)
	key := d.app.DemoKeys["bob"]
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{ReadOnly: true})
	partners, _ := env.Sudo("benchmark fixture").Model("res.partner")
	customer, err := partners.Search(domain.Condition{Field: "name", Operator: "=", Value: "Azure Interior"}, orm.SearchOptions{Limit: 1})
	env.Finish(nil)
	if err != nil || len(customer) == 0 {
		b.Fatal(err)
	}
	var lines []any
	for i := range 1000 {
		lines = append(lines, []any{0, 0, map[string]any{"name": "line", "price_unit": float64(i%50) + 0.5, "product_uom_qty": 2}})
	}
	body, _ := json.Marshal(map[string]any{"vals_list": []any{map[string]any{"name": "bench", "partner_id": customer[0], "company_id": 1,
		"date_order": "2026-05-01 10:00:00", "order_line": lines}}})
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("POST", d.url+"/json/2/sale.order/create", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
