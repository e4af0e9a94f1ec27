package odoorpc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/rampart/rampart/rampartest"
)

// docGet sends a GET with a bearer key (or a session's cookie jar) and
// decodes the JSON answer.
func docGet(t *testing.T, c *http.Client, url, key string) (int, map[string]any) {
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
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %s", url, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// TestLiveDocRestricted: every /doc JSON route answers only the API-docs
// group (Odoo 19's api_doc.group_allow_doc, implied by Settings): a
// salesman is refused with Odoo's AccessError over a key and a session,
// the administrator is answered; /doc/<model>.json has Odoo 19's shape.
func TestLiveDocRestricted(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	paths := []string{"/doc-bearer/index.json", "/doc-bearer/sale.order.json", "/doc/index.json", "/doc/sale.order.json"}
	for _, login := range []string{rampartest.Alice, rampartest.Bob, rampartest.Carol} {
		sess := a.Session(t, login)
		for _, p := range paths {
			c, key := sess.HTTP, ""
			if p[:11] == "/doc-bearer" {
				c, key = http.DefaultClient, a.DemoKeys[login]
			}
			status, body := docGet(t, c, a.URL+p, key)
			if status != 403 || body["name"] != "odoo.exceptions.AccessError" || body["message"] != "This page is only accessible to Technical Documentation users." {
				t.Errorf("%s %s: %d %v, want Odoo's AccessError", login, p, status, body)
			}
		}
	}
	admin := a.Session(t, rampartest.Admin)
	for _, p := range paths {
		c, key := admin.HTTP, ""
		if p[:11] == "/doc-bearer" {
			c, key = http.DefaultClient, a.DemoKeys[rampartest.Admin]
		}
		status, body := docGet(t, c, a.URL+p, key)
		if status != 200 {
			t.Fatalf("admin %s: %d %v", p, status, body)
		}
		switch p {
		case "/doc/index.json", "/doc-bearer/index.json":
			models, _ := body["models"].([]any)
			var names []string
			for _, m := range models {
				names = append(names, m.(map[string]any)["model"].(string))
			}
			if !slices.Contains(names, "sale.order") || !slices.IsSorted(names) {
				t.Errorf("%s: models %v", p, names)
			}
		default:
			if body["model"] != "sale.order" || body["doc"] != nil {
				t.Errorf("%s: %v", p, body)
			}
			fields, _ := body["fields"].(map[string]any)
			name, _ := fields["name"].(map[string]any)
			if name["type"] != "char" || name["module"] != "sale" || name["string"] == nil {
				t.Errorf("%s: field name = %v", p, name)
			}
			methods, _ := body["methods"].(map[string]any)
			search, _ := methods["search"].(map[string]any)
			if search["signature"] != "(domain, offset=0, limit=None, order=None)" || !slices.Equal(toStrings(search["api"]), []string{"model", "readonly"}) {
				t.Errorf("%s: search = %v", p, search)
			}
			params, _ := search["parameters"].(map[string]any)
			if off, _ := params["offset"].(map[string]any); off["default"] != 0.0 {
				t.Errorf("%s: search parameters = %v", p, params)
			}
			if methods["unlink"] == nil || methods["write"] == nil {
				t.Errorf("%s: the administrator's methods lack unlink/write: %v", p, methods)
			}
		}
	}
	// Unknown model, a path without .json: 404 (werkzeug NotFound).
	for _, p := range []string{"/doc/no.such.model.json", "/doc/sale.order"} {
		if status, body := docGet(t, admin.HTTP, a.URL+p, ""); status != 404 {
			t.Errorf("%s: %d %v", p, status, body)
		}
	}
	// Without credentials: a session is required.
	if status, _ := docGet(t, http.DefaultClient, a.URL+"/doc/sale.order.json", ""); status == 200 {
		t.Errorf("/doc/sale.order.json answered an anonymous caller")
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
