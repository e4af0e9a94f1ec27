package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store/storetest"
)

// res.users.apikeys.generate / revoke, as odoorpc calls them.
func TestGenerateAndRevokeKey(t *testing.T) {
	ctx := context.Background()
	for _, programmatic := range []bool{false, true} {
		env := identitytest.New(t, storetest.SQLite(t), func(o *identity.Options) { o.Config.ProgrammaticAPIKeys = programmatic })
		alice := env.CreateUser(t, "alice")
		p, _ := env.Principal(ctx, alice)
		global, scoped := env.APIKey(t, alice), env.APIKey(t, alice, "read")
		ip := identitytest.Request(nil, "GET", "/").Client
		in := func(d time.Duration) *time.Time { t := env.Clock.Now().Add(d); return &t }

		_, err := env.GenerateKey(ctx, p, global, "", "gen", in(time.Hour), ip)
		if !programmatic {
			if !errs.Is(err, errs.UserError) {
				t.Fatalf("programmatic keys disabled: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.GenerateKey(ctx, p, scoped, "rpc", "gen", in(time.Hour), ip); !errs.Is(err, errs.AccessError) {
			t.Fatalf("a read key minting an rpc key: %v", err)
		}
		readKey, err := env.GenerateKey(ctx, p, scoped, "read", "gen", in(time.Hour), ip)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.GenerateKey(ctx, p, global, "", "gen", nil, ip); !errs.Is(err, errs.ValidationError) {
			t.Fatalf("persistent key for a user: %v", err)
		}
		if _, err := env.GenerateKey(ctx, p, "rp_garbage", "", "gen", in(time.Hour), ip); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("invalid key: %v", err)
		}
		if err := env.RevokeKey(ctx, p, readKey, ip); err != nil {
			t.Fatal(err)
		}
		if err := env.RevokeKey(ctx, p, readKey, ip); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("revoking twice: %v", err)
		}
		bob := env.CreateUser(t, "bob")
		bp, _ := env.Principal(ctx, bob)
		if err := env.RevokeKey(ctx, bp, global, ip); !errs.Is(err, errs.AccessDenied) {
			t.Fatalf("bob revoking alice's key: %v", err)
		}
		admin, _ := env.UserByLogin(ctx, "admin")
		ap, _ := env.Principal(ctx, admin.ID)
		if err := env.RevokeKey(ctx, ap, global, ip); err != nil {
			t.Fatalf("admin revoking alice's key: %v", err)
		}
	}
}
