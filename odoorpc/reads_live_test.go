package odoorpc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// json2 calls /json/2/<model>/<method> with an API key and returns the
// status and the decoded body (numbers as float64).
func json2(t *testing.T, cfg clientConfig, key, model, method string, body map[string]any) (int, any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", cfg.URL+"/json/2/"+model+"/"+method, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s.%s: %v", model, method, err)
	}
	return resp.StatusCode, out
}

// jsonrpc calls execute_kw over /jsonrpc with a password and returns the
// result or the error object.
func jsonrpc(t *testing.T, cfg clientConfig, uid int64, password, model, method string, args []any, kwargs map[string]any) (any, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
		"service": "object", "method": "execute_kw", "args": []any{cfg.DB, uid, password, model, method, args, kwargs}}})
	resp, err := http.Post(cfg.URL+"/jsonrpc", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	e, _ := out["error"].(map[string]any)
	return out["result"], e
}

func errorName(v any) string {
	m, _ := v.(map[string]any)
	if d, ok := m["data"].(map[string]any); ok {
		m = d
	}
	s, _ := m["name"].(string)
	return s
}

func rows(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

// TestLiveReadLoad: read and search_read honour load, over JSON-2 and
// JSON-RPC: '_classic_read' (the default) gives [id, name], anything else
// the bare id, which is what odoorpc's browse navigation expects.
func TestLiveReadLoad(t *testing.T) {
	cfg := startLive(t)
	key := cfg.User.Key
	st, res := json2(t, cfg, key, "sale.order", "search", map[string]any{"domain": []any{}, "limit": 1})
	ids, _ := res.([]any)
	if st != 200 || len(ids) != 1 {
		t.Fatalf("search: %d %v", st, res)
	}
	for _, c := range []struct {
		load any
		pair bool
	}{{"_classic_read", true}, {"_classic_write", false}, {nil, false}, {false, false}} {
		st, res := json2(t, cfg, key, "sale.order", "read", map[string]any{"ids": ids, "fields": []any{"partner_id", "name"}, "load": c.load})
		r := rows(res)
		if st != 200 || len(r) != 1 {
			t.Fatalf("read load=%v: %d %v", c.load, st, res)
		}
		_, isPair := r[0]["partner_id"].([]any)
		_, isID := r[0]["partner_id"].(float64)
		if isPair != c.pair || isID == c.pair || r[0]["name"] == nil {
			t.Errorf("read load=%v: partner_id %v", c.load, r[0]["partner_id"])
		}
	}
	// The default of read is _classic_read.
	_, res = json2(t, cfg, key, "sale.order", "read", map[string]any{"ids": ids, "fields": []any{"partner_id"}})
	if _, ok := rows(res)[0]["partner_id"].([]any); !ok {
		t.Errorf("read without load: %v", res)
	}
	res, e := jsonrpc(t, cfg, cfg.userID, cfg.User.Password, "sale.order", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"partner_id", "user_id"}, "load": nil, "limit": 3})
	r := rows(res)
	if e != nil || len(r) == 0 {
		t.Fatalf("search_read load=None: %v %v", res, e)
	}
	for _, rec := range r {
		if _, ok := rec["partner_id"].(float64); !ok || rec["user_id"] != float64(cfg.userID) {
			t.Errorf("search_read load=None: %v", rec)
		}
	}
	// Refused as before: another salesman's order is missing, whatever load.
	st, res = json2(t, cfg, key, "sale.order", "read", map[string]any{"ids": []any{cfg.ForeignOrderID}, "fields": []any{"partner_id"}, "load": nil})
	if st != 404 || errorName(res) != "odoo.exceptions.MissingError" {
		t.Errorf("foreign order with load=None: %d %v", st, res)
	}
}

// TestLiveWebRead: web_read and web_search_read with Odoo 19's
// specification (nested many2one and x2many specs, limit and order inside
// an x2many spec), search_fetch; refusals as read's.
func TestLiveWebRead(t *testing.T) {
	cfg := startLive(t)
	key := cfg.User.Key
	spec := map[string]any{
		"name":       map[string]any{},
		"partner_id": map[string]any{"fields": map[string]any{"display_name": map[string]any{}, "email": map[string]any{}}},
		"user_id":    map[string]any{},
		"order_line": map[string]any{"fields": map[string]any{"name": map[string]any{}, "product_uom_qty": map[string]any{}}, "limit": 1, "order": "id desc"},
	}
	st, res := json2(t, cfg, key, "sale.order", "web_search_read", map[string]any{"domain": []any{}, "specification": spec, "limit": 2, "order": "id"})
	m, _ := res.(map[string]any)
	recs := rows(m["records"])
	if st != 200 || len(recs) != 2 {
		t.Fatalf("web_search_read: %d %v", st, res)
	}
	n, _ := m["length"].(float64)
	_, all := json2(t, cfg, key, "sale.order", "search_count", map[string]any{"domain": []any{}})
	if n != all.(float64) || n < 2 {
		t.Errorf("web_search_read length %v, search_count %v", n, all)
	}
	for _, rec := range recs {
		p, _ := rec["partner_id"].(map[string]any)
		if p == nil || p["id"] == nil || p["display_name"] == nil || p["email"] == nil {
			t.Errorf("nested many2one: %v", rec["partner_id"])
		}
		if rec["user_id"] != float64(cfg.userID) {
			t.Errorf("many2one without fields is the id: %v", rec["user_id"])
		}
		lines, _ := rec["order_line"].([]any)
		for i, l := range lines {
			lm, _ := l.(map[string]any)
			if i == 0 && (lm["name"] == nil || lm["product_uom_qty"] == nil) {
				t.Errorf("first line read: %v", lm)
			}
			if i > 0 && len(lm) != 1 {
				t.Errorf("lines past the limit are {id}: %v", lm)
			}
			if i > 0 && lm["id"].(float64) > lines[i-1].(map[string]any)["id"].(float64) {
				t.Errorf("order id desc not applied: %v", lines)
			}
		}
	}
	id := recs[0]["id"]
	st, res = json2(t, cfg, key, "sale.order", "web_read", map[string]any{"ids": []any{id}, "specification": map[string]any{"name": map[string]any{}, "partner_id": map[string]any{}}})
	r := rows(res)
	if st != 200 || len(r) != 1 || r[0]["name"] == nil {
		t.Fatalf("web_read: %d %v", st, res)
	}
	if _, ok := r[0]["partner_id"].(float64); !ok {
		t.Errorf("web_read many2one without fields: %v", r[0]["partner_id"])
	}
	st, res = json2(t, cfg, key, "sale.order", "search_fetch", map[string]any{"domain": []any{}, "field_names": []any{"name"}, "limit": 2, "order": "id"})
	if l, _ := res.([]any); st != 200 || len(l) != 2 || l[0] != id {
		t.Errorf("search_fetch: %d %v", st, res)
	}
	// Refusals: a hidden record, an unknown field, a malformed spec.
	st, res = json2(t, cfg, key, "sale.order", "web_read", map[string]any{"ids": []any{cfg.ForeignOrderID}, "specification": map[string]any{"name": map[string]any{}}})
	if st != 404 || errorName(res) != "odoo.exceptions.MissingError" {
		t.Errorf("web_read of a foreign order: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "web_search_read", map[string]any{"domain": []any{}, "specification": map[string]any{"nope": map[string]any{}}})
	if st != 422 {
		t.Errorf("web_search_read of an unknown field: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "web_read", map[string]any{"ids": []any{id}, "specification": []any{"name"}})
	if st != 422 {
		t.Errorf("web_read with a list specification: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "sale.order", "search_fetch", map[string]any{"domain": []any{[]any{"id", "=", cfg.ForeignOrderID}}, "field_names": []any{"name"}})
	if l, _ := res.([]any); st != 200 || len(l) != 0 {
		t.Errorf("search_fetch sees a foreign order: %d %v", st, res)
	}
}
