package domain

import (
	"encoding/json"
	"testing"

	"github.com/rampart/rampart/store/storetest"
)

const benchRule = `['|', ('user_id', '=', user.id), '&', ('company_id', 'in', company_ids + [False]),
	('partner_id', 'child_of', [user.commercial_partner_id.id])]`

const benchDomain = `['&', ('state', 'in', ['sale', 'sent']), '|', ('partner_id.name', 'ilike', 'acme'),
	('amount', '>', 100), ('line_ids.price', '<', 5.5), ('date_order', '>=', '2024-01-01')]`

func BenchmarkParse(b *testing.B) {
	ev := testContext()
	for b.Loop() {
		if _, err := Parse(benchRule, ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTemplateBind(b *testing.B) {
	tpl, err := ParseTemplate(benchRule)
	if err != nil {
		b.Fatal(err)
	}
	ev := testContext()
	for b.Loop() {
		if _, err := tpl.Bind(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromJSON(b *testing.B) {
	var v any
	json.Unmarshal([]byte(`["&", ["state", "in", ["sale", "sent"]], "|", ["partner_id.name", "ilike", "acme"], ["amount", ">", 100]]`), &v)
	for b.Loop() {
		if _, err := FromJSON(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCold normalizes and compiles every time (no cache).
func BenchmarkCompileCold(b *testing.B) {
	s := salesSchema()
	d := storetest.SQLite(b).Dialect
	n, err := Parse(benchDomain, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Compile(d, s, "sale.order", n, CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCached is a Compiler's hit: the key is the domain's
// canonical text.
func BenchmarkCompileCached(b *testing.B) {
	s := salesSchema()
	d := storetest.SQLite(b).Dialect
	n, _ := Parse(benchDomain, nil)
	c := NewCompiler(s, 0)
	for b.Loop() {
		if _, _, err := c.Compile(d, "sale.order", n, CompileOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCachedRules adds a comodel sub-filter to the key.
func BenchmarkCompileCachedRules(b *testing.B) {
	s := salesSchema()
	d := storetest.SQLite(b).Dialect
	n, _ := Parse(benchDomain, nil)
	rule, _ := Parse(`[('is_company', '=', True)]`, nil)
	c := NewCompiler(s, 0)
	opts := CompileOptions{SubFilter: func(model string) (Node, error) {
		if model == "res.partner" {
			return rule, nil
		}
		return nil, nil
	}}
	for b.Loop() {
		if _, _, err := c.Compile(d, "sale.order", n, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	s := salesSchema()
	db := factsData(s)
	n, _ := Parse(`['|', ('state', '!=', 'sale'), ('partner_id.name', 'ilike', 'ac'), ('qty', '<', 5)]`, nil)
	p, err := NewPredicate(s, "sale.order", n, MatchOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rec := &memRec{db, "sale.order", 2}
	for b.Loop() {
		if _, err := p.Match(rec); err != nil {
			b.Fatal(err)
		}
	}
}
