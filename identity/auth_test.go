package identity_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

// navigation adds the Fetch Metadata headers of a top-level navigation.
func navigation(r *httpd.Request) {
	r.HTTP.Header.Set("Sec-Fetch-Dest", "document")
	r.HTTP.Header.Set("Sec-Fetch-Mode", "navigate")
	r.HTTP.Header.Set("Sec-Fetch-Site", "same-origin")
	r.HTTP.Header.Set("Sec-Fetch-User", "?1")
}

func setCookies(r *httpd.Request) []*http.Cookie {
	return r.W.(*httptest.ResponseRecorder).Result().Cookies()
}

// wantErr checks an error's kind, client message and WWW-Authenticate.
func wantErr(t *testing.T, err error, kind errs.Kind, msg, wwwAuth string) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("err = %v, want kind %v", err, kind)
	}
	e := errs.As(err)
	if msg != "" && e.Message() != msg {
		t.Fatalf("message %q, want %q", e.Message(), msg)
	}
	if got := e.Header.Get("WWW-Authenticate"); got != wwwAuth {
		t.Fatalf("WWW-Authenticate %q, want %q", got, wwwAuth)
	}
}

func TestAuthModes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		bob := env.CreateUser(t, "bob")
		aliceCookie := env.Login(t, "alice")
		aliceKey := env.APIKey(t, alice)
		bobKey := env.APIKey(t, bob)
		readKey := env.APIKey(t, alice, "read")

		type want struct {
			uid     int64
			public  bool
			via     string
			kind    errs.Kind
			msg     string
			wwwAuth string
			err     bool
		}
		tests := []struct {
			name  string
			auth  httpd.Auth
			scope string
			setup func(r *httpd.Request)
			want  want
		}{
			{"none ignores session", httpd.AuthNone, "", func(r *httpd.Request) { r.HTTP.AddCookie(aliceCookie) }, want{}},
			{"public anonymous", httpd.AuthPublic, "", nil, want{public: true, via: "public"}},
			{"public with session", httpd.AuthPublic, "", func(r *httpd.Request) { r.HTTP.AddCookie(aliceCookie) }, want{uid: alice, via: "session"}},
			{"public with garbage cookie", httpd.AuthPublic, "", func(r *httpd.Request) {
				r.HTTP.AddCookie(&http.Cookie{Name: "session_id", Value: "nope"})
			}, want{public: true, via: "public"}},
			{"user with session", httpd.AuthUser, "", func(r *httpd.Request) { r.HTTP.AddCookie(aliceCookie) }, want{uid: alice, via: "session"}},
			{"default auth is user", "", "", nil, want{err: true, kind: errs.SessionExpired, msg: "Session expired"}},
			{"user without session", httpd.AuthUser, "", nil, want{err: true, kind: errs.SessionExpired, msg: "Session expired"}},
			{"user with unknown session", httpd.AuthUser, "", func(r *httpd.Request) {
				r.HTTP.AddCookie(&http.Cookie{Name: "session_id", Value: strings.Repeat("A", 43)})
			}, want{err: true, kind: errs.SessionExpired}},
			{"bearer key", httpd.AuthBearer, "", func(r *httpd.Request) { r.HTTP.Header.Set("Authorization", "Bearer "+aliceKey) }, want{uid: alice, via: "key"}},
			{"bearer x-api-key", httpd.AuthBearer, "", func(r *httpd.Request) { r.HTTP.Header.Set("X-API-Key", bobKey) }, want{uid: bob, via: "key"}},
			{"bearer key and same-user session", httpd.AuthBearer, "", func(r *httpd.Request) {
				r.HTTP.Header.Set("Authorization", "Bearer "+aliceKey)
				r.HTTP.AddCookie(aliceCookie)
			}, want{uid: alice, via: "key"}},
			{"bearer key of another user than the session", httpd.AuthBearer, "", func(r *httpd.Request) {
				r.HTTP.Header.Set("Authorization", "Bearer "+bobKey)
				r.HTTP.AddCookie(aliceCookie)
			}, want{err: true, kind: errs.AccessDenied, msg: "Session user does not match the used apikey."}},
			{"bearer wrong key", httpd.AuthBearer, "", func(r *httpd.Request) {
				last := "x"
				if aliceKey[42] == 'x' {
					last = "y"
				}
				r.HTTP.Header.Set("Authorization", "Bearer "+aliceKey[:42]+last) // a typo
			}, want{err: true, kind: errs.Unauthorized, msg: "Invalid apikey", wwwAuth: "Bearer"}},
			{"bearer nothing", httpd.AuthBearer, "", nil, want{err: true, kind: errs.Unauthorized,
				msg: "User not authenticated, use an API Key with a Bearer Authorization header.", wwwAuth: "Bearer"}},
			{"bearer session from a script", httpd.AuthBearer, "", func(r *httpd.Request) { r.HTTP.AddCookie(aliceCookie) }, want{err: true,
				kind: errs.Unauthorized, msg: `Missing "Authorization" or Sec-headers for interactive usage.`, wwwAuth: "Bearer"}},
			{"bearer session cross-site navigation", httpd.AuthBearer, "", func(r *httpd.Request) {
				r.HTTP.AddCookie(aliceCookie)
				navigation(r)
				r.HTTP.Header.Set("Sec-Fetch-Site", "cross-site")
			}, want{err: true, kind: errs.Unauthorized, wwwAuth: "Bearer"}},
			{"bearer session top-level navigation", httpd.AuthBearer, "", func(r *httpd.Request) {
				r.HTTP.AddCookie(aliceCookie)
				navigation(r)
			}, want{uid: alice, via: "session"}},
			{"bearer scope carried", httpd.AuthBearer, "rpc", func(r *httpd.Request) { r.HTTP.Header.Set("Authorization", "Bearer "+readKey) }, want{uid: alice, via: "key"}},
			{"bearer scope missing", httpd.AuthBearer, "webhooks", func(r *httpd.Request) { r.HTTP.Header.Set("Authorization", "Bearer "+readKey) },
				want{err: true, kind: errs.AccessDenied, wwwAuth: `Bearer error="insufficient_scope", scope="webhooks"`}},
			{"bearer global key has every route scope", httpd.AuthBearer, "webhooks", func(r *httpd.Request) { r.HTTP.Header.Set("Authorization", "Bearer "+aliceKey) }, want{uid: alice, via: "key"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := identitytest.Request(identitytest.Route(tt.auth, tt.scope), "POST", "/test")
				if tt.setup != nil {
					tt.setup(r)
				}
				err := env.Authenticate(r)
				if tt.want.err {
					wantErr(t, err, tt.want.kind, tt.want.msg, tt.want.wwwAuth)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				p := r.Principal
				switch {
				case tt.auth == httpd.AuthNone:
					if p != nil {
						t.Fatalf("auth=none got principal %+v", p)
					}
				case p == nil:
					t.Fatal("no principal")
				case p.UserID != tt.want.uid && !tt.want.public, p.Public != tt.want.public, p.Via != tt.want.via:
					t.Fatalf("principal %+v, want %+v", p, tt.want)
				}
				if tt.auth == httpd.AuthBearer || tt.auth == httpd.AuthNone {
					if h := r.W.Header().Values("Set-Cookie"); len(h) > 0 {
						t.Fatalf("Set-Cookie on a %s request: %v", tt.auth, h)
					}
				}
				if tt.want.via == "key" && (p.KeyID == 0 || len(p.Scopes) == 0) {
					t.Fatalf("key principal without key id/scopes: %+v", p)
				}
				if _, ok := identityhttp.SessionCSRFKey(r); ok != (tt.want.via == "session") {
					t.Fatalf("SessionCSRFKey ok=%v for via %q", ok, tt.want.via)
				}
				if tt.want.public && !p.InGroup(identity.GroupPublic) {
					t.Fatalf("public principal groups %v", p.GroupXMLIDs)
				}
			})
		}
	})
}

func TestKeyLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		key := env.APIKey(t, alice)
		bearer := func() error {
			r := identitytest.Request(identitytest.Route(httpd.AuthBearer, ""), "POST", "/json/2/x/y")
			r.HTTP.Header.Set("Authorization", "Bearer "+key)
			return env.Authenticate(r)
		}
		if err := bearer(); err != nil {
			t.Fatal(err)
		}
		// Last use is kept in memory, then flushed.
		keys, _ := env.ListAPIKeys(ctx, alice)
		if len(keys) != 1 || keys[0].LastUsedAt == nil || keys[0].LastUsedIP != "192.0.2.10" {
			t.Fatalf("last use not recorded: %+v", keys)
		}
		if err := env.FlushKeyUsage(ctx); err != nil {
			t.Fatal(err)
		}
		keys, _ = env.ListAPIKeys(ctx, alice)
		if keys[0].LastUsedAt == nil || keys[0].Hint != key[:11] {
			t.Fatalf("after flush: %+v", keys[0])
		}
		// Expired: a day later the key is refused, even though it is cached.
		env.Clock.Advance(24*time.Hour + time.Second)
		wantErr(t, bearer(), errs.Unauthorized, "Invalid apikey", "Bearer")

		// Revoked: refused at once although cached a moment ago.
		key = env.APIKey(t, alice)
		if err := bearer(); err != nil {
			t.Fatal(err)
		}
		keys, _ = env.ListAPIKeys(ctx, alice)
		bobID := env.CreateUser(t, "bob")
		bob, _ := env.Principal(ctx, bobID)
		if err := env.RevokeAPIKey(ctx, bob, keys[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("bob revoking alice's key: %v", err)
		}
		aliceP, _ := env.Principal(ctx, alice)
		if err := env.RevokeAPIKey(ctx, aliceP, keys[0].ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, bearer(), errs.Unauthorized, "Invalid apikey", "Bearer")

		// Deactivating the owner kills the key.
		key = env.APIKey(t, alice)
		if err := bearer(); err != nil {
			t.Fatal(err)
		}
		if err := env.SetActive(ctx, alice, false); err != nil {
			t.Fatal(err)
		}
		wantErr(t, bearer(), errs.Unauthorized, "Invalid apikey", "Bearer")
	})
}

func TestKeyCreationRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db, func(o *identity.Options) { o.Config.APIKeyMaxPerUser = 3 })
		user := env.CreateUser(t, "user")
		portal := env.CreateUser(t, "portal", identity.GroupPortal)
		admin, _ := env.UserByLogin(ctx, "admin")
		portalP, err := env.Principal(ctx, portal)
		if err != nil {
			t.Fatal(err)
		}
		userP, err := env.Principal(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		adminP, err := env.Principal(ctx, admin.ID)
		if err != nil {
			t.Fatal(err)
		}
		day := 24 * time.Hour
		tests := []struct {
			name string
			k    identity.NewAPIKey
			kind errs.Kind
		}{
			{"internal user 90 days", identity.NewAPIKey{UserID: user, Name: "ci", ExpiresIn: 90 * day}, 0},
			{"internal user 91 days", identity.NewAPIKey{UserID: user, Name: "ci", ExpiresIn: 91 * day}, errs.ValidationError},
			{"expiry required", identity.NewAPIKey{UserID: user, Name: "ci"}, errs.ValidationError},
			{"no expiry for a user", identity.NewAPIKey{UserID: user, Name: "ci", NoExpiry: true}, errs.ValidationError},
			{"no expiry for admin", identity.NewAPIKey{UserID: admin.ID, Name: "ci", NoExpiry: true}, 0},
			{"admin 10 years", identity.NewAPIKey{UserID: admin.ID, Name: "ci", ExpiresIn: 3650 * day}, 0},
			{"portal user for themselves", identity.NewAPIKey{UserID: portal, Name: "ci", ExpiresIn: day, Actor: portalP}, errs.AccessError},
			{"portal user by another user", identity.NewAPIKey{UserID: portal, Name: "ci", ExpiresIn: day, Actor: userP}, errs.AccessError},
			{"portal user by an administrator", identity.NewAPIKey{UserID: portal, Name: "ci", ExpiresIn: day, Actor: adminP}, 0},
			{"portal user from the CLI, over the 1-day cap", identity.NewAPIKey{UserID: portal, Name: "ci", ExpiresIn: 2 * day}, errs.ValidationError},
			{"no name", identity.NewAPIKey{UserID: user, ExpiresIn: day}, errs.ValidationError},
			{"bad scope", identity.NewAPIKey{UserID: user, Name: "x", Scopes: []string{"model:"}, ExpiresIn: day}, errs.ValidationError},
			{"second", identity.NewAPIKey{UserID: user, Name: "b", ExpiresIn: day}, 0},
			{"third", identity.NewAPIKey{UserID: user, Name: "c", ExpiresIn: day, Scopes: []string{"model:sale.order:read"}}, 0},
			{"over the limit", identity.NewAPIKey{UserID: user, Name: "d", ExpiresIn: day}, errs.UserError},
		}
		for _, tt := range tests {
			secret, k, err := env.CreateAPIKey(ctx, tt.k)
			if tt.kind != 0 {
				if !errs.Is(err, tt.kind) {
					t.Errorf("%s: err = %v, want %v", tt.name, err, tt.kind)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			p, err := env.VerifyAPIKey(ctx, secret, identitytest.Request(nil, "GET", "/").Client)
			if err != nil || p.KeyID != k.ID || strings.Join(p.Scopes, " ") != strings.Join(k.Scopes, " ") {
				t.Errorf("%s: verify = %+v, %v", tt.name, p, err)
			}
		}
	})
}

// A closed database proves that refusals by shape do no database work.
func TestBadInputNeedsNoDatabase(t *testing.T) {
	db := storetest.SQLite(t)
	env := identitytest.New(t, db)
	db.Close()
	headers := []map[string]string{
		{"Authorization": "Bearer"},
		{"Authorization": "Bearer " + strings.Repeat("k", 1024)},
		{"Authorization": "Bearer rp_tooshort"},
		{"Authorization": "Bearer rp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, // bad checksum
		{"X-API-Key": "rp_\xff\xfe"},
		{"Authorization": "Bearer 0123456789abcdef0123456789abcdef01234567"},
	}
	for _, h := range headers {
		r := identitytest.Request(identitytest.Route(httpd.AuthBearer, ""), "POST", "/x")
		for k, v := range h {
			r.HTTP.Header.Set(k, v)
		}
		if err := env.Authenticate(r); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("%v: %v", h, err)
		}
	}
	// A malformed cookie is not looked up either.
	r := identitytest.Request(identitytest.Route(httpd.AuthUser, ""), "POST", "/x")
	r.HTTP.AddCookie(&http.Cookie{Name: "session_id", Value: "short"})
	if err := env.Authenticate(r); !errs.Is(err, errs.SessionExpired) {
		t.Errorf("malformed cookie: %v", err)
	}
	creds := []identity.Credential{
		{Login: "admin", Password: ""},
		{Login: "admin", Password: strings.Repeat("p", 2000)},
		{Login: "\xff\xfe", Password: "whatever1"},
		{Login: "", UID: 0, Password: "whatever1"},
		{Login: " admin", Password: "whatever1"},
	}
	for _, c := range creds {
		if _, err := env.CheckPassword(context.Background(), c); !errs.Is(err, errs.AccessDenied) {
			t.Errorf("%q: %v", c.Login, err)
		}
	}
}
