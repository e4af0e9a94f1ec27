package orm

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// Order by many2one paths and by a bare many2one (the comodel's order),
// with field groups and the comodel's read ACL checked.
func TestOrderByMany2onePath(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		pol := &fakePolicy{hidden: map[string]bool{}, deny: map[string]bool{}}
		r.policy = pol
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		partners := model(t, e, "res.partner")
		parents := mustCreate(t, partners, map[string]any{"name": "Zeta"}, map[string]any{"name": "Alpha"})
		p := mustCreate(t, partners,
			map[string]any{"name": "b", "email": "3@x", "parent_id": parents[1]},
			map[string]any{"name": "a", "email": "1@x", "parent_id": parents[0]},
			map[string]any{"name": "c", "email": "2@x"})
		orders := model(t, e, "test.order")
		o := mustCreate(t, orders,
			map[string]any{"name": "o1", "partner_id": p[0]},
			map[string]any{"name": "o2", "partner_id": p[1]},
			map[string]any{"name": "o3", "partner_id": p[2]},
			map[string]any{"name": "o4"})
		for _, c := range []struct {
			order string
			want  []int64
		}{
			{"partner_id", []int64{o[1], o[0], o[2], o[3]}}, // res.partner's order: name, id; NULLs last
			{"partner_id desc", []int64{o[3], o[2], o[0], o[1]}},
			{"partner_id.email", []int64{o[1], o[2], o[0], o[3]}},
			{"partner_id.email desc, name", []int64{o[3], o[0], o[2], o[1]}},
			{"partner_id.parent_id.name, name", []int64{o[0], o[1], o[2], o[3]}}, // Alpha, Zeta, none, none
			{"partner_id.parent_id", []int64{o[0], o[1], o[2], o[3]}},
		} {
			got, err := orders.Search(nil, SearchOptions{Order: c.order})
			if err != nil {
				t.Fatalf("%q: %v", c.order, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("order %q: %v, want %v", c.order, got, c.want)
			}
		}
		recs, err := orders.SearchRead(nil, []string{"name"}, SearchOptions{Order: "partner_id.name desc nulls last", Limit: 2})
		if err != nil || len(recs) != 2 || recs[0]["name"] != "o3" {
			t.Errorf("search_read by path: %v %v", recs, err)
		}
		for _, bad := range []string{"partner_id.nope", "name.x", "line_ids.name", "partner_id.name; DROP TABLE x", "partner_id.child_ids",
			"user_id.partner_id.parent_id.commercial_partner_id.name", "partner_id.name sideways"} {
			_, err := orders.Search(nil, SearchOptions{Order: bad})
			wantKind(t, err, errs.ValidationError)
		}
		// A comodel field the caller's groups hide, a comodel it may not
		// read: refused like a domain on them.
		lines := model(t, e, "test.line")
		mustCreate(t, lines, map[string]any{"name": "l", "order_id": o[0]})
		if _, err = lines.Search(nil, SearchOptions{Order: "order_id.secret"}); err != nil {
			t.Fatalf("order by a comodel field: %v", err)
		}
		pol.hidden["test.order.secret"] = true
		_, err = lines.Search(nil, SearchOptions{Order: "order_id.secret"})
		wantKind(t, err, errs.AccessError)
		pol.deny["res.partner/read"] = true
		_, err = orders.Search(nil, SearchOptions{Order: "partner_id"})
		wantKind(t, err, errs.AccessError)
		if got, err := orders.Search(nil, SearchOptions{Order: "name"}); err != nil || len(got) != 4 {
			t.Errorf("plain order still works: %v %v", got, err)
		}
	})
}
