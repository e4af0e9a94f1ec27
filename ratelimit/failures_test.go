package ratelimit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// memFailures is a trivial FailureStore standing in for identity's DB one.
type memFailures struct {
	mu sync.Mutex
	m  map[string]struct {
		n    int
		last time.Time
	}
}

func (f *memFailures) Failure(_ context.Context, key string, at time.Time, window time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]struct {
			n    int
			last time.Time
		}{}
	}
	e := f.m[key]
	if !e.last.After(at.Add(-window)) {
		e.n = 0
	}
	e.n++
	e.last = at
	f.m[key] = e
	return e.n, nil
}

func (f *memFailures) Failures(_ context.Context, key string) (int, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.m[key]
	return e.n, e.last, nil
}

func (f *memFailures) Reset(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
	return nil
}

// checkFailureStore runs identity's contract against s.
func checkFailureStore(t *testing.T, s FailureStore) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const window = time.Minute
	steps := []struct {
		at   time.Duration
		want int
	}{
		{0, 1},
		{10 * time.Second, 2},
		{69 * time.Second, 3},  // 59 s after the previous: same run
		{130 * time.Second, 1}, // 61 s after: restarts
		{131 * time.Second, 2},
	}
	for i, st := range steps {
		n, err := s.Failure(ctx, "ip:192.0.2.1", t0.Add(st.at), window)
		if err != nil || n != st.want {
			t.Fatalf("step %d: Failure = %d, %v; want %d", i, n, err, st.want)
		}
	}
	n, last, err := s.Failures(ctx, "ip:192.0.2.1")
	if err != nil || n != 2 || !last.Equal(t0.Add(131*time.Second)) {
		t.Fatalf("Failures = %d, %s, %v", n, last, err)
	}
	if n, last, err := s.Failures(ctx, "login:unknown"); err != nil || n != 0 || !last.IsZero() {
		t.Fatalf("Failures(unknown) = %d, %s, %v", n, last, err)
	}
	if err := s.Reset(ctx, "ip:192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := s.Failures(ctx, "ip:192.0.2.1"); err != nil || n != 0 {
		t.Fatalf("after Reset: %d, %v", n, err)
	}
}

func TestMemFailuresReference(t *testing.T) { checkFailureStore(t, &memFailures{}) }

func TestRedisFailureStore(t *testing.T) {
	c := testRedis(t)
	prefix := uniquePrefix(t)
	s := NewRedisStore(c, RedisOptions{FailurePrefix: prefix, Timeout: time.Second})
	checkFailureStore(t, s)
	// Keys expire a window after the last failure.
	s.Failure(context.Background(), "login:x", time.Now(), time.Minute)
	if ttl := c.PTTL(context.Background(), prefix+"login:x").Val(); ttl <= 59*time.Second || ttl > time.Minute {
		t.Fatalf("PTTL = %s, want about 1m", ttl)
	}
}

func TestRedisFailureStoreOutage(t *testing.T) {
	srv := startRedisServer(t)
	c, _ := NewRedisClient(srv.URL(), 50*time.Millisecond)
	defer c.Close()
	ctx := context.Background()
	var logs syncBuffer
	rec := newRecorder()
	fallback := &memFailures{}
	s := NewRedisStore(c, RedisOptions{FailureFallback: fallback, Recorder: rec,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	bare := NewRedisStore(c, RedisOptions{})
	if n, err := s.Failure(ctx, "ip:a", time.Now(), time.Minute); n != 1 || err != nil {
		t.Fatalf("with Redis up: %d %v", n, err)
	}
	srv.Stop()
	for i := 1; i <= 3; i++ {
		if n, err := s.Failure(ctx, "ip:b", time.Now(), time.Minute); n != i || err != nil {
			t.Fatalf("during outage, failure %d: %d %v", i, n, err)
		}
	}
	if n, _, err := s.Failures(ctx, "ip:b"); n != 3 || err != nil {
		t.Fatalf("Failures during outage: %d %v", n, err)
	}
	if err := s.Reset(ctx, "ip:b"); err != nil || len(fallback.m) != 0 {
		t.Fatalf("Reset during outage: %v, fallback %v", err, fallback.m)
	}
	if rec.get(rec.fallback, "local") != 5 {
		t.Fatalf("fallbacks %v", rec.fallback)
	}
	if n := strings.Count(logs.String(), "Redis unreachable"); n != 1 {
		t.Fatalf("outage logged %d times:\n%s", n, logs.String())
	}
	// Without a fallback the error reaches identity, which fails closed.
	if _, err := bare.Failure(ctx, "ip:c", time.Now(), time.Minute); err == nil {
		t.Fatal("no error without a fallback while Redis is down")
	}
}

func TestLoginFailureStoreChoice(t *testing.T) {
	fallback := &memFailures{}
	mem := newTestLimiter(t, Config{}, Options{})
	if got := mem.LoginFailureStore(fallback); got != FailureStore(fallback) {
		t.Fatalf("memory limiter: got %T, want the fallback", got)
	}
	cfg := Config{Store: StoreRedis, RedisURL: needRedis(t), RedisPrefix: uniquePrefix(t)}
	red := newTestLimiter(t, cfg, Options{})
	s, ok := red.LoginFailureStore(fallback).(*RedisStore)
	if !ok || !strings.HasSuffix(s.failPrefix, "#failures:") {
		t.Fatalf("redis limiter: got %T", red.LoginFailureStore(fallback))
	}
	checkFailureStore(t, s)
}
