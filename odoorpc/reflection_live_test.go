package odoorpc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// rpcLogin is common.login over /jsonrpc.
func rpcLogin(t *testing.T, cfg clientConfig, login, password string) int64 {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
		"service": "common", "method": "login", "args": []any{cfg.DB, login, password}}})
	resp, err := http.Post(cfg.URL+"/jsonrpc", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	uid, _ := out["result"].(float64)
	if uid == 0 {
		t.Fatalf("login %s: %v", login, out)
	}
	return int64(uid)
}

type rpcUser struct {
	login, password string
	uid             int64
}

func (u rpcUser) call(t *testing.T, cfg clientConfig, model, method string, args []any, kwargs map[string]any) (any, map[string]any) {
	t.Helper()
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	return jsonrpc(t, cfg, u.uid, u.password, model, method, args, kwargs)
}

func models(res any) []string {
	var out []string
	for _, r := range rows(res) {
		if s, ok := r["model"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestLiveReflection replays what odooly and erppeek do when a model is
// first used (ir.model search + read of 'model', the get_available_models
// fallback, fields_get), per role, and checks ir.model.fields,
// ir.model.data and check_object_reference (odoorpc's env.ref).
func TestLiveReflection(t *testing.T) {
	cfg := startLive(t)
	admin := rpcUser{"admin", "admin", rpcLogin(t, cfg, "admin", "admin")}
	alice := rpcUser{"alice", "alice", cfg.userID}
	carol := rpcUser{"carol", "carol", rpcLogin(t, cfg, "carol", "carol")}

	// odooly/erppeek Env._get('sale.order') → models('sale.order'):
	// execute('ir.model', 'read', [('model', 'like', name)], ('model',)),
	// i.e. search then read.
	like := []any{[]any{"model", "like", "sale.order"}}
	res, e := admin.call(t, cfg, "ir.model", "search", []any{like}, nil)
	ids, _ := res.([]any)
	if e != nil || len(ids) != 2 { // sale.order, sale.order.line
		t.Fatalf("admin ir.model search: %v %v", res, e)
	}
	res, e = admin.call(t, cfg, "ir.model", "read", []any{ids, []any{"model"}}, nil)
	if got := models(res); e != nil || !slices.Equal(slices.Sorted(slices.Values(got)), []string{"sale.order", "sale.order.line"}) {
		t.Fatalf("admin ir.model read: %v %v", res, e)
	}
	res, e = admin.call(t, cfg, "ir.model", "search_read", []any{[]any{[]any{"model", "=", "sale.order"}}}, map[string]any{"fields": []any{"model", "name", "state", "transient"}})
	if r := rows(res); e != nil || len(r) != 1 || r[0]["name"] != "Sales Order" || r[0]["state"] != "base" || r[0]["transient"] != false {
		t.Errorf("admin ir.model search_read: %v %v", res, e)
	}
	// Internal users: ir.model is refused (Odoo 19), get_available_models
	// lists what they may read, fields_get answers.
	_, e = alice.call(t, cfg, "ir.model", "search", []any{like}, nil)
	if errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("alice ir.model search: %v", e)
	}
	res, e = alice.call(t, cfg, "ir.model", "get_available_models", []any{}, nil)
	avail := models(res)
	if e != nil || !slices.Contains(avail, "sale.order") || !slices.Contains(avail, "res.partner") || slices.Contains(avail, "ir.model") {
		t.Errorf("alice get_available_models: %v %v", avail, e)
	}
	for _, r := range rows(res) {
		if r["model"] == "sale.order" && r["display_name"] != "Sales Order" {
			t.Errorf("display_name: %v", r)
		}
	}
	res, e = admin.call(t, cfg, "ir.model", "get_available_models", []any{}, nil)
	if got := models(res); e != nil || !slices.Contains(got, "ir.model") || len(got) <= len(avail) {
		t.Errorf("admin get_available_models: %v %v", got, e)
	}
	res, e = alice.call(t, cfg, "sale.order", "fields_get", []any{}, map[string]any{"attributes": []any{"type", "relation"}})
	if f, _ := res.(map[string]any); e != nil || f["partner_id"] == nil {
		t.Errorf("alice fields_get: %v", e)
	}
	if _, e = alice.call(t, cfg, "ir.model", "fields_get", []any{}, nil); e != nil {
		t.Errorf("alice ir.model fields_get: %v", e)
	}
	// Portal users are not internal: nothing available, ir.model refused.
	res, e = carol.call(t, cfg, "ir.model", "get_available_models", []any{}, nil)
	if l, _ := res.([]any); e != nil || len(l) != 0 {
		t.Errorf("carol get_available_models: %v %v", res, e)
	}
	res, e = carol.call(t, cfg, "ir.model", "display_name_for", []any{[]any{"sale.order", "nope.model"}}, nil)
	if r := rows(res); e != nil || len(r) != 2 || r[0]["display_name"] != "sale.order" {
		t.Errorf("carol display_name_for: %v %v", res, e)
	}

	// ir.model.fields as Odoo describes them.
	res, e = admin.call(t, cfg, "ir.model.fields", "search_read", []any{[]any{[]any{"model", "=", "sale.order"}, []any{"name", "=", "partner_id"}}},
		map[string]any{"fields": []any{"ttype", "relation", "required", "store", "model_id"}})
	r := rows(res)
	if e != nil || len(r) != 1 || r[0]["ttype"] != "many2one" || r[0]["relation"] != "res.partner" || r[0]["required"] != true || r[0]["store"] != true {
		t.Errorf("ir.model.fields: %v %v", res, e)
	}
	if _, e = alice.call(t, cfg, "ir.model.fields", "search_count", []any{[]any{}}, nil); errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("alice ir.model.fields: %v", e)
	}

	// Derived rows: nobody writes them, not even the administrator; the
	// row is unchanged.
	_, e = admin.call(t, cfg, "ir.model", "write", []any{ids[:1], map[string]any{"name": "Hacked"}}, nil)
	if errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("admin ir.model write: %v", e)
	}
	_, e = admin.call(t, cfg, "ir.model.data", "create", []any{map[string]any{"module": "x", "name": "y", "model": "res.partner", "res_id": 1}}, nil)
	if errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("admin ir.model.data create: %v", e)
	}
	res, _ = admin.call(t, cfg, "ir.model", "read", []any{ids[:1], []any{"name"}}, nil)
	if r := rows(res); len(r) != 1 || r[0]["name"] == "Hacked" {
		t.Errorf("ir.model changed: %v", res)
	}

	// ir.model.data and env.ref: check_object_reference.
	res, e = alice.call(t, cfg, "ir.model.data", "check_object_reference", []any{"base", "main_company"}, nil)
	if l, _ := res.([]any); e != nil || len(l) != 2 || l[0] != "res.company" || l[1].(float64) < 1 {
		t.Errorf("alice check_object_reference base.main_company: %v %v", res, e)
	}
	res, e = alice.call(t, cfg, "ir.model.data", "check_object_reference", []any{"base", "group_user"}, nil)
	if l, _ := res.([]any); e != nil || len(l) != 2 || l[0] != "res.groups" {
		t.Errorf("alice check_object_reference base.group_user: %v %v", res, e)
	}
	res, e = alice.call(t, cfg, "ir.model.data", "check_object_reference", []any{"base", "model_res_partner"}, nil)
	if l, _ := res.([]any); e != nil || len(l) != 2 || l[0] != "ir.model" || l[1] != false {
		t.Errorf("alice check_object_reference of an unreadable record: %v %v", res, e)
	}
	_, e = alice.call(t, cfg, "ir.model.data", "check_object_reference", []any{"base", "model_res_partner", true}, nil)
	if errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("raise_on_access_error: %v", e)
	}
	_, e = alice.call(t, cfg, "ir.model.data", "check_object_reference", []any{"base", "no_such_thing"}, nil)
	if e == nil {
		t.Errorf("unknown external id accepted")
	}
	res, e = admin.call(t, cfg, "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "sale"}, []any{"name", "=", "model_sale_order"}}}, map[string]any{"fields": []any{"model", "res_id", "complete_name"}})
	if r := rows(res); e != nil || len(r) != 1 || r[0]["model"] != "ir.model" || r[0]["complete_name"] != "sale.model_sale_order" {
		t.Errorf("ir.model.data of a model: %v %v", res, e)
	}
	if _, e = alice.call(t, cfg, "ir.model.data", "search_read", []any{[]any{}}, nil); errorName(e) != "odoo.exceptions.AccessError" {
		t.Errorf("alice ir.model.data search_read: %v", e)
	}
}
