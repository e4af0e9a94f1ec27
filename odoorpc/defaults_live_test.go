package odoorpc_test

import (
	"strings"
	"testing"
)

// TestLiveDefaults: default_get and a create with only partner_id, over
// JSON-2 and JSON-RPC; context default_<field> keys only for fields the
// caller may write; default_get refused where reading is.
func TestLiveDefaults(t *testing.T) {
	cfg := startLive(t)
	key := cfg.User.Key
	st, res := json2(t, cfg, key, "sale.order", "default_get", map[string]any{"fields_list": []any{"name", "user_id", "company_id", "date_order", "state", "amount_total"}})
	d, _ := res.(map[string]any)
	if st != 200 || d["user_id"] != float64(cfg.userID) || d["company_id"] == nil || d["state"] != "draft" || d["name"] != nil {
		t.Fatalf("default_get: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "create", map[string]any{"vals_list": []any{map[string]any{"partner_id": cfg.PartnerID}},
		"context": map[string]any{"default_note": "from context", "default_amount_total": 999}})
	ids, _ := res.([]any)
	if st != 200 || len(ids) != 1 {
		t.Fatalf("minimal create: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "read", map[string]any{"ids": ids, "fields": []any{"name", "note", "amount_total", "company_id", "user_id", "date_order"}, "load": nil})
	r := rows(res)
	if st != 200 || len(r) != 1 {
		t.Fatalf("read back: %d %v", st, res)
	}
	if name, _ := r[0]["name"].(string); !strings.HasPrefix(name, "S") || len(name) != 6 {
		t.Errorf("name %v", r[0]["name"])
	}
	if r[0]["note"] != "from context" || r[0]["amount_total"] != float64(0) || r[0]["user_id"] != float64(cfg.userID) || r[0]["date_order"] == false {
		t.Errorf("defaults: %v (amount_total is readonly: its context default must be ignored)", r[0])
	}
	// The next order of the same company takes the next number.
	res, e := jsonrpc(t, cfg, cfg.userID, cfg.User.Password, "sale.order", "create", []any{map[string]any{"partner_id": cfg.PartnerID}}, map[string]any{})
	if e != nil {
		t.Fatalf("jsonrpc create: %v", e)
	}
	res, _ = jsonrpc(t, cfg, cfg.userID, cfg.User.Password, "sale.order", "read", []any{[]any{res}, []any{"name"}}, map[string]any{})
	first := r[0]["name"].(string)
	if got := rows(res)[0]["name"].(string); got <= first || len(got) != len(first) {
		t.Errorf("second number %s after %s", got, first)
	}
	// Refused: default_get needs the model's read ACL.
	st, res = json2(t, cfg, key, "ir.model", "default_get", map[string]any{"fields_list": []any{"state"}})
	if st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("alice ir.model default_get: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "default_get", map[string]any{"fields_list": 42})
	if st != 422 {
		t.Errorf("default_get with a number: %d %v", st, res)
	}
}
