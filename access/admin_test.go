package access_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/store/storetest"
)

func TestExplainCommand(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	deps := access.CLIDeps{Registry: w.reg, DB: w.db, Policy: w.pol, Users: w.ids.Service}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := access.ExplainCommand(context.Background(), deps, args, &out, &errOut)
		return out.String(), err
	}
	out, err := run("--user", "alice", "--model", "sale.order", "--op", "read", "--id", itoa(w.rec["o_bob_azure"]))
	if err != nil || !strings.Contains(out, "MissingError (404)") || !strings.Contains(out, "Personal Orders") {
		t.Errorf("explain text:\n%s (%v)", out, err)
	}
	out, err = run("--user", "bob", "--model", "sale.order", "--op", "write", "--companies", itoa(w.rec["c_branch"]), "--json")
	var x access.Explanation
	if err != nil || json.Unmarshal([]byte(out), &x) != nil || len(x.User.Companies) != 1 || !x.Allowed {
		t.Errorf("explain --json --companies: %s (%v)", out, err)
	}
	for _, bad := range [][]string{
		{"--model", "sale.order"},
		{"--user", "alice"},
		{"--user", "nobody", "--model", "sale.order"},
		{"--user", "alice", "--model", "sale.order", "--op", "delete"},
		{"--user", "alice", "--model", "sale.order", "--companies", itoa(w.rec["c_branch"])}, // never widened
		{"--user", "alice", "--model", "sale.order", "--companies", "x"},
	} {
		if _, err := run(bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestExplainRoute(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	routes := w.pol.AdminRoutes(w.ids.Service)
	if len(routes) != 1 || routes[0].Auth != httpd.AuthBearer || routes[0].Scope != access.AdminScope {
		t.Fatalf("routes = %+v", routes)
	}
	call := func(login string, params map[string]any) (any, error) {
		e := w.env(login, nil)
		defer e.Finish(nil)
		return routes[0].Handler(&httpd.Request{Principal: w.users[login], Env: e, Params: params})
	}
	params := map[string]any{"user": "carol", "model": "sale.order", "op": "read", "id": float64(w.rec["o_alice_deco"])}
	if _, err := call("bob", params); !errs.Is(err, errs.AccessError) {
		t.Errorf("non-admin: %v", err)
	}
	res, err := call("root", params)
	x, ok := res.(*access.Explanation)
	if err != nil || !ok || !x.Allowed || x.User.Login != "carol" {
		t.Errorf("admin explain: %+v, %v", res, err)
	}
	if _, err := call("root", map[string]any{"user": "carol", "model": "sale.order", "op": "read", "bogus": 1.0}); !errs.Is(err, errs.ValidationError) {
		t.Errorf("unknown key: %v", err)
	}
}
