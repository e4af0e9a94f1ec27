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

// xmlrpcCountOf sums an XML-RPC grouping answer's __count (XML-RPC ints
// decode as int64).
func xmlrpcCountOf(t *testing.T, groups any) int {
	t.Helper()
	n := 0
	for _, g := range groups.([]any) {
		c, ok := g.(map[string]any)["__count"].(int64)
		if !ok {
			t.Fatalf("group without __count: %v", g)
		}
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
	if n := xmlrpcCountOf(t, xres); n != visible {
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

// TestLiveGroupingPathsAndMany2many: grouping along a many2one path
// (sale.order.line by order_id.partner_id and order_id.date_order:month)
// and by a many2many (res.users by company_ids) over JSON-2 and XML-RPC:
// Odoo's group shapes, counts that add up to the caller's visible records
// (a many2many: once per linked company, or in the False group), each
// group's __extra_domain selecting its records; a path through a model
// outside the key's scopes, or malformed, refused.
func TestLiveGroupingPathsAndMany2many(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testLiveGroupingPaths(t, rampartest.Demo(t, rampartest.Options{Postgres: pg}))
		})
	}
}

// checkGroupDomains asserts each group's __count is the search_count of
// its __extra_domain, for c.
func checkGroupDomains(t *testing.T, c *rampartest.JSON2, model string, groups any) {
	t.Helper()
	for _, g := range groups.([]any) {
		gm := g.(map[string]any)
		_, res, raw := c.Call(t, model, "search_count", map[string]any{"domain": gm["__extra_domain"]})
		if n, _ := res.(float64); n != gm["__count"].(float64) {
			t.Errorf("%s group %v: search_count of its domain %s", model, gm, raw)
		}
	}
}

func testLiveGroupingPaths(t *testing.T, a *rampartest.App) {
	alice := a.JSON2(rampartest.Alice)
	_, res, _ := alice.Call(t, "sale.order.line", "search_count", map[string]any{"domain": []any{}})
	lines := int(res.(float64))
	st, res, raw := alice.Call(t, "sale.order.line", "formatted_read_group", map[string]any{"domain": []any{},
		"groupby": []any{"order_id.partner_id", "order_id.date_order:month"}, "aggregates": []any{"__count", "price_subtotal:sum"}})
	if st != 200 || lines == 0 || countOf(t, res, "__count") != lines {
		t.Fatalf("path groups: %d %s (visible lines %d)", st, raw, lines)
	}
	g := res.([]any)[0].(map[string]any)
	p, _ := g["order_id.partner_id"].([]any)
	d, _ := g["order_id.date_order:month"].([]any)
	if len(p) != 2 || len(d) != 2 || !strings.HasSuffix(d[1].(string), d[0].(string)[:4]) {
		t.Errorf("path group: %v", g)
	}
	checkGroupDomains(t, alice, "sale.order.line", res)

	_, res, _ = alice.Call(t, "res.users", "search_count", map[string]any{"domain": []any{}})
	users := int(res.(float64))
	st, res, raw = alice.Call(t, "res.users", "formatted_read_group", map[string]any{"domain": []any{},
		"groupby": []any{"company_ids"}, "aggregates": []any{"__count"}})
	if st != 200 || countOf(t, res, "__count") < users {
		t.Fatalf("many2many groups: %d %s (visible users %d)", st, raw, users)
	}
	for _, g := range res.([]any) {
		if c, ok := g.(map[string]any)["company_ids"].([]any); ok && len(c) != 2 {
			t.Errorf("many2many group key: %v", g)
		}
	}
	checkGroupDomains(t, alice, "res.users", res)

	// XML-RPC, Odoo's positional read_group and formatted_read_group.
	x := a.XMLRPC(t, rampartest.Alice)
	st, xres, fault := x.ExecuteKW(t, "sale.order.line", "read_group", []any{[]any{}, []any{"price_subtotal:sum"}, []any{"order_id.partner_id"}}, map[string]any{"lazy": false})
	if st != 200 || fault != "" {
		t.Fatalf("xmlrpc path read_group: %d %v %s", st, xres, fault)
	}
	if n := xmlrpcCountOf(t, xres); n != lines {
		t.Errorf("xmlrpc path groups count %d, visible %d", n, lines)
	}
	st, xres, fault = x.ExecuteKW(t, "res.users", "formatted_read_group", []any{[]any{}, []any{"company_ids"}, []any{"__count"}}, nil)
	if st != 200 || fault != "" || len(xres.([]any)) == 0 {
		t.Fatalf("xmlrpc many2many formatted_read_group: %d %v %s", st, xres, fault)
	}

	// Refused: a malformed path, a path through a non-many2one field; a
	// key scoped to the lines cannot follow order_id, one scoped to lines
	// and orders follows it to a date but not to the customers' names.
	for _, gb := range []string{"order_id.name.x", "order_id..partner_id", "order_line.name"} {
		m := map[string]string{"order_line.name": "sale.order"}[gb]
		if m == "" {
			m = "sale.order.line"
		}
		if st, _, raw = alice.Call(t, m, "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{gb}}); st != 422 {
			t.Errorf("groupby %s: %d %s", gb, st, raw)
		}
	}
	ctx := context.Background()
	key := func(scopes ...string) *rampartest.JSON2 {
		secret, _, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{UserID: a.UID(t, rampartest.Bob), Name: "lines", Scopes: scopes, ExpiresIn: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return &rampartest.JSON2{URL: a.URL, Key: secret, HTTP: a.JSON2(rampartest.Bob).HTTP}
	}
	month := map[string]any{"domain": []any{}, "groupby": []any{"order_id.date_order:month"}, "aggregates": []any{"__count"}}
	if st, _, raw = key("model:sale.order.line:read").Call(t, "sale.order.line", "formatted_read_group", month); st != 403 {
		t.Errorf("key scoped to lines follows order_id: %d %s", st, raw)
	}
	both := key("model:sale.order.line:read", "model:sale.order:read")
	if st, _, raw = both.Call(t, "sale.order.line", "formatted_read_group", month); st != 200 {
		t.Errorf("key scoped to lines and orders: %d %s", st, raw)
	}
	if st, _, raw = both.Call(t, "sale.order.line", "formatted_read_group", map[string]any{"domain": []any{}, "groupby": []any{"order_id.partner_id"}}); st != 403 {
		t.Errorf("key scoped to lines and orders shows customers' names: %d %s", st, raw)
	}
}
