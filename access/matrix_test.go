package access_test

import (
	"testing"

	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestAuthorizationMatrix runs role × model × operation × record through
// the ORM with the demo security. Every case runs in its own Env that is
// rolled back, so the data is the same for each. "404" is MissingError
// (the record is unreadable: reported as missing), "403" AccessError.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		type tc struct {
			user, model, op, rec, want string
		}
		var cases []tc
		add := func(user, model, op, want string, recs ...string) {
			for _, r := range recs {
				cases = append(cases, tc{user, model, op, r, want})
			}
		}
		orders := []string{"o_alice_deco", "o_alice_azure", "o_bob_azure", "o_none_deco", "o_dave_branch"}
		// alice, salesman: her own orders only, no delete.
		add("alice", "sale.order", "read", "ok", "o_alice_deco", "o_alice_azure")
		add("alice", "sale.order", "read", "404", "o_bob_azure", "o_none_deco", "o_dave_branch")
		add("alice", "sale.order", "write", "ok", "o_alice_deco")
		add("alice", "sale.order", "write", "404", "o_bob_azure", "o_dave_branch")
		add("alice", "sale.order", "unlink", "403", "o_alice_deco", "o_bob_azure") // no unlink ACL: before any record check
		add("alice", "sale.order", "create_own", "ok", "-")
		add("alice", "sale.order", "create_other", "403", "-") // create rule: user_id must be hers
		add("alice", "sale.order.line", "read", "ok", "l_alice")
		add("alice", "sale.order.line", "read", "404", "l_bob")
		add("alice", "product.product", "read", "ok", "pr_desk")
		add("alice", "product.product", "write", "403", "pr_desk")
		// bob, manager with both companies: everything of his active
		// companies (both, without a context).
		add("bob", "sale.order", "read", "ok", orders...)
		add("bob", "sale.order", "write", "ok", orders...)
		add("bob", "sale.order", "unlink", "ok", "o_alice_deco", "o_none_deco")
		add("bob", "sale.order", "create_other", "ok", "-")
		add("bob", "product.product", "write", "ok", "pr_desk")
		// carol, portal: orders of her commercial partner (Deco), read only.
		add("carol", "sale.order", "read", "ok", "o_alice_deco", "o_none_deco")
		add("carol", "sale.order", "read", "404", "o_alice_azure", "o_bob_azure", "o_dave_branch")
		add("carol", "sale.order", "write", "403", "o_alice_deco", "o_bob_azure")
		add("carol", "sale.order", "create_own", "403", "-")
		add("carol", "sale.order.line", "read", "ok", "l_alice")
		add("carol", "sale.order.line", "read", "404", "l_bob")
		add("carol", "res.partner", "read", "ok", "p_deco", "p_carol")
		add("carol", "res.partner", "read", "404", "p_azure")
		add("carol", "product.product", "read", "ok", "pr_desk")
		// dave, salesman of the branch company only.
		add("dave", "sale.order", "read", "ok", "o_dave_branch")
		add("dave", "sale.order", "read", "404", "o_alice_deco", "o_none_deco")
		// erin, internal user without sales rights: no order ACL at all.
		add("erin", "sale.order", "read", "403", "o_alice_deco")
		add("erin", "res.partner", "read", "ok", "p_deco", "p_azure")
		add("erin", "res.partner", "read", "404", "p_branch") // multi-company partner rule
		add("erin", "res.partner", "write", "403", "p_deco")
		// public: products, read only, nothing else.
		add("public", "product.product", "read", "ok", "pr_desk")
		add("public", "product.product", "write", "403", "pr_desk")
		add("public", "sale.order", "read", "403", "o_alice_deco")
		add("public", "res.partner", "read", "403", "p_deco")
		// root: settings + sales manager, single company.
		add("root", "sale.order", "read", "ok", "o_alice_deco", "o_bob_azure")
		add("root", "sale.order", "read", "404", "o_dave_branch")
		add("root", "res.company", "write", "ok", "c_main")

		for _, c := range cases {
			name := c.user + "/" + c.model + "/" + c.op + "/" + c.rec
			err := w.run(c.user, false, func(e *orm.Env) error {
				m := w.model(e, c.model)
				id := w.rec[c.rec]
				switch c.op {
				case "read":
					_, err := m.Read([]int64{id}, []string{"display_name"})
					return err
				case "write":
					field := map[string]string{"sale.order": "note", "product.product": "name", "res.partner": "email", "res.company": "name"}[c.model]
					return m.Write([]int64{id}, map[string]any{field: "changed"})
				case "unlink":
					return m.Unlink([]int64{id})
				case "create_own", "create_other":
					uid := w.users[c.user].UserID
					if c.op == "create_other" {
						uid = w.users["bob"].UserID
						if c.user == "bob" {
							uid = w.users["alice"].UserID
						}
					}
					_, err := m.Create([]map[string]any{{"name": "new", "partner_id": w.rec["p_deco"], "company_id": w.rec["c_main"], "user_id": uid, "date_order": "2026-02-01 00:00:00"}})
					return err
				}
				t.Fatalf("bad op %s", c.op)
				return nil
			})
			if got := kindOf(err); got != c.want {
				t.Errorf("%s: got %s, want %s", name, got, c.want)
			}
		}
	})
}

// TestSearchMatrix checks what search returns per role: silently filtered.
func TestSearchMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tc := range []struct {
			user    string
			ctx     map[string]any
			want    []string
			wantErr string
		}{
			{user: "alice", want: []string{"o_alice_deco", "o_alice_azure"}},
			{user: "bob", want: []string{"o_alice_deco", "o_alice_azure", "o_bob_azure", "o_none_deco", "o_dave_branch"}},
			{user: "bob", ctx: map[string]any{"allowed_company_ids": []any{float64(w.rec["c_branch"])}}, want: []string{"o_dave_branch"}},
			{user: "alice", ctx: map[string]any{"allowed_company_ids": []any{float64(w.rec["c_branch"])}}, wantErr: "403"}, // never widened
			{user: "carol", want: []string{"o_alice_deco", "o_none_deco"}},
			{user: "dave", want: []string{"o_dave_branch"}},
			{user: "erin", wantErr: "403"},
			{user: "public", wantErr: "403"},
		} {
			e := w.env(tc.user, tc.ctx)
			ids, err := w.model(e, "sale.order").Search(nil, orm.SearchOptions{Order: "id"})
			e.Finish(nil)
			if tc.wantErr != "" {
				if kindOf(err) != tc.wantErr {
					t.Errorf("%s %v: err %v, want %s", tc.user, tc.ctx, err, tc.wantErr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.user, err)
			}
			want := map[int64]bool{}
			for _, n := range tc.want {
				want[w.rec[n]] = true
			}
			if len(ids) != len(want) {
				t.Errorf("%s %v: got %v, want %v", tc.user, tc.ctx, ids, tc.want)
				continue
			}
			for _, id := range ids {
				if !want[id] {
					t.Errorf("%s %v: got %v, want %v", tc.user, tc.ctx, ids, tc.want)
				}
			}
		}
	})
}
