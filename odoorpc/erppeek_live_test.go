package odoorpc_test

import (
	"strings"
	"testing"

	"github.com/rampart/rampart/rampartest"
)

// TestLiveErppeekFirstUse replays, per role, the exact calls erppeek
// (erppeek.py: Client.model → Client.models → Client.execute, Model._get_fields,
// Model._get_keys, Model.browse, Record.__getattr__ → read, Record._get_name)
// makes when a model is first used, over XML-RPC object.execute as erppeek
// sends them, with Odoo 19's answers:
//
//  1. execute('ir.model', 'search', [('model', 'like', name)])
//  2. execute('ir.model', 'read', ids, ('model',))
//  3. execute(name, 'fields_get')
//  4. execute(name, 'fields_get_keys')       (gone since Odoo 16: AttributeError)
//  5. execute(name, 'search', domain)         (Model.browse(domain))
//  6. execute(name, 'read', ids, ['name'])    (record.name)
//  7. execute(name, 'name_get', [id])         (str(record); gone: AttributeError, erppeek falls back)
//
// The administrator gets ir.model; an internal user and a portal user are
// refused it (Odoo 19's ACL: erppeek then needs check=False), and both
// reach fields_get and their rule-filtered records.
func TestLiveErppeekFirstUse(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	const model = "res.partner"
	like := []any{[]any{"model", "like", model}}
	var adminCount float64
	for _, role := range []string{rampartest.Admin, rampartest.Alice, rampartest.Carol} {
		c := a.XMLRPC(t, role)
		exec := func(m, method string, args ...any) (any, string) {
			t.Helper()
			params := append([]any{c.DB, c.UID, c.Password, m, method}, args...)
			st, res, fault := c.Call(t, "/xmlrpc/2/object", "execute", params...)
			if st != 200 {
				t.Fatalf("%s %s.%s: status %d", role, m, method, st)
			}
			return res, fault
		}
		res, fault := exec("ir.model", "search", like)
		if role == rampartest.Admin {
			ids, _ := res.([]any)
			if fault != "" || len(ids) == 0 {
				t.Fatalf("admin ir.model search: %v %q", res, fault)
			}
			res, fault = exec("ir.model", "read", ids, []any{"model"})
			found := false
			for _, r := range res.([]any) {
				found = found || r.(map[string]any)["model"] == model
			}
			if fault != "" || !found {
				t.Fatalf("admin ir.model read: %v %q", res, fault)
			}
		} else if !strings.Contains(fault, "ir.model") {
			t.Errorf("%s ir.model search: %v %q (Odoo 19 refuses it to non-administrators)", role, res, fault)
		}
		res, fault = exec(model, "fields_get")
		fields, _ := res.(map[string]any)
		if fault != "" || fields["name"] == nil || fields["name"].(map[string]any)["type"] != "char" {
			t.Fatalf("%s fields_get: %q", role, fault)
		}
		if _, fault = exec(model, "fields_get_keys"); fault != "AttributeError: The method 'res.partner.fields_get_keys' does not exist" {
			t.Errorf("%s fields_get_keys: %q", role, fault)
		}
		res, fault = exec(model, "search", []any{[]any{"is_company", "=", true}})
		ids, _ := res.([]any)
		if fault != "" {
			t.Fatalf("%s search: %q", role, fault)
		}
		// The same count as the role's own search_count: rules apply.
		_, n, _ := a.JSON2(role).Call(t, model, "search_count", map[string]any{"domain": []any{[]any{"is_company", "=", true}}})
		if float64(len(ids)) != n.(float64) {
			t.Errorf("%s search: %d ids, search_count %v", role, len(ids), n)
		}
		if role == rampartest.Admin {
			adminCount = n.(float64)
		} else if n.(float64) >= adminCount && role == rampartest.Carol {
			t.Errorf("the portal user sees every company: %v of %v", n, adminCount)
		}
		if len(ids) > 0 {
			res, fault = exec(model, "read", ids[:1], []any{"name"})
			if r, _ := res.([]any); fault != "" || len(r) != 1 || r[0].(map[string]any)["name"] == "" {
				t.Errorf("%s read name: %v %q", role, res, fault)
			}
			if _, fault = exec(model, "name_get", ids[:1]); !strings.HasPrefix(fault, "AttributeError: The method 'res.partner.name_get' does not exist") {
				t.Errorf("%s name_get: %q", role, fault)
			}
		}
	}
}
