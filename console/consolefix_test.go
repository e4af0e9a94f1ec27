package console_test

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// activeEntries returns the user_disabled / user_enabled entries about
// login, oldest first.
func activeEntries(t *testing.T, a *rampartest.App, login string) []audit.Entry {
	t.Helper()
	a.Audit.Flush()
	var out []audit.Entry
	for _, op := range []audit.Op{"user_disabled", "user_enabled"} {
		es, err := a.Audit.Search(context.Background(), audit.Filter{Login: login, Op: op, Limit: 100})
		if err != nil {
			t.Fatalf("search op %s: %v", op, err)
		}
		out = append(out, es...)
	}
	return out
}

// TestUserActiveAuditedEveryPath: disabling and enabling a user writes a
// user_disabled / user_enabled entry blamed on the administrator, whether
// it is done from the console or over POST /rampart/admin/users/*; the
// console keeps the API's refusals (built-in users, oneself), which write
// nothing and change nothing.
func TestUserActiveAuditedEveryPath(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	admin := a.UID(t, "admin")
	bob := a.UID(t, "bob")
	b := newClient(t, a)
	b.signIn("admin", "admin")
	page := "/console/admin/users/" + itoa(bob)

	check := func(path string, wantActive bool, wantOps ...audit.Op) {
		t.Helper()
		if got := a.User(t, "bob").Active; got != wantActive {
			t.Fatalf("%s: bob active = %v, want %v", path, got, wantActive)
		}
		es := activeEntries(t, a, "bob")
		if len(es) != len(wantOps) {
			t.Fatalf("%s: %d user_disabled/enabled entries, want %d: %+v", path, len(es), len(wantOps), es)
		}
		n := map[audit.Op]int{}
		for _, e := range es {
			n[e.Op]++
			if e.UserID != bob || e.RealUserID != admin {
				t.Fatalf("%s: entry %+v: want user %d by %d", path, e, bob, admin)
			}
		}
		want := map[audit.Op]int{}
		for _, op := range wantOps {
			want[op]++
		}
		for op, c := range want {
			if n[op] != c {
				t.Fatalf("%s: %d %s entries, want %d (%+v)", path, n[op], op, c, es)
			}
		}
	}

	// Console.
	if st, _, body := b.do("POST", page+"/disable", url.Values{"csrf_token": {b.token(page)}}); st != 200 {
		t.Fatalf("console disable: %d %.300s", st, body)
	}
	check("console disable", false, "user_disabled")
	if st, _, body := b.do("POST", page+"/enable", url.Values{"csrf_token": {b.token(page)}}); st != 200 {
		t.Fatalf("console enable: %d %.300s", st, body)
	}
	check("console enable", true, "user_disabled", "user_enabled")

	// Admin API.
	key := a.JSON2("admin")
	if st, _, raw := key.Post(t, "/rampart/admin/users/disable", map[string]any{"login": "bob"}); st != 200 {
		t.Fatalf("api disable: %d %s", st, raw)
	}
	check("api disable", false, "user_disabled", "user_enabled", "user_disabled")
	if st, _, raw := key.Post(t, "/rampart/admin/users/enable", map[string]any{"login": "bob"}); st != 200 {
		t.Fatalf("api enable: %d %s", st, raw)
	}
	check("api enable", true, "user_disabled", "user_enabled", "user_disabled", "user_enabled")

	// The refusals, from the console: the administrator themselves and a
	// built-in user. Nothing changes, nothing is recorded.
	self := "/console/admin/users/" + itoa(admin)
	if st, _, body := b.do("POST", self+"/disable", url.Values{"csrf_token": {b.token(self)}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "currently logged in") {
		t.Fatalf("console self-disable: %d %.300s", st, body)
	}
	if !a.User(t, "admin").Active || len(activeEntries(t, a, "admin")) != 0 {
		t.Fatal("self-disable changed or recorded something")
	}
	pub := a.User(t, identity.PublicLogin)
	pubPage := "/console/admin/users/" + itoa(pub.ID)
	if st, _, body := b.do("POST", pubPage+"/enable", url.Values{"csrf_token": {b.token(page)}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, "built-in users") {
		t.Fatalf("console enable __public__: %d %.300s", st, body)
	}
	if a.User(t, identity.PublicLogin).Active != pub.Active || len(activeEntries(t, a, identity.PublicLogin)) != 0 {
		t.Fatal("enabling __public__ changed or recorded something")
	}
}

// TestTwoFactorOpsFilterable: the 2FA events are audit operations a
// filter accepts — the console's audit page and POST
// /rampart/admin/audit/search with op=2fa_code_failed list exactly the
// failed codes.
func TestTwoFactorOpsFilterable(t *testing.T) {
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
	if err := a.Identity.CheckSecondFactor(ctx, uid, "alice", "000000", netip.MustParseAddr("127.0.0.1")); err == nil {
		t.Fatal("code 000000 accepted")
	}
	a.Audit.Flush()

	b := newClient(t, a)
	b.signIn("admin", "admin")
	st, _, body := b.do("GET", "/console/admin/audit?op=2fa_code_failed", nil)
	if st != 200 || strings.Count(body, `<tr class="op-2fa_code_failed"`) != 1 || strings.Contains(body, `<tr class="op-2fa_enrolled"`) {
		t.Fatalf("console filter op=2fa_code_failed: %d %.600s", st, body)
	}
	st, _, body = b.do("GET", "/console/admin/audit?op=2fa_enrolled&login=alice", nil)
	if st != 200 || strings.Count(body, `<tr class="op-2fa_enrolled"`) != 1 || strings.Contains(body, `<tr class="op-2fa_code_failed"`) {
		t.Fatalf("console filter op=2fa_enrolled: %d %.600s", st, body)
	}
	if st, _, _ := b.do("GET", "/console/admin/audit?op=nonsense", nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("unknown op: %d", st)
	}

	st, v, raw := a.JSON2("admin").Post(t, "/rampart/admin/audit/search", map[string]any{"op": "2fa_code_failed"})
	es, _ := v.([]any)
	if st != 200 || len(es) != 1 {
		t.Fatalf("admin search op=2fa_code_failed: %d %s", st, raw)
	}
	if e, _ := es[0].(map[string]any); e["op"] != "2fa_code_failed" || e["login"] != "alice" {
		t.Fatalf("admin search entry: %s", raw)
	}
	// Still administrators only.
	if st, _, raw := a.JSON2("alice").Post(t, "/rampart/admin/audit/search", map[string]any{"op": "2fa_code_failed"}); st != http.StatusForbidden {
		t.Fatalf("alice searching the trail: %d %s", st, raw)
	}
}
