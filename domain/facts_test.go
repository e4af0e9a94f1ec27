package domain

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// factsData is a handful of rows chosen so that each Odoo rule of
// reference §6.5-§6.6 and §8 shows in the result.
func factsData(s testSchema) *memDB {
	db := newMemDB(s)
	vip := db.add("res.partner.category", map[string]any{"name": "vip"})
	db.add("res.partner.category", map[string]any{"name": "gold vip", "parent_id": vip})
	acme := db.add("res.partner", map[string]any{"name": "Acme", "is_company": true})
	bob := db.add("res.partner", map[string]any{"name": "Bob", "parent_id": acme, "ref": "B"})
	db.add("res.partner", map[string]any{"name": "Carl", "parent_id": bob})
	// Order 1: everything unset.
	db.add("sale.order", map[string]any{"name": "so1"})
	// Order 2: the falsy values.
	o2 := db.add("sale.order", map[string]any{"name": "so2", "qty": int64(0), "amount": 0.0, "note": "",
		"confirmed": false, "state": "sale", "partner_id": acme, "date_order": "2024-01-31",
		"validity": "2024-01-31 23:59:59"})
	// Order 3: set values.
	o3 := db.add("sale.order", map[string]any{"name": "so3", "qty": int64(5), "amount": 2.5, "note": "x_y%z",
		"confirmed": true, "state": "draft", "partner_id": bob, "date_order": "2024-02-01",
		"validity": "2024-02-01 00:00:00"})
	db.add("sale.order.line", map[string]any{"order_id": o2, "name": "a", "price": 1.0})
	db.add("sale.order.line", map[string]any{"order_id": o3, "name": "b", "price": 20.0})
	db.add("sale.order.line", map[string]any{"order_id": o3, "name": "c"})
	db.rel("sale_order_tag_rel", o2, []int64{vip})
	db.rel("sale_order_tag_rel", o3, []int64{1, 2})
	return db
}

func TestOdooFacts(t *testing.T) {
	s := salesSchema()
	tests := []struct {
		domain string
		want   []int64 // sale.order ids
	}{
		// NULL counts as the falsy value for numbers, strings, booleans.
		{`[('qty', '=', 0)]`, []int64{1, 2}},
		{`[('qty', '=', False)]`, []int64{1, 2}},
		{`[('qty', '!=', 0)]`, []int64{3}},
		{`[('qty', '!=', 5)]`, []int64{1, 2}},
		{`[('qty', '<', 5)]`, []int64{1, 2}},
		{`[('qty', '>', -1)]`, []int64{1, 2, 3}},
		{`[('qty', '>', 0)]`, []int64{3}},
		{`[('amount', '<=', 0)]`, []int64{1, 2}},
		{`[('qty', '=', '5'), ('amount', '>', '2')]`, []int64{3}},
		{`[('date_order', '=', '2024-02-01 10:00:00')]`, []int64{3}},
		{`[('note', '=', False)]`, []int64{1, 2}},
		{`[('note', '=', '')]`, []int64{1, 2}},
		{`[('note', '!=', False)]`, []int64{3}},
		{`[('confirmed', '=', False)]`, []int64{1, 2}},
		{`[('confirmed', '!=', False)]`, []int64{3}},
		{`[('confirmed', '!=', True)]`, []int64{1, 2}},
		// Other types: only NULL is unset, and != includes NULL.
		{`[('state', '!=', 'sale')]`, []int64{1, 3}},
		{`[('state', 'not in', ['sale', False])]`, []int64{3}},
		{`[('state', '=', False)]`, []int64{1}},
		{`[('date_order', '<', '2030-01-01')]`, []int64{2, 3}},
		{`['!', ('date_order', '<', '2024-02-01')]`, []int64{1, 3}},
		{`[('date_order', '<', False)]`, nil},
		// Datetimes: a date means the whole (UTC) day.
		{`[('validity', '=', '2024-01-31')]`, []int64{2}},
		{`[('validity', '<=', '2024-01-31')]`, []int64{2}},
		{`[('validity', '>', '2024-01-31')]`, []int64{3}},
		{`[('validity', '>', '2024-01-31 23:59:58')]`, []int64{2, 3}},
		{`[('validity', '!=', '2024-02-01 00:00:00')]`, []int64{1, 2}},
		// like: no escaping of % and _, '' is TRUE, negatives include NULL.
		{`[('note', 'like', '_')]`, []int64{3}},
		{`[('note', 'like', 'x_y')]`, []int64{3}},
		{`[('note', 'like', 'x\\_y')]`, []int64{3}},
		{`[('note', '=like', 'x%')]`, []int64{3}},
		{`[('note', 'ilike', '')]`, []int64{1, 2, 3}},
		{`[('note', 'not like', 'x')]`, []int64{1, 2}},
		{`[('name', '=ilike', 'SO_')]`, []int64{1, 2, 3}},
		{`[('name', '=like', 'SO_')]`, nil},
		// many2one: dotted paths are existential, names search display names.
		{`[('partner_id.name', '!=', 'Acme')]`, []int64{3}},
		{`['!', ('partner_id.name', '=', 'Acme')]`, []int64{1, 3}},
		{`[('partner_id', 'ilike', 'ac')]`, []int64{2}},
		{`[('partner_id.display_name', '=ilike', 'ACME')]`, []int64{2}},
		{`[('partner_id', 'not ilike', 'ac')]`, []int64{1, 3}},
		{`[('partner_id', '=', 'Bob')]`, []int64{3}},
		{`[('partner_id', 'in', [1, False])]`, []int64{1, 2}},
		{`[('partner_id.parent_id.is_company', '=', True)]`, []int64{3}},
		{`[('partner_id', 'child_of', 1)]`, []int64{2, 3}},
		{`[('partner_id', 'child_of', 'bob')]`, []int64{3}},
		{`[('partner_id', 'parent_of', 3)]`, []int64{2, 3}},
		{`[('partner_id', 'parent_of', 1)]`, []int64{2}},
		{`[('partner_id', 'child_of', False)]`, nil},
		{`[('partner_id', 'child_of', 99)]`, nil},
		// x2many: in ids is "some linked", False is "no links".
		{`[('tag_ids', '=', False)]`, []int64{1}},
		{`[('tag_ids', '!=', False)]`, []int64{2, 3}},
		{`[('tag_ids', 'in', [2])]`, []int64{3}},
		{`[('tag_ids', 'not in', [2])]`, []int64{1, 2}},
		{`[('tag_ids', 'in', [2, False])]`, []int64{1, 3}},
		{`[('tag_ids', 'not in', [2, False])]`, []int64{2}},
		{`[('tag_ids', 'child_of', 'vip')]`, []int64{2, 3}},
		{`[('tag_ids.parent_id', '=', 1)]`, []int64{3}},
		{`[('line_ids.price', '>', 10)]`, []int64{3}},
		{`[('line_ids.price', '=', False)]`, []int64{3}},
		{`[('line_ids', 'not any', [('price', '=', False)])]`, []int64{1, 2}},
		{`[('line_ids', '=', False)]`, []int64{1}},
		// _optimize_like_str on relational fields: like '' is "is set",
		// =like '' "is not set" (result = negative == ('=' in operator)).
		{`[('tag_ids', 'like', '')]`, []int64{2, 3}},
		{`[('tag_ids', '=like', False)]`, []int64{1}},
		{`[('tag_ids', 'not =ilike', '')]`, []int64{2, 3}},
		{`[('partner_id', '=ilike', '')]`, []int64{1}},
		// Constants and =?.
		{`[(1, '=', 1)]`, []int64{1, 2, 3}},
		{`[(0, '=', 1)]`, nil},
		{`[('state', '=?', False)]`, []int64{1, 2, 3}},
		{`[('state', '=?', 'draft')]`, []int64{3}},
	}
	storetest.Each(t, func(t *testing.T, sqlDB *store.DB) {
		createTables(t, sqlDB, s, "res.partner.category", "res.partner", "sale.order", "sale.order.line")
		db := factsData(s)
		db.insert(t, sqlDB)
		for _, tt := range tests {
			n, err := Parse(tt.domain, nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.domain, err)
			}
			sql, args, err := Compile(sqlDB.Dialect, s, "sale.order", n, CompileOptions{Alias: "t"})
			if err != nil {
				t.Fatalf("%s: %v", tt.domain, err)
			}
			got := querySQL(t, sqlDB, "sale_order", sql, args)
			if !slices.Equal(got, tt.want) {
				t.Errorf("SQL %s = %v, want %v\n%s %v", tt.domain, got, tt.want, sql, args)
			}
			var mem []int64
			p, err := NewPredicate(s, "sale.order", n, MatchOptions{Browser: db})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range db.ids["sale.order"] {
				if ok, err := p.Match(&memRec{db, "sale.order", id}); err != nil {
					t.Fatalf("%s: %v", tt.domain, err)
				} else if ok {
					mem = append(mem, id)
				}
			}
			if !slices.Equal(mem, tt.want) {
				t.Errorf("Match %s = %v, want %v", tt.domain, mem, tt.want)
			}
		}
	})
}
