package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/ratelimit"
	"github.com/rampart/rampart/store/storetest"
)

// The one Redis adapter is both the rate limiter's Store and identity's
// FailureStore, and identity's DB store can be its fallback.
var (
	_ identity.FailureStore  = (*ratelimit.RedisStore)(nil)
	_ ratelimit.Store        = (*ratelimit.RedisStore)(nil)
	_ ratelimit.FailureStore = (*identity.DBFailureStore)(nil)
)

// TestFailureStoreParity feeds the same failures to identity's DB store
// and to the Redis store and expects the same answers.
func TestFailureStoreParity(t *testing.T) {
	url := ratelimit.NeedRedis(t)
	client, err := ratelimit.NewRedisClient(url, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	db := storetest.SQLite(t)
	set, err := identity.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.Migrate(ctx, set); err != nil {
		t.Fatal(err)
	}
	stores := []identity.FailureStore{
		identity.NewDBFailureStore(db),
		ratelimit.NewRedisStore(client, ratelimit.RedisOptions{FailurePrefix: "rampart-test:parity:" + time.Now().Format("150405.000000") + ":"}),
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	offsets := []time.Duration{0, time.Second, 30 * time.Second, 89 * time.Second, 90 * time.Second, 200 * time.Second, 201 * time.Second}
	for _, off := range offsets {
		var got [2]int
		for i, s := range stores {
			n, err := s.Failure(ctx, "login:abc", t0.Add(off), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			got[i] = n
		}
		if got[0] != got[1] {
			t.Fatalf("at +%s: DB says %d, Redis says %d", off, got[0], got[1])
		}
	}
	for _, s := range stores {
		n, last, err := s.Failures(ctx, "login:abc")
		if err != nil || n != 2 || !last.Equal(t0.Add(201*time.Second)) {
			t.Fatalf("%T.Failures = %d %s %v", s, n, last, err)
		}
	}
}
