package ratelimit

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

// benchPolicy never refuses during a benchmark, so every iteration takes
// the full path (read, decide, write).
var benchPolicy = Policy{Name: "bench", Rate: 100_000, Period: time.Second, Burst: 1 << 20}

// keys spreads decisions over many clients, as production traffic does.
func benchKeys(n int) []string {
	k := make([]string, n)
	for i := range k {
		k[i] = "user:u:" + strconv.Itoa(i)
	}
	return k
}

// benchTake measures one decision at a time.
func benchTake(b *testing.B, s Store) {
	keys := benchKeys(1024)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Take(ctx, keys[i&1023], benchPolicy); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchTakeParallel measures decisions from GOMAXPROCS goroutines.
func benchTakeParallel(b *testing.B, s Store) {
	keys := benchKeys(1024)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Take(ctx, keys[i&1023], benchPolicy); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkMemoryTake(b *testing.B) {
	m := NewMemoryStore(MemoryOptions{})
	defer m.Close()
	benchTake(b, m)
}

func BenchmarkMemoryTakeParallel(b *testing.B) {
	m := NewMemoryStore(MemoryOptions{})
	defer m.Close()
	benchTakeParallel(b, m)
}

func BenchmarkRedisTake(b *testing.B) {
	benchTake(b, NewRedisStore(testRedis(b), RedisOptions{Prefix: uniquePrefix(b), Timeout: time.Second}))
}

func BenchmarkRedisTakeParallel(b *testing.B) {
	benchTakeParallel(b, NewRedisStore(testRedis(b), RedisOptions{Prefix: uniquePrefix(b), Timeout: time.Second}))
}

// BenchmarkLimit is the whole httpd.Limiter call for the post-auth
// stage: key building, decision and both headers, on each store.
func BenchmarkLimit(b *testing.B) {
	policies := map[string]PolicyConfig{PolicyUser: {Rate: 100_000, Period: time.Second, Burst: 1 << 20}}
	b.Run("memory", func(b *testing.B) {
		benchLimit(b, Config{Policies: policies})
	})
	b.Run("redis", func(b *testing.B) {
		benchLimit(b, Config{Store: StoreRedis, RedisURL: needRedis(b), RedisPrefix: uniquePrefix(b), Policies: policies})
	})
}

func benchLimit(b *testing.B, cfg Config) {
	l, err := New(cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	users := make([]principal.Principal, 1024)
	for i := range users {
		users[i].UserID = int64(i + 1)
	}
	r := request(&httpd.Route{Name: "r"}, nil, "192.0.2.1")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Principal = &users[i&1023]
		i++
		clear(r.W.Header())
		if err := l.Limit(r, httpd.PostAuth); err != nil {
			b.Fatal(err)
		}
	}
}
