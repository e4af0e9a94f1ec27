package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/httpd"
	"github.com/rampart/rampart/principal"
)

func TestRedisStoreConcurrentAccuracy(t *testing.T) {
	s := NewRedisStore(testRedis(t), RedisOptions{Prefix: uniquePrefix(t), Timeout: time.Second})
	p := Policy{Name: "acc", Rate: 10, Period: time.Hour, Burst: 50}
	if got := hammer(t, s, "one-key", p, 16, 40); got != int64(p.Burst) {
		t.Fatalf("admitted %d of 640, want exactly %d", got, p.Burst)
	}
}

func TestRedisStoreDecisions(t *testing.T) {
	c := testRedis(t)
	prefix := uniquePrefix(t)
	s := NewRedisStore(c, RedisOptions{Prefix: prefix, Timeout: time.Second})
	p := Policy{Name: "d", Rate: 1, Period: 10 * time.Second, Burst: 2}
	ctx := context.Background()
	d1, err := s.Take(ctx, "k", p)
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := s.Take(ctx, "k", p)
	d3, _ := s.Take(ctx, "k", p)
	if !d1.Allowed || d1.Remaining != 1 || d1.Limit != 2 || !d2.Allowed || d2.Remaining != 0 || d3.Allowed {
		t.Fatalf("decisions: %+v %+v %+v", d1, d2, d3)
	}
	// Refused: the next slot is one interval (10 s) away, minus the few
	// milliseconds the calls took; the key is idle after two intervals.
	if d3.RetryAfter <= 9*time.Second || d3.RetryAfter > 10*time.Second {
		t.Errorf("RetryAfter = %s, want about 10s", d3.RetryAfter)
	}
	if d3.ResetAfter <= 19*time.Second || d3.ResetAfter > 20*time.Second {
		t.Errorf("ResetAfter = %s, want about 20s", d3.ResetAfter)
	}
	// The key expires when it is idle again, so Redis holds nothing stale.
	ttl, err := c.PTTL(ctx, prefix+"k").Result()
	if err != nil || ttl <= 19*time.Second || ttl > 20*time.Second {
		t.Errorf("PTTL = %s, %v; want about 20s", ttl, err)
	}
}

func TestRedisScriptReload(t *testing.T) {
	srv := startRedisServer(t)
	c, _ := NewRedisClient(srv.URL(), time.Second)
	defer c.Close()
	s := NewRedisStore(c, RedisOptions{Prefix: uniquePrefix(t)})
	p := Policy{Name: "r", Rate: 1, Period: time.Hour, Burst: 3}
	ctx := context.Background()
	if d, err := s.Take(ctx, "k", p); err != nil || !d.Allowed { // fresh server: NOSCRIPT, then load
		t.Fatalf("first take: %+v %v", d, err)
	}
	if err := c.ScriptFlush(ctx).Err(); err != nil { // our own server: flushing is fine
		t.Fatal(err)
	}
	if d, err := s.Take(ctx, "k", p); err != nil || !d.Allowed || d.Remaining != 1 {
		t.Fatalf("after SCRIPT FLUSH: %+v %v", d, err)
	}
}

// TestTwoLimitersOneRedis runs two limiters, as two rampart instances
// would, each with its own connection: together they admit one budget.
func TestTwoLimitersOneRedis(t *testing.T) {
	url := needRedis(t)
	cfg := Config{
		Store:       StoreRedis,
		RedisURL:    url,
		RedisPrefix: uniquePrefix(t),
		Policies:    map[string]PolicyConfig{PolicyUser: {Rate: 1, Period: time.Hour, Burst: 40}},
	}
	a := newTestLimiter(t, cfg, Options{})
	b := newTestLimiter(t, cfg, Options{})
	user := &principal.Principal{UserID: 42}
	route := &httpd.Route{Name: "r"}
	var admitted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		l := a
		if i%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for range 20 {
				err := l.Limit(request(route, user, "192.0.2.1"), httpd.PostAuth)
				switch {
				case err == nil:
					admitted.Add(1)
				case errs.Is(err, errs.TooManyRequests):
					refused.Add(1)
				default:
					t.Errorf("unexpected error %v", err)
				}
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 40 || refused.Load() != 280 {
		t.Fatalf("admitted %d, refused %d; want 40 and 280 across both instances", admitted.Load(), refused.Load())
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRedisDownMidTest kills a Redis the test owns while requests flow,
// for both failure modes, then brings it back.
func TestRedisDownMidTest(t *testing.T) {
	for _, mode := range []string{OnRedisErrorLocal, OnRedisErrorDeny} {
		t.Run(mode, func(t *testing.T) {
			srv := startRedisServer(t)
			clk := newFakeClock()
			var logs syncBuffer
			rec := newRecorder()
			l := newTestLimiter(t, Config{
				Store:        StoreRedis,
				RedisURL:     srv.URL(),
				RedisTimeout: 50 * time.Millisecond,
				OnRedisError: mode,
				Policies:     map[string]PolicyConfig{PolicyUser: {Rate: 1, Period: time.Hour, Burst: 5}},
			}, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Recorder: rec, Now: clk.Now})
			route := &httpd.Route{Name: "r"}
			call := func(uid int64) error {
				t.Helper()
				err := l.Limit(request(route, &principal.Principal{UserID: uid}, "192.0.2.1"), httpd.PostAuth)
				if err != nil && !errs.Is(err, errs.TooManyRequests) {
					t.Fatalf("Redis outage leaked an error other than 429: %v", err)
				}
				if err != nil && errs.As(err).Header.Get("Retry-After") == "" {
					t.Fatal("429 without Retry-After")
				}
				return err
			}
			for range 3 {
				if err := call(1); err != nil {
					t.Fatalf("with Redis up: %v", err)
				}
			}

			srv.Stop()
			start := time.Now()
			var wg sync.WaitGroup
			var refusedDown atomic.Int64
			for g := range 8 {
				wg.Go(func() {
					for range 10 {
						if call(int64(100+g)) != nil {
							refusedDown.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if el := time.Since(start); el > 2*time.Second {
				t.Fatalf("80 decisions with Redis down took %s: the limiter waits on a dead Redis", el)
			}
			switch mode {
			case OnRedisErrorLocal:
				// 8 users × 10 requests, burst 5 each, decided locally.
				if refusedDown.Load() != 8*5 || rec.get(rec.fallback, "local") != 80 {
					t.Fatalf("local fallback: refused %d, fallbacks %v", refusedDown.Load(), rec.fallback)
				}
			case OnRedisErrorDeny:
				if refusedDown.Load() != 80 || rec.get(rec.fallback, "deny") != 80 {
					t.Fatalf("deny mode: refused %d, fallbacks %v", refusedDown.Load(), rec.fallback)
				}
			}
			if n := strings.Count(logs.String(), "Redis unreachable"); n != 1 {
				t.Fatalf("outage logged %d times, want once:\n%s", n, logs.String())
			}

			srv.Start()
			clk.Advance(2 * time.Second) // past the probe backoff
			// The first call probes and reconnects; the pool may still hold a
			// dead connection, so allow a couple of attempts.
			for i := 0; i < 5 && strings.Count(logs.String(), "Redis answers again") == 0; i++ {
				call(1)
				clk.Advance(2 * time.Second)
			}
			if n := strings.Count(logs.String(), "Redis answers again"); n != 1 {
				t.Fatalf("recovery logged %d times, want once:\n%s", n, logs.String())
			}
			// Back on the shared store: a fresh server knows no user 7.
			for range 5 {
				if err := call(7); err != nil {
					t.Fatalf("after recovery: %v", err)
				}
			}
			if err := call(7); err == nil {
				t.Fatal("after recovery the shared limit is not enforced")
			}
			if n := strings.Count(logs.String(), "Redis unreachable"); n != 1 {
				t.Fatalf("outage logged %d times after recovery:\n%s", n, logs.String())
			}
		})
	}
}

// TestRedisUnreachableAtStart: New does not fail on a dead Redis; the
// limiter starts on its fallback.
func TestRedisUnreachableAtStart(t *testing.T) {
	srv := startRedisServer(t)
	srv.Stop()
	rec := newRecorder()
	l := newTestLimiter(t, Config{Store: StoreRedis, RedisURL: srv.URL(), RedisTimeout: 50 * time.Millisecond}, Options{Recorder: rec})
	if err := l.Limit(request(&httpd.Route{}, nil, "192.0.2.1"), httpd.PreAuth); err != nil {
		t.Fatal(err)
	}
	if rec.get(rec.fallback, "local") != 1 {
		t.Fatalf("fallbacks %v", rec.fallback)
	}
}

var _ redis.Scripter = (*redis.Client)(nil)

// TestRedisHangingNeverHangsRequests points the limiter at a server that
// accepts connections and never answers: the first request waits about
// the timeout, the next ones do not wait at all.
func TestRedisHangingNeverHangsRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	done := make(chan struct{})
	defer func() { ln.Close(); close(done); conns.Wait() }()
	conns.Go(func() {
		for {
			c, aerr := ln.Accept()
			if aerr != nil {
				return
			}
			conns.Go(func() { <-done; c.Close() }) // hold it, say nothing
		}
	})
	rec := newRecorder()
	l := newTestLimiter(t, Config{Store: StoreRedis, RedisURL: "redis://" + ln.Addr().String() + "/0",
		RedisTimeout: 50 * time.Millisecond}, Options{Recorder: rec})
	route := &httpd.Route{Name: "r"}
	start := time.Now()
	if err := l.Limit(request(route, nil, "192.0.2.1"), httpd.PreAuth); err != nil {
		t.Fatal(err)
	}
	if first := time.Since(start); first > 500*time.Millisecond {
		t.Fatalf("first request took %s with a 50ms Redis timeout", first)
	}
	start = time.Now()
	for i := range 100 {
		if err := l.Limit(request(route, &principal.Principal{UserID: int64(i + 1)}, "192.0.2.1"), httpd.PostAuth); err != nil {
			t.Fatal(err)
		}
	}
	if rest := time.Since(start); rest > 200*time.Millisecond {
		t.Fatalf("100 requests took %s while Redis hangs: the limiter keeps waiting on it", rest)
	}
	if rec.get(rec.fallback, "local") != 101 {
		t.Fatalf("fallbacks %v", rec.fallback)
	}
}
