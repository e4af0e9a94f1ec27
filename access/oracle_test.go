package access_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// This file judges rule combination with an oracle written from Odoo 19's
// documented semantics (ir.model.access and ir.rule._compute_domain, see
// the reference on the ORM's security model), evaluated in plain Go over
// the records' field values. Nothing of package access decides the
// expected outcome: access only loads the random configuration the server
// then enforces. The oracle:
//
//   - a user is in a group when it was given the group or a group that
//     implies it, transitively;
//   - operation M is allowed on the model when an active ACL row has
//     perm_M and has no group or one of the user's groups;
//   - a rule applies to M when its perm_M is set; a record passes M when
//     every global rule for M matches it AND (no group rule for M names
//     one of the user's groups OR at least one of those matches it);
//   - search: read ACL, then the records passing read (and active, unless
//     active_test is off or the domain names active);
//   - read/write/unlink of one id: the ACL for the operation (403), then
//     the read rules (404: unreadable is reported as missing), then the
//     operation's rules on the current values (403);
//   - create: the create ACL, then the create rules on the new values.

// odoc is one x.doc record as the oracle sees it. Zero owner/company and
// nil tag/flag are NULL.
type odoc struct {
	id             int64
	owner, company int64
	level          int64
	tag            *string
	flag           *bool
	active         bool
}

// ouser is a user as the oracle sees it.
type ouser struct {
	p         *principal.Principal
	direct    []string
	companies []int64
}

// oleaf is a domain condition with its meaning in Go.
type oleaf struct {
	src  string
	eval func(d odoc, u ouser) bool
}

// orule is a random ir.rule: its domain text and Go predicate.
type orule struct {
	id     string
	groups []string // empty: global
	perms  map[orm.Op]bool
	src    string
	eval   func(d odoc, u ouser) bool
}

type oacl struct {
	group string // "": every user
	perms map[orm.Op]bool
}

// oconfig is one random security configuration.
type oconfig struct {
	implied map[string][]string
	acls    []oacl
	rules   []orule
}

var oracleOps = []orm.Op{orm.OpRead, orm.OpWrite, orm.OpCreate, orm.OpUnlink}

const oracleGroups = 5

func ogroup(i int) string { return fmt.Sprintf("t.g%d", i) }

// member is the transitive closure of the user's groups, computed here.
func (c *oconfig) member(u ouser) map[string]bool {
	in := map[string]bool{}
	var visit func(g string)
	visit = func(g string) {
		if in[g] {
			return
		}
		in[g] = true
		for _, h := range c.implied[g] {
			visit(h)
		}
	}
	for _, g := range u.direct {
		visit(g)
	}
	return in
}

func (c *oconfig) acl(u ouser, op orm.Op) bool {
	in := c.member(u)
	for _, a := range c.acls {
		if a.perms[op] && (a.group == "" || in[a.group]) {
			return true
		}
	}
	return false
}

// passes is Odoo's combination for one record: globals AND (OR of the
// user's group rules, left out when none applies).
func (c *oconfig) passes(u ouser, op orm.Op, d odoc) bool {
	in := c.member(u)
	anyGroupRule, anyGroupTrue := false, false
	for _, r := range c.rules {
		if !r.perms[op] {
			continue
		}
		if len(r.groups) == 0 {
			if !r.eval(d, u) {
				return false
			}
			continue
		}
		mine := false
		for _, g := range r.groups {
			mine = mine || in[g]
		}
		if mine {
			anyGroupRule = true
			anyGroupTrue = anyGroupTrue || r.eval(d, u)
		}
	}
	return !anyGroupRule || anyGroupTrue
}

// outcome is the expected result of op on one existing record.
func (c *oconfig) outcome(u ouser, op orm.Op, d odoc) string {
	switch {
	case !c.acl(u, op):
		return "403"
	case !c.passes(u, orm.OpRead, d):
		return "404"
	case op != orm.OpRead && !c.passes(u, op, d):
		return "403"
	}
	return "ok"
}

func oleaves(r *rand.Rand) []oleaf {
	n := int64(1 + r.IntN(4))
	a, b := int64(r.IntN(5)), int64(r.IntN(5))
	isTag := func(d odoc, v string) bool { return d.tag != nil && *d.tag == v }
	return []oleaf{
		{"('owner_id', '=', user.id)", func(d odoc, u ouser) bool { return d.owner == u.p.UserID }},
		{"('owner_id', '=', False)", func(d odoc, u ouser) bool { return d.owner == 0 }},
		{"('owner_id', '!=', user.id)", func(d odoc, u ouser) bool { return d.owner != u.p.UserID }},
		{"('company_id', 'in', company_ids)", func(d odoc, u ouser) bool { return d.company != 0 && slices.Contains(u.companies, d.company) }},
		{fmt.Sprintf("('level', '>=', %d)", n), func(d odoc, u ouser) bool { return d.level >= n }},
		{fmt.Sprintf("('level', 'in', [%d, %d])", a, b), func(d odoc, u ouser) bool { return d.level == a || d.level == b }},
		{"('tag', '=', 'a')", func(d odoc, u ouser) bool { return isTag(d, "a") }},
		{"('tag', '!=', 'a')", func(d odoc, u ouser) bool { return !isTag(d, "a") }},
		{"('tag', 'not in', ['a', 'b'])", func(d odoc, u ouser) bool { return !isTag(d, "a") && !isTag(d, "b") }},
		{"('flag', '=', True)", func(d odoc, u ouser) bool { return d.flag != nil && *d.flag }},
		{"('flag', '=', False)", func(d odoc, u ouser) bool { return d.flag == nil || !*d.flag }},
		{"(1, '=', 1)", func(odoc, ouser) bool { return true }},
		{"(0, '=', 1)", func(odoc, ouser) bool { return false }},
	}
}

// randomRuleDomain is one leaf, or two leaves under '|' or '&', or a
// negated leaf (every leaf above is its negation's complement in Odoo,
// NULL included).
func randomRuleDomain(r *rand.Rand) (string, func(odoc, ouser) bool) {
	ls := oleaves(r)
	x, y := ls[r.IntN(len(ls))], ls[r.IntN(len(ls))]
	switch r.IntN(4) {
	case 0:
		return "['|', " + x.src + ", " + y.src + "]", func(d odoc, u ouser) bool { return x.eval(d, u) || y.eval(d, u) }
	case 1:
		return "['&', " + x.src + ", " + y.src + "]", func(d odoc, u ouser) bool { return x.eval(d, u) && y.eval(d, u) }
	case 2:
		return "['!', " + x.src + "]", func(d odoc, u ouser) bool { return !x.eval(d, u) }
	}
	return "[" + x.src + "]", x.eval
}

func randomPerms(r *rand.Rand, p float64) map[orm.Op]bool {
	m := map[orm.Op]bool{}
	for _, op := range oracleOps {
		m[op] = r.Float64() < p
	}
	return m
}

func randomConfig(r *rand.Rand) *oconfig {
	c := &oconfig{implied: map[string][]string{}}
	for i := range oracleGroups {
		for j := i + 1; j < oracleGroups; j++ { // i < j: no cycles
			if r.IntN(4) == 0 {
				c.implied[ogroup(i)] = append(c.implied[ogroup(i)], ogroup(j))
			}
		}
	}
	if r.IntN(4) == 0 {
		c.acls = append(c.acls, oacl{perms: randomPerms(r, 0.4)})
	}
	for i := range oracleGroups {
		if r.IntN(4) != 0 {
			c.acls = append(c.acls, oacl{group: ogroup(i), perms: randomPerms(r, 0.7)})
		}
	}
	for i := range 2 + r.IntN(5) {
		ru := orule{id: fmt.Sprintf("rule_%d", i)}
		if r.IntN(3) != 0 {
			for range 1 + r.IntN(2) {
				if g := ogroup(r.IntN(oracleGroups)); !slices.Contains(ru.groups, g) {
					ru.groups = append(ru.groups, g)
				}
			}
		}
		ru.perms = randomPerms(r, 0.6)
		if !ru.perms[orm.OpRead] && !ru.perms[orm.OpWrite] && !ru.perms[orm.OpCreate] && !ru.perms[orm.OpUnlink] {
			ru.perms[orm.OpRead] = true // Odoo: at least one perm
		}
		ru.src, ru.eval = randomRuleDomain(r)
		c.rules = append(c.rules, ru)
	}
	return c
}

// yaml is the configuration in the access YAML form.
func (c *oconfig) yaml() string {
	var b strings.Builder
	b.WriteString("module: t\ngroups:\n")
	for i := range oracleGroups {
		g := ogroup(i)
		fmt.Fprintf(&b, "  - {id: %s, name: G%d, implied: [%s]}\n", g, i, strings.Join(c.implied[g], ", "))
	}
	perm := func(m map[orm.Op]bool) string {
		return fmt.Sprintf("perm_read: %t, perm_write: %t, perm_create: %t, perm_unlink: %t", m[orm.OpRead], m[orm.OpWrite], m[orm.OpCreate], m[orm.OpUnlink])
	}
	b.WriteString("access:\n")
	for i, a := range c.acls {
		group := ""
		if a.group != "" {
			group = ", group: " + a.group
		}
		fmt.Fprintf(&b, "  - {id: acl_%d, model: x.doc%s, %s}\n", i, group, perm(a.perms))
	}
	b.WriteString("rules:\n")
	for _, ru := range c.rules {
		fmt.Fprintf(&b, "  - {id: %s, model: x.doc, groups: [%s], domain: %q, %s}\n", ru.id, strings.Join(ru.groups, ", "), ru.src, perm(ru.perms))
	}
	return b.String()
}

func (c *oconfig) String() string { return c.yaml() }

// oracleDocFields is the model the random rules read.
var oracleDocDef = orm.ModelDef{Name: "x.doc", Description: "Oracle Doc", Fields: []orm.Field{
	{Name: "name", Type: orm.Char},
	// The oracle judges rule combination: the test users have no ACL on
	// res.users or res.company, so these links opt out of the
	// readable-target check (orm TestMany2oneTargetMustBeReadable et al.
	// judge that one).
	{Name: "owner_id", Type: orm.Many2one, Comodel: "res.users", LinkUnreadable: true},
	{Name: "company_id", Type: orm.Many2one, Comodel: "res.company", LinkUnreadable: true},
	{Name: "level", Type: orm.Integer},
	{Name: "tag", Type: orm.Char},
	{Name: "flag", Type: orm.Boolean},
	{Name: "active", Type: orm.Boolean, Default: true},
}}

func (d odoc) vals() map[string]any {
	v := map[string]any{"name": fmt.Sprintf("doc%d", d.id), "level": d.level, "active": d.active}
	if d.owner != 0 {
		v["owner_id"] = d.owner
	}
	if d.company != 0 {
		v["company_id"] = d.company
	}
	if d.tag != nil {
		v["tag"] = *d.tag
	}
	if d.flag != nil {
		v["flag"] = *d.flag
	}
	return v
}

func randomDoc(r *rand.Rand, owners, companies []int64) odoc {
	d := odoc{level: int64(r.IntN(5)), active: r.IntN(5) != 0}
	if i := r.IntN(len(owners) + 1); i < len(owners) {
		d.owner = owners[i]
	}
	if i := r.IntN(len(companies) + 1); i < len(companies) {
		d.company = companies[i]
	}
	if t := []string{"", "a", "b"}[r.IntN(3)]; t != "" {
		d.tag = &t
	}
	if i := r.IntN(3); i < 2 {
		f := i == 1
		d.flag = &f // a stored False as well as True; NULL otherwise
	}
	return d
}

// TestRulesAgainstOdooOracle: for random groups (with implied groups),
// ACLs, global and group rules per operation, users and records, every
// search, read, write, unlink and create ends as the oracle above says,
// on both databases.
func TestRulesAgainstOdooOracle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		if err := w.reg.Define(oracleDocDef); err != nil {
			t.Fatal(err)
		}
		if _, err := w.reg.Sync(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(16, 2026))
		logins := []string{"alice", "bob", "carol", "dave", "erin"}
		var owners []int64
		for _, l := range logins {
			owners = append(owners, w.users[l].UserID)
		}
		companies := []int64{w.rec["c_main"], w.rec["c_branch"]}
		var docs []odoc
		err := w.run("", true, func(e *orm.Env) error {
			m := w.model(e.Sudo("test fixtures"), "x.doc")
			for range 14 {
				d := randomDoc(r, owners, companies)
				ids, err := m.Create([]map[string]any{d.vals()})
				if err != nil {
					return err
				}
				d.id = ids[0]
				docs = append(docs, d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		compared := map[string]int{}
		for trial := range 16 {
			c := randomConfig(r)
			// The demo security stays loaded (its groups name the fields
			// of the other models); none of it concerns x.doc.
			l := access.NewLoader(w.reg, nil)
			if err := l.LoadFS(sales.Security(), sales.Module, "*.xml", "*.csv"); err != nil {
				t.Fatal(err)
			}
			l.Load("test", "secret.yaml", []byte(secretYAML))
			l.Load("t", "oracle.yaml", []byte(c.yaml()))
			set, err := l.Build()
			if err != nil {
				t.Fatalf("trial %d: %v\n%s", trial, err, c)
			}
			w.pol.Replace(set)
			for _, login := range logins {
				u := ouser{companies: companies[:1+r.IntN(2)]}
				if r.IntN(2) == 0 {
					u.companies = companies[1:]
				}
				for i := range oracleGroups {
					if r.IntN(3) == 0 {
						u.direct = append(u.direct, ogroup(i))
					}
				}
				base := w.users[login]
				u.p = &principal.Principal{UserID: base.UserID, Login: login, GroupXMLIDs: u.direct,
					CompanyID: u.companies[0], CompanyIDs: u.companies, PartnerID: base.PartnerID, Via: "session"}
				checkOracle(t, w, c, u, docs, r, compared, fmt.Sprintf("trial %d, %s %v %v", trial, login, u.direct, u.companies))
			}
		}
		// Each expected outcome must be well represented, or the
		// comparison says little.
		for _, k := range []string{"ok", "403", "404"} {
			if compared[k] < 300 {
				t.Errorf("only %d expected %q outcomes in %v", compared[k], k, compared)
			}
		}
		t.Logf("outcomes compared with the oracle, by expected result: %v", compared)
	})
}

// checkOracle runs every operation as u in one Env (rolled back) and
// compares each outcome with the oracle, counting them by expected result
// in tally.
func checkOracle(t *testing.T, w *world, c *oconfig, u ouser, docs []odoc, r *rand.Rand, tally map[string]int, label string) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s\nconfig:\n%s", label, fmt.Sprintf(format, args...), c)
	}
	e := orm.NewEnv(context.Background(), w.reg, w.db, u.p, orm.EnvOptions{RequestID: "req-oracle", Route: "/test"})
	defer e.Finish(fmt.Errorf("rollback"))
	m := w.model(e, "x.doc")
	ctxAll := e.WithContext(map[string]any{"active_test": false})
	mAll := w.model(ctxAll, "x.doc")

	// search: default (active only), active_test off, and a domain on
	// active (which turns the default filter off).
	for _, s := range []struct {
		name   string
		m      *orm.Model
		src    string
		keep   func(odoc) bool
		active bool
	}{
		{"search", m, "[]", func(d odoc) bool { return d.active }, true},
		{"search active_test=False", mAll, "[]", func(odoc) bool { return true }, false},
		{"search archived", m, "[('active', '=', False)]", func(d odoc) bool { return !d.active }, false},
	} {
		got, err := s.m.Search(mustDomain(t, s.src), orm.SearchOptions{Order: "id"})
		want := []int64{}
		wantKind := "ok"
		if !c.acl(u, orm.OpRead) {
			wantKind = "403"
		} else {
			for _, d := range docs {
				if s.keep(d) && c.passes(u, orm.OpRead, d) {
					want = append(want, d.id)
				}
			}
		}
		tally[wantKind]++
		if k := kindOf(err); k != wantKind {
			fail("%s: %s, want %s", s.name, k, wantKind)
		} else if err == nil && !slices.Equal(got, want) {
			fail("%s: got %v, want %v", s.name, got, want)
		}
	}
	for _, d := range docs {
		rows, err := m.Read([]int64{d.id}, []string{"name"})
		want := c.outcome(u, orm.OpRead, d)
		tally[want]++
		if k := kindOf(err); k != want {
			fail("read %d %+v: %s, want %s", d.id, d, k, want)
		} else if err == nil && (len(rows) != 1 || rows[0]["id"] != d.id) {
			fail("read %d: rows %v", d.id, rows)
		}
	}
	for _, d := range docs {
		// name is in no rule: a successful write changes no outcome.
		err := m.Write([]int64{d.id}, map[string]any{"name": "written"})
		want := c.outcome(u, orm.OpWrite, d)
		tally[want]++
		if k := kindOf(err); k != want {
			fail("write %d %+v: %s, want %s", d.id, d, k, want)
		}
	}
	nd := randomDoc(r, []int64{u.p.UserID, docs[0].owner}, u.companies)
	_, err := m.Create([]map[string]any{nd.vals()})
	want := "ok"
	if !c.acl(u, orm.OpCreate) || !c.passes(u, orm.OpCreate, nd) {
		want = "403"
	}
	tally[want]++
	if k := kindOf(err); k != want {
		fail("create %+v: %s, want %s", nd, k, want)
	}
	for _, d := range docs {
		err := m.Unlink([]int64{d.id})
		want := c.outcome(u, orm.OpUnlink, d)
		tally[want]++
		if k := kindOf(err); k != want {
			fail("unlink %d %+v: %s, want %s", d.id, d, k, want)
		}
	}
}
