package odoorpc

import (
	"reflect"
	"strings"
	"testing"
)

// TestJSON2 pins JSON-2's statuses and error bodies field by field
// (reference §7.1), including the bad-input list.
func TestJSON2(t *testing.T) {
	srv := newTestServer(t, nil)
	key := map[string]string{"Authorization": "Bearer demokey"}
	tests := []struct {
		name    string
		method  string
		path    string
		ctype   string
		body    string
		hdr     map[string]string
		status  int
		errName string
		message string
		args    []any
		result  any
	}{
		{name: "search_read", path: "/json/2/res.partner/search_read", body: `{"domain":[["is_company","=",true]],"fields":["name"],"limit":5}`,
			status: 200, result: []any{map[string]any{"id": 25.0, "name": "Deco Addict"}}},
		{name: "read with ids and context", path: "/json/2/res.partner/read", body: `{"ids":[7],"fields":["name","lang"],"context":{"lang":"fr_FR"}}`,
			status: 200, result: []any{map[string]any{"id": 7.0, "name": "Deco Addict", "lang": "fr_FR"}}},
		{name: "create returns ids", path: "/json/2/res.partner/create", body: `{"vals_list":{"name":"x"}}`, status: 200, result: []any{100.0}},
		{name: "write returns true", path: "/json/2/res.partner/write", body: `{"ids":[1],"vals":{"name":"y"}}`, status: 200, result: true},
		{name: "empty body", path: "/json/2/res.users/context_get", ctype: "-", body: "", status: 200,
			result: map[string]any{"lang": "en_US", "tz": false, "uid": 6.0}},
		{name: "bad key", path: "/json/2/res.partner/search", body: `{"domain":[]}`, hdr: map[string]string{"Authorization": "Bearer nope"},
			status: 401, errName: "werkzeug.exceptions.Unauthorized", message: "Invalid apikey", args: []any{"Invalid apikey", 401.0}},
		{name: "unknown model", path: "/json/2/no.such/search", body: `{"domain":[]}`,
			status: 404, errName: "werkzeug.exceptions.NotFound", message: "the model 'no.such' does not exist"},
		{name: "unknown method", path: "/json/2/res.partner/frobnicate", body: `{}`,
			status: 404, errName: "werkzeug.exceptions.NotFound", message: "The method 'res.partner.frobnicate' does not exist"},
		{name: "private method", path: "/json/2/res.partner/_write", body: `{}`,
			status: 403, errName: "odoo.exceptions.AccessError", message: "Private methods (such as 'res.partner._write') cannot be called remotely."},
		{name: "unsafe attribute", path: "/json/2/res.partner/sudo", body: `{}`,
			status: 403, errName: "odoo.exceptions.AccessError", message: "Private methods (such as 'res.partner.sudo') cannot be called remotely."},
		{name: "model method with ids", path: "/json/2/res.partner/search", body: `{"ids":[1],"domain":[]}`,
			status: 422, errName: "werkzeug.exceptions.UnprocessableEntity", message: "cannot call res.partner.search with ids"},
		{name: "missing argument", path: "/json/2/res.partner/search", body: `{}`,
			status: 422, errName: "werkzeug.exceptions.UnprocessableEntity", message: "missing a required argument: 'domain'"},
		{name: "unknown argument", path: "/json/2/res.partner/search", body: `{"domain":[],"colour":"red"}`,
			status: 422, errName: "werkzeug.exceptions.UnprocessableEntity", message: "got an unexpected keyword argument 'colour'"},
		{name: "wrong argument type", path: "/json/2/res.partner/search", body: `{"domain":"all"}`,
			status: 422, errName: "odoo.exceptions.UserError", message: "res.partner.search(): argument 'domain' must be a domain (a list)"},
		{name: "wrong limit type", path: "/json/2/res.partner/search", body: `{"domain":[],"limit":"ten"}`,
			status: 422, errName: "odoo.exceptions.UserError", message: "res.partner.search(): argument 'limit' must be a non-negative integer or None"},
		{name: "ids not a list", path: "/json/2/res.partner/read", body: `{"ids":"1"}`,
			status: 422, errName: "odoo.exceptions.UserError", message: "ids must be a list of integers"},
		{name: "context not an object", path: "/json/2/res.partner/search", body: `{"domain":[],"context":[1]}`,
			status: 422, errName: "odoo.exceptions.UserError", message: "res.partner.search(): context must be a dictionary"},
		{name: "access error", path: "/json/2/sale.order/write", body: `{"ids":[1],"vals":{}}`,
			status: 403, errName: "odoo.exceptions.AccessError", message: "You are not allowed to write 'sale.order' (sale.order) records."},
		{name: "missing record", path: "/json/2/res.partner/read", body: `{"ids":[4242]}`,
			status: 404, errName: "odoo.exceptions.MissingError", message: "Record does not exist or has been deleted."},
		{name: "validation", path: "/json/2/res.partner/create", body: `{"vals_list":[{}]}`,
			status: 422, errName: "odoo.exceptions.ValidationError", message: "The operation cannot be completed: name is required"},
		{name: "scope too narrow", path: "/json/2/res.partner/unlink", body: `{"ids":[1]}`, hdr: map[string]string{"Authorization": "Bearer readkey"},
			status: 403, errName: "odoo.exceptions.AccessError", message: "This API key's scope does not allow the operation 'unlink' on 'res.partner'."},
		{name: "unparseable body", path: "/json/2/res.partner/search", body: `{"domain":`,
			status: 400, errName: "werkzeug.exceptions.BadRequest"},
		{name: "deep nesting", path: "/json/2/res.partner/search", body: `{"domain":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
			status: 400, errName: "werkzeug.exceptions.BadRequest"},
		{name: "huge body", path: "/json/2/res.partner/search", body: `{"domain":[],"x":"` + strings.Repeat("a", 100<<10) + `"}`,
			status: 413, errName: "werkzeug.exceptions.RequestEntityTooLarge"},
		{name: "wrong content type", path: "/json/2/res.partner/search", ctype: "text/plain", body: `{}`,
			status: 415, errName: "werkzeug.exceptions.UnsupportedMediaType"},
		{name: "catch-all", path: "/json/2/res.partner", body: `{}`,
			status: 404, errName: "werkzeug.exceptions.NotFound", message: "Did you mean POST /json/2/<model>/<method>?"},
		{name: "catch-all root", path: "/json/2", body: `{}`,
			status: 404, errName: "werkzeug.exceptions.NotFound", message: "Did you mean POST /json/2/<model>/<method>?"},
		{name: "GET on a method", method: "GET", path: "/json/2/res.partner/search", ctype: "-",
			status: 404, errName: "werkzeug.exceptions.NotFound", message: "Did you mean POST /json/2/<model>/<method>?"},
		{name: "other database", path: "/json/2/res.partner/search", body: `{"domain":[]}`,
			hdr:    map[string]string{"Authorization": "Bearer demokey", "X-Odoo-Database": "prod"},
			status: 404, errName: "werkzeug.exceptions.NotFound", message: `database "prod" does not exist`},
		{name: "same database", path: "/json/2/res.partner/search_count", body: `{"domain":[]}`,
			hdr: map[string]string{"Authorization": "Bearer demokey", "X-Odoo-Database": "rampart"}, status: 200, result: 3.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "POST"
			}
			ctype := tt.ctype
			switch ctype {
			case "":
				ctype = "application/json"
			case "-":
				ctype = ""
			}
			hdr := tt.hdr
			if hdr == nil {
				hdr = key
			}
			resp := do(t, srv, method, tt.path, ctype, tt.body, hdr)
			if resp.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if !strings.HasPrefix(resp.header.Get("Content-Type"), "application/json") {
				t.Fatalf("content type %q", resp.header.Get("Content-Type"))
			}
			if tt.errName == "" {
				var got any
				if err := jsonUnmarshal(resp.body, &got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.result) {
					t.Fatalf("result = %#v, want %#v", got, tt.result)
				}
				return
			}
			body := resp.json(t)
			for _, k := range []string{"name", "message", "arguments", "context", "debug"} {
				if _, ok := body[k]; !ok {
					t.Fatalf("error body lacks %q: %s", k, resp.body)
				}
			}
			if body["name"] != tt.errName {
				t.Errorf("name = %v, want %v", body["name"], tt.errName)
			}
			if tt.message != "" && body["message"] != tt.message {
				t.Errorf("message = %q, want %q", body["message"], tt.message)
			}
			if tt.args != nil && !reflect.DeepEqual(body["arguments"], tt.args) {
				t.Errorf("arguments = %v, want %v", body["arguments"], tt.args)
			}
			if body["debug"] != "" {
				t.Errorf("debug = %q, want empty outside dev mode", body["debug"])
			}
			if tt.status == 401 && resp.header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
		})
	}
}

func TestDocIndex(t *testing.T) {
	srv := newTestServer(t, nil)
	// Outside the API-docs group: refused as Odoo 19 refuses it.
	resp := do(t, srv, "GET", "/doc-bearer/index.json", "", "", map[string]string{"Authorization": "Bearer demokey"})
	if body := resp.json(t); resp.status != 403 || body["name"] != "odoo.exceptions.AccessError" ||
		body["message"] != "This page is only accessible to Technical Documentation users." {
		t.Fatalf("demo outside the docs group: %d %s", resp.status, resp.body)
	}
	resp = do(t, srv, "GET", "/doc-bearer/index.json", "", "", map[string]string{"Authorization": "Bearer dockey"})
	if resp.status != 200 {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	models := resp.json(t)["models"].([]any)
	got := map[string][]any{}
	for _, m := range models {
		mm := m.(map[string]any)
		got[mm["model"].(string)] = mm["methods"].([]any)
	}
	if _, ok := got["hr.secret"]; ok {
		t.Errorf("hr.secret listed though the caller cannot read it")
	}
	if !reflect.DeepEqual(got["sale.order"], []any{"check_access", "check_access_rights", "default_get", "exists", "fields_get", "formatted_read_group", "get_metadata", "has_access", "name_search", "read", "read_group", "search", "search_count", "search_fetch", "search_read", "web_read", "web_read_group", "web_search_read"}) {
		t.Errorf("sale.order methods = %v: only the read-only ones are allowed", got["sale.order"])
	}
	if len(got["res.partner"]) != 25 {
		t.Errorf("res.partner methods = %v", got["res.partner"])
	}
}
