package orm

import (
	"reflect"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		orders := model(t, e, "test.order")
		id := mustCreate(t, orders, map[string]any{"name": "keep", "qty": 5})[0]
		before, _ := orders.Read([]int64{id}, nil)

		cases := []struct {
			name   string
			vals   map[string]any
			fields []string // expected FieldError.Field, sorted
		}{
			{"required cleared", map[string]any{"name": false}, []string{"name"}},
			{"char type", map[string]any{"name": 12}, []string{"name"}},
			{"char size", map[string]any{"name": "elevenchars"}, []string{"name"}},
			{"integer fraction", map[string]any{"qty": 1.5}, []string{"qty"}},
			{"integer bool", map[string]any{"qty": true}, []string{"qty"}},
			{"integer max", map[string]any{"qty": 101}, []string{"qty"}},
			{"integer min", map[string]any{"qty": -1}, []string{"qty"}},
			{"float min", map[string]any{"price": -0.5}, []string{"price"}},
			{"float string", map[string]any{"price": "1"}, []string{"price"}},
			{"selection", map[string]any{"state": "gone"}, []string{"state"}},
			{"boolean", map[string]any{"paid": "yes"}, []string{"paid"}},
			{"date", map[string]any{"date_order": "31/01/2026"}, []string{"date_order"}},
			{"datetime", map[string]any{"confirmed_at": "noon"}, []string{"confirmed_at"}},
			{"many2one", map[string]any{"partner_id": "Acme"}, []string{"partner_id"}},
			{"readonly", map[string]any{"note": "x"}, []string{"note"}},
			{"dangling many2one", map[string]any{"partner_id": 424242, "user_id": 99}, []string{"partner_id", "user_id"}},
			{"magic", map[string]any{"id": 9, "create_uid": 1, "write_date": "2026-01-01 00:00:00", "display_name": "x"}, []string{"create_uid", "display_name", "id", "write_date"}},
			{"unknown", map[string]any{"nope": 1, "drop table x;": 1}, []string{"(invalid name)", "nope"}},
			{"several at once", map[string]any{"name": 1, "qty": 1000, "state": 3, "nope": 1}, []string{"name", "nope", "qty", "state"}},
			{"nested line", map[string]any{"line_ids": []any{[]any{0, 0, map[string]any{"qty": "x"}}}}, []string{"line_ids[0].name", "line_ids[0].qty"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				err := orders.Write([]int64{id}, c.vals)
				wantKind(t, err, errs.ValidationError)
				var got []string
				for _, fe := range errs.As(err).Fields {
					got = append(got, fe.Field)
					if fe.Message == "" || strings.Contains(fe.Message, "SQL") {
						t.Errorf("bad message %q", fe.Message)
					}
				}
				if !reflect.DeepEqual(got, c.fields) {
					t.Errorf("fields = %v, want %v", got, c.fields)
				}
			})
		}
		after, _ := orders.Read([]int64{id}, nil)
		delete(before[0], "write_date")
		delete(after[0], "write_date")
		if !reflect.DeepEqual(before, after) {
			t.Errorf("refused writes changed data:\n%v\n%v", before, after)
		}
		// Create: required missing, several records reported with their index.
		_, err := orders.Create([]map[string]any{{"qty": 1}, {"name": "ok"}, {"name": 3}})
		wantKind(t, err, errs.ValidationError)
		var got []string
		for _, fe := range errs.As(err).Fields {
			got = append(got, fe.Field)
		}
		if want := []string{"[0].name", "[2].name"}; !reflect.DeepEqual(got, want) {
			t.Errorf("create fields = %v, want %v", got, want)
		}
		if n, _ := orders.SearchCount(nil, 0); n != 1 {
			t.Errorf("refused create inserted rows: count %d", n)
		}
		// Readonly fields are settable by server code under sudo; magic never.
		su, _ := e.Sudo("test: server-computed note").Model("test.order")
		if err := su.Write([]int64{id}, map[string]any{"note": "computed"}); err != nil {
			t.Errorf("sudo readonly write: %v", err)
		}
		wantKind(t, su.Write([]int64{id}, map[string]any{"create_uid": 2}), errs.ValidationError)
	})
}
