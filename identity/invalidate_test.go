package identity_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/identity/identitytest"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// twoHandles opens two handles on one database, as two processes have
// (a server and the CLI, or two servers).
func twoHandles(t *testing.T, kind string) (*store.DB, *store.DB) {
	t.Helper()
	url, dir := "", t.TempDir()
	if kind == "postgres" {
		url = storetest.PostgresSchemaURL(t)
	}
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(context.Background(), url, dir, store.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// A credential change made on instance A (the CLI calls the same service
// functions, on its own database handle) reaches instance B within a
// second, whatever B had cached; B's clock does not move, so B's cache TTL
// plays no part.
func TestChangesReachOtherInstancesWithinASecond(t *testing.T) {
	for _, c := range []struct{ name, db string }{
		{"sqlite", "sqlite"}, {"postgres", "postgres"}, {"redis", "sqlite"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbA, dbB := twoHandles(t, c.db)
			var chans func() []identity.Channel
			if c.name == "redis" {
				var b [6]byte
				rand.Read(b[:])
				name := "rampart-test:" + hex.EncodeToString(b[:]) + ":credentials"
				url := storetest.RedisURL(t)
				chans = func() []identity.Channel {
					rc, err := identity.NewRedisChannel(url, name)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { rc.Close() })
					return []identity.Channel{rc} // Redis alone carries the change
				}
			}
			withChans := func(o *identity.Options) {
				if chans != nil {
					o.Channels = chans()
				}
			}
			a := identitytest.New(t, dbA, withChans) // never runs its listener, as the CLI
			b := identitytest.New(t, dbB, withChans)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); b.Run(ctx) }()
			t.Cleanup(func() { cancel(); wg.Wait() })
			waitFor(t, "b listens", b.ChannelsUp)

			bob := a.CreateUser(t, "bob")
			key := a.APIKey(t, bob)
			ip := identitytest.Request(nil, "GET", "/").Client
			verify := func() (*principal.Principal, error) { return b.VerifyAPIKey(ctx, key, ip) }
			if _, err := verify(); err != nil { // cached on b
				t.Fatal(err)
			}

			// A group change: b sees the new group.
			if err := a.AddGroups(ctx, bob, identity.GroupSystem); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "group change", func() bool {
				p, err := verify()
				return err == nil && p.InGroup(identity.GroupSystem)
			})
			// A company change.
			if err := a.SetCompanies(ctx, bob, 2, []int64{1, 2}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "company change", func() bool {
				p, err := verify()
				return err == nil && p.CompanyID == 2
			})
			// A password change ends a session b has cached.
			cookie := a.Login(t, "bob")
			sessOK := func() bool {
				r := identitytest.Request(identitytest.Route(httpd.AuthUser, ""), "GET", "/test")
				r.HTTP.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
				return b.Authenticate(r) == nil
			}
			if !sessOK() {
				t.Fatal("session not accepted on b")
			}
			if err := a.SetPassword(ctx, bob, "a-new-password-1"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "password change", func() bool { return !sessOK() })
			// Revocation.
			keys, _ := a.ListAPIKeys(ctx, bob)
			if err := a.RevokeAPIKey(ctx, nil, keys[0].ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "key revocation", func() bool { _, err := verify(); return errs.Is(err, errs.Unauthorized) })
			if _, err := a.VerifyAPIKey(ctx, key, ip); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("the revoking instance still accepts: %v", err)
			}
			// Disabling the user.
			key2 := a.APIKey(t, bob)
			if _, err := b.VerifyAPIKey(ctx, key2, ip); err != nil {
				t.Fatal(err)
			}
			if err := a.SetActive(ctx, bob, false); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "user disabled", func() bool {
				_, err := b.VerifyAPIKey(ctx, key2, ip)
				return errs.Is(err, errs.Unauthorized)
			})
		})
	}
}

// waitFor polls cond for up to a second: the guarantee under test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 1s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// brokenChannel never listens.
type brokenChannel struct{}

func (brokenChannel) Name() string                          { return "broken" }
func (brokenChannel) Publish(context.Context, string) error { return errors.New("down") }
func (brokenChannel) Listen(context.Context, func(), func(string)) error {
	return errors.New("connection refused")
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// While the channel is down, a cached credential lives DegradedCacheTTL
// (2 s), not CacheTTL, and the outage is logged once, not per retry.
func TestChannelDownShortensCacheTTL(t *testing.T) {
	db := storetest.SQLite(t)
	var logs syncBuf
	env := identitytest.New(t, db, func(o *identity.Options) {
		o.Channels = []identity.Channel{brokenChannel{}}
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); env.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "outage logged", func() bool { return strings.Contains(logs.String(), "channel down") })

	bob := env.CreateUser(t, "bob")
	key := env.APIKey(t, bob)
	ip := identitytest.Request(nil, "GET", "/").Client
	if _, err := env.VerifyAPIKey(ctx, key, ip); err != nil {
		t.Fatal(err)
	}
	// Revoked behind the service's back (another instance whose message
	// was lost): the cache is trusted for 2 s at most.
	err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE rampart_api_keys SET revoked_at = 1 WHERE user_id = ?`, bob)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(2*time.Second + time.Millisecond)
	if _, err := env.VerifyAPIKey(ctx, key, ip); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("cached key trusted past the degraded TTL: %v", err)
	}
	time.Sleep(1100 * time.Millisecond) // one more failed retry
	if n := strings.Count(logs.String(), "channel down"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs.String())
	}
}
