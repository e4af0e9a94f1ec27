package odoorpc_test

import "testing"

// TestLiveGeoData: the ISO 3166 countries and states and the ISO 4217
// currencies are there, readable by every user, under Odoo's external ids,
// and changed by administrators only; a contact takes an address.
func TestLiveGeoData(t *testing.T) {
	cfg := startLive(t)
	key := cfg.User.Key
	if _, res := json2(t, cfg, key, "res.country", "search_count", map[string]any{"domain": []any{}}); res != float64(249) {
		t.Errorf("countries: %v", res)
	}
	st, res := json2(t, cfg, key, "ir.model.data", "check_object_reference", map[string]any{"module": "base", "xml_id": "be"})
	ref, _ := res.([]any)
	if st != 200 || len(ref) != 2 || ref[0] != "res.country" {
		t.Fatalf("base.be: %d %v", st, res)
	}
	_, res = json2(t, cfg, key, "res.country", "read", map[string]any{"ids": []any{ref[1]}, "fields": []any{"name", "code"}})
	if r := rows(res); len(r) != 1 || r[0]["code"] != "BE" || r[0]["name"] != "Belgium" {
		t.Errorf("Belgium: %v", res)
	}
	if _, res = json2(t, cfg, key, "res.country.state", "search_count", map[string]any{"domain": []any{[]any{"country_id", "=", ref[1]}}}); res.(float64) < 3 {
		t.Errorf("Belgian states: %v", res)
	}
	_, res = json2(t, cfg, key, "res.currency", "search_read", map[string]any{"domain": []any{}, "fields": []any{"name"}})
	if r := rows(res); len(r) != 2 { // only EUR and USD are active, as in a fresh Odoo
		t.Errorf("active currencies: %v", res)
	}
	if _, res = json2(t, cfg, key, "res.currency", "search_count", map[string]any{"domain": []any{[]any{"active", "in", []any{true, false}}}}); res.(float64) < 150 {
		t.Errorf("all currencies: %v", res)
	}
	// Refused: a salesman does not rename countries; the row is unchanged.
	st, res = json2(t, cfg, key, "res.country", "write", map[string]any{"ids": []any{ref[1]}, "vals": map[string]any{"name": "Nope"}})
	if st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("write a country: %d %v", st, res)
	}
	_, res = json2(t, cfg, cfg.Admin.Key, "res.country", "read", map[string]any{"ids": []any{ref[1]}, "fields": []any{"name"}})
	if r := rows(res); len(r) != 1 || r[0]["name"] != "Belgium" {
		t.Errorf("country changed: %v", res)
	}
	st, res = json2(t, cfg, key, "res.partner", "create", map[string]any{"vals_list": []any{map[string]any{
		"name": "Brussels Office", "street": "Rue de la Loi 16", "zip": "1000", "city": "Brussels", "country_id": ref[1], "vat": "BE0123456789"}}})
	if ids, _ := res.([]any); st != 200 || len(ids) != 1 {
		t.Errorf("contact with an address: %d %v", st, res)
	}
	st, res = json2(t, cfg, key, "res.partner", "create", map[string]any{"vals_list": []any{map[string]any{"name": "Bad", "country_id": 999999}}})
	if st != 422 {
		t.Errorf("contact with an unknown country: %d %v", st, res)
	}
}

// TestLiveFieldsGetAttributes: Odoo 19's grouping attributes, and
// attributes given as a list or a dict.
func TestLiveFieldsGetAttributes(t *testing.T) {
	cfg := startLive(t)
	for _, attrs := range []any{
		[]any{"aggregator", "groupable", "sortable", "searchable", "store", "type"},
		map[string]any{"aggregator": map[string]any{}, "groupable": map[string]any{}, "sortable": map[string]any{}, "searchable": map[string]any{}, "store": map[string]any{}, "type": map[string]any{}},
	} {
		st, res := json2(t, cfg, cfg.User.Key, "sale.order", "fields_get", map[string]any{"attributes": attrs})
		f, _ := res.(map[string]any)
		at, _ := f["amount_total"].(map[string]any)
		name, _ := f["name"].(map[string]any)
		lines, _ := f["order_line"].(map[string]any)
		if st != 200 || at["aggregator"] != "sum" || at["groupable"] != true || name["aggregator"] != nil || name["sortable"] != true ||
			lines["groupable"] != false || lines["store"] != true || len(at) != 6 || at["help"] != nil {
			t.Errorf("fields_get %T: %d amount_total=%v name=%v order_line=%v", attrs, st, at, name, lines)
		}
	}
	if st, res := json2(t, cfg, cfg.User.Key, "sale.order", "fields_get", map[string]any{"attributes": 42}); st != 422 {
		t.Errorf("attributes 42: %d %v", st, res)
	}
}
