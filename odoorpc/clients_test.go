package odoorpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rampart/rampart/access"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/odoorpc"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// The client compatibility tests run real Odoo clients — Python's
// xmlrpc.client following Odoo's external-API documentation, and the
// Debian package python3-odoorpc — against a live server, and check that
// refused operations reach them as Odoo's errors. Without python3 (or
// without the odoorpc module) they skip, except under CI=true, where they
// fail: CI installs python3-odoorpc.

// clientConfig is what the scripts read (testdata/clients/*.py).
type clientConfig struct {
	URL            string      `json:"url"`
	DB             string      `json:"db"`
	Admin          clientCreds `json:"admin"`
	User           clientCreds `json:"user"`
	ForeignOrderID int64       `json:"foreign_order_id"`
	PartnerID      int64       `json:"partner_id"`
	// now is the identity service's clock (a fixed test time).
	now time.Time
}

type clientCreds struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	Key      string `json:"key,omitempty"`
}

func TestXMLRPCClientFlow(t *testing.T) {
	py := findPython(t, "xmlrpc.client")
	runClient(t, py, "xmlrpc_flow.py", startLive(t))
}

func TestOdooRPCClientFlow(t *testing.T) {
	py := findPython(t, "odoorpc")
	runClient(t, py, "odoorpc_flow.py", startLive(t))
}

// findPython returns a python3 that can import module. The Debian package
// installs odoorpc for the system interpreter, which need not be the first
// python3 on PATH (pyenv, venvs), so /usr/bin/python3 is tried first.
func findPython(t *testing.T, module string) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := exec.CommandContext(ctx, py, "-c", "import "+module).Run()
		cancel()
		if err == nil {
			return py
		}
	}
	msg := "no python3 with the module " + module + " (apt-get install python3 python3-odoorpc)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func runClient(t *testing.T, py, script string, cfg clientConfig) {
	t.Helper()
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "clients", script), path)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "NO_PROXY=*", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s failed: %v\n%s", script, err, out)
	}
	t.Logf("%s:\n%s", script, out)
}

// startLive serves the full stack — identity, the ORM with access
// control, odoorpc — in-process on a temp SQLite database, with a small
// sales fixture: an administrator, a salesman who may read, write and
// create his own orders but not delete them, and another salesman's order.
func startLive(t *testing.T) clientConfig {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	idn := identitytest.New(t, db, func(o *identity.Options) { o.Demo = true })
	if err := idn.EnsureAdmin(ctx, "admin-secret-pw"); err != nil {
		t.Fatal(err)
	}

	reg := orm.NewRegistry()
	reg.Logger = slog.New(slog.DiscardHandler)
	if err := reg.Define(saleOrderDef()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Sync(ctx, db); err != nil {
		t.Fatal(err)
	}
	loader := access.NewLoader(reg, nil)
	loader.Load("sales", "security.yaml", []byte(securityYAML))
	set, err := loader.Build()
	if err != nil {
		t.Fatal(err)
	}
	reg.Policy = access.NewPolicy(set, access.PolicyOptions{})

	if _, err := idn.EnsureGroup(ctx, identity.Group{XMLID: "sales.group_salesman", Name: "User: Own Documents Only",
		Implied: []string{identity.GroupUser}}); err != nil {
		t.Fatal(err)
	}
	salesman := idn.CreateUser(t, "salesman", "sales.group_salesman")
	other := idn.CreateUser(t, "other", "sales.group_salesman")
	key := idn.APIKey(t, salesman)
	cfg := clientConfig{
		DB:    odoorpc.DefaultDB,
		Admin: clientCreds{Login: "admin", Password: "admin-secret-pw"},
		User:  clientCreds{Login: "salesman", Password: identitytest.Password("salesman"), Key: key},
	}
	cfg.now = idn.Clock.Now()
	cfg.PartnerID, cfg.ForeignOrderID = loadFixture(t, idn, reg, db, salesman, other)

	envs := envFactory{reg: reg, db: db}
	srv := odoorpc.ServeRoutes(t, idn.Service, envs, odoorpc.Deps{
		Identity: idn.Service, Sessions: idn.Service, Envs: envs,
		ScopeAllows: identity.ScopeAllows, ListDB: true,
	})
	cfg.URL = srv.URL
	return cfg
}

// envFactory is the integrator's EnvFactory in miniature.
type envFactory struct {
	reg *orm.Registry
	db  *store.DB
}

func (f envFactory) NewEnv(r *httpd.Request) (*orm.Env, error) {
	return orm.NewEnv(r.HTTP.Context(), f.reg, f.db, r.Principal, orm.EnvOptions{
		ReadOnly: r.Route.ReadOnly, RequestID: r.ID, Route: r.Route.Name,
	}), nil
}

func saleOrderDef() orm.ModelDef {
	return orm.ModelDef{Name: "sale.order", Description: "Sales Order", Fields: []orm.Field{
		{Name: "name", Type: "char", String: "Order Reference", Required: true},
		{Name: "partner_id", Type: "many2one", Comodel: "res.partner", String: "Customer", Required: true, OnDelete: orm.Restrict},
		{Name: "user_id", Type: "many2one", Comodel: "res.users", String: "Salesperson"},
		{Name: "state", Type: "selection", String: "Status", Default: "draft",
			Selection: [][2]string{{"draft", "Quotation"}, {"sale", "Sales Order"}}},
		{Name: "amount_total", Type: "monetary", String: "Total"},
	}}
}

const securityYAML = `
module: sales
groups:
  - id: group_salesman
    name: "User: Own Documents Only"
    implied: [base.group_user]
access:
  - {id: access_partner_user, model: res.partner, group: base.group_user, perm_read: true}
  - {id: access_partner_system, model: res.partner, group: base.group_system, perm_read: true, perm_write: true, perm_create: true, perm_unlink: true}
  - {id: access_company_user, model: res.company, group: base.group_user, perm_read: true}
  - {id: access_users_user, model: res.users, group: base.group_user, perm_read: true}
  - {id: access_order_salesman, model: sale.order, group: group_salesman, perm_read: true, perm_write: true, perm_create: true}
  - {id: access_order_system, model: sale.order, group: base.group_system, perm_read: true, perm_write: true, perm_create: true, perm_unlink: true}
rules:
  - id: sale_order_personal
    name: Personal Orders
    model: sale.order
    groups: [group_salesman]
    domain: "[('user_id', '=', user.id)]"
`

// loadFixture creates the company, customers and one order per salesman;
// it returns a customer id and the other salesman's order id.
func loadFixture(t *testing.T, idn *identitytest.Env, reg *orm.Registry, db *store.DB, salesman, other int64) (partner, foreign int64) {
	t.Helper()
	ctx := context.Background()
	p, err := idn.Principal(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	env := orm.NewEnv(ctx, reg, db, &principal.Principal{UserID: p.UserID, Login: p.Login}, orm.EnvOptions{}).Sudo("test fixture")
	create := func(model string, vals ...map[string]any) []int64 {
		m, err := env.Model(model)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := m.Create(vals)
		if err != nil {
			t.Fatalf("create %s: %v", model, err)
		}
		return ids
	}
	create("res.company", map[string]any{"name": "YourCompany"})
	customers := create("res.partner",
		map[string]any{"name": "Deco Addict", "is_company": true},
		map[string]any{"name": "Azure Interior", "is_company": true},
		map[string]any{"name": "Gemini Furniture", "is_company": true})
	orders := create("sale.order",
		map[string]any{"name": "SO001", "partner_id": customers[0], "user_id": salesman},
		map[string]any{"name": "SO002", "partner_id": customers[1], "user_id": other})
	if err := env.Finish(nil); err != nil {
		t.Fatal(err)
	}
	return customers[0], orders[1]
}

// TestLiveJSON2 runs JSON-2 and /doc-bearer against the real stack: the
// key check, ACLs, record rules and Odoo 19's key management methods.
func TestLiveJSON2(t *testing.T) {
	cfg := startLive(t)
	key := cfg.User.Key
	post := func(path, auth string, body any) (int, http.Header, any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", cfg.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp.StatusCode, resp.Header, out
	}
	errName := func(v any) string { m, _ := v.(map[string]any); s, _ := m["name"].(string); return s }

	status, _, res := post("/json/2/sale.order/search_read", key, map[string]any{"domain": []any{}, "fields": []any{"name"}})
	if rows, _ := res.([]any); status != 200 || len(rows) != 1 {
		t.Fatalf("search_read: %d %v (want the salesman's one order)", status, res)
	}
	status, hdr, res := post("/json/2/sale.order/search_read", "0123456789abcdef0123456789abcdef01234567", map[string]any{"domain": []any{}})
	if status != 401 || hdr.Get("WWW-Authenticate") != "Bearer" || errName(res) != "werkzeug.exceptions.Unauthorized" {
		t.Errorf("bad key: %d %v %v", status, hdr, res)
	}
	status, _, res = post("/json/2/sale.order/read", key, map[string]any{"ids": []any{cfg.ForeignOrderID}, "fields": []any{"name"}})
	if status != 404 || errName(res) != "odoo.exceptions.MissingError" {
		t.Errorf("foreign order: %d %v", status, res)
	}
	status, _, res = post("/json/2/sale.order/unlink", key, map[string]any{"ids": []any{cfg.ForeignOrderID - 1}})
	if status != 403 || errName(res) != "odoo.exceptions.AccessError" {
		t.Errorf("unlink: %d %v", status, res)
	}
	status, _, res = post("/json/2/res.users/context_get", key, map[string]any{})
	if m, _ := res.(map[string]any); status != 200 || m["uid"] == nil || m["lang"] != "en_US" {
		t.Errorf("context_get: %d %v", status, res)
	}
	status, _, res = post("/json/2/res.users.apikeys/generate", key, map[string]any{
		"key": key, "scope": "rpc", "name": "generated", "expiration_date": cfg.now.Add(12 * time.Hour).UTC().Format(time.DateTime)})
	newKey, _ := res.(string)
	if status != 200 || newKey == "" {
		t.Fatalf("generate: %d %v", status, res)
	}
	if status, _, _ = post("/json/2/res.users/context_get", newKey, map[string]any{}); status != 200 {
		t.Errorf("the generated key does not work: %d", status)
	}
	if status, _, res = post("/json/2/res.users.apikeys/revoke", key, map[string]any{"key": newKey}); status != 200 || res != nil {
		t.Errorf("revoke: %d %v", status, res)
	}
	if status, _, res = post("/json/2/res.users.apikeys/revoke", key, map[string]any{"key": newKey}); status != 403 || errName(res) != "odoo.exceptions.AccessDenied" {
		t.Errorf("revoke twice: %d %v", status, res)
	}
	if status, _, _ = post("/json/2/res.users/context_get", newKey, map[string]any{}); status != 401 {
		t.Errorf("a revoked key still works: %d", status)
	}

	req, _ := http.NewRequest("GET", cfg.URL+"/doc-bearer/index.json", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Models []struct {
			Model   string         `json:"model"`
			Fields  map[string]any `json:"fields"`
			Methods []string       `json:"methods"`
		} `json:"models"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("doc index: %d %v", resp.StatusCode, err)
	}
	for _, m := range doc.Models {
		if m.Model == "sale.order" {
			if slices.Contains(m.Methods, "unlink") || !slices.Contains(m.Methods, "create") || m.Fields["name"] == nil {
				t.Errorf("sale.order in the doc index: methods %v", m.Methods)
			}
			return
		}
	}
	t.Errorf("sale.order missing from the doc index")
}
