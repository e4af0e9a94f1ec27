package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGCAndRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db, func(o *identity.Options) { o.Config.KeyUsageFlushInterval = time.Millisecond })
		alice := env.CreateUser(t, "alice")
		env.Login(t, "alice")
		env.CheckPassword(ctx, identity.Credential{Login: "nobody", Password: "wrong-password", Client: identitytest.Request(nil, "GET", "/").Client})
		if count(t, db, "rampart_sessions") != 1 || count(t, db, "rampart_login_failures") != 2 {
			t.Fatal("setup")
		}
		env.Clock.Advance(8 * 24 * time.Hour)
		if err := env.GC(ctx); err != nil {
			t.Fatal(err)
		}
		if n, m := count(t, db, "rampart_sessions"), count(t, db, "rampart_login_failures"); n != 0 || m != 0 {
			t.Fatalf("after GC: %d sessions, %d failure counters", n, m)
		}

		// Run flushes key usage, and once more when stopped.
		key := env.APIKey(t, alice)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() { done <- env.Run(runCtx) }()
		if _, err := env.VerifyAPIKey(ctx, key, identitytest.Request(nil, "GET", "/").Client); err != nil {
			t.Fatal(err)
		}
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		var used int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM rampart_api_keys WHERE last_used_at IS NOT NULL`).Scan(&used)
		})
		if used != 1 {
			t.Fatal("key use not flushed by Run")
		}
	})
}
