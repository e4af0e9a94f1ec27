package odoorpc_test

import (
	"testing"

	"github.com/rampart/rampart/rampartest"
)

// TestLiveUserLinks: res.users' company_ids and partner_id and
// res.partner's user_ids read and searched through the APIs under the
// caller's rules: an internal user sees her companies and her partner's
// user link; a portal user has no read ACL on res.users, neither directly
// nor through a partner's user_ids.
func TestLiveUserLinks(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	alice := a.JSON2(rampartest.Alice)
	uid := a.UID(t, rampartest.Alice)
	p := a.Principal(t, rampartest.Alice)

	st, res, raw := alice.Call(t, "res.users", "read", map[string]any{"ids": []any{uid}, "fields": []any{"company_ids", "partner_id", "company_id"}})
	r := rows(res)
	if st != 200 || len(r) != 1 {
		t.Fatalf("read res.users: %d %s", st, raw)
	}
	cids, _ := r[0]["company_ids"].([]any)
	if len(cids) != len(p.CompanyIDs) {
		t.Errorf("company_ids = %v, want %v", cids, p.CompanyIDs)
	}
	pair, _ := r[0]["partner_id"].([]any)
	if len(pair) != 2 || pair[0] != float64(p.PartnerID) {
		t.Fatalf("partner_id = %v, want %d", r[0]["partner_id"], p.PartnerID)
	}
	st, res, raw = alice.Call(t, "res.partner", "read", map[string]any{"ids": []any{pair[0]}, "fields": []any{"user_ids"}})
	if r = rows(res); st != 200 || len(r) != 1 || len(r[0]["user_ids"].([]any)) != 1 || r[0]["user_ids"].([]any)[0] != float64(uid) {
		t.Errorf("partner user_ids: %d %s", st, raw)
	}
	// Searchable as company rules use them.
	st, res, raw = alice.Call(t, "res.users", "search", map[string]any{"domain": []any{[]any{"company_ids", "in", []any{p.CompanyIDs[0]}}, []any{"id", "=", uid}}})
	if l, _ := res.([]any); st != 200 || len(l) != 1 {
		t.Errorf("search company_ids: %d %s", st, raw)
	}
	st, res, raw = alice.Call(t, "res.partner", "search_count", map[string]any{"domain": []any{[]any{"user_ids", "!=", false}, []any{"id", "=", pair[0]}}})
	if st != 200 || res != float64(1) {
		t.Errorf("search user_ids: %d %s", st, raw)
	}
	st, res, raw = alice.Call(t, "res.users", "fields_get", map[string]any{"allfields": []any{"company_ids"}, "attributes": []any{"type", "relation"}})
	if f, _ := res.(map[string]any)["company_ids"].(map[string]any); st != 200 || f["type"] != "many2many" || f["relation"] != "res.company" {
		t.Errorf("fields_get company_ids: %d %s", st, raw)
	}

	// Refused: the portal user cannot read users, nor reach them through
	// a partner's user_ids.
	carol := a.JSON2(rampartest.Carol)
	if st, res, raw = carol.Call(t, "res.users", "read", map[string]any{"ids": []any{uid}, "fields": []any{"company_ids"}}); st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("portal reads res.users: %d %s", st, raw)
	}
	cp := a.Principal(t, rampartest.Carol).PartnerID
	if st, res, raw = carol.Call(t, "res.partner", "read", map[string]any{"ids": []any{cp}, "fields": []any{"user_ids"}}); st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("portal reads user_ids: %d %s", st, raw)
	}
	if st, _, raw = carol.Call(t, "res.partner", "read", map[string]any{"ids": []any{cp}, "fields": []any{"name"}}); st != 200 {
		t.Errorf("portal reads its own partner: %d %s", st, raw)
	}
}
