package odoorpc_test

import (
	"testing"
)

// TestLiveModelAPI: exists, get_metadata, check_access, has_access, copy,
// name_create, action_archive/unarchive, each allowed and refused, over
// JSON-2 as the salesman alice (and the administrator where noted).
func TestLiveModelAPI(t *testing.T) {
	cfg := startLive(t)
	key, adminKey := cfg.User.Key, cfg.Admin.Key
	_, res := json2(t, cfg, key, "sale.order", "search", map[string]any{"domain": []any{}, "limit": 1, "order": "id"})
	own := res.([]any)[0]
	foreign := float64(cfg.ForeignOrderID)

	st, res := json2(t, cfg, key, "sale.order", "exists", map[string]any{"ids": []any{own, foreign, 999999}})
	if l, _ := res.([]any); st != 200 || len(l) != 1 || l[0] != own {
		t.Errorf("exists: %d %v (a hidden record must not show)", st, res)
	}

	st, res = json2(t, cfg, key, "sale.order", "get_metadata", map[string]any{"ids": []any{own}})
	if r := rows(res); st != 200 || len(r) != 1 || r[0]["xmlid"] != false || r[0]["create_date"] == nil || r[0]["xmlids"] == nil {
		t.Errorf("get_metadata: %d %v", st, res)
	}
	if st, res = json2(t, cfg, key, "sale.order", "get_metadata", map[string]any{"ids": []any{foreign}}); st != 404 {
		t.Errorf("get_metadata of a foreign order: %d %v", st, res)
	}
	_, res = json2(t, cfg, adminKey, "ir.model.data", "search_read", map[string]any{"domain": []any{[]any{"complete_name", "=", "base.main_company"}}, "fields": []any{"res_id"}})
	main := rows(res)[0]["res_id"]
	st, res = json2(t, cfg, adminKey, "res.company", "get_metadata", map[string]any{"ids": []any{main}})
	if r := rows(res); st != 200 || len(r) != 1 || r[0]["xmlid"] != "base.main_company" || r[0]["noupdate"] != true {
		t.Errorf("get_metadata xmlid: %d %v", st, res)
	}

	for _, c := range []struct {
		ids       []any
		op        string
		status    int
		name      string
		hasAccess bool
	}{
		{[]any{own}, "write", 200, "", true},
		{[]any{own}, "read", 200, "", true},
		{[]any{own}, "unlink", 403, "odoo.exceptions.AccessError", false},
		{[]any{foreign}, "read", 404, "odoo.exceptions.MissingError", false},
		{[]any{}, "create", 200, "", true},
	} {
		st, res = json2(t, cfg, key, "sale.order", "check_access", map[string]any{"ids": c.ids, "operation": c.op})
		if st != c.status || (c.name != "" && errorName(res) != c.name) || (c.name == "" && res != nil) {
			t.Errorf("check_access %v %s: %d %v", c.ids, c.op, st, res)
		}
		st, res = json2(t, cfg, key, "sale.order", "has_access", map[string]any{"ids": c.ids, "operation": c.op})
		if st != 200 || res != c.hasAccess {
			t.Errorf("has_access %v %s: %d %v", c.ids, c.op, st, res)
		}
	}
	if st, _ = json2(t, cfg, key, "sale.order", "has_access", map[string]any{"ids": []any{own}, "operation": "frobnicate"}); st != 422 {
		t.Errorf("has_access with a bad mode: %d", st)
	}

	// copy: a new record, a new number (the sequence field is not copied),
	// the source unchanged; a hidden source is missing.
	st, res = json2(t, cfg, key, "sale.order", "copy", map[string]any{"ids": []any{own}, "default": map[string]any{"note": "copied"}})
	copies, _ := res.([]any)
	if st != 200 || len(copies) != 1 {
		t.Fatalf("copy: %d %v", st, res)
	}
	_, res = json2(t, cfg, key, "sale.order", "read", map[string]any{"ids": []any{own, copies[0]}, "fields": []any{"name", "partner_id", "note", "user_id"}, "load": nil})
	r := rows(res)
	if len(r) != 2 || r[0]["name"] == r[1]["name"] || r[0]["partner_id"] != r[1]["partner_id"] || r[1]["note"] != "copied" || r[1]["user_id"] != float64(cfg.userID) {
		t.Errorf("copy values: %v", r)
	}
	if r[0]["note"] == "copied" {
		t.Errorf("the source changed: %v", r[0])
	}
	if st, res = json2(t, cfg, key, "sale.order", "copy", map[string]any{"ids": []any{foreign}}); st != 404 {
		t.Errorf("copy of a foreign order: %d %v", st, res)
	}

	// name_create: allowed on contacts, refused on products (no create ACL).
	st, res = json2(t, cfg, key, "res.partner", "name_create", map[string]any{"name": "Quick Contact"})
	pair, _ := res.([]any)
	if st != 200 || len(pair) != 2 || pair[1] != "Quick Contact" {
		t.Fatalf("name_create: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "product.product", "name_create", map[string]any{"name": "Nope"})
	if st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("name_create without create ACL: %d %v", st, res)
	}
	_, res = json2(t, cfg, adminKey, "product.product", "search_count", map[string]any{"domain": []any{[]any{"name", "=", "Nope"}}})
	if res != float64(0) {
		t.Errorf("refused name_create left a product: %v", res)
	}

	// action_archive / action_unarchive.
	pid := pair[0]
	if st, res = json2(t, cfg, key, "res.partner", "action_archive", map[string]any{"ids": []any{pid}}); st != 200 || res != true {
		t.Fatalf("archive: %d %v", st, res)
	}
	if _, res = json2(t, cfg, key, "res.partner", "search_count", map[string]any{"domain": []any{[]any{"id", "=", pid}}}); res != float64(0) {
		t.Errorf("archived contact still found: %v", res)
	}
	if st, res = json2(t, cfg, key, "res.partner", "action_unarchive", map[string]any{"ids": []any{pid}}); st != 200 || res != true {
		t.Fatalf("unarchive: %d %v", st, res)
	}
	if _, res = json2(t, cfg, key, "res.partner", "search_count", map[string]any{"domain": []any{[]any{"id", "=", pid}}}); res != float64(1) {
		t.Errorf("unarchived contact not found: %v", res)
	}
	_, res = json2(t, cfg, key, "product.product", "search", map[string]any{"domain": []any{}, "limit": 1})
	prod := res.([]any)
	st, res = json2(t, cfg, key, "product.product", "action_archive", map[string]any{"ids": prod})
	if st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("archive without write ACL: %d %v", st, res)
	}
	if _, res = json2(t, cfg, adminKey, "product.product", "search_count", map[string]any{"domain": []any{[]any{"id", "=", prod[0]}}}); res != float64(1) {
		t.Errorf("refused archive changed the product: %v", res)
	}
	if st, res = json2(t, cfg, key, "sale.order", "action_archive", map[string]any{"ids": []any{own}}); st != 422 {
		t.Errorf("archive of a model without active: %d %v", st, res)
	}
}
