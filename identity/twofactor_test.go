package identity_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

type eventLog struct {
	mu sync.Mutex
	ev []identity.AuthEvent
}

func (l *eventLog) AuthEvent(_ context.Context, ev identity.AuthEvent) {
	l.mu.Lock()
	l.ev = append(l.ev, ev)
	l.mu.Unlock()
}

func (l *eventLog) count(t identity.EventType) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.ev {
		if e.Type == t {
			n++
		}
	}
	return n
}

// TestTwoFactor walks enrolment, the password gate on every password-only
// path, the code step (replay refused, ±1 step), recovery codes (each
// once), throttling of wrong codes and disabling, with their audit events.
func TestTwoFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		events := &eventLog{}
		env := identitytest.New(t, db, func(o *identity.Options) { o.Events = events })
		ctx := context.Background()
		client := netip.MustParseAddr("192.0.2.10")
		uid := env.CreateUser(t, "alice")
		key := env.APIKey(t, uid)
		p, err := env.Principal(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		pw := identitytest.Password("alice")

		// Before 2FA: the password works over RPC (and is cached).
		if _, err := env.LoginRPC(ctx, "alice", pw, client); err != nil {
			t.Fatalf("rpc password before 2fa: %v", err)
		}
		if _, err := env.CheckRPC(ctx, uid, pw, client); err != nil {
			t.Fatal(err)
		}

		secret, err := env.BeginTwoFactor(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		// A wrong first code does not enable it, and counts as a failure.
		if _, err := env.ConfirmTwoFactor(ctx, p, "000000", client); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("confirm with a wrong code: %v", err)
		}
		if st, _ := env.TwoFactor(ctx, uid); st.Enabled || !st.Pending {
			t.Fatalf("status after a wrong code: %+v", st)
		}
		code, _ := identity.TOTPCode(secret, env.Clock.Now())
		recovery, err := env.ConfirmTwoFactor(ctx, p, code, client)
		if err != nil || len(recovery) != 10 {
			t.Fatalf("confirm: %d codes, %v", len(recovery), err)
		}
		if st, _ := env.TwoFactor(ctx, uid); !st.Enabled || st.RecoveryLeft != 10 {
			t.Fatalf("status: %+v", st)
		}

		// Password alone refused everywhere (cache dropped), with the hint.
		for name, f := range map[string]func() error{
			"common.login": func() error { _, err := env.LoginRPC(ctx, "alice", pw, client); return err },
			"execute_kw":   func() error { _, err := env.CheckRPC(ctx, uid, pw, client); return err },
			"/web/session/authenticate": func() error {
				r := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/web/session/authenticate")
				_, err := env.Web.Login(r, "alice", pw)
				return err
			},
		} {
			err := f()
			if !errs.Is(err, errs.AccessDenied) || errs.As(err).Message() == "Access Denied" {
				t.Errorf("%s with the password under 2fa: %v, want AccessDenied saying to use an API key", name, err)
			}
		}
		// API keys keep working.
		if _, err := env.CheckRPC(ctx, uid, key, client); err != nil {
			t.Fatalf("api key under 2fa: %v", err)
		}
		// A wrong password is still just Access Denied (no 2FA hint leaks).
		if _, err := env.LoginRPC(ctx, "alice", "wrong-password", client); !errs.Is(err, errs.AccessDenied) || errs.As(err).Message() != "Access Denied" {
			t.Fatalf("wrong password: %v", err)
		}

		// Console sign-in: password gives a pending token, no session.
		r := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/console/login")
		_, pending, err := env.Web.SignIn(r, "alice", pw)
		if err != nil || pending == "" || r.Principal != nil {
			t.Fatalf("sign in: pending=%q principal=%v err=%v", pending, r.Principal, err)
		}
		// The code already used at enrolment is refused (same step).
		if _, err := env.Web.SignInCode(r, pending, code); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("replayed enrolment code: %v", err)
		}
		env.Clock.Advance(30 * time.Second)
		code2, _ := identity.TOTPCode(secret, env.Clock.Now())
		if _, err := env.Web.SignInCode(r, pending, code2); err != nil {
			t.Fatalf("code step: %v", err)
		}
		if r.Principal == nil || r.Principal.UserID != uid {
			t.Fatalf("no session after the code step")
		}
		// The pending token is single-use.
		r2 := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/console/login")
		if _, err := env.Web.SignInCode(r2, pending, code2); !errs.Is(err, errs.SessionExpired) {
			t.Fatalf("reused pending token: %v", err)
		}
		// The same code again, on a new pending login: refused (used).
		_, pending, _ = env.Web.SignIn(r2, "alice", pw)
		if _, err := env.Web.SignInCode(r2, pending, code2); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("code used twice: %v", err)
		}
		// The previous step's code (within ±1) is older than the last used
		// one: refused too.
		prev, _ := identity.TOTPCode(secret, env.Clock.Now().Add(-30*time.Second))
		if _, err := env.Web.SignInCode(r2, pending, prev); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("older step's code: %v", err)
		}
		// A recovery code works once.
		if _, err := env.Web.SignInCode(r2, pending, recovery[3]); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		_, pending, _ = env.Web.SignIn(r2, "alice", pw)
		if _, err := env.Web.SignInCode(r2, pending, recovery[3]); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("recovery code twice: %v", err)
		}
		if st, _ := env.TwoFactor(ctx, uid); st.RecoveryLeft != 9 {
			t.Fatalf("recovery left %d", st.RecoveryLeft)
		}
		if events.count(identity.EventRecoveryCodeUsed) != 1 || events.count(identity.EventTwoFactorEnrolled) != 1 {
			t.Fatalf("events: %+v", events.ev)
		}
		failedBefore := events.count(identity.EventTwoFactorFailed)
		if failedBefore < 4 {
			t.Fatalf("2fa_code_failed events %d, want at least 4", failedBefore)
		}

		// Wrong codes are throttled as failed logins: eventually 429,
		// without the code being checked.
		var last error
		for range 30 {
			if _, last = env.Web.SignInCode(r2, pending, "123456"); errs.Is(last, errs.TooManyRequests) {
				break
			}
		}
		if !errs.Is(last, errs.TooManyRequests) {
			t.Fatalf("wrong codes never throttled: %v", last)
		}

		// Disabling needs the password and a code.
		env.Clock.Advance(time.Hour) // past the throttle
		code3, _ := identity.TOTPCode(secret, env.Clock.Now())
		if err := env.DisableTwoFactor(ctx, p, "wrong", code3, client); err == nil {
			t.Fatal("disabled with a wrong password")
		}
		if err := env.DisableTwoFactor(ctx, p, pw, "000000", client); err == nil {
			t.Fatal("disabled with a wrong code")
		}
		if st, _ := env.TwoFactor(ctx, uid); !st.Enabled {
			t.Fatal("2fa off after refused disables")
		}
		env.Clock.Advance(time.Hour)
		code4, _ := identity.TOTPCode(secret, env.Clock.Now())
		if err := env.DisableTwoFactor(ctx, p, pw, code4, client); err != nil {
			t.Fatalf("disable: %v", err)
		}
		if _, err := env.LoginRPC(ctx, "alice", pw, client); err != nil {
			t.Fatalf("password after disabling 2fa: %v", err)
		}
		if events.count(identity.EventTwoFactorDisabled) != 1 {
			t.Fatal("no 2fa_disabled event")
		}
	})
}

// TestTwoFactorGuessingNotResetByPassword: an attacker who knows the
// password cannot reset the code throttle by entering the password again
// between guesses: the code step has its own per-account counter, reset
// only by a valid code.
func TestTwoFactorGuessingNotResetByPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := identitytest.New(t, db)
		ctx := context.Background()
		uid := env.CreateUser(t, "alice")
		p, _ := env.Principal(ctx, uid)
		secret, _ := env.BeginTwoFactor(ctx, uid)
		code, _ := identity.TOTPCode(secret, env.Clock.Now())
		if _, err := env.ConfirmTwoFactor(ctx, p, code, netip.MustParseAddr("192.0.2.10")); err != nil {
			t.Fatal(err)
		}
		throttled := false
		for i := range 40 {
			// A new client address each round: the per-IP cooldown alone
			// must not be what stops the attack.
			r := identitytest.Request(identitytest.Route(httpd.AuthNone, ""), "POST", "/console/login")
			r.Client = netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
			_, pending, err := env.Web.SignIn(r, "alice", identitytest.Password("alice"))
			if errs.Is(err, errs.TooManyRequests) {
				throttled = true
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			wrong := "000000"
			if c, _ := identity.TOTPCode(secret, env.Clock.Now()); c == wrong {
				wrong = "111111"
			}
			if _, err := env.Web.SignInCode(r, pending, wrong); errs.Is(err, errs.TooManyRequests) {
				throttled = true
				break
			}
		}
		if !throttled {
			t.Fatal("40 code guesses, each after a correct password, were never throttled")
		}
	})
}
