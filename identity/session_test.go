package identity_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identityhttp"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// asUser authenticates an auth=user request carrying cookie.
func asUser(env *identitytest.Env, cookie *http.Cookie) (*httpd.Request, error) {
	r := identitytest.Request(identitytest.Route(httpd.AuthUser, ""), "POST", "/x")
	if cookie != nil {
		r.HTTP.AddCookie(cookie)
	}
	return r, env.Authenticate(r)
}

func sessionCookieOf(t *testing.T, r *httpd.Request) *http.Cookie {
	t.Helper()
	for _, c := range setCookies(r) {
		if c.Name == identity.CookieName {
			return c
		}
	}
	return nil
}

func TestSessionCookieAndFixation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		env.CreateUser(t, "alice")
		first := env.Login(t, "alice")
		if !first.HttpOnly || first.SameSite != http.SameSiteLaxMode || first.Path != "/" || first.Secure ||
			first.MaxAge != int((7*24*time.Hour).Seconds()) || len(first.Value) != 43 {
			t.Fatalf("cookie attributes: %+v", first)
		}
		// Logging in again from a request that carries a session replaces it.
		r := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/rampart/auth/login")
		r.TLS = true
		r.HTTP.AddCookie(first)
		if _, err := env.Web.Login(r, "alice", identitytest.Password("alice")); err != nil {
			t.Fatal(err)
		}
		second := sessionCookieOf(t, r)
		if second == nil || second.Value == first.Value || !second.Secure {
			t.Fatalf("no fresh secure cookie at login: %+v", second)
		}
		if _, ok := identityhttp.SessionCSRFKey(r); !ok {
			t.Fatal("no CSRF key after login")
		}
		if _, err := asUser(env, first); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("old session still valid: %v", err)
		}
		r2, err := asUser(env, second)
		if err != nil {
			t.Fatal(err)
		}
		k1, _ := identityhttp.SessionCSRFKey(r)
		k2, ok := identityhttp.SessionCSRFKey(r2)
		if !ok || string(k1) != string(k2) || len(k1) != 32 {
			t.Fatal("CSRF key not stable within a session")
		}
		// A wrong password does not open a session.
		r = identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/")
		if _, err := env.Web.Login(r, "alice", "wrong-password"); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("wrong password: %v", err)
		}
		if sessionCookieOf(t, r) != nil {
			t.Fatal("cookie set on a failed login")
		}
	})
}

func TestLogoutEndsSessionServerSide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		env.CreateUser(t, "alice")
		c := env.Login(t, "alice")
		if _, err := asUser(env, c); err != nil { // now cached
			t.Fatal(err)
		}
		r := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/rampart/auth/logout")
		r.HTTP.AddCookie(c)
		if err := env.Web.Logout(r); err != nil {
			t.Fatal(err)
		}
		if got := sessionCookieOf(t, r); got == nil || got.MaxAge >= 0 {
			t.Fatalf("logout did not clear the cookie: %+v", got)
		}
		// Replaying the old cookie (the browser may not have dropped it) fails.
		if _, err := asUser(env, c); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("session alive after logout: %v", err)
		}
		// Logging out twice is fine.
		if err := env.Web.Logout(r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessionExpiryAndTouch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db, func(o *identity.Options) {
			o.Config.SessionIdleTimeout = time.Hour
			o.Config.SessionMaxLifetime = 3 * time.Hour
		})
		env.CreateUser(t, "alice")
		c := env.Login(t, "alice")
		r, err := asUser(env, c)
		if err != nil || sessionCookieOf(t, r) != nil {
			t.Fatalf("a fresh session is not re-sent: %v", err)
		}
		// Activity within the idle timeout keeps it alive; the touch (once a
		// minute at most) refreshes the cookie.
		for range 3 { // 2 h 30 of activity
			env.Clock.Advance(50 * time.Minute)
			r, err := asUser(env, c)
			if err != nil {
				t.Fatal(err)
			}
			if got := sessionCookieOf(t, r); got == nil || got.Value != c.Value {
				t.Fatalf("touch did not refresh the cookie: %+v", got)
			}
			if r2, _ := asUser(env, c); sessionCookieOf(t, r2) != nil {
				t.Fatal("second request within the touch interval wrote again")
			}
		}
		// Absolute lifetime: 3 h after login, however active.
		env.Clock.Advance(time.Hour)
		if _, err := asUser(env, c); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("session outlived its absolute lifetime: %v", err)
		}
		// Idle timeout.
		c = env.Login(t, "alice")
		env.Clock.Advance(time.Hour + time.Second)
		if _, err := asUser(env, c); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("idle session alive: %v", err)
		}
	})
}

func TestCredentialChangesEndSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		changes := []struct {
			name string
			do   func() error
		}{
			{"password", func() error { return env.SetPassword(ctx, alice, identitytest.Password("alice")) }},
			{"group added", func() error { return env.AddGroups(ctx, alice, identity.GroupNoOne) }},
			{"group removed", func() error { return env.RemoveGroups(ctx, alice, identity.GroupNoOne) }},
			{"login", func() error { return env.SetLogin(ctx, alice, "alice") }},
			{"deactivated", func() error { return env.SetActive(ctx, alice, false) }},
		}
		for _, ch := range changes {
			env.SetActive(ctx, alice, true)
			c := env.Login(t, "alice")
			if _, err := asUser(env, c); err != nil {
				t.Fatal(err)
			}
			if err := ch.do(); err != nil {
				t.Fatalf("%s: %v", ch.name, err)
			}
			if _, err := asUser(env, c); !errs.Is(err, errs.SessionExpired) {
				t.Fatalf("%s: session survived: %v", ch.name, err)
			}
		}
	})
}

func TestPasswordChangeEndsCachedCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		old := identitytest.Password("alice")
		client := identitytest.Request(nil, "GET", "/").Client
		for range 2 { // the second call is served from the cache
			if p, err := env.CheckRPC(ctx, alice, old, client); err != nil || p.UserID != alice || p.Via != "password" {
				t.Fatalf("CheckRPC = %+v, %v", p, err)
			}
		}
		other := env.Login(t, "alice")
		// Change through the endpoint logic, from a session.
		r, err := asUser(env, env.Login(t, "alice"))
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Web.ChangePassword(r, "not-the-password", "brand-new-password"); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("wrong current password: %v", err)
		}
		if err := env.Web.ChangePassword(r, old, "brand-new-password"); err != nil {
			t.Fatal(err)
		}
		if _, err := env.CheckRPC(ctx, alice, old, client); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("old password still accepted: %v", err)
		}
		if _, err := env.CheckRPC(ctx, alice, "brand-new-password", client); err != nil {
			t.Fatal(err)
		}
		if _, err := asUser(env, other); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("other session survived: %v", err)
		}
		// The caller got a fresh session and stays logged in.
		fresh := sessionCookieOf(t, r)
		if fresh == nil {
			t.Fatal("no new session cookie after the change")
		}
		if _, err := asUser(env, fresh); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
	})
}

func TestRPCAcceptsAPIKeyAsPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		bob := env.CreateUser(t, "bob")
		key := env.APIKey(t, alice, "read")
		client := identitytest.Request(nil, "GET", "/").Client
		uid, err := env.LoginRPC(ctx, "alice", key, client)
		if err != nil || uid != alice {
			t.Fatalf("LoginRPC with key = %d, %v", uid, err)
		}
		p, err := env.CheckRPC(ctx, alice, key, client)
		if err != nil || p.Via != "key" || p.KeyID == 0 || p.Scopes[0] != "read" {
			t.Fatalf("CheckRPC with key = %+v, %v", p, err)
		}
		if _, err := env.CheckRPC(ctx, bob, key, client); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("alice's key for bob: %v", err)
		}
		// A bot without a password uses its key over RPC.
		bot, err := env.Service.CreateUser(ctx, identity.NewUser{Login: "bot"})
		if err != nil {
			t.Fatal(err)
		}
		if uid, err := env.LoginRPC(ctx, "bot", env.APIKey(t, bot), client); err != nil || uid != bot {
			t.Fatalf("password-less bot with a key: %d, %v", uid, err)
		}
		// Interactive logins never take a key.
		if _, err := env.CheckPassword(ctx, identity.Credential{Login: "alice", Password: key, Client: client, Interactive: true}); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("interactive login with a key: %v", err)
		}
	})
}

func TestOdooHashImportAndUpgrade(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		const odooHash = "$pbkdf2-sha512$6000$cmFtcGFydC1zYWx0LTE2Yg$tGu.3yv1FWlgBHYUlDdkaQylCojZxdX2f5sEr18QmqoPL0P21vd.vR2zskvs7ivtCymfBvxGAvhLqhMzFblb/Q"
		if err := env.ImportPasswordHash(ctx, alice, "plaintext"); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("plaintext import: %v", err)
		}
		if err := env.ImportPasswordHash(ctx, alice, odooHash); err != nil {
			t.Fatal(err)
		}
		stored := func() string {
			var h string
			db.Read(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT password FROM res_users WHERE id = ?`, alice).Scan(&h)
			})
			return h
		}
		c := identity.Credential{Login: "alice", Password: "correct horse", Interactive: true}
		if _, err := env.CheckPassword(ctx, c); err != nil {
			t.Fatal(err)
		}
		if h := stored(); !strings.HasPrefix(h, "$argon2id$") {
			t.Fatalf("hash not upgraded: %s", h)
		}
		if _, err := env.CheckPassword(ctx, c); err != nil {
			t.Fatalf("after upgrade: %v", err)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		events := &recorder{}
		env := identitytest.New(t, db, func(o *identity.Options) { o.Events = events })
		env.CreateUser(t, "alice")
		env.CreateUser(t, "bob")
		ip := identitytest.Request(nil, "GET", "/").Client
		login := func(who, pw string) error {
			_, err := env.CheckPassword(ctx, identity.Credential{Login: who, Password: pw, Client: ip, Interactive: true})
			return err
		}
		// Odoo's cooldown: 5 failures from one IP (spread over logins, so the
		// per-login backoff is not what stops them).
		for i := range 5 {
			who := []string{"alice", "bob", "carol", "dave", "erin"}[i]
			if err := login(who, "wrong-password"); !errs.Is(err, errs.AccessDenied) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		err := login("bob", identitytest.Password("bob"))
		if !errs.Is(err, errs.TooManyRequests) || errs.As(err).Header.Get("Retry-After") != "60" {
			t.Fatalf("6th attempt, right password: %v", err)
		}
		env.Clock.Advance(61 * time.Second)
		if err := login("bob", identitytest.Password("bob")); err != nil {
			t.Fatalf("after the cooldown: %v", err)
		}
		// Per-login backoff: failures for one login from many IPs (alice
		// failed once above already; the third failure starts the backoff).
		for i := range 2 {
			c := identity.Credential{Login: "alice", Password: "wrong-password", Interactive: true}
			c.Client = ip.Next()
			for range i {
				c.Client = c.Client.Next()
			}
			if _, err := env.CheckPassword(ctx, c); !errs.Is(err, errs.AccessDenied) {
				t.Fatalf("backoff failure %d: %v", i, err)
			}
		}
		err = login("alice", identitytest.Password("alice"))
		if !errs.Is(err, errs.TooManyRequests) || errs.As(err).Header.Get("Retry-After") != "1" {
			t.Fatalf("login backoff: %v", err)
		}
		env.Clock.Advance(2 * time.Second)
		if err := login("alice", identitytest.Password("alice")); err != nil {
			t.Fatalf("after the backoff: %v", err)
		}
		if events.count(identity.EventLoginThrottled) != 2 || events.count(identity.EventLoginFailed) != 7 || events.count(identity.EventLogin) != 0 {
			t.Fatalf("events: %v", events.types())
		}
	})
}

type recorder struct {
	mu  sync.Mutex
	evs []identity.AuthEvent
}

func (r *recorder) AuthEvent(_ context.Context, ev identity.AuthEvent) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) count(t identity.EventType) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.evs {
		if e.Type == t {
			n++
		}
	}
	return n
}

func (r *recorder) types() []identity.EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []identity.EventType
	for _, e := range r.evs {
		out = append(out, e.Type)
	}
	return out
}

func TestConcurrentAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		cookie := env.Login(t, "alice")
		key := env.APIKey(t, alice)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 30 {
					if g == 0 && i%10 == 0 {
						env.Clock.Advance(time.Minute) // forces touches
					}
					r := identitytest.Request(identitytest.Route(httpd.AuthUser, ""), "POST", "/x")
					if g%2 == 0 {
						r.Route = identitytest.Route(httpd.AuthBearer, "")
						r.HTTP.Header.Set("Authorization", "Bearer "+key)
					} else {
						r.HTTP.AddCookie(cookie)
					}
					if err := env.Authenticate(r); err != nil || r.Principal.UserID != alice {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
	})
}
