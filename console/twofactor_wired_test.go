package console_test

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/rampartest"
)

// TestTwoFactorRefusesPasswordOverRPC: on the wired server, once alice
// enabled 2FA her password alone is refused by XML-RPC execute_kw (even
// though it was just cached), JSON-RPC's /web/session/authenticate and the
// /web/login page, with the API-key hint where the protocol carries a
// message, while her API key keeps working; bob (no 2FA) is unaffected.
func TestTwoFactorRefusesPasswordOverRPC(t *testing.T) {
	a := rampartest.Demo(t, rampartest.Options{})
	ctx := context.Background()
	uid := a.UID(t, "alice")
	pw := a.XMLRPC(t, "alice")
	pw.Password = "alice"
	if _, _, fault := pw.ExecuteKW(t, "sale.order", "search_count", []any{[]any{}}, nil); fault != "" {
		t.Fatalf("password before 2fa: %s", fault)
	}
	secret, err := a.Identity.BeginTwoFactor(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := identity.TOTPCode(secret, time.Now())
	if _, err := a.Identity.ConfirmTwoFactor(ctx, a.Principal(t, "alice"), code, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatal(err)
	}

	if _, _, fault := pw.ExecuteKW(t, "sale.order", "search_count", []any{[]any{}}, nil); !strings.Contains(fault, "API key") {
		t.Fatalf("xml-rpc execute_kw with the password under 2fa: fault %q", fault)
	}
	if _, _, fault := a.XMLRPC(t, "alice").ExecuteKW(t, "sale.order", "search_count", []any{[]any{}}, nil); fault != "" {
		t.Fatalf("api key under 2fa: %s", fault)
	}
	s := a.Session(t, "")
	if _, name, msg := s.Post(t, "/web/session/authenticate", map[string]any{"db": a.Config.DBName, "login": "alice", "password": "alice"}); name == "" || !strings.Contains(msg, "API key") {
		t.Fatalf("/web/session/authenticate under 2fa: %q %q", name, msg)
	}
	web := newClient(t, a)
	tok := web.token("/web/login")
	if st, h, _ := web.do("POST", "/web/login", url.Values{"csrf_token": {tok}, "login": {"alice"}, "password": {"alice"}}); st == 303 {
		t.Fatalf("/web/login with the password under 2fa: signed in (%s)", h.Get("Location"))
	}
	// Enrolment and a wrong code are in the audit trail.
	if err := a.Identity.CheckSecondFactor(ctx, uid, "alice", "000000", netip.MustParseAddr("127.0.0.1")); err == nil {
		t.Fatal("code 000000 accepted")
	}
	a.Audit.Flush()
	es, err := a.Audit.Search(ctx, audit.Filter{Login: "alice", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[audit.Op]bool{}
	for _, e := range es {
		ops[e.Op] = true
	}
	if !ops["2fa_enrolled"] || !ops["2fa_code_failed"] {
		t.Fatalf("2fa events missing from the audit trail: %v", ops)
	}
	bob := a.XMLRPC(t, "bob")
	bob.Password = "bob"
	if _, _, fault := bob.ExecuteKW(t, "sale.order", "search_count", []any{[]any{}}, nil); fault != "" {
		t.Fatalf("bob's password (no 2fa): %s", fault)
	}
}
