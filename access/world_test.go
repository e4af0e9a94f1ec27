package access_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audithttp"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// world is the demo app, wired as the server wires it: identity's tables
// and users, the ORM with the sales models, the demo security as Policy and
// the audit trail as Auditor, and a small fixed data set.
type world struct {
	t     testing.TB
	db    *store.DB
	reg   *orm.Registry
	set   *access.Set
	pol   *access.Policy
	trail *audit.Trail
	ids   *identitytest.Env
	// users by login; "public" is the public user.
	users map[string]*principal.Principal
	// rec names fixture records: orders o_*, partners p_*, products pr_*.
	rec map[string]int64
}

// secretYAML adds a model with a manager-only field, for field groups.
const secretYAML = `
access:
  - {id: access_secret_user, model: x.quote, group: base.group_user, perm_read: true, perm_write: true, perm_create: true}
`

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, db: db, users: map[string]*principal.Principal{}, rec: map[string]int64{}}
	w.ids = identitytest.New(t, db)
	set, err := audit.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, set); err != nil {
		t.Fatal(err)
	}
	w.trail = audit.New(db, audit.Options{RequestInfo: audithttp.RequestInfo})
	t.Cleanup(func() { w.trail.Close() })

	// As the App does: the registry needs its policy before the rules
	// (which are checked against the models) can be loaded; the policy
	// refuses until Replace installs them.
	w.pol = access.NewPolicy(nil, access.PolicyOptions{})
	w.reg = orm.NewRegistry(w.pol)
	w.reg.Logger = slog.New(slog.DiscardHandler)
	if err := sales.Register(w.reg); err != nil {
		t.Fatal(err)
	}
	max := 100.0
	err = w.reg.Define(orm.ModelDef{Name: "x.quote", Description: "Quote", Fields: []orm.Field{
		{Name: "name", Type: orm.Char, Required: true},
		{Name: "margin", Type: orm.Float, Groups: sales.GroupManager, Max: &max},
		{Name: "public_note", Type: orm.Char, Groups: "!base.group_portal"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.reg.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	l := access.NewLoader(w.reg, nil)
	if err := l.LoadFS(sales.Security(), sales.Module, "*.xml", "*.csv"); err != nil {
		t.Fatal(err)
	}
	l.Load("test", "secret.yaml", []byte(secretYAML))
	if w.set, err = l.Build(); err != nil {
		t.Fatal(err)
	}
	if err := access.EnsureGroups(ctx, w.ids.Service, w.set); err != nil {
		t.Fatal(err)
	}
	w.pol.Replace(w.set)
	w.reg.Auditor = w.trail
	w.seed()
	return w
}

// env returns an Env for login. Finish it before opening another: on
// SQLite an Env holds the only writer connection until then. Cleanup
// finishes it in case a test failed first.
func (w *world) env(login string, ctx map[string]any) *orm.Env {
	e := orm.NewEnv(context.Background(), w.reg, w.db, w.users[login], orm.EnvOptions{Context: ctx, RequestID: "req-" + login, Route: "/test"})
	w.t.Cleanup(func() { e.Finish(errors.New("test cleanup")) })
	return e
}

// run executes fn in a fresh Env of login and finishes it: committed when
// commit is set and fn succeeded, rolled back otherwise.
func (w *world) run(login string, commit bool, fn func(e *orm.Env) error) error {
	e := orm.NewEnv(context.Background(), w.reg, w.db, w.users[login], orm.EnvOptions{RequestID: "req-" + login, Route: "/test"})
	err := fn(e)
	fin := err
	if fin == nil && !commit {
		fin = errors.New("rollback")
	}
	if ferr := e.Finish(fin); ferr != nil && err == nil {
		err = ferr
	}
	return err
}

func (w *world) model(e *orm.Env, name string) *orm.Model {
	m, err := e.Model(name)
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *world) create(e *orm.Env, model, name string, vals map[string]any) int64 {
	ids, err := w.model(e, model).Create([]map[string]any{vals})
	if err != nil {
		w.t.Fatalf("create %s %s: %v", model, name, err)
	}
	w.rec[name] = ids[0]
	return ids[0]
}

func (w *world) user(login string, u identity.NewUser) {
	ctx := context.Background()
	u.Login = login
	id, err := w.ids.Service.CreateUser(ctx, u)
	if err != nil {
		w.t.Fatal(err)
	}
	if w.users[login], err = w.ids.Service.Principal(ctx, id); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) seed() {
	t := w.t
	err := w.run("", true, func(e *orm.Env) error {
		su := e.Sudo("test fixtures")
		w.create(su, "res.company", "c_main", map[string]any{"name": "Main Co"})
		w.create(su, "res.company", "c_branch", map[string]any{"name": "Branch Co"})
		w.create(su, "res.partner", "p_deco", map[string]any{"name": "Deco Addict", "is_company": true})
		w.create(su, "res.partner", "p_carol", map[string]any{"name": "Carol Contact", "parent_id": w.rec["p_deco"]})
		w.create(su, "res.partner", "p_azure", map[string]any{"name": "Azure Interior", "is_company": true, "company_id": w.rec["c_main"]})
		w.create(su, "res.partner", "p_branch", map[string]any{"name": "Branch Customer", "company_id": w.rec["c_branch"]})
		w.create(su, "product.product", "pr_desk", map[string]any{"name": "Desk", "list_price": 100})
		w.create(su, "x.quote", "q_one", map[string]any{"name": "Q1", "margin": 12.5, "public_note": "hello"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	main, branch := w.rec["c_main"], w.rec["c_branch"]
	w.user("alice", identity.NewUser{Groups: []string{sales.GroupSalesman}, CompanyID: main})
	w.user("bob", identity.NewUser{Groups: []string{sales.GroupManager}, CompanyID: main, CompanyIDs: []int64{main, branch}})
	w.user("carol", identity.NewUser{Groups: []string{sales.GroupPortal}, CompanyID: main, PartnerID: w.rec["p_carol"]})
	w.user("dave", identity.NewUser{Groups: []string{sales.GroupSalesman}, CompanyID: branch})
	w.user("erin", identity.NewUser{Groups: []string{sales.GroupUser}, CompanyID: main})
	w.user("root", identity.NewUser{Groups: []string{sales.GroupSystem, sales.GroupManager}, CompanyID: main})
	w.users["public"] = &principal.Principal{Public: true, Login: "public", GroupXMLIDs: []string{sales.GroupPublic}, CompanyID: main, CompanyIDs: []int64{main}, Via: "public"}
	uid := func(l string) int64 { return w.users[l].UserID }
	err = w.run("", true, func(e *orm.Env) error {
		su := e.Sudo("test fixtures")
		order := func(name, user, partner, company, state string) {
			v := map[string]any{"name": name, "partner_id": w.rec[partner], "company_id": w.rec[company], "state": state, "date_order": "2026-01-15 10:00:00"}
			if user != "" {
				v["user_id"] = uid(user)
			}
			w.create(su, "sale.order", name, v)
		}
		order("o_alice_deco", "alice", "p_deco", "c_main", "draft")
		order("o_alice_azure", "alice", "p_azure", "c_main", "sale")
		order("o_bob_azure", "bob", "p_azure", "c_main", "sale")
		order("o_none_deco", "", "p_deco", "c_main", "draft")
		order("o_dave_branch", "dave", "p_branch", "c_branch", "sale")
		w.create(su, "sale.order.line", "l_alice", map[string]any{"order_id": w.rec["o_alice_deco"], "name": "Desk", "product_id": w.rec["pr_desk"], "company_id": w.rec["c_main"]})
		w.create(su, "sale.order.line", "l_bob", map[string]any{"order_id": w.rec["o_bob_azure"], "name": "Desk", "product_id": w.rec["pr_desk"], "company_id": w.rec["c_main"]})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.trail.Flush()
}

func kindOf(err error) string {
	if err == nil {
		return "ok"
	}
	switch errs.KindOf(err) {
	case errs.AccessError:
		return "403"
	case errs.MissingError:
		return "404"
	}
	return "other: " + err.Error()
}
