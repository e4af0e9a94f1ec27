package orm

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestX2manyCommands(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		e := newEnv(t, db, r, admin)
		orders, lines, tags := model(t, e, "test.order"), model(t, e, "test.line"), model(t, e, "test.tag")
		tg := mustCreate(t, tags, map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"name": "c"})
		oid := mustCreate(t, orders, map[string]any{"name": "O"})[0]
		other := mustCreate(t, orders, map[string]any{"name": "P", "line_ids": []any{[]any{0, 0, map[string]any{"name": "moved"}}}})[0]
		moved := mustRead(t, orders, other, "line_ids").([]int64)[0]

		steps := []struct {
			name  string
			field string
			value any
			want  func() []int64
		}{
			{"m2m set tuple", "tag_ids", []any{[]any{6, 0, []any{tg[0], tg[1]}}}, func() []int64 { return []int64{tg[0], tg[1]} }},
			{"m2m link named", "tag_ids", []any{map[string]any{"link": tg[2]}}, func() []int64 { return tg }},
			{"m2m unlink", "tag_ids", []any{[]any{3, tg[0], 0}}, func() []int64 { return tg[1:] }},
			{"m2m create", "tag_ids", []any{[]any{0, 0, map[string]any{"name": "d"}}}, nil},
			{"m2m clear", "tag_ids", []any{[]any{5, 0, 0}}, func() []int64 { return []int64{} }},
			{"m2m plain ids", "tag_ids", []any{float64(tg[2])}, func() []int64 { return tg[2:] }},
			{"m2m delete", "tag_ids", []any{map[string]any{"delete": tg[2]}}, func() []int64 { return []int64{} }},
			{"o2m create", "line_ids", []any{[]any{0, 0, map[string]any{"name": "l1"}}, map[string]any{"create": map[string]any{"name": "l2"}}}, nil},
			{"o2m link", "line_ids", []any{[]any{4, moved, 0}}, nil},
			{"o2m set", "line_ids", []any{map[string]any{"set": []any{moved}}}, func() []int64 { return []int64{moved} }},
			{"o2m update", "line_ids", []any{map[string]any{"update": map[string]any{"id": moved, "values": map[string]any{"qty": 7}}}}, func() []int64 { return []int64{moved} }},
			{"o2m unlink (required inverse: deletes)", "line_ids", []any{[]any{3, moved}}, func() []int64 { return []int64{} }},
		}
		for _, s := range steps {
			if err := orders.Write([]int64{oid}, map[string]any{s.field: s.value}); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			got := mustRead(t, orders, oid, s.field).([]int64)
			if s.want != nil && !reflect.DeepEqual(got, s.want()) {
				t.Errorf("%s: %s = %v, want %v", s.name, s.field, got, s.want())
			}
			if s.name == "o2m create" && len(got) != 2 {
				t.Errorf("o2m create: %v", got)
			}
		}
		if _, err := tags.Read([]int64{tg[2]}, nil); !errs.Is(err, errs.MissingError) {
			t.Errorf("delete command left the tag: %v", err)
		}
		if q := mustRead(t, lines, moved, "qty"); q != nil {
			// moved was deleted by the unlink command (its inverse is required)
			t.Errorf("line survived: qty=%v", q)
		}
		bad := []any{
			[]any{[]any{9, 0, 0}},
			[]any{[]any{0, 0, "x"}},
			[]any{map[string]any{"link": "x"}},
			[]any{map[string]any{"explode": 1}},
			"nope",
			[]any{[]any{0, 0, map[string]any{"name": 5}}},
		}
		for _, v := range bad {
			err := orders.Write([]int64{oid}, map[string]any{"tag_ids": v})
			wantKind(t, err, errs.ValidationError)
		}
		err := orders.Write([]int64{oid}, map[string]any{"tag_ids": []any{[]any{4, 999999, 0}}})
		wantKind(t, err, errs.ValidationError)
	})
}

// mustRead reads one field of one record; nil when the record is gone.
func mustRead(t testing.TB, m *Model, id int64, field string) any {
	t.Helper()
	recs, err := m.Read([]int64{id}, []string{field})
	if errs.Is(err, errs.MissingError) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s %d: %v", m.Name(), id, err)
	}
	return recs[0][field]
}
