package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hammer runs workers goroutines each making n decisions on key and
// returns how many were admitted.
func hammer(t *testing.T, s Store, key string, p Policy, workers, n int) int64 {
	t.Helper()
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range n {
				d, err := s.Take(context.Background(), key, p)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return admitted.Load()
}

func TestMemoryStoreConcurrentAccuracy(t *testing.T) {
	m := NewMemoryStore(MemoryOptions{})
	defer m.Close()
	// A refill of 10 per hour is negligible during the test, so exactly
	// the burst must pass, however the goroutines interleave.
	p := Policy{Name: "acc", Rate: 10, Period: time.Hour, Burst: 50}
	if got := hammer(t, m, "one-key", p, 32, 100); got != int64(p.Burst) {
		t.Fatalf("admitted %d of 3200, want exactly %d", got, p.Burst)
	}
}

func TestMemoryStoreConcurrentWindow(t *testing.T) {
	m := NewMemoryStore(MemoryOptions{})
	defer m.Close()
	p := Policy{Name: "win", Rate: 1000, Period: time.Second, Burst: 20}
	start := time.Now()
	got := hammer(t, m, "k", p, 16, 2000)
	elapsed := time.Since(start)
	// limit + burst for the elapsed window (+1 for the window's edge).
	limit := int64(float64(p.Rate)*elapsed.Seconds()) + int64(p.Burst) + 1
	if got > limit {
		t.Fatalf("admitted %d in %s, more than %d", got, elapsed, limit)
	}
}

func TestMemoryStoreBounded(t *testing.T) {
	clk := newFakeClock()
	const maxKeys = 64
	m := NewMemoryStore(MemoryOptions{MaxKeys: maxKeys, Shards: 4, Now: clk.Now, SweepEvery: -1})
	defer m.Close()
	p := Policy{Name: "b", Rate: 1, Period: time.Hour, Burst: 1}
	for i := range 10_000 {
		if d, _ := m.Take(context.Background(), fmt.Sprintf("key-%d", i), p); !d.Allowed {
			t.Fatalf("fresh key %d refused", i)
		}
	}
	if n := m.Len(); n > maxKeys {
		t.Fatalf("store holds %d keys, bound is %d", n, maxKeys)
	}
}

func TestMemoryStoreEvictsIdleFirst(t *testing.T) {
	clk := newFakeClock()
	m := NewMemoryStore(MemoryOptions{MaxKeys: 8, Shards: 1, Now: clk.Now, SweepEvery: -1})
	defer m.Close()
	short := Policy{Name: "s", Rate: 1, Period: time.Second, Burst: 1}
	long := Policy{Name: "l", Rate: 1, Period: time.Hour, Burst: 1}
	for i := range 4 {
		m.Take(context.Background(), fmt.Sprintf("busy-%d", i), long)
		m.Take(context.Background(), fmt.Sprintf("idle-%d", i), short)
	}
	clk.Advance(2 * time.Second) // the idle keys' TATs have passed
	for i := range 4 {
		m.Take(context.Background(), fmt.Sprintf("new-%d", i), long)
	}
	for i := range 4 {
		if d, _ := m.Take(context.Background(), fmt.Sprintf("busy-%d", i), long); d.Allowed {
			t.Fatalf("busy-%d was evicted while idle keys were available", i)
		}
	}
}

func TestMemoryStoreSweepAndClose(t *testing.T) {
	clk := newFakeClock()
	m := NewMemoryStore(MemoryOptions{Now: clk.Now, SweepEvery: time.Millisecond})
	p := Policy{Name: "s", Rate: 1, Period: time.Second, Burst: 1}
	for i := range 100 {
		m.Take(context.Background(), fmt.Sprint(i), p)
	}
	clk.Advance(2 * time.Second)
	deadline := time.Now().Add(2 * time.Second)
	for m.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := m.Len(); n != 0 {
		t.Fatalf("janitor left %d idle keys", n)
	}
	m.Close()
	m.Close() // idempotent
	if d, _ := m.Take(context.Background(), "after", p); !d.Allowed {
		t.Fatal("Take after Close refused a fresh key")
	}
}
