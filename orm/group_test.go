package orm

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// memRec is a read() row as a domain.Record, for evaluating rules and
// domains in memory (the reference never asks the database to filter).
type memRec map[string]any

func (r memRec) ID() int64 { return r["id"].(int64) }
func (r memRec) Get(f string) (any, error) {
	v := r[f]
	if p, ok := v.([]any); ok && len(p) == 2 {
		return p[0], nil
	}
	return v, nil
}
func (r memRec) Related(string) ([]domain.Record, error) { return nil, nil }

// groupWorld: two companies, three partners (a company, its contact,
// a loner), four tags, 80 random orders, and bob's read rules: on
// test.order (drafts, or qty >= 50), on test.tag (not "grey") and on
// res.partner (not "Zeta": a path through Zeta groups as unset, as Odoo
// 19's many2one joins on the comodel's rule-filtered records do).
type groupWorld struct {
	db       *store.DB
	r        *Registry
	pol      *fakePolicy
	partners map[int64]string
	rule     domain.Node
	tagRule  domain.Node
	// coRules are bob's read rules by comodel, applied along paths.
	coRules map[string]domain.Node
}

// groupRules are bob's read rules in the group world.
func groupRules() map[string]domain.Node {
	return map[string]domain.Node{
		"test.order/read": domain.Or(domain.Condition{Field: "state", Operator: "=", Value: "draft"},
			domain.Condition{Field: "qty", Operator: ">=", Value: int64(50)}),
		"test.tag/read":    domain.Condition{Field: "name", Operator: "!=", Value: "grey"},
		"res.partner/read": domain.Condition{Field: "name", Operator: "!=", Value: "Zeta"},
	}
}

func newGroupWorld(t *testing.T, db *store.DB, seed int64) *groupWorld {
	r := testRegistry(t)
	setup(t, db, r)
	needCompiler(t, db, r)
	rules := groupRules()
	pol := &fakePolicy{rules: rules, hidden: map[string]bool{"test.order.secret": true}}
	r.policy = pol
	w := &groupWorld{db: db, r: r, pol: pol, partners: map[int64]string{}, rule: rules["test.order/read"], tagRule: rules["test.tag/read"],
		coRules: map[string]domain.Node{"res.partner": rules["res.partner/read"], "test.tag": rules["test.tag/read"]}}
	e := newEnv(t, db, r, admin).Sudo("test data")
	cs := mustCreate(t, model(t, e, "res.company"), map[string]any{"name": "C1"}, map[string]any{"name": "C2"})
	pm := model(t, e, "res.partner")
	zeta := mustCreate(t, pm, map[string]any{"name": "Zeta", "is_company": true, "company_id": cs[0]})[0]
	for _, v := range []map[string]any{{"name": "Alpha", "parent_id": zeta, "email": "a@x.com"}, {"name": "Mid", "company_id": cs[1]}} {
		w.partners[mustCreate(t, pm, v)[0]] = v["name"].(string)
	}
	w.partners[zeta] = "Zeta"
	tags := mustCreate(t, model(t, e, "test.tag"), map[string]any{"name": "red"}, map[string]any{"name": "green"},
		map[string]any{"name": "blue"}, map[string]any{"name": "grey"})
	pids := []any{false}
	for id := range w.partners {
		pids = append(pids, id)
	}
	sort.Slice(pids[1:], func(i, j int) bool { return pids[1+i].(int64) < pids[1+j].(int64) })
	rng := rand.New(rand.NewSource(seed))
	om := model(t, e, "test.order")
	base := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
	var vals []map[string]any
	for i := 0; i < 80; i++ {
		v := map[string]any{
			"name":       fmt.Sprintf("O%02d", rng.Intn(12)),
			"state":      []any{"draft", "done", false}[rng.Intn(3)],
			"qty":        int64(rng.Intn(101)),
			"price":      float64(rng.Intn(10000)) / 100,
			"amount":     float64(rng.Intn(100000)) / 100,
			"paid":       rng.Intn(2) == 0,
			"partner_id": pids[rng.Intn(len(pids))],
		}
		if rng.Intn(8) == 0 {
			delete(v, "price") // unset numbers group and aggregate as 0
		}
		if rng.Intn(6) > 0 {
			v["date_order"] = base.AddDate(0, 0, rng.Intn(120)).Format(DateLayout)
		}
		if rng.Intn(6) > 0 {
			v["confirmed_at"] = base.Add(time.Duration(rng.Intn(120*24*60)) * time.Minute).Format(DatetimeLayout)
		}
		var linked []any
		for _, tag := range tags {
			if rng.Intn(3) == 0 {
				linked = append(linked, tag)
			}
		}
		v["tag_ids"] = []any{[]any{int64(6), int64(0), linked}}
		vals = append(vals, v)
	}
	mustCreate(t, om, vals...)
	if err := e.Finish(nil); err != nil {
		t.Fatal(err)
	}
	return w
}

// refGroups computes the groups in memory from a sudo read of every
// order, the rule and the domain evaluated by domain.Match, sorted as
// Odoo sorts read_group's default order.
func (w *groupWorld) refGroups(t *testing.T, d domain.Node, groupby, aggs []string, offset, limit int) []GroupRow {
	t.Helper()
	recs := w.sudoRecords(t)
	var all []memRec
	for _, r := range recs["test.order"] {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID() < all[j].ID() })
	type grp struct {
		keys []any
		recs []memRec
	}
	groups := map[string]*grp{}
	var order []string
	for _, rec := range all {
		for _, n := range []domain.Node{w.rule, d} {
			if n == nil {
				continue
			}
			ok, err := domain.Match(w.r, "test.order", n, rec)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				goto next
			}
		}
		// A record is in one group per combination of its keys (a
		// many2many has one key per visible linked record).
		for _, keys := range w.refKeySets(t, recs, rec, groupby) {
			k := fmt.Sprint(keys)
			if groups[k] == nil {
				groups[k] = &grp{keys: keys}
				order = append(order, k)
			}
			groups[k].recs = append(groups[k].recs, rec)
		}
	next:
	}
	var out []GroupRow
	for _, k := range order {
		g := groups[k]
		r := GroupRow{Keys: g.keys}
		for _, a := range aggs {
			r.Aggs = append(r.Aggs, refAgg(g.recs, a))
		}
		out = append(out, r)
	}
	if len(groupby) == 0 {
		r := GroupRow{Keys: []any{}}
		var recs []memRec
		if len(out) == 1 {
			recs = groups[order[0]].recs
		}
		for _, a := range aggs {
			r.Aggs = append(r.Aggs, refAgg(recs, a))
		}
		return []GroupRow{r}
	}
	sort.SliceStable(out, func(i, j int) bool {
		for x, g := range groupby {
			c := w.cmpKey(g, out[i].Keys[x], out[j].Keys[x])
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	if offset > len(out) {
		offset = len(out)
	}
	out = out[offset:]
	if limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out
}

// sudoRecords reads every record of the world's models, as the
// superuser, by model and id.
func (w *groupWorld) sudoRecords(t *testing.T) map[string]map[int64]memRec {
	t.Helper()
	e := newEnv(t, w.db, w.r, admin).Sudo("reference")
	defer e.Finish(nil)
	out := map[string]map[int64]memRec{}
	for _, name := range []string{"test.order", "test.tag", "res.partner", "res.company"} {
		rows, err := model(t, e, name).SearchRead(nil, nil, SearchOptions{Order: "id"})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = map[int64]memRec{}
		for _, r := range rows {
			out[name][r["id"].(int64)] = memRec(r)
		}
	}
	return out
}

// refKeySets are the key tuples of rec's groups: the cartesian product of
// each groupby's keys.
func (w *groupWorld) refKeySets(t *testing.T, recs map[string]map[int64]memRec, rec memRec, groupby []string) [][]any {
	sets := [][]any{{}}
	for _, g := range groupby {
		var next [][]any
		for _, k := range w.refKeys(t, recs, rec, g) {
			for _, s := range sets {
				next = append(next, append(append([]any{}, s...), k))
			}
		}
		sets = next
	}
	return sets
}

// refKeys follows spec's many2one path through the sudo reads, bob's
// read rule on each comodel applied (Odoo 19 joins the comodel's
// rule-filtered records), and returns the last field's keys: a record
// whose path is unset or hidden is in the False group (booleans: false,
// as Odoo's COALESCE); a many2many has one key per linked tag bob's rule
// lets him read, or nil.
func (w *groupWorld) refKeys(t *testing.T, recs map[string]map[int64]memRec, rec memRec, spec string) []any {
	name, gran, _ := strings.Cut(spec, ":")
	meta := w.r.models["test.order"]
	steps := strings.Split(name, ".")
	for _, s := range steps[:len(steps)-1] {
		f := meta.fields[s]
		meta = w.r.models[f.Comodel]
		p, ok := rec[s].([]any)
		if ok {
			rec = recs[meta.Name][p[0].(int64)]
			if rule := w.coRules[meta.Name]; rule != nil {
				visible, err := domain.Match(w.r, meta.Name, rule, rec)
				if err != nil {
					t.Fatal(err)
				}
				ok = visible
			}
		}
		if !ok {
			if meta.fields[steps[len(steps)-1]].Type == Boolean {
				return []any{false}
			}
			return []any{nil}
		}
	}
	last := steps[len(steps)-1]
	if f := meta.fields[last]; f.Type == Many2many {
		var keys []any
		for _, id := range rec[last].([]int64) {
			ok, err := domain.Match(w.r, "test.tag", w.tagRule, recs["test.tag"][id])
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				keys = append(keys, id)
			}
		}
		if len(keys) == 0 {
			return []any{nil}
		}
		return keys
	}
	return []any{refKey(rec, last, gran, meta.fields[last].Type == Boolean)}
}

func refKey(rec memRec, name, gran string, boolean bool) any {
	v := rec[name]
	if p, ok := v.([]any); ok {
		v = p[0]
	}
	if v == false && !boolean {
		return nil
	}
	if gran == "" {
		return v
	}
	t, err := time.Parse(DateLayout, v.(string)[:10])
	if err != nil {
		panic(err)
	}
	switch gran {
	case "week":
		t = t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	case "month":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		t = time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	case "year":
		t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Format(DateLayout)
}

// cmpKey orders group keys as Odoo's default order does: selections by
// declaration, many2one by the partner's order (name, id), unset last.
func (w *groupWorld) cmpKey(spec string, a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		}
		return -1
	}
	name, _, _ := strings.Cut(spec, ":")
	switch name {
	case "state":
		return strings.Compare(a.(string), b.(string)) * -1 // draft before done
	case "partner_id":
		if c := strings.Compare(w.partners[a.(int64)], w.partners[b.(int64)]); c != 0 {
			return c
		}
		return cmpAny(a, b)
	}
	return cmpAny(a, b)
}

func cmpAny(a, b any) int {
	switch x := a.(type) {
	case int64:
		y := b.(int64)
		return map[bool]int{true: -1, false: 1}[x < y] * map[bool]int{true: 0, false: 1}[x == y]
	case float64:
		y := b.(float64)
		return map[bool]int{true: -1, false: 1}[x < y] * map[bool]int{true: 0, false: 1}[x == y]
	case bool:
		y := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case string:
		return strings.Compare(x, b.(string))
	}
	return 0
}

func refAgg(recs []memRec, spec string) any {
	if spec == "__count" {
		return int64(len(recs))
	}
	name, fn, _ := strings.Cut(spec, ":")
	var vals []any
	for _, r := range recs {
		v := r[name]
		if p, ok := v.([]any); ok {
			v = p[0]
		}
		if v == false && name != "paid" {
			v = nil
		}
		vals = append(vals, v)
	}
	var nonNull []any
	for _, v := range vals {
		if v != nil {
			nonNull = append(nonNull, v)
		}
	}
	switch fn {
	case "count":
		return int64(len(nonNull))
	case "count_distinct":
		set := map[any]bool{}
		for _, v := range nonNull {
			set[v] = true
		}
		return int64(len(set))
	case "array_agg":
		l := append([]any{}, vals...)
		return l
	}
	if len(nonNull) == 0 {
		return nil
	}
	switch fn {
	case "sum", "avg":
		var si int64
		var sf float64
		isInt := false
		for _, v := range nonNull {
			switch n := v.(type) {
			case int64:
				si += n
				sf += float64(n)
				isInt = true
			case float64:
				sf += n
			}
		}
		if fn == "avg" {
			return sf / float64(len(nonNull))
		}
		if isInt {
			return si
		}
		return sf
	case "min", "max":
		best := nonNull[0]
		for _, v := range nonNull[1:] {
			c := cmpAny(v, best)
			if fn == "min" && c < 0 || fn == "max" && c > 0 {
				best = v
			}
		}
		return best
	}
	panic(spec)
}

// canon renders rows for comparison, floats to 6 significant decimals
// (sums in SQL and in Go may differ in the last bits).
func canon(rows []GroupRow) string {
	var b strings.Builder
	var f func(v any)
	f = func(v any) {
		switch x := v.(type) {
		case float64:
			fmt.Fprintf(&b, "%.6g", math.Round(x*1e6)/1e6)
		case []any:
			b.WriteString("[")
			for _, e := range x {
				f(e)
				b.WriteString(" ")
			}
			b.WriteString("]")
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
	}
	for _, r := range rows {
		for _, k := range r.Keys {
			f(k)
			b.WriteString("|")
		}
		b.WriteString("=>")
		for _, a := range r.Aggs {
			f(a)
			b.WriteString("|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestGroupDifferential: the same random groupings on SQLite and on
// PostgreSQL as bob (read rules, a hidden field) equal the in-memory
// reference computed from sudo reads and the rules evaluated in Go:
// groups, keys, aggregates, default order, limit and offset, including
// many2many groupbys (the tag rule applied) and many2one paths (the
// partner rule applied at each step, as in Odoo 19).
func TestGroupDifferential(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 13)
		rng := rand.New(rand.NewSource(42))
		groupbys := []string{"state", "partner_id", "paid", "qty", "name", "price",
			"date_order:day", "date_order:week", "date_order:month", "date_order:quarter", "date_order:year",
			"confirmed_at:day", "confirmed_at:week", "confirmed_at:month", "confirmed_at:quarter", "confirmed_at:year",
			"tag_ids", "partner_id.is_company", "partner_id.parent_id", "partner_id.company_id", "partner_id.parent_id.name",
			"partner_id.email", "partner_id.company_id.name"}
		aggregates := []string{"__count", "qty:sum", "qty:avg", "qty:min", "qty:max", "price:sum", "price:max", "price:min", "price:count",
			"amount:sum", "partner_id:count_distinct", "partner_id:count", "id:array_agg", "date_order:max",
			"confirmed_at:min", "state:count", "name:min"}
		domains := []domain.Node{nil,
			domain.Condition{Field: "paid", Operator: "=", Value: true},
			domain.Condition{Field: "qty", Operator: "<", Value: int64(70)},
			domain.Condition{Field: "partner_id", Operator: "!=", Value: false}}
		for i := 0; i < 60; i++ {
			var gb []string
			for _, j := range rng.Perm(len(groupbys))[:rng.Intn(3)] {
				gb = append(gb, groupbys[j])
			}
			var ag []string
			for _, j := range rng.Perm(len(aggregates))[:1+rng.Intn(4)] {
				ag = append(ag, aggregates[j])
			}
			d := domains[rng.Intn(len(domains))]
			offset, limit := 0, 0
			if rng.Intn(3) == 0 && len(gb) > 0 {
				offset, limit = rng.Intn(4), 1+rng.Intn(5)
			}
			e := newEnv(t, db, w.r, bob)
			got, err := model(t, e, "test.order").Group(GroupQuery{Domain: d, GroupBy: gb, Aggregates: ag, Offset: offset, Limit: limit})
			e.Finish(nil)
			if err != nil {
				t.Fatalf("%v %v %v: %v", gb, ag, d, err)
			}
			want := w.refGroups(t, d, gb, ag, offset, limit)
			if canon(got) != canon(want) {
				t.Fatalf("groupby %v aggregates %v domain %v offset %d limit %d:\n got %s\nwant %s", gb, ag, d, offset, limit, canon(got), canon(want))
			}
		}
	})
}

// TestGroupRefusals: the ACL, field groups (groupby, aggregate, order,
// having, domain), and bad specs are refused, with the right kind.
func TestGroupRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 1)
		group := func(q GroupQuery) error {
			e := newEnv(t, db, w.r, bob)
			defer e.Finish(nil)
			_, err := model(t, e, "test.order").Group(q)
			return err
		}
		cases := []struct {
			q    GroupQuery
			kind errs.Kind
		}{
			{GroupQuery{GroupBy: []string{"secret"}}, errs.AccessError},
			{GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"secret:count"}}, errs.AccessError},
			{GroupQuery{GroupBy: []string{"state"}, Order: "secret:max desc"}, errs.AccessError},
			{GroupQuery{GroupBy: []string{"state"}, Having: []any{[]any{"secret:count", ">", int64(0)}}}, errs.AccessError},
			{GroupQuery{Domain: domain.Condition{Field: "secret", Operator: "=", Value: "x"}, GroupBy: []string{"state"}}, errs.AccessError},
			{GroupQuery{GroupBy: []string{"nope"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"date_order"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state:month"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"date_order:decade"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"note"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"name:sum"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"qty:median"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"qty"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"qty:sum); DROP TABLE test_order; --"}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Order: "qty:sum; DROP"}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Having: []any{[]any{"__count", "like", int64(1)}}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Having: []any{[]any{"__count", ">", "1 OR 1=1"}}}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Having: []any{"&", []any{"__count", ">", int64(1)}}}, errs.ValidationError},
			{GroupQuery{}, errs.ValidationError},
			{GroupQuery{GroupBy: []string{"state"}, Limit: -1}, errs.ValidationError},
		}
		for _, c := range cases {
			err := group(c.q)
			if errs.KindOf(err) != c.kind {
				t.Errorf("%+v: %v, want %v", c.q, err, c.kind)
			}
		}
		w.pol.deny = map[string]bool{"test.order/read": true}
		err := group(GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"__count"}})
		wantKind(t, err, errs.AccessError)
		// Allowed again: the same call answers.
		w.pol.deny = nil
		if err := group(GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"__count"}}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGroupHavingOrder: having on aggregates, order by an aggregate,
// and the budget refusing too many groups.
func TestGroupHavingOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 7)
		e := newEnv(t, db, w.r, bob)
		m := model(t, e, "test.order")
		all, err := m.Group(GroupQuery{GroupBy: []string{"name"}, Aggregates: []string{"__count", "qty:sum"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Group(GroupQuery{GroupBy: []string{"name"}, Aggregates: []string{"__count", "qty:sum"},
			Having: []any{"|", []any{"__count", ">=", int64(5)}, "!", []any{"qty:sum", "<", 200.5}}, Order: "__count desc, qty:sum"})
		if err != nil {
			t.Fatal(err)
		}
		var want []GroupRow
		for _, r := range all {
			if r.Aggs[0].(int64) >= 5 || !(float64(r.Aggs[1].(int64)) < 200.5) {
				want = append(want, r)
			}
		}
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i].Aggs, want[j].Aggs
			if a[0] != b[0] {
				return a[0].(int64) > b[0].(int64)
			}
			if a[1] != b[1] {
				return a[1].(int64) < b[1].(int64)
			}
			return want[i].Keys[0].(string) < want[j].Keys[0].(string)
		})
		if len(want) == 0 || len(want) == len(all) {
			t.Fatalf("having filters nothing or everything: %d of %d", len(want), len(all))
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("having/order:\n got %v\nwant %v", got, want)
		}
		e.Finish(nil)
		w.r.Budget = Budget{MaxRows: 2}
		e1 := newEnv(t, db, w.r, bob)
		_, err = model(t, e1, "test.order").Group(GroupQuery{GroupBy: []string{"name"}, Aggregates: []string{"__count"}})
		e1.Finish(nil)
		if errs.KindOf(err) != errs.UserError || !strings.Contains(errMessage(err), "more than 2") {
			t.Fatalf("budget: %v", err)
		}
		// The byte budget holds for array_agg's lists, in both formats.
		w.r.Budget = Budget{MaxBytes: 200}
		e2 := newEnv(t, db, w.r, bob)
		m2 := model(t, e2, "test.order")
		if _, err = m2.FormattedReadGroup(nil, []string{"paid"}, []string{"id:array_agg"}, nil, 0, 0, ""); errs.KindOf(err) != errs.UserError || !strings.Contains(errMessage(err), "more than 200 bytes") {
			t.Fatalf("byte budget, formatted_read_group: %v", err)
		}
		if _, err = m2.ReadGroup(nil, []string{"ids:array_agg(id)"}, []string{"paid"}, 0, 0, "", true); errs.KindOf(err) != errs.UserError {
			t.Fatalf("byte budget, read_group: %v", err)
		}
		e2.Finish(nil)
	})
}

// TestGroupPathRefusals: grouping along a path or by a many2many is
// refused, never a 500, when a field of the path is hidden by the
// caller's groups (AccessError), a traversed model is outside the key's
// scopes or the caller's read ACL (AccessError), a step is not a many2one,
// the last field is not groupable, or the path is too deep or malformed
// (ValidationError); the allowed calls answer in the same world.
func TestGroupPathRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 3)
		group := func(p *principal.Principal, m string, gb ...string) error {
			e := newEnv(t, db, w.r, p)
			defer e.Finish(nil)
			_, err := model(t, e, m).Group(GroupQuery{GroupBy: gb, Aggregates: []string{"__count"}})
			return err
		}
		scoped := func(scopes ...string) *principal.Principal {
			p := *bob
			p.Scopes = scopes
			return &p
		}
		allowed := []struct {
			p     *principal.Principal
			model string
			gb    string
		}{
			{bob, "test.order", "partner_id.parent_id.parent_id.name"}, // three steps
			{bob, "test.order", "partner_id.email"},
			{bob, "test.order", "tag_ids"},
			{bob, "test.line", "order_id.date_order:month"},
			{bob, "test.line", "order_id.tag_ids"},
			{scoped("model:test.order:read", "model:res.partner:read"), "test.order", "partner_id.is_company"},
			{scoped("model:test.order:read", "model:test.tag:read"), "test.order", "tag_ids"},
		}
		for _, c := range allowed {
			if err := group(c.p, c.model, c.gb); err != nil {
				t.Errorf("%s %s: %v", c.model, c.gb, err)
			}
		}
		cases := []struct {
			p     *principal.Principal
			model string
			gb    string
			kind  errs.Kind
		}{
			// Keys scoped away from a traversed model or from the
			// comodel whose names a group shows.
			{scoped("model:test.order:read"), "test.order", "partner_id.is_company", errs.AccessError},
			{scoped("model:test.order:read"), "test.order", "tag_ids", errs.AccessError},
			{scoped("model:test.order:read", "model:res.partner:read"), "test.order", "partner_id.company_id", errs.AccessError},
			{scoped("model:test.line:read"), "test.line", "order_id.date_order:month", errs.AccessError},
			// Not a many2one step, or not groupable at the end.
			{bob, "test.order", "name.partner_id", errs.ValidationError},
			{bob, "test.order", "line_ids.name", errs.ValidationError},
			{bob, "test.order", "tag_ids.name", errs.ValidationError},
			{bob, "test.order", "partner_id.child_ids", errs.ValidationError},
			{bob, "test.line", "order_id.note", errs.ValidationError},
			{bob, "test.line", "order_id.data", errs.ValidationError},
			{bob, "test.line", "order_id.id", errs.ValidationError},
			{bob, "test.line", "order_id.date_order", errs.ValidationError},
			{bob, "test.line", "order_id.date_order:decade", errs.ValidationError},
			{bob, "test.order", "partner_id.name:month", errs.ValidationError},
			{bob, "test.order", "tag_ids:month", errs.ValidationError},
			// Unknown, too deep, malformed.
			{bob, "test.order", "partner_id.nope", errs.ValidationError},
			{bob, "test.order", "partner_id.parent_id.parent_id.parent_id.name", errs.ValidationError},
			{bob, "test.order", "partner_id.", errs.ValidationError},
			{bob, "test.order", ".partner_id", errs.ValidationError},
			{bob, "test.order", "partner_id..name", errs.ValidationError},
			{bob, "test.order", "partner_id.name; DROP TABLE test_order", errs.ValidationError},
			{bob, "test.order", `partner_id."name"`, errs.ValidationError},
		}
		for _, c := range cases {
			if err := group(c.p, c.model, c.gb); errs.KindOf(err) != c.kind {
				t.Errorf("%s %s: %v, want %v", c.model, c.gb, err, c.kind)
			}
		}
		// A dotted aggregate is not served (Odoo: "this dot notation is
		// not supported").
		e := newEnv(t, db, w.r, bob)
		_, err := model(t, e, "test.order").Group(GroupQuery{GroupBy: []string{"state"}, Aggregates: []string{"partner_id.name:max"}})
		e.Finish(nil)
		wantKind(t, err, errs.ValidationError)

		// Field groups on every field of the path; the comodel's read ACL.
		// (The policy is asked about fields that declare groups: this
		// world's registry gets them.)
		for _, f := range []*Field{w.r.models["res.partner"].fields["parent_id"], w.r.models["test.order"].fields["partner_id"], w.r.models["test.order"].fields["tag_ids"]} {
			f.Groups = "base.group_system"
		}
		w.pol.hidden["res.partner.parent_id"] = true
		wantKind(t, group(bob, "test.order", "partner_id.parent_id.name"), errs.AccessError)
		wantKind(t, group(bob, "test.order", "partner_id.parent_id"), errs.AccessError)
		w.pol.hidden["test.order.partner_id"] = true
		wantKind(t, group(bob, "test.order", "partner_id.email"), errs.AccessError)
		w.pol.hidden["test.order.tag_ids"] = true
		wantKind(t, group(bob, "test.order", "tag_ids"), errs.AccessError)
		w.pol.hidden = map[string]bool{"test.order.secret": true}
		w.pol.deny = map[string]bool{"res.partner/read": true}
		wantKind(t, group(bob, "test.order", "partner_id.email"), errs.AccessError)
		if err := group(bob, "test.order", "partner_id"); err != nil {
			t.Errorf("a many2one group shows sudo names without the comodel's ACL, as Odoo: %v", err)
		}
		w.pol.deny = nil
		if err := group(bob, "test.order", "partner_id.parent_id.name"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGroupMany2manyDomains: as bob (rules on orders and tags), each
// many2many group's __extra_domain selects exactly its records, the False
// group included (orders linked only to the grey tag bob may not read).
func TestGroupMany2manyDomains(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 5)
		e := newEnv(t, db, w.r, bob)
		m := model(t, e, "test.order")
		groups, err := m.FormattedReadGroup(nil, []string{"tag_ids"}, []string{"__count"}, nil, 0, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 4 || groups[3]["tag_ids"] != false {
			t.Fatalf("want three visible tags and the False group: %v", groups)
		}
		for _, g := range groups {
			d, err := parseDomainJSON(g["__extra_domain"].([]any))
			if err != nil {
				t.Fatal(err)
			}
			n, err := m.SearchCount(d, 0)
			if err != nil || n != g["__count"].(int64) {
				t.Errorf("group %v: search_count of its domain %d, %v", g, n, err)
			}
		}
	})
}

// TestGroupPathHidesRuleFilteredValues: grouping along a path never shows
// a value of a linked record the caller may not read. Bob's partner rule
// hides "Zeta": grouped by partner_id.name he sees no "Zeta" group, Zeta's
// orders he may read are in the False group, and the counts still add up
// to the orders he may read; without rules (sudo) the Zeta group is there.
func TestGroupPathHidesRuleFilteredValues(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newGroupWorld(t, db, 5)
		groups := func(p *principal.Principal, su bool) (map[any]int64, int64) {
			e := newEnv(t, db, w.r, p)
			defer e.Finish(nil)
			if su {
				e = e.Sudo("test: the world without rules")
			}
			rows, err := model(t, e, "test.order").Group(GroupQuery{GroupBy: []string{"partner_id.name"}, Aggregates: []string{"__count"}})
			if err != nil {
				t.Fatal(err)
			}
			out, total := map[any]int64{}, int64(0)
			for _, r := range rows {
				out[r.Keys[0]] = r.Aggs[0].(int64)
				total += r.Aggs[0].(int64)
			}
			n, err := model(t, e, "test.order").SearchCount(nil, 0)
			if err != nil || n != total {
				t.Fatalf("groups count %d orders, search_count %d (%v)", total, n, err)
			}
			return out, total
		}
		adminGroups, _ := groups(admin, true)
		if adminGroups["Zeta"] == 0 {
			t.Fatal("the world has no order of Zeta: the test proves nothing")
		}
		bobGroups, _ := groups(bob, false)
		if _, ok := bobGroups["Zeta"]; ok {
			t.Fatalf("bob grouped by the name of a partner his rule hides: %v", bobGroups)
		}
		if bobGroups[nil] == 0 {
			t.Fatalf("bob's orders of Zeta are not in the False group: %v", bobGroups)
		}
	})
}
