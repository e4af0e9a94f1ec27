package identity_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestSetUserActive: the one audited way to disable or enable a user. An
// administrator (or the CLI: nil actor) may; anyone else, the built-in
// users and an administrator disabling themselves are refused with no
// change and no event; every change emits user_disabled / user_enabled
// naming the actor.
func TestSetUserActive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		events := &eventLog{}
		env := identitytest.New(t, db, func(o *identity.Options) { o.Events = events })
		ctx := context.Background()
		client := netip.MustParseAddr("192.0.2.7")
		admin := env.CreateUser(t, "boss", identity.GroupSystem)
		clerk := env.CreateUser(t, "clerk")
		env.CreateUser(t, "bob")
		pa, err := env.Principal(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		pc, err := env.Principal(ctx, clerk)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			actor   *principal.Principal
			login   string
			active  bool
			kind    errs.Kind // 0: success
			actorID int64
			reason  string
		}{
			{"a clerk", pc, "bob", false, errs.AccessError, 0, ""},
			{"the administrator", pa, "bob", false, 0, admin, ""},
			{"the CLI", nil, "bob", true, 0, 0, "from the server's CLI"},
			{"oneself", pa, "boss", false, errs.UserError, 0, ""},
			{"__public__ from the CLI", nil, identity.PublicLogin, true, errs.UserError, 0, ""},
			{"__system__", pa, identity.SystemLogin, false, errs.UserError, 0, ""},
			{"unknown", pa, "nobody", false, errs.NotFound, 0, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				var before *identity.User
				if c.login != "nobody" {
					if before, err = env.UserByLogin(ctx, c.login); err != nil {
						t.Fatal(err)
					}
				}
				n := len(events.ev)
				err := env.SetUserActive(ctx, c.actor, c.login, c.active, client)
				if c.kind != 0 {
					if !errs.Is(err, c.kind) {
						t.Fatalf("err %v, want %v", err, c.kind)
					}
					if len(events.ev) != n {
						t.Fatalf("a refusal emitted %+v", events.ev[n:])
					}
					if before != nil {
						if u, _ := env.UserByLogin(ctx, c.login); u.Active != before.Active {
							t.Fatalf("a refusal changed %s's active flag", c.login)
						}
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if u, _ := env.UserByLogin(ctx, c.login); u.Active != c.active {
					t.Fatalf("%s active = %v", c.login, u.Active)
				}
				want := identity.EventUserDisabled
				if c.active {
					want = identity.EventUserEnabled
				}
				if len(events.ev) != n+1 {
					t.Fatalf("events %+v", events.ev[n:])
				}
				ev := events.ev[n]
				if ev.Type != want || ev.UserID != before.ID || ev.ActorID != c.actorID || ev.Reason != c.reason || ev.Client != client {
					t.Fatalf("event %+v", ev)
				}
			})
		}
	})
}

// TestResetTwoFactor: an administrator or the CLI (nil actor) turns a
// user's 2FA off — an enabled one or a pending enrolment — recording
// 2fa_disabled with who did it; anyone else is refused, and a user with
// nothing to reset is a UserError; refusals change and record nothing.
func TestResetTwoFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		events := &eventLog{}
		env := identitytest.New(t, db, func(o *identity.Options) { o.Events = events })
		ctx := context.Background()
		client := netip.MustParseAddr("192.0.2.8")
		admin := env.CreateUser(t, "boss", identity.GroupSystem)
		clerk := env.CreateUser(t, "clerk")
		bob := env.CreateUser(t, "bob")
		pa, _ := env.Principal(ctx, admin)
		pc, _ := env.Principal(ctx, clerk)
		pb, _ := env.Principal(ctx, bob)
		secret, err := env.BeginTwoFactor(ctx, bob)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := identity.TOTPCode(secret, env.Clock.Now())
		if _, err := env.ConfirmTwoFactor(ctx, pb, code, client); err != nil {
			t.Fatal(err)
		}
		n := events.count(identity.EventTwoFactorDisabled)
		if err := env.ResetTwoFactor(ctx, pc, bob, client); !errs.Is(err, errs.AccessError) {
			t.Fatalf("clerk: %v", err)
		}
		if st, _ := env.TwoFactor(ctx, bob); !st.Enabled || events.count(identity.EventTwoFactorDisabled) != n {
			t.Fatalf("a clerk's refused reset changed %+v or recorded it", st)
		}
		if err := env.ResetTwoFactor(ctx, pa, bob, client); err != nil {
			t.Fatal(err)
		}
		if st, _ := env.TwoFactor(ctx, bob); st.Enabled || st.Pending || st.RecoveryLeft != 0 {
			t.Fatalf("after the reset: %+v", st)
		}
		last := events.ev[len(events.ev)-1]
		if last.Type != identity.EventTwoFactorDisabled || last.UserID != bob || last.ActorID != admin || last.Reason != "reset by an administrator" {
			t.Fatalf("event %+v", last)
		}
		n = len(events.ev)
		if err := env.ResetTwoFactor(ctx, pa, bob, client); !errs.Is(err, errs.UserError) || len(events.ev) != n {
			t.Fatalf("nothing to reset: %v, %d events", err, len(events.ev)-n)
		}
		// A pending enrolment, reset from the CLI.
		if _, err := env.BeginTwoFactor(ctx, bob); err != nil {
			t.Fatal(err)
		}
		if err := env.ResetTwoFactor(ctx, nil, bob, client); err != nil {
			t.Fatal(err)
		}
		if st, _ := env.TwoFactor(ctx, bob); st.Pending {
			t.Fatalf("pending enrolment kept: %+v", st)
		}
		if last := events.ev[len(events.ev)-1]; last.ActorID != 0 || last.Reason != "reset from the server's CLI" {
			t.Fatalf("CLI event %+v", last)
		}
	})
}
