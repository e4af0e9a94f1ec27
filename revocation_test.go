package rampart_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart"
	"github.com/rampart/rampart/config"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/store/storetest"
)

// Two instances on one PostgreSQL database and one Redis: an administrator
// disables a user over HTTP on A; A refuses the user's key at once and B
// within a second. The non-administrator and self-disable paths are
// refused, and leave the user active.
func TestAdminDisableReachesEveryInstance(t *testing.T) {
	url := storetest.PostgresSchemaURL(t)
	redis := storetest.RedisURL(t)
	var b [6]byte
	rand.Read(b[:])
	var apps []*rampart.App
	var srvs []*httptest.Server
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for range 2 {
		c := config.Default()
		c.DB, c.Data = url, t.TempDir()
		c.Metrics.Disabled = true
		c.RateLimit.Store = "redis"
		c.RateLimit.RedisURL = redis
		c.RateLimit.RedisPrefix = "rampart-test:" + hex.EncodeToString(b[:]) + ":"
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		app, err := rampart.New(context.Background(), c, slog.New(slog.DiscardHandler), rampart.Options{InsecureFastHashing: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { app.Close() })
		err = app.Handle(&rampart.Route{Path: "/t/me", Type: rampart.TypeJSON2, Auth: rampart.AuthBearer, Scope: "rpc",
			Handler: func(r *rampart.Request) (any, error) { return r.Principal.UserID, nil }})
		if err != nil {
			t.Fatal(err)
		}
		srv := serve(t, app)
		wg.Add(1)
		go func() { defer wg.Done(); app.Identity.Run(ctx) }()
		apps, srvs = append(apps, app), append(srvs, srv)
	}
	a := apps[0].Identity
	waitAnswer(t, "B listens", apps[1].Identity.ChannelsUp)
	key := func(login string, groups ...string) (int64, string) {
		uid, err := a.CreateUser(ctx, identity.NewUser{Login: login, Password: "password-" + login, Groups: groups})
		if err != nil {
			t.Fatal(err)
		}
		k, _, err := a.CreateAPIKey(ctx, identity.NewAPIKey{UserID: uid, Name: "k", Scopes: []string{"rpc"}, ExpiresIn: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return uid, k
	}
	_, adminKey := key("boss", identity.GroupUser, identity.GroupSystem)
	_, clerkKey := key("clerk")
	_, bobKey := key("bob")
	call := func(srv *httptest.Server, path, key, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, srv := range srvs { // bob's key is cached on both
		if st, body := call(srv, "/t/me", bobKey, "{}"); st != 200 {
			t.Fatalf("bob before: %d %s", st, body)
		}
	}
	// Refused: a non-administrator, and an administrator disabling themselves.
	if st, body := call(srvs[0], "/rampart/admin/users/disable", clerkKey, `{"login":"bob"}`); st != 403 {
		t.Fatalf("clerk disables: %d %s", st, body)
	}
	if st, body := call(srvs[0], "/rampart/admin/users/disable", adminKey, `{"login":"boss"}`); st != 422 {
		t.Fatalf("self-disable: %d %s", st, body)
	}
	if st, body := call(srvs[0], "/rampart/admin/users/disable", adminKey, `{"login":"nobody"}`); st != 404 {
		t.Fatalf("unknown login: %d %s", st, body)
	}
	for _, login := range []string{"bob", "boss"} {
		if u, err := a.UserByLogin(ctx, login); err != nil || !u.Active {
			t.Fatalf("%s changed by a refused call: %+v %v", login, u, err)
		}
	}
	for _, srv := range srvs {
		waitAnswer(t, "bob accepted before", func() bool { st, _ := call(srv, "/t/me", bobKey, "{}"); return st == 200 })
	}
	// Allowed: the administrator disables bob on A.
	if st, body := call(srvs[0], "/rampart/admin/users/disable", adminKey, `{"login":"bob"}`); st != 200 || !strings.Contains(body, `"active":false`) {
		t.Fatalf("disable: %d %s", st, body)
	}
	if st, _ := call(srvs[0], "/t/me", bobKey, "{}"); st != 401 {
		t.Fatalf("A still accepts bob: %d", st)
	}
	waitAnswer(t, "B refuses bob", func() bool { st, _ := call(srvs[1], "/t/me", bobKey, "{}"); return st == 401 })
	if u, err := a.UserByLogin(ctx, "bob"); err != nil || u.Active {
		t.Fatalf("bob after disable: %+v %v", u, err)
	}
}

func waitAnswer(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 1s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
