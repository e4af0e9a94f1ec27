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

// memDB holds records read under sudo, for evaluating the caller's domain
// in memory and the demo rules in Go (the oracle the SQL path is compared
// with).
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

// demoReadable is the demo's read rules (examples/sales/security/rules.xml)
// transcribed into Go over the sudo snapshot, for the users of world: a
// multi-company rule on orders (company in the active companies) and
// partners (company in them or unset), then per group — salesman: own
// orders; manager (implies see-all): every order; portal: orders of and
// partners under the commercial partner. Nothing of package access is used.
func demoReadable(w *world, mem *memDB, user string, companies []int64) map[string]map[int64]bool {
	m2o := func(v any) int64 {
		if p, ok := v.([]any); ok && len(p) == 2 {
			id, _ := p[0].(int64)
			return id
		}
		return 0
	}
	deco := w.rec["p_deco"]
	under := func(partner int64) bool { // child_of [p_deco]
		for seen := 0; partner != 0 && seen < 10; seen++ {
			if partner == deco {
				return true
			}
			partner = m2o(mem.recs["res.partner"][partner]["parent_id"])
		}
		return false
	}
	out := map[string]map[int64]bool{"sale.order": {}, "res.partner": {}}
	for id, p := range mem.recs["res.partner"] {
		c := m2o(p["company_id"])
		if (c == 0 || slices.Contains(companies, c)) && (user != "carol" || under(id)) {
			out["res.partner"][id] = true
		}
	}
	for id, o := range mem.recs["sale.order"] {
		if !slices.Contains(companies, m2o(o["company_id"])) {
			continue
		}
		var ok bool
		switch user {
		case "alice", "dave":
			ok = m2o(o["user_id"]) == w.users[user].UserID
		case "bob", "root":
			ok = true
		case "carol":
			ok = under(m2o(o["partner_id"]))
		}
		out["sale.order"][id] = ok
	}
	return out
}

// TestSearchMatchesDemoRules: for random domains, a user's search returns
// exactly the orders that match the domain in memory (its dotted paths
// seeing only the partners the user may read, as Odoo 19 applies comodel
// rules inside 'any') and that the demo's read rules, transcribed in Go
// (demoReadable), let the user read. TestRulesAgainstOdooOracle judges the
// rule combination itself with random rules.
func TestSearchMatchesDemoRules(t *testing.T) {
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
		main, branch := w.rec["c_main"], w.rec["c_branch"]
		type variant struct {
			ctx       map[string]any
			companies []int64
		}
		variants := map[string][]variant{
			"alice": {{nil, []int64{main}}},
			"bob":   {{nil, []int64{main, branch}}, {map[string]any{"allowed_company_ids": []any{branch}}, []int64{branch}}, {map[string]any{"allowed_company_ids": []any{main, branch}}, []int64{main, branch}}},
			"carol": {{nil, []int64{main}}},
			"dave":  {{nil, []int64{branch}}},
			"root":  {{nil, []int64{main}}},
		}
		for i := range 60 {
			src := "[" + randomDomain(r, w, 0) + "]"
			d := mustDomain(t, src)
			for _, user := range []string{"alice", "bob", "carol", "dave", "root"} {
				for _, v := range variants[user] {
					readable := demoReadable(w, mem, user, v.companies)
					e := w.env(user, v.ctx)
					m := w.model(e, "sale.order")
					got, err := m.Search(d, orm.SearchOptions{Order: "id"})
					if err != nil {
						t.Fatalf("%d %s %s: %v", i, user, src, err)
					}
					sub := func(model string) (domain.Node, error) {
						ids := []any{}
						for id, ok := range readable[model] {
							if ok {
								ids = append(ids, id)
							}
						}
						return domain.Condition{Field: "id", Operator: "in", Value: ids}, nil
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
						if okUser && readable["sale.order"][id] {
							want = append(want, id)
						}
					}
					e.Finish(nil)
					if !slices.Equal(all, sudoWant) {
						t.Errorf("sudo, domain %s: SQL %v, in memory %v", src, all, sudoWant)
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s %v, domain %s:\n got  %v\n want %v", user, v.ctx, src, got, want)
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
