package rampart_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
)

// Line-heavy writes through x2many commands (issue 10 §5): a 10,000-line
// create and the delete of 1,000 lines with [2,id] commands, each one
// JSON-2 request. The command cap and write budget are raised so that the
// requests are measured, not refused.
func benchLines(b *testing.B) (demo, string, int64) {
	d := startDemoWith(b, false, func(c *config.Config) {
		c.ORM.MaxCommands = 20_000
		c.ORM.WriteBudget = 10 * time.Minute
	})
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{ReadOnly: true})
	partners, _ := env.Sudo("benchmark fixture").Model("res.partner")
	customer, err := partners.Search(domain.Condition{Field: "name", Operator: "=", Value: "Azure Interior"}, orm.SearchOptions{Limit: 1})
	env.Finish(nil)
	if err != nil || len(customer) == 0 {
		b.Fatal(err)
	}
	return d, d.app.DemoKeys["bob"], customer[0]
}

func benchPost(b *testing.B, d demo, key, path string, body any) any {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		b.Fatalf("%s: status %d %v", path, resp.StatusCode, out)
	}
	return out
}

func orderWithLines(customer int64, n int) map[string]any {
	lines := make([]any, 0, n)
	for i := range n {
		lines = append(lines, []any{0, 0, map[string]any{"name": "line", "price_unit": float64(i%50) + 0.5, "product_uom_qty": 2}})
	}
	return map[string]any{"vals_list": []any{map[string]any{"name": "bench", "partner_id": customer, "company_id": 1,
		"date_order": "2026-05-01 10:00:00", "order_line": lines}}}
}

// BenchmarkCreate10000Lines: one create of an order with 10,000 lines.
func BenchmarkCreate10000Lines(b *testing.B) {
	d, key, customer := benchLines(b)
	body := orderWithLines(customer, 10_000)
	for b.Loop() {
		benchPost(b, d, key, "/json/2/sale.order/create", body)
	}
}

// BenchmarkDelete1000LinesByCommands: one write deleting the 1,000 lines
// of an order with [2,id] commands (the order is created untimed).
func BenchmarkDelete1000LinesByCommands(b *testing.B) {
	d, key, customer := benchLines(b)
	body := orderWithLines(customer, 1000)
	for b.Loop() {
		b.StopTimer()
		ids := benchPost(b, d, key, "/json/2/sale.order/create", body).([]any)
		read := benchPost(b, d, key, "/json/2/sale.order/read", map[string]any{"ids": ids, "fields": []string{"order_line"}}).([]any)
		lines := read[0].(map[string]any)["order_line"].([]any)
		cmds := make([]any, 0, len(lines))
		for _, l := range lines {
			cmds = append(cmds, []any{2, l})
		}
		b.StartTimer()
		benchPost(b, d, key, "/json/2/sale.order/write", map[string]any{"ids": ids, "vals": map[string]any{"order_line": cmds}})
	}
}
