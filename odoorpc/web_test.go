package odoorpc

import (
	"reflect"
	"testing"
)

func TestWebEndpoints(t *testing.T) {
	srv := newTestServer(t, nil)
	cookie := map[string]string{"Cookie": "session_id=good"}
	type check func(t *testing.T, body map[string]any)
	result := func(want any) check {
		return func(t *testing.T, body map[string]any) {
			if !reflect.DeepEqual(body["result"], want) {
				t.Fatalf("result = %#v, want %#v", body["result"], want)
			}
		}
	}
	failure := func(code float64, name, msg string) check {
		return func(t *testing.T, body map[string]any) {
			e, _ := body["error"].(map[string]any)
			if e == nil {
				t.Fatalf("no error: %v", body)
			}
			data := e["data"].(map[string]any)
			if e["code"] != code || data["name"] != name || (msg != "" && data["message"] != msg) {
				t.Fatalf("error = %v", e)
			}
		}
	}
	tests := []struct {
		name   string
		path   string
		params any
		hdr    map[string]string
		check  check
	}{
		{"version_info", "/web/webclient/version_info", map[string]any{}, nil, result(map[string]any{
			"server_version": "19.0", "server_version_info": []any{19.0, 0.0, 0.0, "final", 0.0, ""}, "server_serie": "19.0", "protocol_version": 1.0})},
		{"database list", "/web/database/list", map[string]any{}, nil, result([]any{"rampart"})},
		{"authenticate other db", "/web/session/authenticate", map[string]any{"db": "x", "login": "admin", "password": "admin"}, nil,
			failure(0, "odoo.exceptions.AccessError", "Database not found.")},
		{"authenticate wrong password", "/web/session/authenticate", map[string]any{"db": "rampart", "login": "admin", "password": "x"}, nil,
			failure(0, "odoo.exceptions.AccessDenied", "Access Denied")},
		{"authenticate api key refused", "/web/session/authenticate", map[string]any{"db": "rampart", "login": "demo", "password": "demokey"}, nil,
			failure(0, "odoo.exceptions.AccessDenied", "Access Denied")},
		{"authenticate missing login", "/web/session/authenticate", map[string]any{"db": "rampart", "password": "x"}, nil,
			failure(0, "odoo.exceptions.UserError", "missing required parameter 'login'")},
		{"session info without session", "/web/session/get_session_info", map[string]any{}, nil,
			failure(100, "odoo.http.SessionExpiredException", "")},
		{"call_kw", "/web/dataset/call_kw/res.partner/search_count", map[string]any{"model": "res.partner", "method": "search_count", "args": []any{[]any{}}, "kwargs": map[string]any{}},
			cookie, result(3.0)},
		{"call_kw access error", "/web/dataset/call_kw", map[string]any{"model": "hr.secret", "method": "search", "args": []any{[]any{}}, "kwargs": map[string]any{}},
			cookie, failure(0, "odoo.exceptions.AccessError", "You are not allowed to read 'hr.secret' (hr.secret) records.")},
		{"call_kw bad kwargs", "/web/dataset/call_kw", map[string]any{"model": "res.partner", "method": "search", "args": []any{}, "kwargs": []any{}},
			cookie, failure(0, "odoo.exceptions.UserError", "call_kw(): kwargs must be a dictionary")},
		{"call_kw other database", "/web/dataset/call_kw", map[string]any{"model": "res.partner", "method": "search_count", "args": []any{[]any{}}},
			map[string]string{"Cookie": "session_id=good", "X-Odoo-Database": "other"}, failure(404, "werkzeug.exceptions.NotFound", `database "other" does not exist`)},
		{"destroy", "/web/session/destroy", map[string]any{}, cookie, result(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, srv, "POST", tt.path, "application/json", rpcBody(tt.params), tt.hdr)
			tt.check(t, resp.json(t))
		})
	}

	t.Run("authenticate and session_info", func(t *testing.T) {
		resp := do(t, srv, "POST", "/web/session/authenticate", "application/json",
			rpcBody(map[string]any{"db": "rampart", "login": "admin", "password": "admin"}), nil)
		if resp.header.Get("Set-Cookie") == "" {
			t.Fatalf("no session cookie")
		}
		info := resp.json(t)["result"].(map[string]any)
		for k, want := range map[string]any{
			"uid": 2.0, "is_system": true, "is_admin": true, "is_public": false, "is_internal_user": true, "db": "rampart",
			"username": "admin", "name": "Mitchell Admin", "partner_id": 3.0, "server_version": "19.0",
			"user_context": map[string]any{"lang": "en_US", "tz": false, "uid": 2.0},
			"user_companies": map[string]any{"current_company": 1.0, "disallowed_ancestor_companies": map[string]any{},
				"allowed_companies": map[string]any{"1": map[string]any{"id": 1.0, "name": "YourCompany", "sequence": 10.0, "child_ids": []any{}, "parent_id": false}}},
		} {
			if !reflect.DeepEqual(info[k], want) {
				t.Errorf("%s = %#v, want %#v", k, info[k], want)
			}
		}
		if _, ok := info["session_id"]; ok {
			t.Errorf("Odoo 19 has no session_id in session_info")
		}
	})

	for _, path := range []string{"/web/version", "/json/version"} {
		resp := do(t, srv, "GET", path, "", "", nil)
		if !reflect.DeepEqual(resp.json(t), map[string]any{"version_info": []any{19.0, 0.0, 0.0, "final", 0.0, ""}, "version": "19.0"}) {
			t.Errorf("%s = %s", path, resp.body)
		}
	}
}
