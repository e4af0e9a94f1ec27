package odoorpc_test

import (
	"context"
	"testing"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// TestLiveShare: res.users.share and res.partner.partner_share read,
// searched and described through JSON-2 under the demo's ACLs and rules,
// for the administrator, an internal user (alice) and a portal user
// (carol), on both databases; they flip when carol's groups change
// (portal → internal → portal), and a client cannot write them.
func TestLiveShare(t *testing.T) {
	for _, pg := range []bool{false, true} {
		name := map[bool]string{false: "sqlite", true: "postgres"}[pg]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testLiveShare(t, rampartest.Demo(t, rampartest.Options{Postgres: pg}))
		})
	}
}

func testLiveShare(t *testing.T, a *rampartest.App) {
	ctx := context.Background()
	admin, alice, carol := a.JSON2(rampartest.Admin), a.JSON2(rampartest.Alice), a.JSON2(rampartest.Carol)
	aliceUID, carolUID := a.UID(t, rampartest.Alice), a.UID(t, rampartest.Carol)
	aliceP, carolP := a.Principal(t, rampartest.Alice).PartnerID, a.Principal(t, rampartest.Carol).PartnerID

	readOne := func(c *rampartest.JSON2, model string, id int64, field string) any {
		t.Helper()
		st, res, raw := c.Call(t, model, "read", map[string]any{"ids": []any{id}, "fields": []any{field}})
		r := rows(res)
		if st != 200 || len(r) != 1 {
			t.Fatalf("read %s %d %s: %d %s", model, id, field, st, raw)
		}
		return r[0][field]
	}
	search := func(c *rampartest.JSON2, model string, domain []any) map[float64]bool {
		t.Helper()
		st, res, raw := c.Call(t, model, "search", map[string]any{"domain": domain})
		l, ok := res.([]any)
		if st != 200 || !ok {
			t.Fatalf("search %s %v: %d %s", model, domain, st, raw)
		}
		out := map[float64]bool{}
		for _, id := range l {
			out[id.(float64)] = true
		}
		return out
	}
	shareIs := func(want bool) []any { return []any{[]any{"share", "=", want}} }
	pshareIs := func(want bool) []any { return []any{[]any{"partner_share", "=", want}} }

	// Values, per reader.
	for _, c := range []struct {
		who   string
		c     *rampartest.JSON2
		model string
		id    int64
		field string
		want  bool
	}{
		{"admin", admin, "res.users", aliceUID, "share", false},
		{"admin", admin, "res.users", carolUID, "share", true},
		{"alice", alice, "res.users", aliceUID, "share", false},
		{"alice", alice, "res.partner", aliceP, "partner_share", false},
		{"admin", admin, "res.partner", carolP, "partner_share", true},
		{"carol", carol, "res.partner", carolP, "partner_share", true},
	} {
		if got := readOne(c.c, c.model, c.id, c.field); got != c.want {
			t.Errorf("%s reads %s %d %s = %v, want %v", c.who, c.model, c.id, c.field, got, c.want)
		}
	}
	// Searchable.
	if s := search(admin, "res.users", shareIs(true)); !s[float64(carolUID)] || s[float64(aliceUID)] {
		t.Errorf("admin share=True: %v", s)
	}
	if s := search(alice, "res.users", shareIs(false)); s[float64(carolUID)] || !s[float64(aliceUID)] {
		t.Errorf("alice share=False: %v", s)
	}
	if s := search(admin, "res.partner", pshareIs(false)); s[float64(carolP)] || !s[float64(aliceP)] {
		t.Errorf("admin partner_share=False: %v", s)
	}
	// The portal user searches within her rules: her own contact is a
	// shared partner, and she sees no internal user's contact.
	if s := search(carol, "res.partner", pshareIs(true)); !s[float64(carolP)] {
		t.Errorf("carol partner_share=True: %v", s)
	}
	if s := search(carol, "res.partner", pshareIs(false)); len(s) != 0 {
		t.Errorf("carol partner_share=False: %v, want none", s)
	}
	// Refused: no read ACL on res.users for a portal user, not even on a
	// field used only in the domain.
	if st, res, raw := carol.Call(t, "res.users", "search", map[string]any{"domain": shareIs(false)}); st != 403 || errorName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("portal searches res.users by share: %d %s", st, raw)
	}
	// Described as Odoo's: boolean, read-only.
	st, res, raw := alice.Call(t, "res.partner", "fields_get", map[string]any{"allfields": []any{"partner_share"}, "attributes": []any{"type", "readonly"}})
	if f, _ := res.(map[string]any)["partner_share"].(map[string]any); st != 200 || f["type"] != "boolean" || f["readonly"] != true {
		t.Errorf("fields_get partner_share: %d %s", st, raw)
	}
	// Not writable by a client, even one with write access to contacts.
	if st, _, raw := admin.Call(t, "res.partner", "write", map[string]any{"ids": []any{carolP}, "vals": map[string]any{"partner_share": false}}); st == 200 {
		t.Errorf("admin wrote partner_share: %d %s", st, raw)
	}
	if got := readOne(admin, "res.partner", carolP, "partner_share"); got != true {
		t.Errorf("partner_share after a refused write = %v", got)
	}

	// carol becomes internal, then portal again: both values follow.
	for _, step := range []struct {
		name  string
		apply func() error
		share bool
	}{
		{"made internal", func() error { return a.Identity.AddGroups(ctx, carolUID, identity.GroupUser) }, false},
		{"internal group removed", func() error { return a.Identity.RemoveGroups(ctx, carolUID, identity.GroupUser) }, true},
	} {
		if err := step.apply(); err != nil {
			t.Fatal(err)
		}
		if got := readOne(admin, "res.users", carolUID, "share"); got != step.share {
			t.Errorf("%s: share = %v, want %v", step.name, got, step.share)
		}
		if got := readOne(admin, "res.partner", carolP, "partner_share"); got != step.share {
			t.Errorf("%s: partner_share = %v, want %v", step.name, got, step.share)
		}
		if s := search(admin, "res.users", shareIs(step.share)); !s[float64(carolUID)] {
			t.Errorf("%s: carol not found by share=%v", step.name, step.share)
		}
	}
}
