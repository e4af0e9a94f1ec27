package access_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// memDB holds records read under sudo, for evaluating rule domains in
// memory with package domain (the oracle the SQL path is compared with).
type memDB struct {
	reg  *orm.Registry
	recs map[string]map[int64]map[string]any
}

type memRecord struct {
	db    *memDB
	model string
	id    int64
}

func (r memRecord) ID() int64 { return r.id }

func (r memRecord) Get(f string) (any, error) {
	if f == "id" {
		return r.id, nil
	}
	v, ok := r.db.recs[r.model][r.id][f]
	if !ok {
		return nil, fmt.Errorf("%s.%s not loaded", r.model, f)
	}
	return v, nil
}

func (r memRecord) Related(f string) ([]domain.Record, error) {
	meta, _ := r.db.reg.Meta(r.model)
	fd, ok := meta.Field(f)
	if !ok || fd.Comodel == "" {
		return nil, fmt.Errorf("%s.%s is not relational", r.model, f)
	}
	v, _ := r.Get(f)
	var ids []int64
	switch v := v.(type) {
	case []any:
		if len(v) == 2 { // many2one [id, name]
			if id, ok := v[0].(int64); ok {
				ids = []int64{id}
			}
		}
	case []int64:
		ids = v
	}
	var out []domain.Record
	for _, id := range ids {
		if _, ok := r.db.recs[fd.Comodel][id]; ok {
			out = append(out, memRecord{r.db, fd.Comodel, id})
		}
	}
	return out, nil
}

func (r memRecord) Browse(model string, id int64) (domain.Record, error) {
	if _, ok := r.db.recs[model][id]; !ok {
		return nil, nil
	}
	return memRecord{r.db, model, id}, nil
}

func (r memRecord) NameSearch(model, name string) ([]int64, error) { return nil, nil }

func (db *memDB) ids(model string) []int64 {
	var out []int64
	for id := range db.recs[model] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (w *world) snapshot(models ...string) *memDB {
	db := &memDB{reg: w.reg, recs: map[string]map[int64]map[string]any{}}
	err := w.run("", false, func(e *orm.Env) error {
		su := e.Sudo("test: oracle snapshot")
		for _, m := range models {
			rows, err := w.model(su, m).SearchRead(nil, nil, orm.SearchOptions{})
			if err != nil {
				return err
			}
			db.recs[m] = map[int64]map[string]any{}
			for _, r := range rows {
				db.recs[m][r["id"].(int64)] = r
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return db
}

// randomDomain builds a random domain on sale.order from leaves that cover
// the operators and fields the rules touch.
func randomDomain(r *rand.Rand, w *world, depth int) string {
	if depth > 2 || r.IntN(3) == 0 {
		leaves := []func() string{
			func() string {
				return fmt.Sprintf("('state', '=', '%s')", []string{"draft", "sale", "cancel"}[r.IntN(3)])
			},
			func() string { return "('state', 'in', ['draft', 'sent'])" },
			func() string {
				u := []string{"alice", "bob", "dave"}[r.IntN(3)]
				return fmt.Sprintf("('user_id', '=', %d)", w.users[u].UserID)
			},
			func() string { return "('user_id', '=', False)" },
			func() string { return fmt.Sprintf("('partner_id', '=', %d)", w.rec["p_deco"]) },
			func() string { return "('partner_id.name', 'ilike', 'a')" },
			func() string { return fmt.Sprintf("('company_id', 'in', [%d])", w.rec["c_branch"]) },
			func() string { return "('name', 'ilike', 'r1')" },
			func() string { return fmt.Sprintf("('amount_total', '>', %d)", r.IntN(100)) },
			func() string { return fmt.Sprintf("('partner_id', 'child_of', [%d])", w.rec["p_deco"]) },
		}
		return leaves[r.IntN(len(leaves))]()
	}
	switch r.IntN(3) {
	case 0:
		return "'|', " + randomDomain(r, w, depth+1) + ", " + randomDomain(r, w, depth+1)
	case 1:
		return "'!', " + randomDomain(r, w, depth+1)
	}
	return "'&', " + randomDomain(r, w, depth+1) + ", " + randomDomain(r, w, depth+1)
}

// TestSearchEqualsRuleOracle: for random domains, a user's search returns
// exactly the records that sudo finds with the same domain and that the
// user's read rule domain accepts, evaluated in memory.
func TestSearchEqualsRuleOracle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		r := rand.New(rand.NewPCG(7, 9))
		// More orders, with random owners, customers, companies and states.
		err := w.run("", true, func(e *orm.Env) error {
			su := e.Sudo("test fixtures")
			for i := range 40 {
				v := map[string]any{
					"name":         fmt.Sprintf("r%d", i),
					"partner_id":   w.rec[[]string{"p_deco", "p_carol", "p_azure", "p_branch"}[r.IntN(4)]],
					"company_id":   w.rec[[]string{"c_main", "c_branch"}[r.IntN(2)]],
					"state":        []string{"draft", "sent", "sale", "cancel"}[r.IntN(4)],
					"date_order":   "2026-01-20 08:00:00",
					"amount_total": float64(r.IntN(100)),
				}
				if u := []string{"", "alice", "bob", "dave"}[r.IntN(4)]; u != "" {
					v["user_id"] = w.users[u].UserID
				}
				w.create(su, "sale.order", v["name"].(string), v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		mem := w.snapshot("sale.order", "res.partner", "res.company")
		contexts := map[string][]map[string]any{
			"bob": {nil, {"allowed_company_ids": []any{w.rec["c_branch"]}}, {"allowed_company_ids": []any{w.rec["c_main"], w.rec["c_branch"]}}},
		}
		for i := range 60 {
			src := "[" + randomDomain(r, w, 0) + "]"
			d := mustDomain(t, src)
			for _, user := range []string{"alice", "bob", "carol", "dave", "root"} {
				ctxs := contexts[user]
				if ctxs == nil {
					ctxs = []map[string]any{nil}
				}
				for _, c := range ctxs {
					e := w.env(user, c)
					m := w.model(e, "sale.order")
					got, err := m.Search(d, orm.SearchOptions{Order: "id"})
					if err != nil {
						t.Fatalf("%d %s %s: %v", i, user, src, err)
					}
					rule, err := w.pol.RuleDomain(e, "sale.order", orm.OpRead)
					if err != nil {
						t.Fatal(err)
					}
					// The oracle: every order, under sudo, kept when the
					// caller's domain matches in memory (its dotted paths
					// seeing only the comodel records the user may read, as
					// Odoo 19 applies comodel rules inside 'any') and the
					// user's read rule domain matches.
					sub := func(model string) (domain.Node, error) {
						return w.pol.RuleDomain(e, model, orm.OpRead)
					}
					userPred, err := domain.NewPredicate(w.reg, "sale.order", d, domain.MatchOptions{SubFilter: sub})
					if err != nil {
						t.Fatal(err)
					}
					sudoPred, err := domain.NewPredicate(w.reg, "sale.order", d, domain.MatchOptions{})
					if err != nil {
						t.Fatal(err)
					}
					all, err := w.model(e.Sudo("test: oracle"), "sale.order").Search(d, orm.SearchOptions{Order: "id"})
					if err != nil {
						t.Fatal(err)
					}
					var want, sudoWant []int64
					for _, id := range mem.ids("sale.order") {
						rec := memRecord{mem, "sale.order", id}
						if ok, err := sudoPred.Match(rec); err != nil {
							t.Fatal(err)
						} else if ok {
							sudoWant = append(sudoWant, id)
						}
						okUser, err := userPred.Match(rec)
						if err != nil {
							t.Fatal(err)
						}
						okRule, err := domain.Match(w.reg, "sale.order", rule, rec)
						if err != nil {
							t.Fatalf("match %v: %v", rule, err)
						}
						if okUser && okRule {
							want = append(want, id)
						}
					}
					e.Finish(nil)
					if !slices.Equal(all, sudoWant) {
						t.Errorf("sudo, domain %s: SQL %v, in memory %v", src, all, sudoWant)
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s %v, domain %s, rule %v:\n got  %v\n want %v", user, c, src, rule, got, want)
					}
				}
			}
		}
	})
}

func TestRuleDomainText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tc := range []struct{ user, want string }{
			{"alice", fmt.Sprintf("[('company_id', 'in', [%d]), ('user_id', '=', %d)]", w.rec["c_main"], w.users["alice"].UserID)},
			{"bob", fmt.Sprintf("[('company_id', 'in', [%d, %d])]", w.rec["c_main"], w.rec["c_branch"])},
			{"carol", fmt.Sprintf("[('company_id', 'in', [%d]), ('partner_id', 'child_of', [%d])]", w.rec["c_main"], w.rec["p_deco"])},
		} {
			e := w.env(tc.user, nil)
			d, err := w.pol.RuleDomain(e, "sale.order", orm.OpRead)
			e.Finish(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(d.String(), "'&', ", ""); got != tc.want {
				t.Errorf("%s: %s, want %s", tc.user, got, tc.want)
			}
		}
	})
}
