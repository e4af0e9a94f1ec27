package odoorpc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// countOf sums a grouping answer's counts (key is __count or <f>_count).
func countOf(t *testing.T, groups any, key string) int {
	t.Helper()
	l, ok := groups.([]any)
	if !ok {
		t.Fatalf("groups: %v", groups)
	}
	n := 0
	for _, g := range l {
		c, _ := g.(map[string]any)[key].(float64)
		n += int(c)
	}
	return n
}

// TestLiveGrouping: read_group, formatted_read_group and web_read_group
// per role and protocol, under the demo's rules (a salesman sees the
// counts of her own orders only, the portal user those of her company, the
// manager every order), refused without the read ACL, and a key scoped
// to another model cannot group.
func TestLiveGrouping(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testLiveGrouping(t, rampartest.Demo(t, rampartest.Options{Postgres: pg}))
		})
	}
}

func testLiveGrouping(t *testing.T, a *rampartest.App) {
	// Each role's visible orders, counted by search_count (the same
	// rules): the groups must add up to it, and never to the total.
	var total float64
	_, res, _ := a.JSON2(rampartest.Admin).Call(t, "sale.order", "search_count", map[string]any{"domain": []any{}, "context": map[string]any{"allowed_company_ids": []any{1, 2}}})
	total, _ = res.(float64)
	for _, role := range []string{rampartest.Alice, rampartest.Bob, rampartest.Carol} {
		c := a.JSON2(role)
		_, res, _ = c.Call(t, "sale.order", "search_count", map[string]any{"domain": []any{}})
		visible, _ := res.(float64)
		if visible == 0 {
			t.Fatalf("%s sees no order", role)
		}
		st, res, raw := c.Call(t, "sale.order", "read_group", map[string]any{"domain": []any{}, "fields": []any{"amount_total"}, "groupby": []any{"state"}})
		if st != 200 || countOf(t, res, "state_count") != int(visible) {
			t.Fatalf("%s read_group: %d %s (visible %v)", role, st, raw, visible)
		}
		g := res.([]any)[0].(map[string]any)
		if _, ok := g["amount_total"].(float64); !ok || g["__domain"] == nil {
			t.Errorf("%s read_group group: %v", role, g)
		}
		st, res, raw = c.Call(t, "sale.order", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{"partner_id", "date_order:month"}, "aggregates": []any{"__count", "amount_total:sum"}})
		if st != 200 || countOf(t, res, "__count") != int(visible) {
			t.Fatalf("%s formatted_read_group: %d %s", role, st, raw)
		}
		g = res.([]any)[0].(map[string]any)
		p, _ := g["partner_id"].([]any)
		d, _ := g["date_order:month"].([]any)
		if len(p) != 2 || len(d) != 2 || !strings.HasSuffix(d[1].(string), d[0].(string)[:4]) || g["__extra_domain"] == nil {
			t.Errorf("%s formatted group: %v", role, g)
		}
		st, res, raw = c.Call(t, "sale.order", "web_read_group", map[string]any{"domain": []any{}, "groupby": []any{"user_id"}, "limit": 1})
		m, _ := res.(map[string]any)
		if st != 200 || m["length"] == nil || countOf(t, m["groups"], "__count") > int(visible) || len(m["groups"].([]any)) != 1 {
			t.Fatalf("%s web_read_group: %d %s", role, st, raw)
		}
		if role != rampartest.Bob && visible >= total {
			t.Fatalf("%s's rules hide nothing: %v of %v", role, visible, total)
		}
	}

	// The same over XML-RPC (positional, Odoo's read_group signature) and
	// JSON-RPC call_kw, as alice.
	_, res, _ = a.JSON2(rampartest.Alice).Call(t, "sale.order", "search_count", map[string]any{"domain": []any{}})
	visible := int(res.(float64))
	st, xres, fault := a.XMLRPC(t, rampartest.Alice).ExecuteKW(t, "sale.order", "read_group", []any{[]any{}, []any{"amount_total:sum"}, []any{"user_id"}}, map[string]any{"lazy": false})
	if st != 200 || fault != "" {
		t.Fatalf("xmlrpc read_group: %d %v %s", st, xres, fault)
	}
	n := 0
	for _, g := range xres.([]any) {
		n += int(g.(map[string]any)["__count"].(int64))
	}
	if n != visible {
		t.Errorf("xmlrpc read_group counts %d, visible %d", n, visible)
	}
	s := a.Session(t, rampartest.Alice)
	jres, ename, msg := s.CallKW(t, "sale.order", "formatted_read_group", []any{[]any{}}, map[string]any{"groupby": []any{"state"}, "aggregates": []any{"__count"}})
	if ename != "" || countOf(t, jres, "__count") != visible {
		t.Errorf("call_kw formatted_read_group: %v %s %s", jres, ename, msg)
	}

	// Refused: the portal user has no read ACL on res.users; an unknown
	// aggregate is the client's mistake.
	st, res, raw := a.JSON2(rampartest.Carol).Call(t, "res.users", "read_group", map[string]any{"domain": []any{}, "fields": []any{}, "groupby": []any{"company_id"}})
	if st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("portal read_group on res.users: %d %s", st, raw)
	}
	_, xres, fault = a.XMLRPC(t, rampartest.Carol).ExecuteKW(t, "res.users", "formatted_read_group", []any{[]any{}, []any{"company_id"}}, nil)
	if !strings.Contains(fault, "not allowed") && !strings.Contains(fault, "access") {
		t.Errorf("xmlrpc portal formatted_read_group: %v %q", xres, fault)
	}
	if st, _, raw = a.JSON2(rampartest.Alice).Call(t, "sale.order", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{"state"}, "aggregates": []any{"amount_total:median"}}); st != 422 {
		t.Errorf("bad aggregate: %d %s", st, raw)
	}
	if st, _, raw = a.JSON2(rampartest.Alice).Call(t, "sale.order", "web_read_group", map[string]any{"domain": []any{}, "groupby": []any{"state"}, "auto_unfold": true}); st != 422 {
		t.Errorf("web_read_group auto_unfold: %d %s", st, raw)
	}

	// A key scoped to reading res.partner cannot group sale.order, nor
	// group res.partner by a many2one to a model outside its scope; it
	// groups res.partner by its own fields.
	ctx := context.Background()
	secret, _, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: a.UID(t, rampartest.Bob), Name: "partners only",
		Scopes: []string{"model:res.partner:read"}, ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	scoped := &rampartest.JSON2{URL: a.URL, Key: secret, HTTP: a.JSON2(rampartest.Bob).HTTP}
	if st, _, raw = scoped.Call(t, "sale.order", "read_group", map[string]any{"domain": []any{}, "fields": []any{}, "groupby": []any{"state"}}); st != 403 {
		t.Errorf("scoped key groups sale.order: %d %s", st, raw)
	}
	if st, _, raw = scoped.Call(t, "res.partner", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{"company_id"}, "aggregates": []any{"__count"}}); st != 403 {
		t.Errorf("scoped key reads res.company names through a group: %d %s", st, raw)
	}
	if st, _, raw = scoped.Call(t, "res.partner", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{"is_company"}, "aggregates": []any{"__count"}}); st != 200 {
		t.Errorf("scoped key groups res.partner: %d %s", st, raw)
	}
}
