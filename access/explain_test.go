package access_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestExplain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tc := range []struct {
			user, model, op, rec string
			allowed              bool
			outcome              string
			text                 []string
		}{
			{"alice", "sale.order", "read", "o_bob_azure", false, "MissingError (404)",
				[]string{"sales.sale_order_personal_rule", "FAILS", "sales.sale_order_see_all", "ignored (not in its groups)", "Combined domain:"}},
			{"alice", "sale.order", "write", "o_alice_deco", true, "allowed", []string{"passes", "+ sales.access_sale_order_salesman"}},
			{"alice", "sale.order", "unlink", "o_alice_deco", false, "AccessError (403)", []string{"ACL (ir.model.access): REFUSED", "You are not allowed to delete 'Sales Order' (sale.order) records.", "Sales/Administrator"}},
			{"carol", "sale.order", "write", "o_alice_deco", false, "AccessError (403)", []string{"REFUSED"}},
			{"bob", "sale.order", "read", "o_dave_branch", true, "allowed", []string{"sales.sale_order_comp_rule"}},
			{"alice", "sale.order", "read", "", true, "", []string{"may read the sale.order records matching"}},
			{"alice", "sale.order", "read", "nope", false, "MissingError (404): the record does not exist", nil},
		} {
			e := w.env(tc.user, nil)
			id := w.rec[tc.rec]
			if tc.rec == "nope" {
				id = 999999
			}
			x, err := w.pol.Explain(e, tc.model, tc.op, id)
			e.Finish(nil)
			if err != nil {
				t.Fatalf("%+v: %v", tc, err)
			}
			name := tc.user + " " + tc.op + " " + tc.rec
			if x.Allowed != tc.allowed {
				t.Errorf("%s: allowed = %v, want %v\n%s", name, x.Allowed, tc.allowed, x.Text())
			}
			if tc.outcome != "" && (x.Record == nil || !strings.HasPrefix(x.Record.Outcome, tc.outcome)) {
				t.Errorf("%s: outcome %+v, want %s", name, x.Record, tc.outcome)
			}
			text := x.Text()
			for _, want := range tc.text {
				if !strings.Contains(text, want) {
					t.Errorf("%s: text lacks %q:\n%s", name, want, text)
				}
			}
			if x.SQL == "" || x.Dialect != db.Dialect.Name() {
				t.Errorf("%s: SQL %q for %s", name, x.SQL, x.Dialect)
			}
			b, err := x.JSON()
			var back access.Explanation
			if err != nil || json.Unmarshal(b, &back) != nil || back.Summary != x.Summary {
				t.Errorf("%s: JSON round trip: %v", name, err)
			}
		}
		e := w.env("alice", nil)
		defer e.Finish(nil)
		if _, err := w.pol.Explain(e, "sale.order", "delete", 0); err == nil {
			t.Error("unknown op accepted")
		}
		if _, err := w.pol.Explain(e, "no.model", "read", 0); err == nil {
			t.Error("unknown model accepted")
		}
	})
}
