package orm

import (
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store/storetest"
)

func TestTriggers(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	r := testRegistry(t)
	setup(t, db, r)
	var calls []string
	err := r.SetTriggers("test.line", Triggers{
		AfterWrite: func(e *Env, ids []int64, fields []string, created bool) error {
			if !e.Su() || e.SudoReason() == "" {
				t.Errorf("trigger env not in sudo with a reason")
			}
			calls = append(calls, "after")
			return nil
		},
		BeforeUnlink: func(e *Env, ids []int64) (func() error, error) {
			calls = append(calls, "before")
			return func() error { calls = append(calls, "deleted"); return nil }, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A trigger that writes its own model again loops: bounded, Internal.
	err = r.SetTriggers("test.tag", Triggers{AfterWrite: func(e *Env, ids []int64, _ []string, _ bool) error {
		m, _ := e.Model("test.tag")
		return m.Write(ids, map[string]any{"name": "again"})
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r.SetTriggers("no.such", Triggers{}) == nil {
		t.Error("triggers for an unknown model accepted")
	}
	e := newEnv(t, db, r, admin)
	oid := mustCreate(t, model(t, e, "test.order"), map[string]any{"name": "o", "line_ids": []any{[]any{0, 0, map[string]any{"name": "l"}}}})[0]
	lines := model(t, e, "test.line")
	ids, _ := lines.Search(nil, SearchOptions{})
	if err := lines.Write(ids, map[string]any{"qty": 2}); err != nil {
		t.Fatal(err)
	}
	if err := model(t, e, "test.order").Unlink([]int64{oid}); err != nil {
		t.Fatal(err) // cascaded line deletes run no triggers
	}
	if err := lines.Unlink(nil); err != nil {
		t.Fatal(err)
	}
	if want := []string{"after", "after"}; len(calls) != 2 {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	id := mustCreate(t, lines, map[string]any{"name": "x", "order_id": mustCreate(t, model(t, e, "test.order"), map[string]any{"name": "p"})[0]})
	if err := lines.Unlink(id); err != nil {
		t.Fatal(err)
	}
	if got := calls[len(calls)-2:]; got[0] != "before" || got[1] != "deleted" {
		t.Errorf("unlink calls = %v", calls)
	}
	_, err = model(t, e, "test.tag").Create([]map[string]any{{"name": "t"}})
	wantKind(t, err, errs.Internal)
}
