package access_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart/rampart/access/accesshttp"
	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audithttp"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store/storetest"
)

// headerAuth authenticates "X-Test-User: login" against the world's users.
type headerAuth struct{ w *world }

func (a headerAuth) Authenticate(r *httpd.Request) error {
	p := a.w.users[r.HTTP.Header.Get("X-Test-User")]
	if p == nil {
		return errs.E(errs.Unauthorized, "who?")
	}
	r.Principal = p
	return nil
}

type envs struct{ w *world }

func (f envs) NewEnv(r *httpd.Request) (*orm.Env, error) {
	return orm.NewEnv(r.HTTP.Context(), f.w.reg, f.w.db, r.Principal, orm.EnvOptions{ReadOnly: r.Route.ReadOnly, RequestID: r.ID, Route: r.Route.Name}), nil
}

// TestAdminEndpointsOverHTTP runs the admin routes and an ORM write
// through httpd's pipeline: the audit entry gets the client address and
// the real user from the request; only administrators read the trail or
// ask for explanations.
func TestAdminEndpointsOverHTTP(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	cfg := httpd.Config{}
	cfg.Defaults()
	s := httpd.New(cfg, slog.New(slog.DiscardHandler))
	s.Auth, s.Envs = headerAuth{w}, envs{w}
	routes := append(accesshttp.AdminRoutes(w.pol, w.ids.Service), audithttp.AdminRoutes(w.trail)...)
	for _, r := range routes {
		r.Auth = httpd.AuthUser // the test authenticator stands for both modes
	}
	routes = append(routes, &httpd.Route{Name: "test.note", Path: "/test/note", Type: httpd.TypeJSON2, Auth: httpd.AuthUser,
		Handler: func(r *httpd.Request) (any, error) {
			m, err := r.Env.Model("sale.order")
			if err != nil {
				return nil, err
			}
			return true, m.Write([]int64{w.rec["o_alice_deco"]}, map[string]any{"note": "via http"})
		}})
	if err := s.Register(routes...); err != nil {
		t.Fatal(err)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	post := func(user, path, body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-User", user)
		req.RemoteAddr = "192.0.2.7:4242"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := post("alice", "/test/note", `{}`); code != 200 {
		t.Fatalf("write: %d %s", code, body)
	}
	entries := w.entries(audit.Filter{Op: audit.OpWrite, UserID: w.users["alice"].UserID})
	if len(entries) != 1 || entries[0].ClientIP != "192.0.2.7" || entries[0].RealUserID != w.users["alice"].UserID || entries[0].Route != "test.note" || entries[0].RequestID == "" {
		t.Errorf("audit entry over HTTP = %+v", entries)
	}

	for _, p := range []string{"/rampart/admin/audit/search", "/rampart/admin/explain"} {
		if code, _ := post("bob", p, `{}`); code != 403 {
			t.Errorf("%s as a non-admin: %d, want 403", p, code)
		}
	}
	code, body := post("root", "/rampart/admin/audit/search", `{"op": "write", "limit": 5}`)
	var got []audit.Entry
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got) != 1 {
		t.Errorf("audit search: %d %s", code, body)
	}
	code, body = post("root", "/rampart/admin/explain", `{"user": "alice", "model": "sale.order", "op": "read", "id": `+itoa(w.rec["o_bob_azure"])+`}`)
	if code != 200 || !strings.Contains(body, `"outcome":"MissingError (404)`) {
		t.Errorf("explain: %d %s", code, body)
	}
	if code, body := post("root", "/rampart/admin/explain", `{"user": "alice", "model": "sale.order", "op": "read", "sql": "drop"}`); code != 422 {
		t.Errorf("explain with an unknown key: %d %s", code, body)
	}
}
