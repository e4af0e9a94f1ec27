package orm

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestOrderAndLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		orders := model(t, e, "test.order")
		ids := mustCreate(t, orders,
			map[string]any{"name": "b", "qty": 1}, map[string]any{"name": "a", "qty": 2},
			map[string]any{"name": "c"}, map[string]any{"name": "d", "qty": 2})
		cases := []struct {
			order string
			want  []int64
		}{
			{"", []int64{ids[1], ids[0], ids[2]}}, // model order "name, id"
			{"name desc", []int64{ids[3], ids[2], ids[0]}},
			{"qty desc, name", []int64{ids[2], ids[1], ids[3]}}, // NULL first when descending
			{"qty asc nulls first, id desc", []int64{ids[2], ids[0], ids[3]}},
			{"display_name", []int64{ids[1], ids[0], ids[2]}},
		}
		for _, c := range cases {
			got, err := orders.Search(nil, SearchOptions{Order: c.order, Limit: 3})
			if err != nil {
				t.Fatalf("%q: %v", c.order, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("order %q: %v, want %v", c.order, got, c.want)
			}
		}
		got, _ := orders.Search(nil, SearchOptions{Order: "id", Offset: 3})
		if !reflect.DeepEqual(got, ids[3:]) {
			t.Errorf("offset: %v", got)
		}
		for _, bad := range []string{
			"name; DROP TABLE test_order", "name desc desc", "(select 1)", "nope", "line_ids",
			"name collate \"C\"", "name,", "lower(name)", "id--", "name asc nulls sideways",
		} {
			_, err := orders.Search(nil, SearchOptions{Order: bad})
			wantKind(t, err, errs.ValidationError)
		}
		_, err := orders.Search(nil, SearchOptions{Limit: -1})
		wantKind(t, err, errs.ValidationError)
	})
}
