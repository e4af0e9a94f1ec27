package rampart_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/rampart/rampart/rampartest"
)

// TestBaseUserRuleConfinesShareUsers: the base security set carries Odoo
// 19's res_users_rule (['|', ('share', '=', False), ('company_ids', 'in',
// company_ids)]): every internal user is visible to internal users, a
// portal user only within the caller's companies — over JSON-2 and
// XML-RPC alike, for search and for read by id.
func TestBaseUserRuleConfinesShareUsers(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	carol := a.UID(t, rampartest.Carol) // portal, first company
	logins := func(login string) []string {
		st, res, body := a.JSON2(login).Call(t, "res.users", "search_read",
			map[string]any{"domain": []any{}, "fields": []any{"login"}})
		if st != 200 {
			t.Fatalf("%s search_read res.users: %d %s", login, st, body)
		}
		var out []string
		for _, r := range res.([]any) {
			out = append(out, r.(map[string]any)["login"].(string))
		}
		return out
	}
	// Allowed: the first company's users see carol; everyone sees the
	// internal users of the other company.
	for _, login := range []string{rampartest.Admin, rampartest.Alice} {
		got := logins(login)
		if !slices.Contains(got, rampartest.Carol) || !slices.Contains(got, rampartest.Dave) {
			t.Errorf("%s sees %v, want carol and dave among them", login, got)
		}
	}
	// Refused: dave (second company only) does not see the first
	// company's portal user, by search, by id or over XML-RPC, while he
	// still sees alice (internal).
	got := logins(rampartest.Dave)
	if slices.Contains(got, rampartest.Carol) || !slices.Contains(got, rampartest.Alice) {
		t.Errorf("dave sees %v, want alice and not carol", got)
	}
	if st, _, body := a.JSON2(rampartest.Dave).Call(t, "res.users", "read",
		map[string]any{"ids": []any{carol}, "fields": []any{"login"}}); st != 404 {
		t.Errorf("dave reads carol by id: %d %s, want 404 (hidden as missing)", st, body)
	}
	if _, res, fault := a.XMLRPC(t, rampartest.Dave).ExecuteKW(t, "res.users", "search_count",
		[]any{[]any{[]any{"id", "=", carol}}}, nil); fault != "" || fmt.Sprint(res) != "0" {
		t.Errorf("dave counts carol over XML-RPC: %v %q, want 0", res, fault)
	}
	// Unchanged data: the administrator still reads carol.
	if st, _, body := a.JSON2(rampartest.Admin).Call(t, "res.users", "read",
		map[string]any{"ids": []any{carol}, "fields": []any{"login"}}); st != 200 {
		t.Errorf("admin reads carol: %d %s", st, body)
	}
}
