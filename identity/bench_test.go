package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/crypto/pbkdf2"

	"github.com/rampart/rampart/store/storetest"
)

// benchService is a bootstrapped service on SQLite with real (OWASP)
// argon2 parameters; ttl < 0 disables the credential cache.
func benchService(b *testing.B, ttl time.Duration) (*Service, int64) {
	b.Helper()
	ctx := context.Background()
	db := storetest.SQLite(b)
	set, err := Migrations()
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx, set); err != nil {
		b.Fatal(err)
	}
	s, err := New(db, Options{Config: Config{CacheTTL: ttl}})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Bootstrap(ctx); err != nil {
		b.Fatal(err)
	}
	uid, err := s.CreateUser(ctx, NewUser{Login: "bench", Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	return s, uid
}

func benchKey(b *testing.B, s *Service, uid int64) string {
	secret, _, err := s.CreateAPIKey(context.Background(), NewAPIKey{UserID: uid, Name: "bench", ExpiresIn: 24 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	return secret
}

var benchIP = netip.MustParseAddr("192.0.2.1")

func benchVerify(s *Service, key string) func(*testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.VerifyAPIKey(ctx, key, benchIP); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// odooKeyCheck is what Odoo 19 spends per bearer request: passlib
// pbkdf2-sha512 with 6000 rounds over the 40-hex-char key.
func odooKeyCheck(b *testing.B) {
	key := make([]byte, 20)
	rand.Read(key)
	hexKey := []byte(hex.EncodeToString(key))
	salt := make([]byte, 16)
	rand.Read(salt)
	want := pbkdf2.Key(hexKey, salt, 6000, 64, sha512.New)
	b.ReportAllocs()
	for b.Loop() {
		got := pbkdf2.Key(hexKey, salt, 6000, 64, sha512.New)
		if got[0] != want[0] {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkKeyVerify(b *testing.B) {
	cached, uid := benchService(b, 30*time.Second)
	uncached, uid2 := benchService(b, -1)
	b.Run("cached", benchVerify(cached, benchKey(b, cached, uid)))
	b.Run("uncached", benchVerify(uncached, benchKey(b, uncached, uid2)))
	b.Run("odoo-pbkdf2-sha512-6000", odooKeyCheck)
}

// BenchmarkKeyVerifyVsOdoo reports how many times cheaper rampart's key
// check is than Odoo's, timed in the same run (testing.Benchmark cannot
// nest inside a benchmark, so it times fixed loops itself).
func BenchmarkKeyVerifyVsOdoo(b *testing.B) {
	cached, uid := benchService(b, 30*time.Second)
	uncached, uid2 := benchService(b, -1)
	ckey, ukey := benchKey(b, cached, uid), benchKey(b, uncached, uid2)
	ctx := context.Background()
	perOp := func(n int, f func()) float64 {
		start := time.Now()
		for range n {
			f()
		}
		return float64(time.Since(start).Nanoseconds()) / float64(n)
	}
	key := []byte("0123456789abcdef0123456789abcdef01234567")
	salt := []byte("rampart-salt-16b")
	odoo := perOp(30, func() { pbkdf2.Key(key, salt, 6000, 64, sha512.New) })
	c := perOp(20000, func() { cached.VerifyAPIKey(ctx, ckey, benchIP) })
	u := perOp(500, func() { uncached.VerifyAPIKey(ctx, ukey, benchIP) })
	for b.Loop() {
		cached.VerifyAPIKey(ctx, ckey, benchIP)
	}
	// Reported after the loop: b.Loop's first call resets earlier metrics.
	b.ReportMetric(odoo, "odoo-ns/check")
	b.ReportMetric(c, "cached-ns/check")
	b.ReportMetric(u, "uncached-ns/check")
	b.ReportMetric(odoo/c, "odoo/cached")
	b.ReportMetric(odoo/u, "odoo/uncached")
}

func BenchmarkSessionLookup(b *testing.B) {
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 30 * time.Second}, {"uncached", -1}} {
		b.Run(tc.name, func(b *testing.B) {
			s, uid := benchService(b, tc.ttl)
			sid, _, err := s.openSession(context.Background(), uid, 1, benchIP, "bench")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if sess, _, err := s.LookupSession(ctx, sid); err != nil || sess == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPassword(b *testing.B) {
	h := hasher{Config{}.Defaults().Argon2}
	enc, _ := h.hash("correct horse battery")
	b.Run("argon2id-m19MiB-t2-p1", func(b *testing.B) {
		for b.Loop() {
			if ok, _, _ := h.verify("correct horse battery", enc); !ok {
				b.Fatal("mismatch")
			}
		}
	})
	b.Run("rpc-cached", func(b *testing.B) {
		s, uid := benchService(b, 30*time.Second)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.CheckRPC(ctx, uid, "bench-password", benchIP); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("odoo-pbkdf2-sha512-600000", func(b *testing.B) {
		// "correct horse" at Odoo 19's default password cost.
		salt := []byte("rampart-salt-16b")
		sum := pbkdf2.Key([]byte("correct horse"), salt, 600000, 64, sha512.New)
		odooHash600k := "$pbkdf2-sha512$600000$" + ab64.EncodeToString(salt) + "$" + ab64.EncodeToString(sum)
		for b.Loop() {
			if ok, _ := verifyPBKDF2("correct horse", odooHash600k); !ok {
				b.Fatal("mismatch")
			}
		}
	})
}
