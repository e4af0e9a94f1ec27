package rampart_test

import (
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/rampartest"
)

// startDemoPG is startDemo on SQLite, or on a fresh PostgreSQL schema
// (dropped at the end) when pg is set.
func startDemoPG(t *testing.T, pg bool) demo {
	t.Helper()
	if !pg {
		return startDemo(t)
	}
	return startDemoWith(t, true, nil)
}

// startDemoWith is startDemoOn with the configuration adjusted by adjust
// and extra routes.
func startDemoWith(t testing.TB, pg bool, adjust func(*config.Config), routes ...*rampart.Route) demo {
	t.Helper()
	a := rampartest.Demo(t, rampartest.Options{Routes: routes, Postgres: pg, Config: adjust})
	return demo{app: a, url: a.URL}
}

// §7: the inputs that reached a 500 are refused with a 422 naming the
// field (or the domain), on both databases, and nothing is stored.
func TestBadInputNever500(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			d := startDemoPG(t, pg)
			f := d.fixture(t)
			bob := d.j2(t, "bob")
			bob.call(t, "sale.order.line", "write", map[string]any{"ids": []int64{f.bobLine}, "vals": map[string]any{"price_unit": 12.5}}).ok(t, "allowed price")
			before := d.snap(t, "sale.order.line", f.bobLine, "sale.order", f.bobOrder)
			for _, tc := range []struct {
				name, field string
				vals        map[string]any
			}{
				{"NUL in a char", "name", map[string]any{"name": "a\x00b"}},
				{"huge price", "price_unit", map[string]any{"price_unit": 1e308}},
				{"huge quantity", "product_uom_qty", map[string]any{"product_uom_qty": 1e300}},
			} {
				r := bob.call(t, "sale.order.line", "write", map[string]any{"ids": []int64{f.bobLine}, "vals": tc.vals}).
					refused(t, tc.name, http.StatusUnprocessableEntity, "odoo.exceptions.ValidationError")
				if !strings.Contains(r.raw, `"`+tc.field+`"`) {
					t.Errorf("%s: the error does not name %s: %s", tc.name, tc.field, r.raw)
				}
			}
			for _, v := range []string{"inf", "nan", "1e999"} {
				r := bob.raw(t, "sale.order.line", "write", []byte(fmt.Sprintf(`{"ids":[%d],"vals":{"price_unit":%s}}`, f.bobLine, v)))
				if r.status >= 500 || r.status == 200 {
					t.Errorf("price_unit=%s: %d %s", v, r.status, r.raw)
				}
			}
			r := bob.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.bobOrder}, "vals": map[string]any{"date_order": "0000-01-01 00:00:00"}}).
				refused(t, "year 0", http.StatusUnprocessableEntity, "odoo.exceptions.ValidationError")
			if !strings.Contains(r.raw, "date_order") {
				t.Errorf("the error does not name date_order: %s", r.raw)
			}
			d.unchanged(t, "bad input", before)
			for name, dom := range map[string][]any{
				"NUL in a domain value": {[]any{"name", "=", "a\x00b"}},
				"NUL in a like pattern": {[]any{"name", "ilike", "a\x00"}},
				"long like pattern":     {[]any{"name", "like", strings.Repeat("%a_", 20000)}},
				"year 0 in a domain":    {[]any{"date_order", ">", "0000-01-01"}},
				"NUL through a path":    {[]any{"partner_id.name", "=", "\x00"}},
			} {
				bob.call(t, "sale.order", "search_count", map[string]any{"domain": dom}).
					refused(t, name, http.StatusUnprocessableEntity, "odoo.exceptions.ValidationError")
			}
			bob.call(t, "sale.order", "search_count", map[string]any{"domain": []any{[]any{"name", "like", "S0"}}}).ok(t, "allowed pattern")
		})
	}
}

// §7 property: random values of every field type, sent through JSON-2 as
// create, write and search values, never get a 5xx, on both databases.
func TestRandomValuesNever5xx(t *testing.T) {
	for _, pg := range []bool{false, true} {
		t.Run(map[bool]string{false: "sqlite", true: "postgres"}[pg], func(t *testing.T) {
			d := startDemoPG(t, pg)
			f := d.fixture(t)
			bob := d.j2(t, "bob")
			rng := mrand.New(mrand.NewPCG(uint64(len(t.Name())), 17))
			fields := map[string][]string{
				"sale.order.line": {"name", "product_uom_qty", "price_unit", "product_id", "order_id", "company_id"},
				"sale.order":      {"name", "note", "state", "date_order", "partner_id", "user_id", "company_id", "order_line"},
				"res.partner":     {"name", "email", "is_company", "parent_id", "active", "child_ids"},
				"product.product": {"name", "default_code", "list_price", "active"},
			}
			ids := map[string]int64{"sale.order.line": f.bobLine, "sale.order": f.bobOrder, "res.partner": f.shared,
				"product.product": d.findOne(t, "product.product", []any{})}
			ops := []string{"=", "!=", "<", ">=", "in", "not in", "like", "ilike", "=like", "child_of", "parent_of", "any", "=?"}
			models := []string{"sale.order.line", "sale.order", "res.partner", "product.product"}
			for i := range 120 {
				model := models[i%len(models)]
				field := fields[model][rng.IntN(len(fields[model]))]
				v := randomValue(rng)
				var r reply
				switch i % 3 {
				case 0:
					r = bob.call(t, model, "write", map[string]any{"ids": []int64{ids[model]}, "vals": map[string]any{field: v}})
				case 1:
					r = bob.call(t, model, "create", map[string]any{"vals_list": []any{map[string]any{field: v}}})
				default:
					r = bob.call(t, model, "search_count", map[string]any{"domain": []any{[]any{field, ops[rng.IntN(len(ops))], v}}})
				}
				if r.status >= 500 || r.status == 0 {
					t.Errorf("%s %s %s=%.200v: %d %s", model, []string{"write", "create", "search"}[i%3], field, v, r.status, r.raw)
				}
			}
		})
	}
}

// randomValue is a JSON value of a random kind, biased towards the
// edges: NULs, long strings, extreme numbers, odd dates, nesting.
func randomValue(rng *mrand.Rand) any {
	switch rng.IntN(16) {
	case 0:
		return "a\x00b"
	case 1:
		return strings.Repeat("%_", 1+rng.IntN(30000))
	case 2:
		return []float64{1e308, -1e308, 5e-324, 0, -0.0, 1 << 62, 9007199254740993}[rng.IntN(7)]
	case 3:
		return []string{"0000-01-01", "0000-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-30", "2026-01-01T10:00:00+14:00", "-0001-01-01"}[rng.IntN(6)]
	case 4:
		return rng.Int64()
	case 5:
		return -rng.Int64N(1 << 40)
	case 6:
		return []any{0, 0, map[string]any{"name": "x\x00"}}
	case 7:
		return []any{[]any{0, 0, map[string]any{"price_unit": 1e308, "name": "n"}}}
	case 8:
		return map[string]any{"a": []any{1, "b", nil}}
	case 9:
		return []any{true, false, nil, "x"}
	case 10:
		return nil
	case 11:
		return true
	case 12:
		return "\xff\xfe"
	case 13:
		return strings.Repeat("é", rng.IntN(600))
	case 14:
		return []any{[]any{6, 0, []any{1, 2, int64(1) << 60}}}
	}
	return rng.Float64() * 1e16
}
