package orm

import (
	"slices"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// Issue 10 §5: lines deleted through x2many commands ([2,id] delete, [3,id]
// unlink of a required inverse, many at once) run the unlink triggers once
// per command batch, not once per line, so an order's total is recomputed
// once; the lines are gone and the others kept; a batch naming a missing
// line fails whole and deletes nothing.
func TestCommandDeletesTriggerOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		var before, after [][]int64
		if err := r.SetTriggers("test.line", Triggers{BeforeUnlink: func(e *Env, ids []int64) (func() error, error) {
			before = append(before, slices.Clone(ids))
			return func() error { after = append(after, slices.Clone(ids)); return nil }, nil
		}}); err != nil {
			t.Fatal(err)
		}
		setup(t, db, r)
		env := newEnv(t, db, r, admin)
		var lines []any
		for i := range 8 {
			lines = append(lines, []any{0, 0, map[string]any{"name": "l" + itoa(int64(i))}})
		}
		order := mustCreate(t, model(t, env, "test.order"), map[string]any{"name": "o", "line_ids": lines})
		rows, err := model(t, env, "test.order").Read(order, []string{"line_ids"})
		if err != nil {
			t.Fatal(err)
		}
		ids := rows[0]["line_ids"].([]int64)
		var cmds []any
		for _, id := range ids[:3] {
			cmds = append(cmds, []any{2, id})
		}
		for _, id := range ids[3:6] {
			cmds = append(cmds, []any{3, id})
		}
		if err := model(t, env, "test.order").Write(order, map[string]any{"line_ids": cmds}); err != nil {
			t.Fatal(err)
		}
		if len(before) != 2 || len(after) != 2 || !slices.Equal(before[0], ids[:3]) || !slices.Equal(before[1], ids[3:6]) {
			t.Errorf("unlink triggers for 3 deletes and 3 unlinks: before %v after %v, want one call per batch", before, after)
		}
		rows, err = model(t, env, "test.order").Read(order, []string{"line_ids"})
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[0]["line_ids"].([]int64); !slices.Equal(got, ids[6:]) {
			t.Errorf("lines left %v, want %v", got, ids[6:])
		}
		// A batch with a missing line: nothing deleted.
		before, after = nil, nil
		err = model(t, env, "test.order").Write(order, map[string]any{"line_ids": []any{[]any{2, ids[6]}, []any{2, 999999}}})
		if !errs.Is(err, errs.MissingError) {
			t.Fatalf("delete of a missing line: %v", err)
		}
		rows, _ = model(t, env, "test.order").Read(order, []string{"line_ids"})
		if got := rows[0]["line_ids"].([]int64); !slices.Equal(got, ids[6:]) {
			t.Errorf("a failed batch deleted lines: left %v, want %v", got, ids[6:])
		}
	})
}
