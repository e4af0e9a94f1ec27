package rampart_test

// Write-integrity attacks (issue 10 §2–§7) against the fully wired demo
// server: each refused call is checked for its status and Odoo error AND
// for the data being unchanged (read back in sudo), next to the allowed
// call that must keep working.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
)

// j2 is a JSON-2 caller with an API key.
type j2 struct {
	d   demo
	key string
}

func (d demo) j2(t *testing.T, login string) j2 {
	t.Helper()
	k := d.app.DemoKeys[login]
	if k == "" {
		t.Fatalf("no demo key for %s", login)
	}
	return j2{d: d, key: k}
}

// scopedKey is a fresh API key of login restricted to scopes.
func (d demo) scopedKey(t *testing.T, login string, scopes ...string) j2 {
	t.Helper()
	k, _, err := d.app.Identity.CreateAPIKey(context.Background(), identity.NewAPIKey{
		UserID: d.uid(t, login), Name: "integrity test " + strings.Join(scopes, " "), Scopes: scopes, ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return j2{d: d, key: k}
}

// reply is a decoded JSON-2 answer.
type reply struct {
	status int
	header http.Header
	body   any
	raw    string
}

// errName and errMsg read an error body.
func (r reply) errName() string {
	m, _ := r.body.(map[string]any)
	s, _ := m["name"].(string)
	return s
}
func (r reply) errMsg() string {
	m, _ := r.body.(map[string]any)
	s, _ := m["message"].(string)
	return s
}

func (c j2) call(t *testing.T, model, method string, args map[string]any) reply {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return c.raw(t, model, method, b)
}

func (c j2) raw(t *testing.T, model, method string, body []byte) reply {
	t.Helper()
	req, _ := http.NewRequest("POST", c.d.url+"/json/2/"+model+"/"+method, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	json.Unmarshal(b, &r.body)
	return r
}

// ok fails unless r is a success.
func (r reply) ok(t *testing.T, what string) reply {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: want 200, got %d %s", what, r.status, r.raw)
	}
	return r
}

// refused fails unless r is status with the Odoo error name.
func (r reply) refused(t *testing.T, what string, status int, name string) reply {
	t.Helper()
	if r.status != status || r.errName() != name {
		t.Fatalf("%s: want %d %s, got %d %s", what, status, name, r.status, r.raw)
	}
	return r
}

// sudoEnv runs fn on a read-only superuser Env.
func (d demo) sudoEnv(t *testing.T, fn func(env *orm.Env)) {
	t.Helper()
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{ReadOnly: true, RequestID: "test"})
	defer env.Finish(nil)
	fn(env.Sudo("integrity test: read the data back").WithContext(map[string]any{"active_test": false}))
}

// state is the record as the superuser reads it, with the fields that
// change on every write left out ("" when it does not exist).
func (d demo) state(t *testing.T, model string, id int64) string {
	t.Helper()
	var out string
	d.sudoEnv(t, func(env *orm.Env) {
		m, _ := env.Model(model)
		rows, err := m.Read([]int64{id}, nil)
		if errs.Is(err, errs.MissingError) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			delete(r, "write_date")
		}
		b, _ := json.Marshal(rows)
		out = string(b)
	})
	return out
}

// findOne is the first id of model matching the JSON domain, in sudo.
func (d demo) findOne(t *testing.T, model string, dom []any) int64 {
	t.Helper()
	ids := d.findAll(t, model, dom)
	if len(ids) == 0 {
		t.Fatalf("no %s matching %v", model, dom)
	}
	return ids[0]
}

func (d demo) findAll(t *testing.T, model string, dom []any) []int64 {
	t.Helper()
	var ids []int64
	d.sudoEnv(t, func(env *orm.Env) {
		n, err := domain.FromJSON(dom)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := env.Model(model)
		if ids, err = m.Search(n, orm.SearchOptions{Order: "id"}); err != nil {
			t.Fatal(err)
		}
	})
	return ids
}

// sudoWrite changes fixture data outside any request.
func (d demo) sudoWrite(t *testing.T, fn func(env *orm.Env) error) {
	t.Helper()
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, nil, orm.EnvOptions{RequestID: "test"})
	err := fn(env.Sudo("integrity test: fixture"))
	if ferr := env.Finish(err); err == nil {
		err = ferr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// fixture are the demo records the attacks use.
type fixture struct {
	c1, c2                       int64 // YourCompany, My Belgian Company
	aliceOrder, bobOrder, dOrder int64 // orders of alice, bob (company 1) and dave (company 2)
	aliceLine, bobLine           int64
	shared                       int64 // a customer without company
	hidden                       int64 // the partner of company 2 (alice cannot read it)
}

func (d demo) fixture(t *testing.T) fixture {
	t.Helper()
	var f fixture
	f.c1 = d.findOne(t, "res.company", []any{[]any{"name", "=", "YourCompany"}})
	f.c2 = d.findOne(t, "res.company", []any{[]any{"name", "=", "My Belgian Company"}})
	f.aliceOrder = d.findOne(t, "sale.order", []any{[]any{"user_id", "=", d.uid(t, "alice")}})
	f.bobOrder = d.findOne(t, "sale.order", []any{[]any{"user_id", "=", d.uid(t, "bob")}, []any{"company_id", "=", f.c1}})
	f.dOrder = d.findOne(t, "sale.order", []any{[]any{"user_id", "=", d.uid(t, "dave")}})
	f.aliceLine = d.findOne(t, "sale.order.line", []any{[]any{"order_id", "=", f.aliceOrder}})
	f.bobLine = d.findOne(t, "sale.order.line", []any{[]any{"order_id", "=", f.bobOrder}})
	f.shared = d.findOne(t, "res.partner", []any{[]any{"name", "=", "Azure Interior"}})
	f.hidden = d.findOne(t, "res.partner", []any{[]any{"name", "=", "My Belgian Company"}})
	return f
}

// unchanged fails when any of the records changed since before.
func (d demo) unchanged(t *testing.T, what string, before map[string]string) {
	t.Helper()
	for k, v := range before {
		model, id, _ := strings.Cut(k, "#")
		var n int64
		fmt.Sscan(id, &n)
		if now := d.state(t, model, n); now != v {
			t.Errorf("%s changed %s:\nbefore %s\nafter  %s", what, k, v, now)
		}
	}
}

func (d demo) snap(t *testing.T, refs ...any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i := 0; i < len(refs); i += 2 {
		model, id := refs[i].(string), refs[i+1].(int64)
		out[fmt.Sprintf("%s#%d", model, id)] = d.state(t, model, id)
	}
	return out
}

// §2: the caller's write rules hold on the records after a write (and
// after x2many commands), so a salesman cannot move her line into another
// salesman's order or hand her order to another user or company.
func TestWriteRulesHoldAfterWrite(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	alice := d.j2(t, "alice")

	// Allowed: her own line, her own order.
	alice.call(t, "sale.order.line", "write", map[string]any{"ids": []int64{f.aliceLine}, "vals": map[string]any{"product_uom_qty": 3}}).ok(t, "own line")
	alice.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.aliceOrder}, "vals": map[string]any{"note": "mine"}}).ok(t, "own order")

	const acl, invalid = "odoo.exceptions.AccessError", "odoo.exceptions.ValidationError"
	attacks := []struct {
		name   string
		model  string
		ids    []int64
		vals   map[string]any
		status int
		err    string
	}{
		// Bob's order is hidden from alice: as a link target it is a
		// missing record (§2, no existence oracle).
		{"line moved into bob's order", "sale.order.line", []int64{f.aliceLine}, map[string]any{"order_id": f.bobOrder}, 422, invalid},
		{"line moved by an update command", "sale.order", []int64{f.aliceOrder},
			map[string]any{"order_line": []any{[]any{1, f.aliceLine, map[string]any{"order_id": f.bobOrder}}}}, 422, invalid},
		// Readable targets, but the order leaves her write rules.
		{"order handed to bob", "sale.order", []int64{f.aliceOrder}, map[string]any{"user_id": d.uid(t, "bob")}, 403, acl},
		{"order handed to company 2", "sale.order", []int64{f.aliceOrder}, map[string]any{"company_id": f.c2}, 403, acl},
		{"own line rewritten in place", "sale.order.line", []int64{f.aliceLine},
			map[string]any{"order_id": f.aliceOrder, "name": "moved"}, 200, ""},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			before := d.snap(t, "sale.order.line", f.aliceLine, "sale.order", f.aliceOrder, "sale.order", f.bobOrder)
			r := alice.call(t, a.model, "write", map[string]any{"ids": a.ids, "vals": a.vals})
			if a.status == 200 {
				r.ok(t, a.name)
				return
			}
			r.refused(t, a.name, a.status, a.err)
			d.unchanged(t, a.name, before)
		})
	}
	// The same values are refused on create.
	n := d.sudoCount(t, "sale.order.line", nil)
	alice.call(t, "sale.order.line", "create", map[string]any{"vals_list": []any{map[string]any{"order_id": f.bobOrder, "name": "x"}}}).
		refused(t, "line created in bob's order", 422, invalid)
	if m := d.sudoCount(t, "sale.order.line", nil); m != n {
		t.Errorf("refused create left %d lines", m-n)
	}
}

// §2: a many2one the caller sets must point to a record it can read;
// a hidden record gets exactly the error of a missing one.
func TestMany2oneTargetMustBeReadable(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	alice := d.j2(t, "alice")
	alice.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.aliceOrder}, "vals": map[string]any{"partner_id": f.shared}}).ok(t, "readable partner")
	if got := d.state(t, "sale.order", f.aliceOrder); !strings.Contains(got, fmt.Sprintf(`"partner_id":[%d,"Azure Interior"]`, f.shared)) {
		t.Fatalf("allowed write not stored: %s", got)
	}
	const missing = 987654
	method := func(name string) string {
		if name == "write" {
			return "write"
		}
		return "create"
	}
	norm := func(s string, id int64) string { return strings.ReplaceAll(s, fmt.Sprint(id), "<id>") }
	for _, tc := range []struct {
		name  string
		model string
		call  func(id int64) map[string]any
	}{
		{"write", "sale.order", func(id int64) map[string]any {
			return map[string]any{"ids": []int64{f.aliceOrder}, "vals": map[string]any{"partner_id": id}}
		}},
		{"create", "sale.order", func(id int64) map[string]any {
			return map[string]any{"vals_list": []any{map[string]any{"name": "S-hidden", "partner_id": id, "company_id": f.c1,
				"user_id": d.uid(t, "alice"), "date_order": "2026-03-01 10:00:00"}}}
		}},
		{"contact parent", "res.partner", func(id int64) map[string]any {
			return map[string]any{"vals_list": []any{map[string]any{"name": "contact-hidden", "parent_id": id}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := d.snap(t, "sale.order", f.aliceOrder)
			nOrders, nPartners := d.sudoCount(t, "sale.order", nil), d.sudoCount(t, "res.partner", nil)
			hid := alice.call(t, tc.model, method(tc.name), tc.call(f.hidden))
			gone := alice.call(t, tc.model, method(tc.name), tc.call(missing))
			if hid.status < 400 || hid.status >= 500 {
				t.Fatalf("hidden target accepted: %d %s", hid.status, hid.raw)
			}
			if hid.status != gone.status || hid.errName() != gone.errName() || norm(hid.errMsg(), f.hidden) != norm(gone.errMsg(), missing) {
				t.Errorf("hidden and missing targets answer differently:\nhidden  %d %s\nmissing %d %s", hid.status, hid.raw, gone.status, gone.raw)
			}
			d.unchanged(t, tc.name, before)
			if a, b := d.sudoCount(t, "sale.order", nil), d.sudoCount(t, "res.partner", nil); a != nOrders || b != nPartners {
				t.Errorf("records created: orders %d→%d, partners %d→%d", nOrders, a, nPartners, b)
			}
		})
	}
}

// §3: names in child_of/parent_of (and many2one compared with a string)
// resolve under the caller's rules: a hidden contact's name cannot be
// read one character at a time through a visible parent.
func TestNameLookupsUnderRules(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	const secret = "Zq Secret Contact"
	var hiddenChild int64
	d.sudoWrite(t, func(env *orm.Env) error {
		m, _ := env.Model("res.partner")
		ids, err := m.Create([]map[string]any{{"name": secret, "parent_id": f.shared, "company_id": f.c2}})
		if err == nil {
			hiddenChild = ids[0]
		}
		return err
	})
	alice, bob := d.j2(t, "alice"), d.j2(t, "bob")
	count := func(c j2, dom []any) float64 {
		t.Helper()
		r := c.call(t, "res.partner", "search_count", map[string]any{"domain": dom}).ok(t, fmt.Sprint(dom))
		n, _ := r.body.(float64)
		return n
	}
	probes := [][]any{
		{"&", []any{"id", "=", f.shared}, []any{"id", "parent_of", "Zq Sec"}},
		{[]any{"id", "parent_of", []any{"Zq Secret"}}},
		{[]any{"child_ids", "child_of", "Zq Secret"}},
	}
	for _, p := range probes {
		if n := count(bob, p); n == 0 {
			t.Errorf("bob (who can read the contact) finds nothing with %v", p)
		}
		if hit := count(alice, p); hit != 0 {
			t.Errorf("alice's answer to %v depends on a contact she cannot read: %v", p, hit)
		}
	}
	// The order's partner compared with a string is a name lookup too.
	// A link an authorised user made.
	d.sudoWrite(t, func(env *orm.Env) error {
		m, _ := env.Model("sale.order")
		return m.Write([]int64{f.aliceOrder}, map[string]any{"partner_id": hiddenChild})
	})
	// Display names stay as Odoo shows them: the target's name, even
	// hidden, for a link someone allowed made.
	got := alice.call(t, "sale.order", "read", map[string]any{"ids": []int64{f.aliceOrder}, "fields": []string{"partner_id"}}).ok(t, "read order")
	if !strings.Contains(got.raw, secret) {
		t.Errorf("the many2one display name changed: %s", got.raw)
	}
	orders := func(c j2, dom []any) float64 {
		r := c.call(t, "sale.order", "search_count", map[string]any{"domain": dom}).ok(t, fmt.Sprint(dom))
		n, _ := r.body.(float64)
		return n
	}
	for _, p := range [][]any{
		{[]any{"partner_id", "=", secret}},
		{[]any{"partner_id", "ilike", "Zq Sec"}},
		{[]any{"partner_id", "child_of", "Zq Sec"}},
		{[]any{"partner_id.name", "ilike", "Zq"}},
	} {
		if n := orders(alice, p); n != 0 {
			t.Errorf("alice finds her order through the hidden partner's name with %v: %v", p, n)
		}
	}
}

// §4: API-key scopes hold for every model an operation touches on the
// caller's behalf: x2many commands, cascades, dotted paths in domains and
// many2one display names, with the scope refusal (403) and nothing
// changed; what the scope grants keeps working.
func TestKeyScopesReachTheORM(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	const acl = "odoo.exceptions.AccessError"
	lines := func() int64 { return d.sudoCount(t, "sale.order.line", nil) }
	partners := func() int64 { return d.sudoCount(t, "res.partner", nil) }

	orderWrite := d.scopedKey(t, "bob", "model:sale.order:write")
	orderWrite.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.bobOrder}, "vals": map[string]any{"note": "scoped"}}).ok(t, "in scope")
	for name, cmd := range map[string][]any{
		"create a line": {0, 0, map[string]any{"name": "via command", "price_unit": 1}},
		"update a line": {1, f.bobLine, map[string]any{"name": "via command"}},
		"delete a line": {2, f.bobLine, 0},
	} {
		t.Run("order scope/"+name, func(t *testing.T) {
			before, n := d.snap(t, "sale.order.line", f.bobLine, "sale.order", f.bobOrder), lines()
			r := orderWrite.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.bobOrder}, "vals": map[string]any{"order_line": []any{cmd}}}).
				refused(t, name, http.StatusForbidden, acl)
			if !strings.Contains(r.errMsg(), "scope") {
				t.Errorf("not a scope refusal: %s", r.errMsg())
			}
			d.unchanged(t, name, before)
			if lines() != n {
				t.Errorf("line count changed")
			}
		})
	}

	partnerWrite := d.scopedKey(t, "bob", "model:res.partner:write")
	partnerWrite.call(t, "res.partner", "write", map[string]any{"ids": []int64{f.shared}, "vals": map[string]any{"email": "scoped@example.com"}}).ok(t, "partner in scope")
	n := partners()
	partnerWrite.call(t, "res.partner", "write", map[string]any{"ids": []int64{f.shared}, "vals": map[string]any{"child_ids": []any{[]any{0, 0, map[string]any{"name": "scope escape"}}}}}).
		refused(t, "create through child_ids", http.StatusForbidden, acl)
	if partners() != n {
		t.Errorf("a partner was created outside the key's scope")
	}

	orderRead := d.scopedKey(t, "bob", "model:sale.order:read")
	orderRead.call(t, "sale.order", "search_count", map[string]any{"domain": []any{[]any{"name", "ilike", "S0"}}}).ok(t, "own fields")
	orderRead.call(t, "sale.order", "read", map[string]any{"ids": []int64{f.bobOrder}, "fields": []string{"name", "state"}}).ok(t, "read own fields")
	orderRead.call(t, "sale.order", "search_count", map[string]any{"domain": []any{[]any{"partner_id.name", "ilike", "a"}}}).
		refused(t, "dotted path into res.partner", http.StatusForbidden, acl)
	orderRead.call(t, "sale.order", "search_count", map[string]any{"domain": []any{[]any{"order_line", "any", []any{[]any{"name", "ilike", "a"}}}}}).
		refused(t, "any into sale.order.line", http.StatusForbidden, acl)
	orderRead.call(t, "sale.order", "read", map[string]any{"ids": []int64{f.bobOrder}, "fields": []string{"partner_id"}}).
		refused(t, "display name of a res.partner", http.StatusForbidden, acl)
	orderRead.call(t, "sale.order", "read", map[string]any{"ids": []int64{f.bobOrder}, "fields": []string{"order_line"}}).
		refused(t, "ids of sale.order.line", http.StatusForbidden, acl)

	// A delete cascades into the order's lines: the key needs them too.
	orderAll := d.scopedKey(t, "bob", "model:sale.order")
	before, nl := d.snap(t, "sale.order", f.bobOrder), lines()
	orderAll.call(t, "sale.order", "unlink", map[string]any{"ids": []int64{f.bobOrder}}).refused(t, "cascade into lines", http.StatusForbidden, acl)
	d.unchanged(t, "cascade", before)
	if lines() != nl {
		t.Errorf("lines deleted by a refused cascade")
	}
	withLines := d.scopedKey(t, "bob", "model:sale.order", "model:sale.order.line:unlink")
	withLines.call(t, "sale.order", "unlink", map[string]any{"ids": []int64{f.bobOrder}}).ok(t, "cascade in scope")
	if d.state(t, "sale.order", f.bobOrder) != "" {
		t.Errorf("allowed unlink did not delete")
	}
}
