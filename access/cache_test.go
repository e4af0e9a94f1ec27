package access_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store/storetest"
)

// The cache never outlives what the domain depends on: the user's groups
// (a group change gives a new Principal, hence a new key), the active
// companies, and the rules themselves (Replace).
func TestRuleDomainCache(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	ctx := context.Background()
	rule := func(p *principal.Principal, c map[string]any) string {
		t.Helper()
		e := orm.NewEnv(ctx, w.reg, w.db, p, orm.EnvOptions{Context: c})
		defer e.Finish(nil)
		d, err := w.pol.RuleDomain(e, "sale.order", orm.OpRead)
		if err != nil {
			t.Fatal(err)
		}
		if d == nil {
			return "TRUE"
		}
		return d.String()
	}
	alice := w.users["alice"]
	before := rule(alice, nil)
	if again := rule(alice, nil); again != before || !strings.Contains(before, "user_id") {
		t.Fatalf("cached domain %s then %s", before, again)
	}
	if err := w.ids.Service.AddGroups(ctx, alice.UserID, sales.GroupSalesmanAll); err != nil {
		t.Fatal(err)
	}
	promoted, err := w.ids.Service.Principal(ctx, alice.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if after := rule(promoted, nil); strings.Contains(after, "user_id") {
		t.Errorf("after promotion still %s", after)
	}
	bob := w.users["bob"]
	both, branch := rule(bob, nil), rule(bob, map[string]any{"allowed_company_ids": []any{w.rec["c_branch"]}})
	if both == branch {
		t.Errorf("company context ignored: %s", both)
	}

	// Replace with a Set that adds a global rule: seen at once.
	l := access.NewLoader(w.reg, nil)
	if err := l.LoadFS(sales.Security(), sales.Module, "*.xml", "*.csv"); err != nil {
		t.Fatal(err)
	}
	l.Load("test", "extra.yaml", []byte("rules:\n  - {id: no_cancel, name: No cancelled, model: sale.order, domain: \"[('state', '!=', 'cancel')]\"}\n"))
	set, err := l.Build()
	if err != nil {
		t.Fatal(err)
	}
	w.pol.Replace(set)
	if got := rule(alice, nil); !strings.Contains(got, "cancel") {
		t.Errorf("after Replace: %s", got)
	}
}

func TestFieldGroupsCheckedAtLoad(t *testing.T) {
	reg := orm.NewRegistry(orm.AllowAll{})
	err := reg.Define(orm.ModelDef{Name: "x.typo", Source: "typo.yaml", Fields: []orm.Field{
		{Name: "name", Type: orm.Char},
		{Name: "secret", Type: orm.Char, Groups: "sales.group_sale_manger"},
		{Name: "hidden", Type: orm.Char, Groups: "!base.group_portal,base.group_user"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	l := access.NewLoader(reg, nil)
	_, err = l.Build()
	if err == nil || !strings.Contains(err.Error(), "typo.yaml: field x.typo.secret: groups names unknown group sales.group_sale_manger") || strings.Contains(err.Error(), "hidden") {
		t.Errorf("err = %v", err)
	}
}
