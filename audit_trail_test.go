package rampart_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/orm"
)

// change is the trail's old -> new of one field of one record, from the
// newest entry of op on model for id that has one ("" when none).
func (d demo) change(t *testing.T, op audit.Op, model string, id int64, field string) (audit.FieldChange, bool) {
	t.Helper()
	got, err := d.app.Audit.Search(context.Background(), audit.Filter{Op: op, Model: model, RecordID: id, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if c, ok := e.Changes[strconv.FormatInt(id, 10)][field]; ok {
			return c, true
		}
	}
	return audit.FieldChange{}, false
}

func jsonEq(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// §6: a write entry records old -> new values, so that the change can be
// reconstructed from the trail alone; a create its initial values; and a
// stored value a computation changed (an order's total changed by a line
// write) is in the trail too, as a write by the computation.
func TestAuditOldNewValues(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	alice := d.j2(t, "alice")

	// A plain write: old and new of the field, nothing for fields not
	// changed.
	before := d.state(t, "sale.order", f.aliceOrder)
	var old map[string]any
	var rows []map[string]any
	json.Unmarshal([]byte(before), &rows)
	old = rows[0]
	alice.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.aliceOrder}, "vals": map[string]any{"note": "deliver on Monday"}}).ok(t, "write note")
	c, ok := d.change(t, audit.OpWrite, "sale.order", f.aliceOrder, "note")
	if !ok || !jsonEq(c.Old, old["note"]) || c.New != "deliver on Monday" {
		t.Errorf("write note: change %+v (found %v), want %v -> deliver on Monday", c, ok, old["note"])
	}

	// A line's price written: the line's own change, its subtotal and
	// the order's total recomputed by the triggers, each old -> new.
	oldTotal := old["amount_total"].(float64)
	var line map[string]any
	json.Unmarshal([]byte(d.state(t, "sale.order.line", f.aliceLine)), &rows)
	line = rows[0]
	qty, price := line["product_uom_qty"].(float64), line["price_unit"].(float64)
	alice.call(t, "sale.order.line", "write", map[string]any{"ids": []int64{f.aliceLine}, "vals": map[string]any{"price_unit": price + 10}}).ok(t, "write price")
	if c, ok := d.change(t, audit.OpWrite, "sale.order.line", f.aliceLine, "price_unit"); !ok || !jsonEq(c.Old, price) || !jsonEq(c.New, price+10) {
		t.Errorf("price_unit change %+v (found %v), want %v -> %v", c, ok, price, price+10)
	}
	if _, ok := d.change(t, audit.OpWrite, "sale.order.line", f.aliceLine, "price_subtotal"); !ok {
		t.Errorf("the line's recomputed subtotal is not in the trail")
	}
	json.Unmarshal([]byte(d.state(t, "sale.order", f.aliceOrder)), &rows)
	newTotal := rows[0]["amount_total"].(float64)
	if newTotal == oldTotal || qty == 0 {
		t.Fatalf("fixture: the total did not change (%v, qty %v)", newTotal, qty)
	}
	c, ok = d.change(t, audit.OpWrite, "sale.order", f.aliceOrder, "amount_total")
	if !ok || !jsonEq(c.Old, oldTotal) || !jsonEq(c.New, newTotal) {
		t.Errorf("amount_total changed by the line write: change %+v (found %v), want %v -> %v", c, ok, oldTotal, newTotal)
	}

	// A create: the initial values, no old ones.
	r := alice.call(t, "sale.order", "create", map[string]any{"vals_list": []any{map[string]any{"partner_id": f.shared, "note": "new one"}}}).ok(t, "create")
	ids, _ := r.body.([]any)
	if len(ids) != 1 {
		t.Fatalf("create answered %s", r.raw)
	}
	id := int64(ids[0].(float64))
	if c, ok := d.change(t, audit.OpCreate, "sale.order", id, "note"); !ok || c.Old != nil || c.New != "new one" {
		t.Errorf("create entry: change %+v (found %v), want new = new one and no old", c, ok)
	}
	if c, ok := d.change(t, audit.OpCreate, "sale.order", id, "partner_id"); !ok || !jsonEq(c.New, f.shared) {
		t.Errorf("create entry partner_id: %+v (found %v), want %d", c, ok, f.shared)
	}

	// A refused write records no change (and changes nothing).
	beforeBob := d.state(t, "sale.order", f.bobOrder)
	alice.call(t, "sale.order", "write", map[string]any{"ids": []int64{f.bobOrder}, "vals": map[string]any{"note": "mine now"}}).
		refused(t, "write bob's order", http.StatusNotFound, "odoo.exceptions.MissingError")
	if _, ok := d.change(t, audit.OpWrite, "sale.order", f.bobOrder, "note"); ok {
		t.Errorf("a refused write left a change in the trail")
	}
	if d.state(t, "sale.order", f.bobOrder) != beforeBob {
		t.Errorf("refused write changed bob's order")
	}
}

// §6 bounded: 1,000 identical denied calls (same user, model, operation,
// reason) make a bounded number of entries and bytes, whose counts add up
// to 1,000; a different denial is its own entry.
func TestAuditIdenticalDenialsAggregated(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	alice := d.uid(t, "alice")
	p := d.app.Principal(t, "alice")
	const n = 1000
	for i := range n {
		env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, p, orm.EnvOptions{RequestID: "agg" + strconv.Itoa(i), Route: "test"})
		m, _ := env.Model("sale.order")
		err := m.Write([]int64{f.bobOrder}, map[string]any{"note": "x"})
		env.Finish(err)
		if err == nil {
			t.Fatal("alice wrote bob's order")
		}
	}
	// One other denial: another reason (an unlink of dave's order).
	env := orm.NewEnv(context.Background(), d.app.Registry, d.app.DB, p, orm.EnvOptions{RequestID: "other", Route: "test"})
	m, _ := env.Model("sale.order")
	if err := m.Unlink([]int64{f.dOrder}); err == nil {
		t.Fatal("alice deleted dave's order")
	} else {
		env.Finish(err)
	}
	d.app.Audit.Flush()
	got := d.trail(t, alice, audit.OpDenied, "sale.order")
	var total int64
	var entries, bytes int
	var other bool
	for _, e := range got {
		if strings.HasPrefix(e.Detail, "unlink") {
			other = true
			continue
		}
		if !strings.HasPrefix(e.Detail, "write") {
			continue
		}
		entries++
		b, _ := json.Marshal(e)
		bytes += len(b)
		if e.Count == 0 {
			total++
		} else {
			total += e.Count
		}
	}
	if total != n || entries > 4 || bytes > 8192 {
		t.Errorf("%d identical denials: %d entries, %d bytes, counts add up to %d; want <= 4 entries, <= 8 KiB, %d", n, entries, bytes, total, n)
	}
	if !other {
		t.Errorf("a different denial was swallowed by the aggregate")
	}
	if d.state(t, "sale.order", f.bobOrder) == "" || strings.Contains(d.state(t, "sale.order", f.bobOrder), `"note":"x"`) {
		t.Errorf("bob's order changed")
	}
}

// §6: a non-admin call to /rampart/admin/* and a CSRF refusal are denials
// in the trail; an administrator's call and a same-origin session call are
// not, and neither refused call changed anything.
func TestAuditAdminAndCSRFRefusals(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	alice, admin := d.uid(t, "alice"), d.uid(t, "admin")
	post := func(path, key string, body string, hdr ...string) int {
		req, _ := http.NewRequest("POST", d.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const search = "/rampart/admin/audit/search"
	if st := post(search, d.app.DemoKeys["alice"], `{"limit": 1}`); st != http.StatusForbidden {
		t.Fatalf("alice on the admin route: %d", st)
	}
	if st := post(search, "", `{"limit": 1}`); st != http.StatusUnauthorized {
		t.Fatalf("no key on the admin route: %d", st)
	}
	if st := post(search, d.app.DemoKeys["admin"], `{"limit": 1}`); st != http.StatusOK {
		t.Fatalf("admin on the admin route: %d", st)
	}
	d.app.Audit.Flush()
	adminEntry := func(user int64) bool {
		for _, e := range d.trail(t, user, audit.OpDenied, "") {
			if strings.Contains(e.Detail, "admin POST "+search) {
				return true
			}
		}
		return false
	}
	if !adminEntry(alice) {
		t.Errorf("alice's refused admin call is not in the trail")
	}
	if adminEntry(admin) {
		t.Errorf("the administrator's allowed call was recorded as refused")
	}
	all, _ := d.app.Audit.Search(context.Background(), audit.Filter{Op: audit.OpDenied, Limit: 500})
	anon := false
	for _, e := range all {
		anon = anon || (e.UserID == 0 && strings.Contains(e.Detail, "refused 401"))
	}
	if !anon {
		t.Errorf("the anonymous refused admin call is not in the trail")
	}

	// CSRF: alice's session cookie, a foreign Origin: refused, recorded,
	// the order unchanged; the same call from the same origin works.
	s := d.app.Session(t, "alice")
	before := d.state(t, "sale.order", f.aliceOrder)
	body := `{"jsonrpc":"2.0","method":"call","id":1,"params":{"model":"sale.order","method":"write","args":[[` +
		strconv.FormatInt(f.aliceOrder, 10) + `],{"note":"cross-site"}],"kwargs":{}}}`
	req, _ := http.NewRequest("POST", d.url+"/web/dataset/call_kw", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// JSON-RPC answers errors with 200 and an error object.
	if !strings.Contains(string(raw), `"error"`) || !strings.Contains(string(raw), "Cross-origin") {
		t.Fatalf("cross-site session write: %d %s", resp.StatusCode, raw)
	}
	if d.state(t, "sale.order", f.aliceOrder) != before {
		t.Errorf("the refused cross-site write changed the order")
	}
	d.app.Audit.Flush()
	csrf := false
	for _, e := range d.trail(t, alice, audit.OpDenied, "") {
		csrf = csrf || (strings.HasPrefix(e.Detail, "csrf POST /web/dataset/call_kw") && e.ClientIP != "")
	}
	if !csrf {
		t.Errorf("the CSRF refusal is not in the trail")
	}
	if _, name, msg := s.CallKW(t, "sale.order", "write", []any{[]int64{f.aliceOrder}, map[string]any{"note": "same site"}}, nil); name != "" {
		t.Fatalf("same-origin write: %s %s", name, msg)
	}
}
