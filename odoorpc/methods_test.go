package odoorpc

import (
	"reflect"
	"testing"

	"github.com/rampart/rampart/httpd"
)

// TestAppMethods: a method an app registers is served by every protocol
// with the same binding rules as the built-ins.
func TestAppMethods(t *testing.T) {
	ms := NewMethods()
	confirm := func(c *Call) (any, error) {
		return map[string]any{"ids": c.IDs, "force": c.Args["force"], "lang": c.Context["lang"]}, nil
	}
	if err := ms.RegisterMethod("res.partner", "action_confirm", confirm, false, Param{Name: "force", Default: false}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"_secret", "sudo", ""} {
		if err := ms.RegisterMethod("res.partner", bad, confirm, false); err == nil {
			t.Errorf("RegisterMethod(%q) accepted", bad)
		}
	}
	if err := ms.RegisterMethod("res.partner", "action_confirm", confirm, false); err == nil {
		t.Errorf("duplicate accepted")
	}
	srv := newTestServer(t, func(d *Deps) { d.Methods = ms })

	resp := do(t, srv, "POST", "/json/2/res.partner/action_confirm", "application/json",
		`{"ids":[4,5],"force":true,"context":{"lang":"fr_FR"}}`, map[string]string{"Authorization": "Bearer demokey"})
	want := map[string]any{"ids": []any{4.0, 5.0}, "force": true, "lang": "fr_FR"}
	if got := resp.json(t); !reflect.DeepEqual(got, want) {
		t.Errorf("json2 = %v, want %v", got, want)
	}
	// A read-only key may not call it: app methods count as writes.
	resp = do(t, srv, "POST", "/json/2/res.partner/action_confirm", "application/json", `{"ids":[4]}`,
		map[string]string{"Authorization": "Bearer readkey"})
	if resp.status != 403 {
		t.Errorf("read-only key: status %d", resp.status)
	}
	resp = do(t, srv, "POST", "/jsonrpc", "application/json",
		execKw(2, "admin", "res.partner", "action_confirm", []any{[]any{4}, true}, nil), nil)
	if got := resp.json(t)["result"]; !reflect.DeepEqual(got, map[string]any{"ids": []any{4.0}, "force": true, "lang": nil}) {
		t.Errorf("jsonrpc = %s", resp.body)
	}
}

// TestRoutes pins the route table: paths, types, auth modes and which
// transactions are read-only.
func TestRoutes(t *testing.T) {
	s, err := NewService(Deps{Identity: fakeIdentity{}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		typ      httpd.Type
		auth     httpd.Auth
		readOnly bool
	}
	got := map[string]row{}
	for _, r := range s.Routes() {
		if len(r.Methods) > 0 && r.Methods[0] != "POST" && r.Methods[0] != "GET" {
			continue
		}
		got[r.Methods[0]+" "+r.Path] = row{r.Type, r.Auth, r.ReadOnly}
	}
	want := map[string]row{
		"POST /json/2/{model}/{method}":            {httpd.TypeJSON2, httpd.AuthBearer, false},
		"POST /json/2/{model}/search_read":         {httpd.TypeJSON2, httpd.AuthBearer, true},
		"POST /json/2/{model}/read":                {httpd.TypeJSON2, httpd.AuthBearer, true},
		"POST /json/2":                             {httpd.TypeJSON2, httpd.AuthNone, false},
		"POST /json/2/{path...}":                   {httpd.TypeJSON2, httpd.AuthNone, false},
		"POST /jsonrpc":                            {httpd.TypeJSONRPC, httpd.AuthCall, false},
		"POST /xmlrpc/2/{service}":                 {httpd.TypeHTTP, httpd.AuthCall, false},
		"POST /xmlrpc/{service}":                   {httpd.TypeHTTP, httpd.AuthCall, false},
		"POST /web/session/authenticate":           {httpd.TypeJSONRPC, httpd.AuthNone, false},
		"POST /web/session/get_session_info":       {httpd.TypeJSONRPC, httpd.AuthUser, false},
		"POST /web/session/destroy":                {httpd.TypeJSONRPC, httpd.AuthUser, false},
		"POST /web/dataset/call_kw":                {httpd.TypeJSONRPC, httpd.AuthUser, false},
		"POST /web/dataset/call_kw/{path...}":      {httpd.TypeJSONRPC, httpd.AuthUser, false},
		"POST /web/webclient/version_info":         {httpd.TypeJSONRPC, httpd.AuthNone, false},
		"POST /web/database/list":                  {httpd.TypeJSONRPC, httpd.AuthNone, false},
		"GET /web/version":                         {httpd.TypeHTTP, httpd.AuthNone, true},
		"GET /json/version":                        {httpd.TypeHTTP, httpd.AuthNone, true},
		"GET /doc/index.json":                      {httpd.TypeJSON2, httpd.AuthUser, true},
		"GET /doc-bearer/index.json":               {httpd.TypeJSON2, httpd.AuthBearer, true},
		"POST /json/2/{model}/check_access_rights": {httpd.TypeJSON2, httpd.AuthBearer, true},
	}
	for path, w := range want {
		if g, ok := got[path]; !ok || g != w {
			t.Errorf("%s = %+v (present %v), want %+v", path, g, ok, w)
		}
	}
	for _, r := range s.Routes() {
		if r.Path == "/jsonrpc" || r.Type == httpd.TypeHTTP && r.Path != "/web/version" && r.Path != "/json/version" {
			if r.Deprecated.IsZero() || r.Sunset.IsZero() || r.Successor == "" {
				t.Errorf("%s lacks the deprecation headers", r.Path)
			}
		}
	}
}
