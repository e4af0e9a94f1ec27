package odoorpc

import (
	"reflect"
	"strings"
	"testing"
)

func rpcBody(params any) string {
	return mustJSON(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 7, "params": params})
}

func execKw(uid int, pw, model, method string, args []any, kw map[string]any) string {
	a := []any{"rampart", uid, pw, model, method, args}
	if kw != nil {
		a = append(a, kw)
	}
	return rpcBody(map[string]any{"service": "object", "method": "execute_kw", "args": a})
}

// TestJSONRPC pins /jsonrpc: HTTP 200 with Odoo's error object (code,
// message, data.name/message/arguments) for application errors.
func TestJSONRPC(t *testing.T) {
	srv := newTestServer(t, nil)
	tests := []struct {
		name    string
		body    string
		status  int
		code    float64
		message string
		errName string
		errMsg  string
		result  any
	}{
		{name: "version", body: rpcBody(map[string]any{"service": "common", "method": "version", "args": []any{}}),
			result: map[string]any{"server_version": "19.0", "server_version_info": []any{19.0, 0.0, 0.0, "final", 0.0, ""},
				"server_serie": "19.0", "protocol_version": 1.0}},
		{name: "authenticate", body: rpcBody(map[string]any{"service": "common", "method": "authenticate", "args": []any{"rampart", "admin", "admin", map[string]any{}}}), result: 2.0},
		{name: "authenticate with api key", body: rpcBody(map[string]any{"service": "common", "method": "authenticate", "args": []any{"rampart", "demo", "demokey", map[string]any{}}}), result: 6.0},
		{name: "wrong password is false", body: rpcBody(map[string]any{"service": "common", "method": "login", "args": []any{"rampart", "admin", "nope"}}), result: false},
		{name: "login on another db", body: rpcBody(map[string]any{"service": "common", "method": "login", "args": []any{"prod", "admin", "admin"}}),
			code: 404, message: "404: Not Found", errName: "werkzeug.exceptions.NotFound", errMsg: `database "prod" does not exist`},
		{name: "search_read", body: execKw(2, "admin", "res.partner", "search_read", []any{[]any{}}, map[string]any{"fields": []any{"name"}, "limit": 5}),
			result: []any{map[string]any{"id": 25.0, "name": "Deco Addict"}}},
		{name: "create dict returns id", body: execKw(2, "admin", "res.partner", "create", []any{map[string]any{"name": "x"}}, nil), result: 100.0},
		{name: "create list returns ids", body: execKw(2, "admin", "res.partner", "create", []any{[]any{map[string]any{"name": "x"}}}, nil), result: []any{100.0}},
		{name: "read ids from args[0], context from kwargs", body: execKw(2, "admin", "res.partner", "read", []any{[]any{1}, []any{"lang"}}, map[string]any{"context": map[string]any{"lang": "nl_BE"}}),
			result: []any{map[string]any{"id": 1.0, "name": "Deco Addict", "lang": "nl_BE"}}},
		{name: "execute", body: rpcBody(map[string]any{"service": "object", "method": "execute", "args": []any{"rampart", 2, "admin", "res.partner", "search", []any{}}}),
			result: []any{1.0, 2.0, 3.0}},
		{name: "check_access_rights no raise", body: execKw(6, "demo", "sale.order", "check_access_rights", []any{"write"}, map[string]any{"raise_exception": false}), result: false},
		{name: "wrong password", body: execKw(2, "nope", "res.partner", "search", []any{[]any{}}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.AccessDenied", errMsg: "Access Denied"},
		{name: "empty password", body: execKw(2, "", "res.partner", "search", []any{[]any{}}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.AccessDenied", errMsg: "Access Denied"},
		{name: "access error", body: execKw(6, "demo", "sale.order", "unlink", []any{[]any{1}}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.AccessError", errMsg: "You are not allowed to unlink 'sale.order' (sale.order) records."},
		{name: "unknown model", body: execKw(2, "admin", "no.such", "search", []any{[]any{}}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "Object no.such doesn't exist"},
		{name: "private method", body: execKw(2, "admin", "res.partner", "_auto_init", []any{}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.AccessError", errMsg: "Private methods (such as 'res.partner._auto_init') cannot be called remotely."},
		{name: "unknown model method", body: execKw(2, "admin", "res.partner", "frob", []any{}, nil),
			code: 0, message: "Odoo Server Error", errName: "builtins.AttributeError", errMsg: "The method 'res.partner.frob' does not exist"},
		{name: "record method without ids", body: execKw(2, "admin", "res.partner", "read", []any{}, nil),
			code: 0, message: "Odoo Server Error", errName: "builtins.TypeError", errMsg: "res.partner.read() missing 1 required positional argument: 'ids'"},
		{name: "too many arguments", body: execKw(2, "admin", "res.partner", "search", []any{[]any{}, 0, 1, "id", "extra"}, nil),
			code: 0, message: "Odoo Server Error", errName: "builtins.TypeError", errMsg: "res.partner.search() takes from 2 to 5 positional arguments but 6 were given"},
		{name: "duplicate argument", body: execKw(2, "admin", "res.partner", "search", []any{[]any{}}, map[string]any{"domain": []any{}}),
			code: 0, message: "Odoo Server Error", errName: "builtins.TypeError", errMsg: "res.partner.search() got multiple values for argument 'domain'"},
		{name: "wrong ids type", body: execKw(2, "admin", "res.partner", "read", []any{"all"}, nil),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "res.partner.read(): ids must be a list of integers"},
		{name: "args not a list", body: rpcBody(map[string]any{"service": "object", "method": "execute_kw", "args": []any{"rampart", 2, "admin", "res.partner", "search", "x"}}),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "execute_kw(): args must be a list"},
		{name: "unknown service", body: rpcBody(map[string]any{"service": "report", "method": "x", "args": []any{}}),
			code: 404, message: "404: Not Found", errName: "werkzeug.exceptions.NotFound", errMsg: "Service report not found"},
		{name: "unknown object method", body: rpcBody(map[string]any{"service": "object", "method": "exec_workflow", "args": []any{}}),
			code: 404, message: "404: Not Found", errName: "werkzeug.exceptions.NotFound", errMsg: "Method not available exec_workflow"},
		{name: "unknown common method", body: rpcBody(map[string]any{"service": "common", "method": "set_loglevel", "args": []any{}}),
			code: 404, message: "404: Not Found", errName: "werkzeug.exceptions.NotFound", errMsg: "Method not available set_loglevel"},
		{name: "missing service", body: rpcBody(map[string]any{"method": "version"}),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "jsonrpc() needs the string parameters 'service' and 'method'"},
		{name: "args wrong shape", body: rpcBody(map[string]any{"service": "common", "method": "version", "args": map[string]any{}}),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "jsonrpc(): args must be a list"},
		{name: "unexpected param", body: rpcBody(map[string]any{"service": "common", "method": "version", "args": []any{}, "kwargs": map[string]any{}}),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.UserError", errMsg: "jsonrpc() got an unexpected keyword argument 'kwargs'"},
		{name: "params is a list", body: rpcBody([]any{"common", "version"}), status: 400,
			code: 0, message: "Odoo Server Error", errName: "werkzeug.exceptions.BadRequest"},
		{name: "not json", body: "{", status: 400, code: 0, message: "Odoo Server Error", errName: "werkzeug.exceptions.BadRequest"},
		{name: "deep nesting", body: rpcBody(map[string]any{"service": "common", "method": "version"})[:1] + `"params":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
			status: 400, code: 0, message: "Odoo Server Error", errName: "werkzeug.exceptions.BadRequest"},
		{name: "huge body", body: rpcBody(map[string]any{"service": "common", "method": "version", "args": []any{strings.Repeat("a", 100<<10)}}),
			status: 413, code: 0, message: "Odoo Server Error", errName: "werkzeug.exceptions.RequestEntityTooLarge"},
		{name: "db list", body: rpcBody(map[string]any{"service": "db", "method": "list", "args": []any{}}), result: []any{"rampart"}},
		{name: "db drop refused", body: rpcBody(map[string]any{"service": "db", "method": "drop", "args": []any{"admin", "rampart"}}),
			code: 0, message: "Odoo Server Error", errName: "odoo.exceptions.AccessDenied", errMsg: "Access Denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, srv, "POST", "/jsonrpc", "application/json", tt.body, nil)
			want := tt.status
			if want == 0 {
				want = 200
			}
			if resp.status != want {
				t.Fatalf("status = %d, want %d: %s", resp.status, want, resp.body)
			}
			if resp.header.Get("Deprecation") == "" || resp.header.Get("Sunset") == "" {
				t.Errorf("legacy endpoint without Deprecation/Sunset headers")
			}
			body := resp.json(t)
			if body["jsonrpc"] != "2.0" {
				t.Errorf("jsonrpc = %v", body["jsonrpc"])
			}
			if tt.errName == "" {
				if body["id"] != 7.0 {
					t.Errorf("id = %v, want 7", body["id"])
				}
				if !reflect.DeepEqual(body["result"], tt.result) {
					t.Fatalf("result = %#v, want %#v (%s)", body["result"], tt.result, resp.body)
				}
				return
			}
			e, ok := body["error"].(map[string]any)
			if !ok {
				t.Fatalf("no error object: %s", resp.body)
			}
			if e["code"] != tt.code || e["message"] != tt.message {
				t.Errorf("code, message = %v, %v; want %v, %v", e["code"], e["message"], tt.code, tt.message)
			}
			data := e["data"].(map[string]any)
			if data["name"] != tt.errName {
				t.Errorf("data.name = %v, want %v", data["name"], tt.errName)
			}
			if tt.errMsg != "" {
				if data["message"] != tt.errMsg {
					t.Errorf("data.message = %q, want %q", data["message"], tt.errMsg)
				}
				if args, _ := data["arguments"].([]any); len(args) == 0 || args[0] != tt.errMsg {
					t.Errorf("data.arguments = %v", data["arguments"])
				}
			}
			if data["debug"] != "" {
				t.Errorf("debug leaked: %v", data["debug"])
			}
		})
	}
}
