package identity_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// parallel runs n attempts at once and returns their errors.
func parallel(n int, attempt func(i int) error) []error {
	out := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = attempt(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestAttemptReservedBeforeHashing: 60 parallel wrong passwords from one
// IP (over many logins) run at most login_cooldown_after argon2id hashes,
// and 60 parallel wrong passwords for one user from 60 IPs at most
// login_backoff_after; every other attempt is refused with 429.
func TestAttemptReservedBeforeHashing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A gate wide enough for all 60: only the reservation bounds them.
		env := identitytest.New(t, db, func(o *identity.Options) { o.Config.HashConcurrency, o.Config.HashQueue = 64, 64 })
		alice := env.CreateUser(t, "alice")
		for i := range 10 {
			env.CreateUser(t, fmt.Sprintf("user%d", i))
		}
		var hashes atomic.Int64
		env.SetHashObserver(func() { hashes.Add(1) })
		cfg := env.Config()

		ip := netip.MustParseAddr("203.0.113.7")
		errsIP := parallel(60, func(i int) error {
			_, err := env.CheckPassword(ctx, identity.Credential{Login: fmt.Sprintf("user%d", i%12), Password: "wrong", Client: ip, Interactive: true})
			return err
		})
		checkRefusals(t, errsIP, int(hashes.Load()))
		if got := hashes.Load(); got > int64(cfg.LoginCooldownAfter) {
			t.Fatalf("one IP: %d hashes for 60 parallel attempts, want <= %d", got, cfg.LoginCooldownAfter)
		}

		hashes.Store(0)
		errsUser := parallel(60, func(i int) error {
			c := netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})
			_, err := env.CheckPassword(ctx, identity.Credential{UID: alice, Password: "wrong", Client: c})
			return err
		})
		checkRefusals(t, errsUser, int(hashes.Load()))
		if got := hashes.Load(); got > int64(cfg.LoginBackoffAfter) {
			t.Fatalf("one user: %d hashes for 60 parallel attempts, want <= %d", got, cfg.LoginBackoffAfter)
		}
	})
}

// checkRefusals: every attempt either failed as a wrong password (one per
// hash) or was throttled with a Retry-After.
func checkRefusals(t *testing.T, got []error, hashes int) {
	t.Helper()
	denied := 0
	for _, err := range got {
		switch {
		case errs.Is(err, errs.AccessDenied):
			denied++
		case errs.Is(err, errs.TooManyRequests):
			if errs.As(err).Header.Get("Retry-After") == "" {
				t.Fatalf("429 without Retry-After")
			}
		default:
			t.Fatalf("attempt: %v", err)
		}
	}
	if denied != hashes {
		t.Fatalf("%d wrong-password answers for %d hashes", denied, hashes)
	}
}

// TestOneBackoffBucketPerUser: failures by login name and by uid (XML-RPC
// execute_kw) count in one bucket, so mixing them does not double the
// attempts an account gets.
func TestOneBackoffBucketPerUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db)
		alice := env.CreateUser(t, "alice")
		after := env.Config().LoginBackoffAfter
		for i := range after {
			c := identity.Credential{Password: "wrong", Client: netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})}
			if i%2 == 0 {
				c.Login = "alice"
			} else {
				c.UID = alice
			}
			if _, err := env.CheckPassword(ctx, c); !errs.Is(err, errs.AccessDenied) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		for _, c := range []identity.Credential{{Login: "alice"}, {UID: alice}} {
			c.Password, c.Client = identitytest.Password("alice"), netip.MustParseAddr("192.0.2.99")
			if _, err := env.CheckPassword(ctx, c); !errs.Is(err, errs.TooManyRequests) {
				t.Fatalf("%+v after %d mixed failures: %v, want 429", c.UID, after, err)
			}
		}
		env.Clock.Advance(env.Config().LoginBackoffMax + time.Second)
		if _, err := env.CheckPassword(ctx, identity.Credential{UID: alice, Password: identitytest.Password("alice")}); err != nil {
			t.Fatalf("after the backoff: %v", err)
		}
	})
}

// TestHashingBounded: with one hashing slot busy, the attempts beyond the
// slot and its short queue are answered at once with 503 and Retry-After,
// without hashing; the held ones complete.
func TestHashingBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := identitytest.New(t, db, func(o *identity.Options) { o.Config.HashConcurrency, o.Config.HashQueue = 1, 1 })
		for i := range 6 {
			env.CreateUser(t, fmt.Sprintf("user%d", i))
		}
		release := make(chan struct{})
		entered := make(chan struct{}, 16)
		var hashes atomic.Int64
		env.SetHashObserver(func() { hashes.Add(1); entered <- struct{}{}; <-release })
		done := make(chan error, 6)
		try := func(i int) {
			c := identity.Credential{Login: fmt.Sprintf("user%d", i), Password: "wrong", Client: netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)})}
			_, err := env.CheckPassword(ctx, c)
			done <- err
		}
		go try(0)
		<-entered // the slot is held
		go try(1) // queued
		var busy int
		deadline := time.After(20 * time.Second)
		for i := 2; i < 6; i++ {
			go try(i)
		}
		for busy < 4 {
			select {
			case err := <-done:
				if !errs.Is(err, errs.Unavailable) || errs.As(err).Header.Get("Retry-After") == "" {
					t.Fatalf("excess attempt: %v, want 503 with Retry-After", err)
				}
				busy++
			case <-deadline:
				t.Fatalf("only %d excess attempts answered", busy)
			}
		}
		close(release)
		for range 2 {
			if err := <-done; !errs.Is(err, errs.AccessDenied) {
				t.Fatalf("held attempt: %v", err)
			}
		}
		if hashes.Load() != 2 {
			t.Fatalf("%d hashes, want 2", hashes.Load())
		}
	})
}
