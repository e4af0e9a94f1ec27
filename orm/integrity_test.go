package orm

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// Moving a child (writing a many2one whose inverse one2many is declared)
// is a write on the old and the new parent: a caller who may write the
// line but not the order it leaves or joins is refused, and nothing
// changes. The parent rule here differs from the line's, which the demo's
// rules never do.
func TestMovingAChildWritesBothParents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		pol := &fakePolicy{rules: map[string]domain.Node{
			"test.order/write": domain.Condition{Field: "state", Operator: "=", Value: "draft"},
		}}
		r.policy = pol
		su := newEnv(t, db, r, admin).Sudo("test fixture")
		orders := model(t, su, "test.order")
		ids := mustCreate(t, orders,
			map[string]any{"name": "A", "line_ids": []any{[]any{0, 0, map[string]any{"name": "a1"}}}},
			map[string]any{"name": "B", "state": "done", "line_ids": []any{[]any{0, 0, map[string]any{"name": "b1"}}}},
			map[string]any{"name": "C"})
		a, b, c := ids[0], ids[1], ids[2]
		lineOf := func(env *Env, order int64) int64 {
			got, err := model(t, env, "test.line").Search(domain.Condition{Field: "order_id", Operator: "=", Value: order}, SearchOptions{})
			if err != nil || len(got) != 1 {
				t.Fatalf("line of %d: %v %v", order, got, err)
			}
			return got[0]
		}
		a1, b1 := lineOf(su, a), lineOf(su, b)
		if err := su.Finish(nil); err != nil {
			t.Fatal(err)
		}
		try := func(fn func(lines, orders *Model) error) error {
			env := newEnv(t, db, r, bob)
			err := fn(model(t, env, "test.line"), model(t, env, "test.order"))
			if ferr := env.Finish(err); err == nil && ferr != nil {
				t.Fatal(ferr)
			}
			return err
		}
		parentOf := func(line int64) int64 {
			env := NewEnv(context.Background(), r, db, admin, EnvOptions{ReadOnly: true})
			defer env.Finish(nil)
			rows, err := model(t, env.Sudo("check"), "test.line").Read([]int64{line}, []string{"order_id"})
			if err != nil {
				t.Fatal(err)
			}
			return rows[0]["order_id"].([]any)[0].(int64)
		}
		// Into an order the caller may not write.
		err := try(func(lines, _ *Model) error { return lines.Write([]int64{a1}, map[string]any{"order_id": b}) })
		wantKind(t, err, errs.AccessError)
		// Out of an order the caller may not write.
		err = try(func(lines, _ *Model) error { return lines.Write([]int64{b1}, map[string]any{"order_id": a}) })
		wantKind(t, err, errs.AccessError)
		// The same through a link command of the new parent.
		err = try(func(_, orders *Model) error {
			return orders.Write([]int64{a}, map[string]any{"line_ids": []any{[]any{4, b1, 0}}})
		})
		wantKind(t, err, errs.AccessError)
		if parentOf(a1) != a || parentOf(b1) != b {
			t.Fatalf("a refused move changed the lines' orders")
		}
		// Allowed: between two orders the caller may write.
		if err := try(func(lines, _ *Model) error { return lines.Write([]int64{a1}, map[string]any{"order_id": c}) }); err != nil {
			t.Fatal(err)
		}
		if parentOf(a1) != c {
			t.Fatalf("allowed move not stored")
		}
	})
}

// Odoo's check_company: a many2one declared CheckCompany refuses a target
// of another company than the record's (UserError), even in sudo; a
// target without company is fine; changing the record's company re-checks
// the field. Nothing changes on a refusal.
func TestCheckCompany(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		err := r.Define(ModelDef{Name: "test.doc", Fields: []Field{
			{Name: "name", Type: Char},
			{Name: "company_id", Type: Many2one, Comodel: "res.company"},
			{Name: "partner_id", Type: Many2one, Comodel: "res.partner", CheckCompany: true},
		}})
		if err != nil {
			t.Fatal(err)
		}
		setup(t, db, r)
		r.policy = &fakePolicy{}
		su := newEnv(t, db, r, admin).Sudo("test fixture")
		cs := mustCreate(t, model(t, su, "res.company"), map[string]any{"name": "C1"}, map[string]any{"name": "C2"})
		ps := mustCreate(t, model(t, su, "res.partner"),
			map[string]any{"name": "shared"}, map[string]any{"name": "of C1", "company_id": cs[0]}, map[string]any{"name": "of C2", "company_id": cs[1]})
		if err := su.Finish(nil); err != nil {
			t.Fatal(err)
		}
		env := newEnv(t, db, r, admin)
		docs := model(t, env, "test.doc")
		ids := mustCreate(t, docs, map[string]any{"name": "d", "company_id": cs[0], "partner_id": ps[0]})
		if err := docs.Write(ids, map[string]any{"partner_id": ps[1]}); err != nil {
			t.Fatalf("same company: %v", err)
		}
		wantKind(t, docs.Write(ids, map[string]any{"partner_id": ps[2]}), errs.UserError)
		wantKind(t, docs.Write(ids, map[string]any{"company_id": cs[1]}), errs.UserError)
		_, err = docs.Create([]map[string]any{{"name": "e", "company_id": cs[0], "partner_id": ps[2]}})
		wantKind(t, err, errs.UserError)
		_, err = model(t, env.Sudo("test: even in sudo"), "test.doc").Create([]map[string]any{{"name": "e", "partner_id": ps[2]}})
		wantKind(t, err, errs.UserError)
		rows, err := docs.Read(ids, []string{"partner_id", "company_id"})
		if err != nil {
			t.Fatal(err)
		}
		if rows[0]["partner_id"].([]any)[0] != ps[1] || rows[0]["company_id"].([]any)[0] != cs[0] {
			t.Errorf("refused writes changed the record: %v", rows[0])
		}
		if n, _ := docs.SearchCount(nil, 0); n != 1 {
			t.Errorf("refused creates left records: %d", n)
		}
	})
}

// Property: no answer to a search depends on a record the caller cannot
// read. Random name lookups (child_of/parent_of with names, a many2one
// compared with a string, like-operators through a dotted path) are
// answered, then the hidden partners are renamed in sudo: every answer
// must stay the same.
func TestNameLookupsIgnoreHiddenRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		r.policy = &fakePolicy{rules: map[string]domain.Node{
			"res.partner/read": domain.Condition{Field: "email", Operator: "!=", Value: "hidden"},
		}}
		rng := rand.New(rand.NewPCG(10, 3))
		words := []string{"ab", "ba", "ca", "ac", "bb"}
		name := func() string { return words[rng.IntN(len(words))] + words[rng.IntN(len(words))] }
		su := newEnv(t, db, r, admin).Sudo("test fixture")
		partners := model(t, su, "res.partner")
		var all, hidden []int64
		for i := range 30 {
			v := map[string]any{"name": name()}
			if i%3 == 0 {
				v["email"] = "hidden"
			}
			if len(all) > 0 && rng.IntN(3) > 0 {
				v["parent_id"] = all[rng.IntN(len(all))]
			}
			id := mustCreate(t, partners, v)[0]
			all = append(all, id)
			if i%3 == 0 {
				hidden = append(hidden, id)
			}
		}
		for i := range 20 {
			mustCreate(t, model(t, su, "test.order"), map[string]any{"name": "o" + itoa(int64(i)), "partner_id": all[rng.IntN(len(all))]})
		}
		if err := su.Finish(nil); err != nil {
			t.Fatal(err)
		}
		type probe struct {
			model string
			dom   domain.Node
		}
		var probes []probe
		for range 60 {
			s := words[rng.IntN(len(words))][:1+rng.IntN(2)]
			switch rng.IntN(5) {
			case 0:
				probes = append(probes, probe{"res.partner", domain.Condition{Field: "id", Operator: "child_of", Value: s}})
			case 1:
				probes = append(probes, probe{"res.partner", domain.Condition{Field: "id", Operator: "parent_of", Value: []any{s}}})
			case 2:
				probes = append(probes, probe{"test.order", domain.Condition{Field: "partner_id", Operator: "child_of", Value: s}})
			case 3:
				probes = append(probes, probe{"test.order", domain.Condition{Field: "partner_id", Operator: "ilike", Value: s}})
			default:
				probes = append(probes, probe{"test.order", domain.Condition{Field: "partner_id.parent_id", Operator: "=", Value: name()}})
			}
		}
		answers := func() []string {
			env := NewEnv(context.Background(), r, db, bob, EnvOptions{ReadOnly: true})
			defer env.Finish(nil)
			var out []string
			for _, p := range probes {
				ids, err := model(t, env, p.model).Search(p.dom, SearchOptions{})
				if err != nil {
					t.Fatalf("%s %v: %v", p.model, p.dom, err)
				}
				out = append(out, fmt.Sprint(ids))
			}
			return out
		}
		before := answers()
		su = newEnv(t, db, r, admin).Sudo("test: rename the hidden records")
		for _, id := range hidden {
			if err := model(t, su, "res.partner").Write([]int64{id}, map[string]any{"name": name()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := su.Finish(nil); err != nil {
			t.Fatal(err)
		}
		after := answers()
		for i := range probes {
			if before[i] != after[i] {
				t.Errorf("%s %v: the answer depends on hidden names: %s → %s", probes[i].model, probes[i].dom, before[i], after[i])
			}
		}
	})
}

// Stored computations fired by x2many commands run once per model and
// operation: creating an order with five lines runs the lines' trigger
// once (with the five ids), not once per line.
func TestTriggersRunOncePerCommandBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		var calls [][]int64
		if err := r.SetTriggers("test.line", Triggers{AfterWrite: func(e *Env, ids []int64, fields []string, created bool) error {
			calls = append(calls, ids)
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		setup(t, db, r)
		env := newEnv(t, db, r, admin)
		var lines []any
		for i := range 5 {
			lines = append(lines, []any{0, 0, map[string]any{"name": "l" + itoa(int64(i))}})
		}
		ids := mustCreate(t, model(t, env, "test.order"), map[string]any{"name": "o", "line_ids": lines})
		if len(calls) != 1 || len(calls[0]) != 5 {
			t.Fatalf("trigger calls for a 5-line create: %v, want one call with 5 ids", calls)
		}
		calls = nil
		err := model(t, env, "test.order").Write(ids, map[string]any{"line_ids": []any{
			[]any{0, 0, map[string]any{"name": "l5"}}, []any{1, 1, map[string]any{"qty": 2}}, []any{1, 2, map[string]any{"qty": 3}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) != 2 {
			t.Fatalf("trigger calls for a mixed write: %v, want one for the created line and one for the updated ones", calls)
		}
	})
}
