package access_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/access/accesshttp"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store/storetest"
)

// TestExplainLocal: an explanation as `rampart access explain` asks for
// it, in a read-only Env acting as nobody (the command line itself is
// tested in cmd/rampart).
func TestExplainLocal(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	explain := func(req access.ExplainRequest) (*access.Explanation, error) {
		e := orm.NewEnv(context.Background(), w.reg, w.db, nil, orm.EnvOptions{ReadOnly: true, RequestID: "cli", Route: "cli:access explain"})
		x, err := w.pol.ExplainFor(e, w.ids.Service, req)
		e.Finish(err)
		return x, err
	}
	run := func(req access.ExplainRequest) (string, error) {
		if req.Op == "" {
			req.Op = "read"
		}
		x, err := explain(req)
		if err != nil {
			return "", err
		}
		return x.Text(), nil
	}
	out, err := run(access.ExplainRequest{User: "alice", Model: "sale.order", Op: "read", ID: w.rec["o_bob_azure"]})
	if err != nil || !strings.Contains(out, "MissingError (404)") || !strings.Contains(out, "Personal Orders") {
		t.Errorf("explain text:\n%s (%v)", out, err)
	}
	x, err := explain(access.ExplainRequest{User: "bob", Model: "sale.order", Op: "write", AllowedCompanyIDs: []int64{w.rec["c_branch"]}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := x.JSON()
	var back access.Explanation
	if err != nil || json.Unmarshal(b, &back) != nil || len(back.User.Companies) != 1 || !back.Allowed {
		t.Errorf("explain JSON with companies: %s (%v)", b, err)
	}
	for _, bad := range []access.ExplainRequest{
		{Model: "sale.order"},
		{User: "alice"},
		{User: "nobody", Model: "sale.order"},
		{User: "alice", Model: "sale.order", Op: "delete"},
		{User: "alice", Model: "sale.order", AllowedCompanyIDs: []int64{w.rec["c_branch"]}}, // never widened
	} {
		if _, err := run(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestExplainRoute(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	routes := accesshttp.AdminRoutes(w.pol, w.ids.Service)
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
