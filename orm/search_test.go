package orm

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestSearchDomainsActiveAndNameSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		partners := model(t, e, "res.partner")
		ids := mustCreate(t, partners,
			map[string]any{"name": "Acme", "is_company": true},
			map[string]any{"name": "Archived Co", "is_company": true, "active": false},
			map[string]any{"name": "Zed"})
		acme, archived, zed := ids[0], ids[1], ids[2]
		jane := mustCreate(t, partners, map[string]any{"name": "Jane", "parent_id": acme})[0]
		orders := model(t, e, "test.order")
		mustCreate(t, orders, map[string]any{"name": "o1", "partner_id": jane}, map[string]any{"name": "o2", "partner_id": zed})

		parse := func(src string) domain.Node {
			n, err := domain.Parse(src, nil)
			if err != nil {
				t.Fatalf("parse %s: %v", src, err)
			}
			return n
		}
		cases := []struct {
			model, domain string
			ctx           map[string]any
			want          []int64
		}{
			{"res.partner", "[]", nil, []int64{acme, jane, zed}},
			{"res.partner", "[]", map[string]any{"active_test": false}, []int64{acme, archived, jane, zed}},
			{"res.partner", "[('active', 'in', [True, False])]", nil, []int64{acme, archived, jane, zed}},
			{"res.partner", "[('is_company', '=', True)]", nil, []int64{acme}},
			{"res.partner", "[('display_name', 'ilike', 'ja')]", nil, []int64{jane}},
			{"res.partner", "[('commercial_partner_id', '=', " + itoa(acme) + ")]", nil, []int64{acme, jane}},
			{"res.partner", "[('parent_id', 'child_of', " + itoa(acme) + ")]", nil, []int64{acme, jane}},
			{"test.order", "[('partner_id.commercial_partner_id.name', '=', 'Acme')]", nil, nil},
		}
		for _, c := range cases {
			m := model(t, e.WithContext(c.ctx), c.model)
			got, err := m.Search(parse(c.domain), SearchOptions{Order: "name"})
			if err != nil {
				t.Fatalf("%s %s: %v", c.model, c.domain, err)
			}
			if c.model == "test.order" {
				if len(got) != 1 {
					t.Errorf("dotted path: %v", got)
				}
				continue
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s %v: %v, want %v", c.domain, c.ctx, got, c.want)
			}
		}
		_, err := partners.Search(parse("[('nope', '=', 1)]"), SearchOptions{})
		wantKind(t, err, errs.ValidationError)

		ns, err := partners.NameSearch("ac", nil, "", 10)
		if err != nil || !reflect.DeepEqual(ns, [][2]any{{acme, "Acme"}}) {
			t.Errorf("name_search = %v, %v", ns, err)
		}
		ns, err = partners.NameSearch("", parse("[('is_company', '=', False)]"), "ilike", 1)
		if err != nil || len(ns) != 1 {
			t.Errorf("name_search limit: %v, %v", ns, err)
		}
		recs, err := orders.SearchRead(parse("[('name', '=', 'o2')]"), []string{"partner_id"}, SearchOptions{})
		if err != nil || len(recs) != 1 || !reflect.DeepEqual(recs[0]["partner_id"], []any{zed, "Zed"}) {
			t.Errorf("search_read = %v, %v", recs, err)
		}
		n, err := orders.SearchCount(nil, 1)
		if err != nil || n != 1 {
			t.Errorf("search_count limit = %d, %v", n, err)
		}
	})
}
