package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// Two instances on one database: login failures are counted once for
// both, and a revocation on one reaches the other within CacheTTL.
func TestTwoInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := identitytest.New(t, db)
		b, err := identity.New(db, identity.Options{Clock: a.Clock.Now, InsecureFastHashing: true})
		if err != nil {
			t.Fatal(err)
		}
		alice := a.CreateUser(t, "alice")
		key := a.APIKey(t, alice)
		ip := identitytest.Request(nil, "GET", "/").Client

		if _, err := b.VerifyAPIKey(ctx, key, ip); err != nil { // cached on b
			t.Fatal(err)
		}
		keys, _ := a.ListAPIKeys(ctx, alice)
		if err := a.RevokeAPIKey(ctx, nil, keys[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.VerifyAPIKey(ctx, key, ip); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("revoking instance still accepts: %v", err)
		}
		a.Clock.Advance(a.Config().CacheTTL)
		if _, err := b.VerifyAPIKey(ctx, key, ip); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("other instance accepts after CacheTTL: %v", err)
		}

		// Failures on a, spread over logins, put the IP on cooldown on b too.
		for i, who := range []string{"u1", "u2", "u3", "u4", "u5"} {
			svc := a.Service
			if i%2 == 1 {
				svc = b
			}
			svc.CheckPassword(ctx, identity.Credential{Login: who, Password: "wrong-password", Client: ip, Interactive: true})
		}
		_, err = b.CheckPassword(ctx, identity.Credential{Login: "alice", Password: identitytest.Password("alice"), Client: ip, Interactive: true})
		if !errs.Is(err, errs.TooManyRequests) {
			t.Fatalf("cooldown not shared: %v", err)
		}
		a.Clock.Advance(time.Minute)
		if _, err := b.CheckPassword(ctx, identity.Credential{Login: "alice", Password: identitytest.Password("alice"), Client: ip, Interactive: true}); err != nil {
			t.Fatal(err)
		}
	})
}
