package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
	"github.com/rampart/rampart/store/storetest"
)

// TestAuthorizationMatrix runs role × model × operation × record through
// the wired demo server, on SQLite and on PostgreSQL: each logged-in role
// over Odoo's /web/dataset/call_kw with its session cookie, the public (no
// session) over an auth=public route. Every refusal is checked for its
// Odoo error, for leaving the data as it was, and for its own denial entry
// in the audit trail (user, model, operation, ids: the record refused, none
// when the ACL refused before any record was read or for a create); every
// allowed call for leaving none.
func TestAuthorizationMatrix(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { authorizationMatrix(t, startDemoOn(t, "", publicCallRoute())) })
	t.Run("postgres", func(t *testing.T) {
		authorizationMatrix(t, startDemoOn(t, storetest.PostgresSchemaURL(t), publicCallRoute()))
	})
}

func authorizationMatrix(t *testing.T, d demo) {
	env := d.adminEnv(t)
	ctx := context.Background()
	uid := func(login string) int64 {
		u, err := d.app.Identity.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	alice, bob, dave := uid("alice"), uid("bob"), uid("dave")
	deco := find(t, env, "res.partner", []any{[]any{"name", "=", "Deco Addict"}, []any{"parent_id", "=", false}})
	recs := map[string]int64{
		"alice's order": find(t, env, "sale.order", []any{[]any{"user_id", "=", alice}}),
		"bob's order":   find(t, env, "sale.order", []any{[]any{"user_id", "=", bob}}),
		"deco order":    find(t, env, "sale.order", []any{[]any{"partner_id", "child_of", deco}, []any{"company_id", "=", 1}}),
		"other partner's order": find(t, env, "sale.order", []any{[]any{"partner_id", "not in", d.children(t, env, deco)},
			[]any{"company_id", "=", 1}}),
		"deco":     deco,
		"product":  find(t, env, "product.product", []any{}),
		"customer": find(t, env, "res.partner", []any{[]any{"is_company", "=", true}, []any{"id", "not in", d.children(t, env, deco)}, []any{"parent_id", "=", false}, []any{"name", "!=", "YourCompany"}, []any{"company_id", "in", []any{1, false}}}),
	}
	daveOrder := d.sudoFind(t, "sale.order", []any{[]any{"user_id", "=", dave}})

	clients := map[string]*rpcClient{"public": d.client(t, "")}
	for _, login := range []string{"admin", "alice", "bob", "carol"} {
		clients[login] = d.client(t, login)
	}
	const ok, acl, missing = "ok", "odoo.exceptions.AccessError", "odoo.exceptions.MissingError"
	newOrder := func(user int64) map[string]any {
		return map[string]any{"name": "matrix", "partner_id": deco, "company_id": 1, "date_order": "2026-07-01 10:00:00", "user_id": user}
	}
	cases := []struct {
		role, model, op, rec string
		id                   int64 // instead of rec
		vals                 map[string]any
		want                 string
	}{
		// sale.order: salesmen see their own orders, managers all of their
		// companies', portal users their commercial partner's.
		{"alice", "sale.order", "read", "alice's order", 0, nil, ok},
		{"alice", "sale.order", "read", "bob's order", 0, nil, missing},
		{"alice", "sale.order", "read", "", daveOrder, nil, missing},
		{"alice", "sale.order", "write", "alice's order", 0, map[string]any{"note": "alice was here"}, ok},
		{"alice", "sale.order", "write", "bob's order", 0, map[string]any{"note": "alice was here"}, missing},
		{"alice", "sale.order", "unlink", "alice's order", 0, nil, acl},
		{"alice", "sale.order", "create", "", 0, newOrder(alice), ok},
		{"alice", "sale.order", "create", "", 0, newOrder(bob), acl},
		{"bob", "sale.order", "read", "alice's order", 0, nil, ok},
		{"bob", "sale.order", "read", "", daveOrder, nil, ok},
		{"bob", "sale.order", "write", "alice's order", 0, map[string]any{"note": "checked by bob"}, ok},
		{"bob", "sale.order", "create", "", 0, newOrder(alice), ok},
		{"carol", "sale.order", "read", "deco order", 0, nil, ok},
		{"carol", "sale.order", "read", "other partner's order", 0, nil, missing},
		{"carol", "sale.order", "write", "deco order", 0, map[string]any{"note": "carol was here"}, acl},
		{"carol", "sale.order", "create", "", 0, newOrder(alice), acl},
		{"carol", "sale.order", "unlink", "deco order", 0, nil, acl},
		{"public", "sale.order", "read", "alice's order", 0, nil, acl},
		{"public", "sale.order", "write", "alice's order", 0, map[string]any{"note": "anonymous"}, acl},
		{"admin", "sale.order", "read", "bob's order", 0, nil, ok},
		// product.product: everyone reads, only managers and admins change.
		{"public", "product.product", "read", "product", 0, nil, ok},
		{"public", "product.product", "write", "product", 0, map[string]any{"list_price": 1}, acl},
		{"carol", "product.product", "read", "product", 0, nil, ok},
		{"alice", "product.product", "read", "product", 0, nil, ok},
		{"alice", "product.product", "write", "product", 0, map[string]any{"list_price": 2}, acl},
		{"alice", "product.product", "create", "", 0, map[string]any{"name": "Alice's widget"}, acl},
		{"bob", "product.product", "write", "product", 0, map[string]any{"list_price": 3}, ok},
		{"bob", "product.product", "create", "", 0, map[string]any{"name": "Bob's widget"}, ok},
		// res.partner: portal users see their own company only.
		{"carol", "res.partner", "read", "deco", 0, nil, ok},
		{"carol", "res.partner", "read", "customer", 0, nil, missing},
		{"carol", "res.partner", "write", "deco", 0, map[string]any{"email": "x@example.com"}, acl},
		{"alice", "res.partner", "write", "customer", 0, map[string]any{"email": "sales@example.com"}, ok},
		{"alice", "res.partner", "unlink", "customer", 0, nil, acl},
		{"public", "res.partner", "read", "customer", 0, nil, acl},
		// Deleting last: the manager may.
		{"bob", "sale.order", "unlink", "bob's order", 0, nil, ok},
	}
	uids := map[string]int64{"alice": alice, "bob": bob, "carol": uid("carol"), "admin": uid("admin"), "public": uid("__public__")}
	// The refusals decided by the ACL, before any record is looked at:
	// their denial names no record. The others are record rules (on the
	// record, or on the values of a create) and hidden records.
	byACL := map[string]bool{
		"alice unlink sale.order": true, "carol write sale.order": true, "carol create sale.order": true,
		"carol unlink sale.order": true, "public read sale.order": true, "public write sale.order": true,
		"public write product.product": true, "alice write product.product": true, "alice create product.product": true,
		"carol write res.partner": true, "alice unlink res.partner": true, "public read res.partner": true,
	}
	for _, c := range cases {
		id := c.id
		if c.rec != "" {
			id = recs[c.rec]
		}
		name := fmt.Sprintf("%s %s %s %s#%d", c.role, c.op, c.model, c.rec, id)
		t.Run(name, func(t *testing.T) {
			before := d.snapshot(t, c.model, id)
			count := d.count(t, c.model)
			mark := d.lastDenial(t)
			var args []any
			switch c.op {
			case "read":
				args = []any{[]any{id}, []any{"display_name"}}
			case "write":
				args = []any{[]any{id}, c.vals}
			case "unlink":
				args = []any{[]any{id}}
			case "create":
				args = []any{c.vals}
			}
			res, errName, errMsg := clients[c.role].call(t, c.model, c.op, args)
			got := ok
			if errName != "" {
				got = errName
			}
			if got != c.want {
				t.Fatalf("got %s (%s), want %s; result %v", got, errMsg, c.want, res)
			}
			denials := d.denialsAfter(t, mark)
			if c.want == ok {
				if len(denials) != 0 {
					t.Errorf("allowed call left denial entries: %+v", denials)
				}
				return
			}
			// Exactly one denial, naming the user, model, operation and
			// the records (none when the ACL refused first; the new,
			// rolled-back record for a create its rules refused).
			if len(denials) != 1 {
				t.Fatalf("refused call left %d denial entries, want 1: %+v", len(denials), denials)
			}
			en := denials[0]
			acl := byACL[c.role+" "+c.op+" "+c.model]
			if acl != strings.HasPrefix(errMsg, "You are not allowed to") {
				t.Errorf("ACL refusal %t, but the message is %q", acl, errMsg)
			}
			wantIDs := []int64{id}
			if acl || c.op == "create" {
				// A create's new id is rolled back (and may be reused):
				// the entry names no record.
				wantIDs = nil
			}
			if en.UserID != uids[c.role] || en.Model != c.model || !strings.HasPrefix(en.Detail, c.op+": ") || !slices.Equal(en.IDs, wantIDs) {
				t.Errorf("denial entry %+v, want user %d, model %s, operation %s, ids %v", en, uids[c.role], c.model, c.op, wantIDs)
			}
			// A refusal changes nothing and says nothing of hidden records.
			if after := d.snapshot(t, c.model, id); after != before {
				t.Errorf("refused %s changed the record:\nbefore %s\nafter  %s", c.op, before, after)
			}
			if n := d.count(t, c.model); n != count {
				t.Errorf("refused %s changed the row count %d → %d", c.op, count, n)
			}
			if c.want == missing && errMsg != "Record does not exist or has been deleted." &&
				!bytes.HasPrefix([]byte(errMsg), []byte("Record does not exist or has been deleted.")) {
				t.Errorf("missing-record message %q", errMsg)
			}
		})
	}
}

// lastDenial is the id of the newest denial entry (0 if none).
func (d demo) lastDenial(t *testing.T) int64 {
	t.Helper()
	d.app.Audit.Flush()
	es, err := d.app.Audit.Search(context.Background(), audit.Filter{Op: "denied", Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for _, e := range es {
		last = max(last, e.ID)
	}
	return last
}

// denialsAfter lists the denial entries newer than mark.
func (d demo) denialsAfter(t *testing.T, mark int64) []audit.Entry {
	t.Helper()
	d.app.Audit.Flush()
	es, err := d.app.Audit.Search(context.Background(), audit.Filter{Op: "denied", Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Entry
	for _, e := range es {
		if e.ID > mark {
			out = append(out, e)
		}
	}
	return out
}

// publicCallRoute is an auth=public JSON-RPC endpoint doing what call_kw
// does, so that the public user's rights can be exercised over HTTP
// (Odoo's call_kw itself needs a logged-in user).
func publicCallRoute() *rampart.Route {
	return &rampart.Route{
		Path: "/t/public/call_kw", Type: rampart.TypeJSONRPC, Auth: rampart.AuthPublic,
		Handler: func(r *rampart.Request) (any, error) {
			model, _ := r.Params["model"].(string)
			method, _ := r.Params["method"].(string)
			args, _ := r.Params["args"].([]any)
			m, err := r.Env.Model(model)
			if err != nil {
				return nil, err
			}
			ids := func() []int64 {
				var out []int64
				for _, v := range args[0].([]any) {
					out = append(out, v.(int64))
				}
				return out
			}
			switch method {
			case "read":
				return m.Read(ids(), []string{"display_name"})
			case "write":
				return true, m.Write(ids(), args[1].(map[string]any))
			case "unlink":
				return true, m.Unlink(ids())
			case "create":
				return m.Create([]map[string]any{args[0].(map[string]any)})
			}
			return nil, errs.E(errs.NotFound, "no such method")
		},
	}
}

// rpcClient calls call_kw (or the public test route) through a
// rampartest session.
type rpcClient struct {
	s    *rampartest.Session
	path string
}

func (d demo) client(t *testing.T, login string) *rpcClient {
	if login == "" {
		return &rpcClient{s: d.app.Session(t, ""), path: "/t/public/call_kw"}
	}
	return &rpcClient{s: d.app.Session(t, login), path: "/web/dataset/call_kw"}
}

func (c *rpcClient) call(t *testing.T, model, method string, args []any) (any, string, string) {
	return c.post(t, c.path, map[string]any{"model": model, "method": method, "args": args, "kwargs": map[string]any{}})
}

func (c *rpcClient) post(t *testing.T, path string, params map[string]any) (any, string, string) {
	t.Helper()
	return c.s.Post(t, path, params)
}

// snapshot is the record as the superuser sees it ("" when absent).
func (d demo) snapshot(t *testing.T, model string, id int64) string {
	t.Helper()
	if id == 0 {
		return ""
	}
	var out string
	d.withSudo(t, func(env *orm.Env) {
		m, _ := env.Model(model)
		rows, err := m.Read([]int64{id}, nil)
		if err != nil && !errs.Is(err, errs.MissingError) {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rows)
		out = string(b)
	})
	return out
}

func (d demo) count(t *testing.T, model string) int64 {
	var n int64
	d.withSudo(t, func(env *orm.Env) {
		m, _ := env.Model(model)
		var err error
		if n, err = m.SearchCount(nil, 0); err != nil {
			t.Fatal(err)
		}
	})
	return n
}

func (d demo) sudoFind(t *testing.T, model string, dom []any) int64 {
	var id int64
	d.withSudo(t, func(env *orm.Env) { id = find(t, env, model, dom) })
	return id
}

// children are the ids of partner p and its contacts.
func (d demo) children(t *testing.T, env *orm.Env, p int64) []any {
	t.Helper()
	dom, _ := domain.FromJSON([]any{[]any{"id", "child_of", p}})
	m, _ := env.Model("res.partner")
	ids, err := m.Search(dom, orm.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func (d demo) withSudo(t *testing.T, fn func(*orm.Env)) {
	t.Helper()
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "test"})
	fn(env.Sudo("test fixture: compare the data before and after a refused call"))
	env.Finish(nil)
}

// The active companies come from the call's context: narrowed to one of
// the user's companies it filters the rows, widened beyond them it is
// refused, over JSON-2 with a key.
func TestCompanyContextOverJSON2(t *testing.T) {
	d := startDemo(t)
	key := d.app.DemoKeys["bob"]
	count := func(ctx string) (int, string) {
		req, _ := http.NewRequest("POST", d.url+"/json/2/sale.order/search_count",
			bytes.NewReader([]byte(`{"domain":[],"context":`+ctx+`}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v any
		json.NewDecoder(resp.Body).Decode(&v)
		if resp.StatusCode != http.StatusOK {
			m, _ := v.(map[string]any)
			return resp.StatusCode, fmt.Sprint(m["name"], ": ", m["message"])
		}
		return int(v.(float64)), ""
	}
	all, _ := count(`{}`)
	one, _ := count(`{"allowed_company_ids":[2]}`)
	if all == 0 || one == 0 || one >= all {
		t.Errorf("all companies %d orders, company 2 only %d: want a strict, non-empty subset", all, one)
	}
	if status, msg := count(`{"allowed_company_ids":[1,99]}`); status != http.StatusForbidden ||
		msg != "odoo.exceptions.AccessError: Access to unauthorized or invalid companies." {
		t.Errorf("widened companies: %d %s", status, msg)
	}
}
