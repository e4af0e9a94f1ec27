package access_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// odooRecords returns the <record> elements of an Odoo file with these ids.
func odooRecords(t *testing.T, file string, ids ...string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := "<odoo>"
	for _, m := range regexp.MustCompile(`(?s)<record [^>]*id="([^"]+)".*?</record>`).FindAllStringSubmatch(string(data), -1) {
		if slices.Contains(ids, m[1]) {
			out += m[0]
		}
	}
	return out + "</odoo>"
}

const shareACL = `id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink
access_res_partner_group_portal,res_partner group_portal,base.model_res_partner,base.group_portal,1,0,0,0
access_res_partner_group_user,res_partner group_user,base.model_res_partner,base.group_user,1,0,0,0
access_res_users_group_user,res_users group_user,base.model_res_users,base.group_user,1,0,0,0
`

// TestOdooPartnerAndUserRulesWithShare runs Odoo 19's base_security.xml
// rules res_partner_rule, res_partner_portal_public_rule and res_users_rule,
// loaded verbatim, on both databases: an internal user of the first company
// sees the partner of an internal user of the second company (partner_share
// is False) but not that company's customers; a portal user sees only its
// commercial entity's contacts that the global rule allows; internal users
// of another company are visible through res_users_rule, portal users of
// another company are not. When the second company's user becomes portal
// (groups changed through identity), share and partner_share flip in the
// same transaction and the rules follow; a direct write of either column
// is put back by the database; moving a user's partner link or archiving
// the user recomputes the contacts concerned.
func TestOdooPartnerAndUserRulesWithShare(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := identitytest.New(t, db)
		pol := access.NewPolicy(nil, access.PolicyOptions{})
		reg := orm.NewRegistry(pol)
		if _, err := reg.Sync(ctx, db); err != nil {
			t.Fatal(err)
		}
		l := access.NewLoader(reg, nil)
		l.Load("base", "ir.model.access.csv", []byte(shareACL))
		l.Load("base", "base_security.xml", []byte(odooRecords(t, "testdata/odoo_base/base_security.xml",
			"res_partner_rule", "res_partner_portal_public_rule", "res_users_rule")))
		set, err := l.Build()
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Rules) != 3 || len(set.Skipped) != 0 {
			t.Fatalf("rules %d, skipped %v", len(set.Rules), set.Skipped)
		}
		pol.Replace(set)

		run := func(p *principal.Principal, fn func(e *orm.Env) error) {
			t.Helper()
			e := orm.NewEnv(ctx, reg, db, p, orm.EnvOptions{RequestID: "share"})
			err := fn(e)
			if ferr := e.Finish(err); ferr != nil || err != nil {
				t.Fatalf("%v / %v", err, ferr)
			}
		}
		rec := map[string]int64{}
		run(nil, func(e *orm.Env) error {
			su := e.Sudo("test fixtures")
			mk := func(model, name string, vals map[string]any) {
				m, err := su.Model(model)
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Create([]map[string]any{vals})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				rec[name] = got[0]
			}
			mk("res.company", "c1", map[string]any{"name": "One"})
			mk("res.company", "c2", map[string]any{"name": "Two"})
			mk("res.partner", "deco", map[string]any{"name": "Deco", "is_company": true, "company_id": rec["c1"]})
			mk("res.partner", "carol", map[string]any{"name": "Carol", "parent_id": rec["deco"], "company_id": rec["c1"]})
			mk("res.partner", "deco_c2", map[string]any{"name": "Deco (Two)", "parent_id": rec["deco"], "company_id": rec["c2"]})
			mk("res.partner", "cust2", map[string]any{"name": "Customer Two", "company_id": rec["c2"]})
			mk("res.partner", "ivan", map[string]any{"name": "Ivan", "company_id": rec["c2"]})
			mk("res.partner", "alice", map[string]any{"name": "Alice", "company_id": rec["c1"]})
			return nil
		})
		user := func(login string, partner, company int64, group string) *principal.Principal {
			id, err := ids.Service.CreateUser(ctx, identity.NewUser{Login: login, Name: login, PartnerID: partner,
				CompanyID: company, CompanyIDs: []int64{company}, Groups: []string{group}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := ids.Service.Principal(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		alice := user("alice", rec["alice"], rec["c1"], identity.GroupUser)
		carol := user("carol", rec["carol"], rec["c1"], identity.GroupPortal)
		ivan := user("ivan", rec["ivan"], rec["c2"], identity.GroupUser)

		names := func(p *principal.Principal, model string, d domain.Node) []string {
			t.Helper()
			var out []string
			run(p, func(e *orm.Env) error {
				m, err := e.Model(model)
				if err != nil {
					return err
				}
				rows, err := m.SearchRead(d, []string{"name"}, orm.SearchOptions{Order: "name"})
				for _, r := range rows {
					out = append(out, r["name"].(string))
				}
				return err
			})
			return out
		}
		check := func(what string, got []string, want ...string) {
			t.Helper()
			if !slices.Equal(got, want) {
				t.Errorf("%s: %q, want %q", what, got, want)
			}
		}
		shareOf := func(model string, id int64, field string) bool {
			t.Helper()
			var v bool
			run(nil, func(e *orm.Env) error {
				m, err := e.Sudo("test read-back").Model(model)
				if err != nil {
					return err
				}
				rows, err := m.Read([]int64{id}, []string{field})
				if err == nil {
					v = rows[0][field].(bool)
				}
				return err
			})
			return v
		}

		// Stored values, as Odoo computes them.
		for _, c := range []struct {
			model string
			id    int64
			field string
			want  bool
		}{
			{"res.users", alice.UserID, "share", false}, {"res.users", carol.UserID, "share", true}, {"res.users", ivan.UserID, "share", false},
			{"res.partner", rec["alice"], "partner_share", false}, {"res.partner", rec["ivan"], "partner_share", false},
			{"res.partner", rec["carol"], "partner_share", true}, {"res.partner", rec["deco"], "partner_share", true},
			{"res.partner", rec["cust2"], "partner_share", true},
		} {
			if got := shareOf(c.model, c.id, c.field); got != c.want {
				t.Errorf("%s %d %s = %v, want %v", c.model, c.id, c.field, got, c.want)
			}
		}

		// res_partner_rule: alice (One) sees Ivan (an internal user of Two),
		// not Two's customers; carol sees her commercial entity's contacts
		// of her company only.
		check("alice partners", names(alice, "res.partner", nil), "Alice", "Carol", "Deco", "Ivan")
		check("carol partners", names(carol, "res.partner", nil), "Carol", "Deco")
		check("alice partner_share=False", names(alice, "res.partner", mustDomain(t, "[('partner_share', '=', False)]")), "Alice", "Ivan")
		// res_users_rule: internal users of any company, shared users of mine.
		check("alice users", names(alice, "res.users", nil), "Administrator", "alice", "carol", "ivan")
		check("alice share=True", names(alice, "res.users", mustDomain(t, "[('share', '=', True)]")), "carol")

		// Ivan becomes a portal user: both flip and the rules follow.
		if err := ids.Service.RemoveGroups(ctx, ivan.UserID, identity.GroupUser); err != nil {
			t.Fatal(err)
		}
		if err := ids.Service.AddGroups(ctx, ivan.UserID, identity.GroupPortal); err != nil {
			t.Fatal(err)
		}
		if !shareOf("res.users", ivan.UserID, "share") || !shareOf("res.partner", rec["ivan"], "partner_share") {
			t.Error("ivan made portal: share/partner_share not flipped to true")
		}
		check("alice partners, ivan portal", names(alice, "res.partner", nil), "Alice", "Carol", "Deco")
		check("alice users, ivan portal", names(alice, "res.users", nil), "Administrator", "alice", "carol")

		// Through an implication: a new group implying base.group_user.
		if _, err := ids.Service.EnsureGroup(ctx, identity.Group{XMLID: "test.group_staff", Name: "Staff", Implied: []string{identity.GroupUser}}); err != nil {
			t.Fatal(err)
		}
		if err := ids.Service.AddGroups(ctx, ivan.UserID, "test.group_staff"); err != nil {
			t.Fatal(err)
		}
		if shareOf("res.users", ivan.UserID, "share") || shareOf("res.partner", rec["ivan"], "partner_share") {
			t.Error("ivan in a group implying base.group_user: share/partner_share still true")
		}
		if _, err := ids.Service.EnsureGroup(ctx, identity.Group{XMLID: "test.group_staff", Name: "Staff"}); err != nil {
			t.Fatal(err)
		}
		if !shareOf("res.users", ivan.UserID, "share") || !shareOf("res.partner", rec["ivan"], "partner_share") {
			t.Error("implication removed: share/partner_share not back to true")
		}

		// Not written through the ORM, not even in sudo; a direct write of
		// either column in SQL is put back by the database.
		for _, c := range []struct {
			model string
			id    int64
			vals  map[string]any
		}{
			{"res.partner", rec["cust2"], map[string]any{"partner_share": false}},
			{"res.partner", 0, map[string]any{"name": "Forged", "partner_share": false}},
		} {
			e := orm.NewEnv(ctx, reg, db, nil, orm.EnvOptions{RequestID: "share"})
			m, err := e.Sudo("test: forged partner_share").Model(c.model)
			if err != nil {
				t.Fatal(err)
			}
			if c.id != 0 {
				err = m.Write([]int64{c.id}, c.vals)
			} else {
				_, err = m.Create([]map[string]any{c.vals})
			}
			if errs.KindOf(err) != errs.ValidationError {
				t.Errorf("sudo writes %v: %v, want a ValidationError", c.vals, err)
			}
			e.Finish(err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE res_users SET share = ? WHERE id = ?`, false, carol.UserID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !shareOf("res.partner", rec["cust2"], "partner_share") || !shareOf("res.users", carol.UserID, "share") {
			t.Error("a forged share/partner_share was kept")
		}
		check("carol partners, at the end", names(carol, "res.partner", nil), "Carol", "Deco")

		// The partner link moves (no identity API changes it: SQL): the old
		// contact becomes shared, the new one internal. Archiving the user
		// makes its contact shared (Odoo's user_ids counts active users).
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE res_users SET partner_id = ? WHERE id = ?`, rec["cust2"], alice.UserID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !shareOf("res.partner", rec["alice"], "partner_share") || shareOf("res.partner", rec["cust2"], "partner_share") {
			t.Error("partner link moved: partner_share of the old/new contact not recomputed")
		}
		if err := ids.Service.SetActive(ctx, alice.UserID, false); err != nil {
			t.Fatal(err)
		}
		if !shareOf("res.partner", rec["cust2"], "partner_share") {
			t.Error("user archived: its contact is still an internal user's")
		}
	})
}
