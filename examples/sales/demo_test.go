package sales

import (
	"context"
	"reflect"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// usersTable stands in for package identity's res_users.
func usersTable(t *testing.T, db *store.DB) {
	ctx := context.Background()
	it := db.Dialect.ColumnType(store.TInteger)
	err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE res_users (id `+it+` PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL, partner_id `+it+`, company_id `+it+`, active `+db.Dialect.ColumnType(store.TBool)+`)`)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO res_users (id, login, name) VALUES (2, 'alice', 'Alice'), (3, 'bob', 'Bob'), (4, 'carol', 'Carol')`)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// app registers the sales app and creates its tables in db.
func app(t *testing.T, db *store.DB) *orm.Registry {
	reg := orm.NewRegistry(orm.AllowAll{})
	if err := Register(reg); err != nil {
		t.Fatal(err)
	}
	usersTable(t, db)
	if _, err := reg.Sync(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return reg
}

func load(t *testing.T, db *store.DB) (*orm.Registry, *Demo, []map[string]any) {
	ctx := context.Background()
	reg := app(t, db)
	root := &principal.Principal{UserID: 2, Login: "alice"}
	env := orm.NewEnv(ctx, reg, db, root, orm.EnvOptions{})
	companies, err := EnsureCompanies(env)
	if err != nil {
		t.Fatal(err)
	}
	d, err := LoadDemo(env, DemoOptions{Salespeople: []Salesperson{{2, companies[0]}, {3, companies[0]}, {4, companies[1]}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Finish(nil); err != nil {
		t.Fatal(err)
	}
	env = orm.NewEnv(ctx, reg, db, root, orm.EnvOptions{}).Sudo("test: read the demo back")
	defer env.Finish(nil)
	orders, _ := env.Model("sale.order")
	recs, err := orders.SearchRead(domain.Condition{Field: "name", Operator: "in", Value: []any{"S00001", "S00150", "S00300"}},
		[]string{"name", "partner_id", "user_id", "company_id", "state", "date_order", "amount_total"}, orm.SearchOptions{Order: "name"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadDemo(env, DemoOptions{})
	if err != nil || !again.AlreadyLoaded {
		t.Errorf("second load: %+v, %v", again, err)
	}
	return reg, d, recs
}

func TestDemo(t *testing.T) {
	var first []map[string]any
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, d, recs := load(t, db)
		if len(d.Companies) != 2 || len(d.Orders) != 300 || len(d.Customers) != 24 || len(d.Products) != 10 {
			t.Errorf("demo sizes: %d companies, %d orders, %d customers, %d products", len(d.Companies), len(d.Orders), len(d.Customers), len(d.Products))
		}
		if len(recs) != 3 {
			t.Fatalf("orders read back: %v", recs)
		}
		for _, r := range recs {
			if r["amount_total"].(float64) <= 0 || r["user_id"] == false {
				t.Errorf("order %v", r)
			}
		}
		// The same seed gives the same data on both databases.
		if first == nil {
			first = recs
		} else if !reflect.DeepEqual(first, recs) {
			t.Errorf("not deterministic across databases:\n%v\n%v", first, recs)
		}
	})
}

func TestDemoCommercialPartners(t *testing.T) {
	db := storetest.SQLite(t)
	reg, d, _ := load(t, db)
	env := orm.NewEnv(context.Background(), reg, db, nil, orm.EnvOptions{}).Sudo("test: check partners")
	defer env.Finish(nil)
	partners, _ := env.Model("res.partner")
	recs, err := partners.Read(d.Customers[:3], []string{"is_company", "commercial_partner_id"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if cp := r["commercial_partner_id"].([]any)[0]; cp != d.Customers[0] {
			t.Errorf("partner %v: commercial partner %v, want %d", r["id"], cp, d.Customers[0])
		}
	}
}

// TestAmounts: line subtotals and order totals follow line changes made
// through the ORM, as computed fields do in Odoo.
func TestAmounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := orm.NewEnv(context.Background(), app(t, db), db, &principal.Principal{UserID: 2}, orm.EnvOptions{})
		defer env.Finish(nil)
		companies, err := EnsureCompanies(env)
		if err != nil {
			t.Fatal(err)
		}
		partners, _ := env.Model("res.partner")
		pid, _ := partners.Create([]map[string]any{{"name": "C"}})
		orders, _ := env.Model("sale.order")
		lines, _ := env.Model("sale.order.line")
		ids, err := orders.Create([]map[string]any{{
			"name": "S1", "partner_id": pid[0], "company_id": companies[0], "date_order": "2026-02-01 10:00:00",
			"order_line": []any{
				[]any{0, 0, map[string]any{"name": "a", "product_uom_qty": 2, "price_unit": 10.5}},
				map[string]any{"create": map[string]any{"name": "b", "product_uom_qty": 3, "price_unit": 1.1}},
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		total := func() any {
			r, err := orders.Read(ids, []string{"amount_total", "order_line"})
			if err != nil {
				t.Fatal(err)
			}
			return r[0]["amount_total"]
		}
		if got := total(); got != 24.3 {
			t.Errorf("total after create = %v, want 24.3", got)
		}
		r, _ := orders.Read(ids, []string{"order_line"})
		lineIDs := r[0]["order_line"].([]int64)
		if err := lines.Write(lineIDs[:1], map[string]any{"product_uom_qty": 1}); err != nil {
			t.Fatal(err)
		}
		if got := total(); got != 13.8 {
			t.Errorf("total after write = %v, want 13.8", got)
		}
		if err := lines.Unlink(lineIDs[1:]); err != nil {
			t.Fatal(err)
		}
		if got := total(); got != 10.5 {
			t.Errorf("total after unlink = %v, want 10.5", got)
		}
		// The amounts are the server's: clients cannot set them.
		err = orders.Write(ids, map[string]any{"amount_total": 1})
		if err == nil {
			t.Error("amount_total writable by a client")
		}
	})
}
