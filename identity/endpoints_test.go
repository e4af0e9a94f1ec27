package identity_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// call runs an endpoint the way the dispatcher would: authenticate by the
// route's mode, then the handler.
func call(t *testing.T, env *identitytest.Env, path string, params map[string]any, r *httpd.Request) (any, error) {
	t.Helper()
	var route *httpd.Route
	for _, rt := range env.Web.Routes() {
		if rt.Path == path {
			route = rt
		}
	}
	if route == nil {
		t.Fatalf("no route %s", path)
	}
	if r == nil {
		r = identitytest.Request(route, "POST", path)
	}
	r.Route = route
	if params != nil {
		r.Params = params
	}
	if err := env.Authenticate(r); err != nil {
		return nil, err
	}
	return route.Handler(r)
}

// jsonMap round-trips a result as the json2 writer would encode it.
func jsonMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func TestEndpoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		pw := identitytest.Password("alice")

		// Bad input: 400 before any credential check.
		for _, p := range []map[string]any{{}, {"login": "alice"}, {"login": 3, "password": pw}, {"login": "alice", "password": ""}} {
			if _, err := call(t, env, "/rampart/auth/login", p, nil); !errs.Is(err, errs.BadRequest) {
				t.Fatalf("login %v: %v", p, err)
			}
		}
		r := identitytest.Request(nil, "POST", "/rampart/auth/login")
		res, err := call(t, env, "/rampart/auth/login", map[string]any{"login": "alice", "password": pw}, r)
		if err != nil {
			t.Fatal(err)
		}
		info := jsonMap(t, res)
		if info["uid"] != float64(alice) || info["session"] == nil || r.W.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("login answer %v", info)
		}
		cookie := sessionCookieOf(t, r)

		withCookie := func(path string) *httpd.Request {
			r := identitytest.Request(nil, "POST", path)
			r.HTTP.AddCookie(cookie)
			return r
		}
		if _, err := call(t, env, "/rampart/auth/session", nil, withCookie("/rampart/auth/session")); err != nil {
			t.Fatal(err)
		}
		if _, err := call(t, env, "/rampart/auth/session", nil, nil); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("session info without a session: %v", err)
		}

		// Keys: creation needs the password again.
		if _, err := call(t, env, "/rampart/auth/keys/create", map[string]any{"name": "ci", "password": "wrong-password", "expires_in_days": int64(30)},
			withCookie("/rampart/auth/keys/create")); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("create key with a wrong password: %v", err)
		}
		res, err = call(t, env, "/rampart/auth/keys/create", map[string]any{"name": "ci", "password": pw, "expires_in_days": int64(30),
			"scopes": []any{"model:sale.order:read"}}, withCookie("/rampart/auth/keys/create"))
		if err != nil {
			t.Fatal(err)
		}
		created := jsonMap(t, res)
		secret, _ := created["key"].(string)
		if len(secret) != 43 || created["id"] == nil {
			t.Fatalf("created %v", created)
		}
		res, err = call(t, env, "/rampart/auth/keys", nil, withCookie("/rampart/auth/keys"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		if slices.Contains([]string{string(b)}, secret) || len(res.([]identity.APIKey)) != 1 {
			t.Fatalf("key list %s", b)
		}
		// A key cannot manage credentials: the endpoints are auth=user.
		kr := identitytest.Request(nil, "POST", "/rampart/auth/keys")
		kr.HTTP.Header.Set("Authorization", "Bearer "+secret)
		if _, err := call(t, env, "/rampart/auth/keys", nil, kr); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("key listing keys: %v", err)
		}
		if _, err := call(t, env, "/rampart/auth/keys/revoke", map[string]any{"id": created["id"]}, withCookie("/rampart/auth/keys/revoke")); err != nil {
			t.Fatal(err)
		}
		if _, err := call(t, env, "/rampart/auth/keys/revoke", map[string]any{"id": "1"}, withCookie("/rampart/auth/keys/revoke")); !errs.Is(err, errs.BadRequest) {
			t.Fatalf("string id: %v", err)
		}

		// Sessions: list, end another one.
		other := env.Login(t, "alice")
		res, err = call(t, env, "/rampart/auth/sessions", nil, withCookie("/rampart/auth/sessions"))
		if err != nil {
			t.Fatal(err)
		}
		list := res.([]identity.SessionInfo)
		if len(list) != 2 || list[1].Current == list[0].Current {
			t.Fatalf("sessions %+v", list)
		}
		var otherID int64
		for _, s := range list {
			if !s.Current {
				otherID = s.ID
			}
		}
		if _, err := call(t, env, "/rampart/auth/sessions/end", map[string]any{"id": float64(otherID)}, withCookie("/rampart/auth/sessions/end")); err != nil {
			t.Fatal(err)
		}
		if _, err := asUser(env, other); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("ended session alive: %v", err)
		}

		// Password change keeps the caller logged in with a new cookie.
		pr := withCookie("/rampart/auth/password")
		if _, err := call(t, env, "/rampart/auth/password", map[string]any{"old_password": pw, "new_password": "a-whole-new-one"}, pr); err != nil {
			t.Fatal(err)
		}
		fresh := sessionCookieOf(t, pr)
		if fresh == nil || fresh.Value == cookie.Value {
			t.Fatal("no new cookie after a password change")
		}
		if _, err := asUser(env, cookie); !errs.Is(err, errs.SessionExpired) {
			t.Fatal("old session survived the password change")
		}
		cookie = fresh
		lr := withCookie("/rampart/auth/logout")
		if _, err := call(t, env, "/rampart/auth/logout", map[string]any{}, lr); err != nil {
			t.Fatal(err)
		}
		if _, err := asUser(env, fresh); !errs.Is(err, errs.SessionExpired) {
			t.Fatal("session survived logout")
		}
	})
}

func TestBootstrapAndGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		if err := env.Bootstrap(ctx); err != nil { // idempotent
			t.Fatal(err)
		}
		admin, err := env.UserByLogin(ctx, "admin")
		if err != nil || admin.ID != 2 || admin.HasPassword {
			t.Fatalf("admin %+v %v", admin, err)
		}
		if err := env.EnsureAdmin(ctx, "short"); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("weak admin password: %v", err)
		}
		if err := env.EnsureAdmin(ctx, "admin-password-1"); err != nil {
			t.Fatal(err)
		}
		p, err := env.CheckPassword(ctx, identity.Credential{Login: "admin", Password: "admin-password-1", Interactive: true})
		if err != nil || !p.IsSystem() || !p.InGroup(identity.GroupUser) || !p.InGroup(identity.GroupERPManager) {
			t.Fatalf("admin principal %+v %v", p, err)
		}
		// The public user can never log in.
		if _, err := env.CheckPassword(ctx, identity.Credential{Login: "__public__", Password: "anything-at-all", Interactive: true}); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("public login: %v", err)
		}
		// App groups imply transitively.
		if _, err := env.EnsureGroup(ctx, identity.Group{XMLID: "sales.group_salesman", Name: "Salesman", Implied: []string{identity.GroupUser}}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.EnsureGroup(ctx, identity.Group{XMLID: "sales.group_manager", Name: "Sales Manager", Implied: []string{"sales.group_salesman"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.EnsureGroup(ctx, identity.Group{XMLID: "sales.group_x", Name: "X", Implied: []string{"sales.nope"}}); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("unknown implied group: %v", err)
		}
		uid := env.CreateUser(t, "mgr", "sales.group_manager")
		p, err = env.Principal(ctx, uid)
		if err != nil || !p.InGroup("sales.group_salesman") || !p.InGroup(identity.GroupUser) || p.IsSystem() {
			t.Fatalf("manager groups %v %v", p.GroupXMLIDs, err)
		}
		if p.CompanyID != 1 || !slices.Equal(p.CompanyIDs, []int64{1}) {
			t.Fatalf("companies %d %v", p.CompanyID, p.CompanyIDs)
		}
		if _, err := env.Service.CreateUser(ctx, identity.NewUser{Login: "mgr"}); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("duplicate login: %v", err)
		}
		gs, err := env.Groups(ctx)
		if err != nil || len(gs) < 8 {
			t.Fatalf("groups %v %v", gs, err)
		}
	})
}
