package console_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// TestWebLoginTwoFactorMessage: /web/login tells a 2FA user whose password
// is right to use the console's two-factor sign-in or an API key, and
// does not sign them in; a wrong password for the same user (or an
// unknown login) gets the generic message, nothing about 2FA.
func TestWebLoginTwoFactorMessage(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	ctx := context.Background()
	uid := a.UID(t, "alice")
	secret, err := a.Identity.BeginTwoFactor(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := identity.TOTPCode(secret, time.Now())
	if _, err := a.Identity.ConfirmTwoFactor(ctx, a.Principal(t, "alice"), code, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	post := func(login, password string) (int, http.Header, string) {
		web := newClient(t, a)
		tok := web.token("/web/login")
		return web.do("POST", "/web/login", url.Values{"csrf_token": {tok}, "login": {login}, "password": {password}})
	}
	st, h, body := post("alice", "alice")
	if st == http.StatusSeeOther || strings.Contains(h.Get("Set-Cookie"), "session_id=") {
		t.Fatalf("right password under 2fa signed in: %d %v", st, h)
	}
	if strings.Contains(body, "Wrong login/password") || !strings.Contains(body, "two-factor") ||
		!strings.Contains(body, `href="/console/login"`) || !strings.Contains(body, "API key") {
		t.Fatalf("right password under 2fa: %d %.800s", st, body)
	}
	for _, c := range [][2]string{{"alice", "wrong"}, {"nobody", "alice"}} {
		st, _, body := post(c[0], c[1])
		if st == http.StatusSeeOther || !strings.Contains(body, "Wrong login/password") ||
			strings.Contains(strings.ToLower(body), "two-factor") || strings.Contains(body, "/console/login") {
			t.Fatalf("%s/%s: %d %.800s", c[0], c[1], st, body)
		}
	}
	// bob (no 2fa) still signs in with his password.
	if st, _, body := post("bob", "bob"); st != http.StatusSeeOther {
		t.Fatalf("bob: %d %.300s", st, body)
	}
}
