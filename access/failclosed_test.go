package access_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/examples/sales"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestPolicyRefusesUntilInstalled: the server builds its registry with a
// Policy whose rules are loaded later; in between, every check refuses
// (it never allows), and the same calls work once the rules are in.
func TestPolicyRefusesUntilInstalled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		pol := access.NewPolicy(nil, access.PolicyOptions{Logger: slog.New(slog.DiscardHandler)})
		reg := orm.NewRegistry(pol)
		reg.Logger = slog.New(slog.DiscardHandler)
		if err := sales.Register(reg); err != nil {
			t.Fatal(err)
		}
		bob := w.users["bob"] // a sales manager: allowed everything below once the rules are in
		env := func() *orm.Env {
			e := orm.NewEnv(context.Background(), reg, db, bob, orm.EnvOptions{RequestID: "req-uninstalled"})
			t.Cleanup(func() { e.Finish(errors.New("test cleanup")) })
			return e
		}
		count := func() int64 {
			e := env().Sudo("test: count orders")
			defer e.Finish(nil)
			n, err := w.model(e, "sale.order").SearchCount(nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()

		e := env()
		orders := w.model(e, "sale.order")
		refused := map[string]error{}
		_, refused["search"] = orders.Search(nil, orm.SearchOptions{})
		_, refused["read"] = orders.Read([]int64{w.rec["o_bob_azure"]}, []string{"name"})
		_, refused["create"] = orders.Create([]map[string]any{{"name": "while uninstalled", "partner_id": w.rec["p_azure"]}})
		refused["write"] = orders.Write([]int64{w.rec["o_bob_azure"]}, map[string]any{"name": "changed"})
		refused["unlink"] = orders.Unlink([]int64{w.rec["o_none_deco"]})
		_, refused["explain"] = pol.Explain(e, "sale.order", "read", 0)
		for op, err := range refused {
			if errs.KindOf(err) != errs.Internal {
				t.Errorf("%s before the rules are installed: %v, want errs.Internal", op, err)
			}
		}
		if pol.FieldAllowed(e, "x.quote", &orm.Field{Name: "margin", Groups: sales.GroupManager}) {
			t.Error("a grouped field allowed before the rules are installed")
		}
		if d, err := pol.RuleDomain(e, "sale.order", orm.OpRead); d != nil || errs.KindOf(err) != errs.Internal {
			t.Errorf("RuleDomain before install = %v, %v", d, err)
		}
		e.Finish(errors.New("refused"))
		if n := count(); n != before {
			t.Fatalf("orders %d → %d while the policy was not installed", before, n)
		}

		pol.Replace(w.set)
		var got, want []int64
		if err := w.run("bob", false, func(e *orm.Env) (err error) {
			want, err = w.model(e, "sale.order").Search(nil, orm.SearchOptions{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e = env()
		got, err := w.model(e, "sale.order").Search(nil, orm.SearchOptions{})
		if err != nil || !reflect.DeepEqual(got, want) || len(got) == 0 {
			t.Errorf("after install: %v, %v; the installed world gives %v", got, err, want)
		}
	})
}
