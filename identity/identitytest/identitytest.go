// Package identitytest helps other packages' tests: a migrated,
// bootstrapped identity.Service on a test database with cheap password
// hashing and a controllable clock, users with groups, session cookies
// and API keys, and httpd.Requests to authenticate.
package identitytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identityhttp"
	"github.com/rampart/rampart/store"
)

// Clock is a settable clock for identity.Options.Clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Env is a test identity service with its clock.
type Env struct {
	*identity.Service
	// Web is the service's web adapter (identityhttp).
	Web   *identityhttp.Web
	DB    *store.DB
	Clock *Clock
}

// New migrates db, builds a Service with fast hashing and the clock, and
// bootstraps the base groups and users. opt, if given, adjusts the options
// first (Config, Events, ...).
func New(t testing.TB, db *store.DB, opt ...func(*identity.Options)) *Env {
	t.Helper()
	ctx := context.Background()
	set, err := identity.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, set); err != nil {
		t.Fatal(err)
	}
	clock := NewClock()
	o := identity.Options{Clock: clock.Now, InsecureFastHashing: true}
	for _, f := range opt {
		f(&o)
	}
	svc, err := identity.New(db, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	return &Env{Service: svc, Web: identityhttp.New(svc), DB: db, Clock: clock}
}

// Password is the password CreateUser gives login.
func Password(login string) string { return "pw-" + login + "-secret" }

// CreateUser creates an active user whose password is Password(login),
// in the given groups (default base.group_user), and returns its id.
func (e *Env) CreateUser(t testing.TB, login string, groups ...string) int64 {
	t.Helper()
	if len(groups) == 0 {
		groups = []string{identity.GroupUser}
	}
	id, err := e.Service.CreateUser(context.Background(), identity.NewUser{Login: login, Password: Password(login), Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Request builds an httpd.Request for route (nil: a json2 route with the
// given auth) from an httptest request, with a client address.
func Request(route *httpd.Route, method, target string) *httpd.Request {
	r := httpd.NewRequest(route, httptest.NewRecorder(), httptest.NewRequest(method, target, nil))
	r.Client, r.Params = netip.MustParseAddr("192.0.2.10"), map[string]any{}
	return r
}

// Route is a json2 route with the given auth and scope, for Request.
func Route(auth httpd.Auth, scope string) *httpd.Route {
	return &httpd.Route{Path: "/test", Type: httpd.TypeJSON2, Auth: auth, Scope: scope}
}

// Authenticate runs the web adapter's Authenticator on r.
func (e *Env) Authenticate(r *httpd.Request) error { return e.Web.Authenticate(r) }

// Login logs login in with Password(login) and returns the session cookie.
func (e *Env) Login(t testing.TB, login string) *http.Cookie {
	t.Helper()
	r := Request(Route(httpd.AuthNone, ""), "POST", "/rampart/auth/login")
	if _, err := e.Web.Login(r, login, Password(login)); err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	for _, c := range r.W.(*httptest.ResponseRecorder).Result().Cookies() {
		if c.Name == identity.CookieName && c.Value != "" {
			return c
		}
	}
	t.Fatal("login set no session cookie")
	return nil
}

// APIKey creates a key for uid with the scopes (default rpc), valid for
// a day, and returns its secret.
func (e *Env) APIKey(t testing.TB, uid int64, scopes ...string) string {
	t.Helper()
	secret, _, err := e.Service.CreateAPIKey(context.Background(), identity.NewAPIKey{
		UserID: uid, Name: "test key", Scopes: scopes, ExpiresIn: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}
