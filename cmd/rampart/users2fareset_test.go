package main

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
)

// TestUsers2FAReset: `rampart users 2fa-reset --login X` removes X's
// second factor (secret and recovery codes, so the password alone signs
// in again) and records 2fa_disabled; it refuses a user without 2FA, an
// unknown login and a malformed command line, changing nothing.
func TestUsers2FAReset(t *testing.T) {
	dir := t.TempDir()
	d := "--data=" + dir
	cliUser(t, dir, "erin")
	cliUser(t, dir, "frank")
	ctx := context.Background()
	app := openData(t, dir)
	enrol := func(login string) {
		u, err := app.Identity.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := app.Identity.BeginTwoFactor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, err := app.Identity.Principal(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := identity.TOTPCode(secret, time.Now())
		if _, err := app.Identity.ConfirmTwoFactor(ctx, p, code, netip.MustParseAddr("127.0.0.1")); err != nil {
			t.Fatal(err)
		}
	}
	enrol("erin")
	enrol("frank")
	status := func(login string) identity.TwoFactorStatus {
		a := openData(t, dir)
		u, err := a.Identity.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		st, err := a.Identity.TwoFactor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, c := range []struct {
		name    string
		args    []string
		wantErr string // "" = success
		erinOff bool   // erin's 2FA is off afterwards, with one 2fa_disabled entry
	}{
		{"missing --login", []string{"users", "2fa-reset"}, "--login", false},
		{"positional login", []string{"users", "2fa-reset", "erin"}, "argument", false},
		{"unknown login", []string{"users", "2fa-reset", "--login", "nobody"}, "No such user", false},
		{"reset", []string{"users", "2fa-reset", "--login", "erin"}, "", true},
		{"again: nothing to reset", []string{"users", "2fa-reset", "--login", "erin"}, "no two-factor", true},
		{"built-in user", []string{"users", "2fa-reset", "--login", identity.SystemLogin}, "no two-factor", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := cli(t, nil, "", append(c.args, d)...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q (out %q)", err, c.wantErr, out)
				}
			} else if err != nil || !strings.Contains(out, "erin") {
				t.Fatalf("%q %v", out, err)
			}
			// frank's 2FA is never touched; erin's is off once reset.
			if !status("frank").Enabled {
				t.Fatal("frank's 2FA was reset")
			}
			erinReset := c.erinOff
			if st := status("erin"); st.Enabled == erinReset || (erinReset && st.RecoveryLeft != 0) {
				t.Fatalf("erin's 2FA after %v: %+v", c.args, st)
			}
			n := 0
			if erinReset {
				n = 1
			}
			es := entriesOf(t, dir, "erin", "2fa_disabled")
			if len(es) != n || (n == 1 && (es[0].RealUserID != es[0].UserID || !strings.Contains(es[0].Detail, "CLI"))) {
				t.Fatalf("2fa_disabled entries %+v, want %d", es, n)
			}
		})
	}
	// The password alone works again for erin, not for frank.
	a := openData(t, dir)
	if _, err := a.Identity.LoginRPC(ctx, "erin", "s3cret-password", netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatalf("erin's password after the reset: %v", err)
	}
	if _, err := a.Identity.LoginRPC(ctx, "frank", "s3cret-password", netip.MustParseAddr("127.0.0.1")); err == nil {
		t.Fatal("frank's password alone accepted under 2fa")
	}
}
