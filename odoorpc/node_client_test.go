package odoorpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nodeClientDir holds the npm client's package.json and package-lock.json;
// .ci/run installs it (npm ci) into its node_modules.
const nodeClientDir = "testdata/clients/node"

// TestNodeClientFlow runs the npm client odoo-xmlrpc-ts (testdata/clients/
// node/flow.mjs) against a live server: ir.model as a model picker,
// fields_get, a search over more than 1,000 records without a limit, a
// contact created, refused accesses. Without node or the installed
// package it skips, except under CI=true.
func TestNodeClientFlow(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(nodeClientDir, "node_modules", "odoo-xmlrpc-ts", "package.json"))
	}
	if err != nil {
		msg := "node or odoo-xmlrpc-ts missing (npm ci --prefix odoorpc/" + nodeClientDir + "): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg := startLive(t)
	const bulk = 1500
	prefix := "Bulk Contact "
	vals := make([]any, bulk)
	for i := range vals {
		vals[i] = map[string]any{"name": fmt.Sprintf("%s%04d", prefix, i)}
	}
	if st, res := json2(t, cfg, cfg.Admin.Key, "res.partner", "create", map[string]any{"vals_list": vals}); st != 200 {
		t.Fatalf("bulk create: %d %v", st, res)
	}
	// A contact with an address: country and state from the ISO data.
	_, res := json2(t, cfg, cfg.User.Key, "res.country", "search", map[string]any{"domain": []any{[]any{"code", "=", "US"}}})
	us, _ := res.([]any)
	_, res = json2(t, cfg, cfg.User.Key, "res.country.state", "search", map[string]any{"domain": []any{[]any{"country_id.code", "=", "US"}, []any{"code", "=", "CA"}}})
	ca, _ := res.([]any)
	if len(us) != 1 || len(ca) != 1 {
		t.Fatalf("ISO data: US %v, US-CA %v", us, ca)
	}
	b, err := json.Marshal(map[string]any{
		"url": cfg.URL, "db": cfg.DB, "admin": cfg.Admin, "user": cfg.User, "partner_id": cfg.PartnerID,
		"foreign_order_id": cfg.ForeignOrderID, "bulk_count": bulk, "bulk_prefix": prefix,
		"contact_vals": map[string]any{"street": "1 Infinite Loop", "street2": "Building 2", "zip": "95014", "city": "Cupertino",
			"country_id": us[0], "state_id": ca[0], "phone": "+1 408 555 0100", "type": "invoice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "flow.mjs", path)
	cmd.Dir = nodeClientDir
	cmd.Env = append(os.Environ(), "NO_PROXY=*", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("flow.mjs failed: %v\n%s", err, out)
	}
	t.Logf("flow.mjs:\n%s", out)
}
