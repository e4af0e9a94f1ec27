package rampart_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/audit"
)

// trail returns the entries of user with op, newest first.
func (d demo) trail(t *testing.T, user int64, op audit.Op, model string) []audit.Entry {
	t.Helper()
	got, err := d.app.Audit.Search(context.Background(), audit.Filter{UserID: user, Op: op, Model: model, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// §6: the trail records refusals by key scope and private-method calls,
// one entry per model a delete cascaded into (with its ids), and stays
// bounded: a denied read of many ids keeps a capped id list with the
// count and a hash, and identical denials in one request are one entry.
func TestAuditCompleteAndBounded(t *testing.T) {
	d := startDemo(t)
	f := d.fixture(t)
	bob, alice := d.uid(t, "bob"), d.uid(t, "alice")

	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
		"service": "object", "method": "execute_kw",
		"args": []any{d.app.Config.DBName, bob, d.app.DemoKeys["bob"], "res.partner", "_read_group_raw", []any{}}}})
	resp, err := http.Post(d.url+"/jsonrpc", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Private methods") {
		t.Fatalf("private method call: %s", b)
	}
	scoped := d.scopedKey(t, "bob", "model:sale.order:read")
	scoped.call(t, "res.partner", "search_count", map[string]any{"domain": []any{}}).refused(t, "scope", http.StatusForbidden, "odoo.exceptions.AccessError")
	var private, scope bool
	for _, e := range d.trail(t, bob, audit.OpDenied, "") {
		private = private || strings.Contains(e.Detail, "Private methods")
		scope = scope || strings.Contains(e.Detail, "scope")
	}
	if !private || !scope {
		t.Errorf("denials not audited: private method %v, key scope %v", private, scope)
	}

	lines := d.findAll(t, "sale.order.line", []any{[]any{"order_id", "=", f.bobOrder}})
	d.j2(t, "bob").call(t, "sale.order", "unlink", map[string]any{"ids": []int64{f.bobOrder}}).ok(t, "unlink")
	var cascade *audit.Entry
	for _, e := range d.trail(t, bob, audit.OpUnlink, "sale.order.line") {
		if slices.Equal(e.IDs, lines) {
			cascade = &e
		}
	}
	if cascade == nil {
		t.Errorf("the lines deleted with order %d (%v) have no audit entry", f.bobOrder, lines)
	}

	var many []int64
	for i := int64(1); i <= 5000; i++ {
		many = append(many, 1000000+i)
	}
	d.j2(t, "alice").call(t, "sale.order", "read", map[string]any{"ids": many, "fields": []string{"name"}}).
		refused(t, "read of missing ids", http.StatusNotFound, "odoo.exceptions.MissingError")
	denied := d.trail(t, alice, audit.OpDenied, "sale.order")
	if len(denied) == 0 {
		t.Fatal("no denial entry")
	}
	if e := denied[0]; len(e.IDs) > 100 || !strings.Contains(e.Detail, "5000 ids") || !strings.Contains(e.Detail, "sha256") {
		t.Errorf("denied read of 5000 ids: %d ids kept, detail %q", len(e.IDs), e.Detail)
	}
}
