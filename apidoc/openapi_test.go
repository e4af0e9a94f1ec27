package apidoc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/apidoc"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/rampartest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// wholeAPI is the document `rampart openapi --demo` prints: every route
// and every model, for no user in particular.
func wholeAPI(t *testing.T, a *rampartest.App) []byte {
	t.Helper()
	var out []byte
	a.WithSudo(t, func(env *orm.Env) {
		doc, err := a.APIDoc.Document(env, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if out, err = apidoc.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	})
	return out
}

// TestOpenAPIGolden pins the whole demo API's document, byte for byte:
// the output is deterministic (two builds are equal) and any change to
// routes, models, fields or methods shows in review. Regenerate with
// go test ./apidoc -run TestOpenAPIGolden -update.
func TestOpenAPIGolden(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	got := wholeAPI(t, a)
	if again := wholeAPI(t, a); !bytes.Equal(got, again) {
		t.Fatal("two builds of the document differ: the output is not deterministic")
	}
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the document differs from %s; if the change is intended, run go test ./apidoc -run TestOpenAPIGolden -update\n%s", golden, firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + itoa(i+1) + ":\n got  " + la[i] + "\n want " + lb[i]
		}
	}
	return "lengths differ: " + itoa(len(la)) + " vs " + itoa(len(lb)) + " lines"
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestOpenAPIRedoclyLint validates the document with @redocly/cli (pinned
// in testdata/redocly, installed by .ci/run with npm ci): no error, no
// warning with the recommended rules. Skipped when the tool is not
// installed, except under CI=true.
func TestOpenAPIRedoclyLint(t *testing.T) {
	bin, err := filepath.Abs(filepath.Join("testdata", "redocly", "node_modules", ".bin", "redocly"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redocly is not installed (npm ci --prefix apidoc/testdata/redocly): %v", err)
		}
		t.Skip("redocly not installed: npm ci --prefix apidoc/testdata/redocly")
	}
	a := rampartest.Demo(t, rampartest.Options{})
	dir := t.TempDir()
	docs := map[string][]byte{"whole.json": wholeAPI(t, a)}
	// The whole API and a narrow caller's view (the administrator's is
	// nearly the whole one).
	for _, login := range []string{rampartest.Alice} {
		docs[login+".json"] = callerDoc(t, a, login)
	}
	for name, b := range docs {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, bin, "lint", "--format=stylish", path)
		cmd.Dir = filepath.Join("testdata", "redocly")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("redocly lint %s: %v\n%s", name, err, out)
			continue
		}
		// "You have N warnings." follows the verdict when a rule warns.
		if !strings.Contains(string(out), "Your API description is valid") || strings.Contains(string(out), "You have ") {
			t.Errorf("redocly lint %s: not clean\n%s", name, out)
		}
	}
}

// callerDoc is the document a user gets from the service itself (the
// HTTP test below checks the route serves the same thing), after giving
// them the API-docs group when they lack it.
func callerDoc(t *testing.T, a *rampartest.App, login string) []byte {
	t.Helper()
	p := a.Principal(t, login)
	if !p.InGroup(identity.GroupAllowDoc) {
		if err := a.Identity.AddGroups(context.Background(), p.UserID, identity.GroupAllowDoc); err != nil {
			t.Fatal(err)
		}
		p = a.Principal(t, login)
	}
	env := a.Env(t, login)
	doc, err := a.APIDoc.Document(env, p, login)
	if err != nil {
		t.Fatal(err)
	}
	b, err := apidoc.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type openapiDoc struct {
	Info  struct{ Description string } `json:"info"`
	Paths map[string]map[string]any    `json:"paths"`
}

func getDoc(t *testing.T, c *http.Client, url, key string) (int, openapiDoc, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var d openapiDoc
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return resp.StatusCode, d, raw
}

// TestOpenAPIPerCaller: over HTTP the document is the caller's view. A
// salesman outside the API-docs group is refused (403, nothing listed);
// given the group, the salesman sees sale.order's reads and create but no
// unlink, and none of the administrators' reflection models; the
// administrator sees those. Over a session and over a key alike.
func TestOpenAPIPerCaller(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	for _, path := range []string{"/doc/openapi.json", "/doc-bearer/openapi.json"} {
		client := func(login string) (*http.Client, string) {
			if strings.HasPrefix(path, "/doc-bearer") {
				return http.DefaultClient, a.DemoKeys[login]
			}
			return a.Session(t, login).HTTP, ""
		}
		c, key := client(rampartest.Alice)
		if status, _, raw := getDoc(t, c, a.URL+path, key); status != 403 || !strings.Contains(string(raw), "Technical Documentation") {
			t.Fatalf("%s for a salesman outside the docs group: %d %s", path, status, raw)
		}
	}
	if err := a.Identity.AddGroups(context.Background(), a.UID(t, rampartest.Alice), identity.GroupAllowDoc); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/doc/openapi.json", "/doc-bearer/openapi.json"} {
		views := map[string]openapiDoc{}
		for _, login := range []string{rampartest.Alice, rampartest.Admin} {
			var c *http.Client
			key := ""
			if strings.HasPrefix(path, "/doc-bearer") {
				c, key = http.DefaultClient, a.DemoKeys[login]
			} else {
				c = a.Session(t, login).HTTP
			}
			status, d, raw := getDoc(t, c, a.URL+path, key)
			if status != 200 {
				t.Fatalf("%s %s: %d %s", login, path, status, raw)
			}
			if !strings.Contains(d.Info.Description, `"`+login+`"`) {
				t.Errorf("%s %s: the description does not name the caller: %q", login, path, d.Info.Description)
			}
			views[login] = d
		}
		alice, admin := views[rampartest.Alice].Paths, views[rampartest.Admin].Paths
		for _, p := range []string{"/json/2/sale.order/search_read", "/json/2/sale.order/create", "/json/2/sale.order/write"} {
			if alice[p] == nil || admin[p] == nil {
				t.Errorf("%s: %s missing for alice (%v) or admin (%v)", path, p, alice[p] != nil, admin[p] != nil)
			}
		}
		for _, p := range []string{"/json/2/sale.order/unlink", "/json/2/ir.model/search_read", "/json/2/ir.model.fields/search_read"} {
			if alice[p] != nil {
				t.Errorf("%s: alice's document lists %s, which her ACLs refuse", path, p)
			}
			if admin[p] == nil {
				t.Errorf("%s: the administrator's document lacks %s", path, p)
			}
		}
		// The route table is described for everyone.
		if alice["/jsonrpc"] == nil || alice["/web/session/authenticate"] == nil {
			t.Errorf("%s: route table missing from alice's document", path)
		}
	}
}

// TestOpenAPIScopedKey: an API key's scopes narrow the document as they
// narrow the calls. The administrator's key scoped to reading sale.order
// lists sale.order's reads only: no write, no other model; the same key
// is refused the write it does not list (the document says what the key
// may do, no more, no less).
func TestOpenAPIScopedKey(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	key, _, err := a.Identity.CreateAPIKey(context.Background(), identity.NewAPIKey{UserID: a.UID(t, rampartest.Admin),
		Name: "docs", Scopes: []string{"model:sale.order:read"}, ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	status, d, raw := getDoc(t, http.DefaultClient, a.URL+"/doc-bearer/openapi.json", key)
	if status != 200 {
		t.Fatalf("%d %s", status, raw)
	}
	var models []string
	for p, item := range d.Paths {
		if !strings.HasPrefix(p, "/json/2/") || strings.Contains(p, "{") || strings.Count(p, "/") != 4 {
			continue
		}
		model := strings.Split(p, "/")[3]
		if model != "sale.order" && model != "res.users.apikeys" {
			models = append(models, p)
		}
		op, _ := item["post"].(map[string]any)
		x, _ := op["x-rampart"].(map[string]any)
		if model == "sale.order" && x["operation"] != "read" {
			t.Errorf("%s listed for a read-only key", p)
		}
	}
	if len(models) > 0 {
		t.Errorf("other models listed for a sale.order key: %v", models)
	}
	if d.Paths["/json/2/sale.order/search_read"] == nil {
		t.Errorf("sale.order.search_read missing")
	}
	status, _, _ = (&rampartest.JSON2{URL: a.URL, Key: key, HTTP: http.DefaultClient}).Call(t, "sale.order", "write", map[string]any{"ids": []any{1}, "vals": map[string]any{"note": "x"}})
	if status != 403 {
		t.Errorf("the scoped key wrote: %d", status)
	}
}
