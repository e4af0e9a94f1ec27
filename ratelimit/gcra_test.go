package ratelimit

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is an injectable clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGCRAMath(t *testing.T) {
	// interval 10, burst 3 → tolerance 30; all times in one arbitrary unit.
	const iv, tol = 10, 30
	tests := []struct {
		name             string
		tat, now         int64
		allowed          bool
		newTAT, rem      int64
		retry, resetWant int64
	}{
		{"fresh key admits, burst-1 left", 0, 1000, true, 1010, 2, 0, 10},
		{"stale TAT counts as fresh", 500, 1000, true, 1010, 2, 0, 10},
		{"second in burst", 1010, 1000, true, 1020, 1, 0, 20},
		{"last in burst", 1020, 1000, true, 1030, 0, 0, 30},
		{"over burst refused, wait one interval", 1030, 1000, false, 1030, 0, 10, 30},
		{"refused mid-interval waits the rest", 1030, 1004, false, 1030, 0, 6, 26},
		{"one interval later one more passes", 1030, 1010, true, 1040, 0, 0, 30},
		{"TAT exactly now is fresh", 1000, 1000, true, 1010, 2, 0, 10},
		{"partly drained", 1015, 1000, true, 1025, 0, 0, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gcra(tt.tat, tt.now, iv, tol)
			if r.allowed != tt.allowed || r.newTAT != tt.newTAT || r.remaining != tt.rem ||
				r.retryAfter != tt.retry || r.resetAfter != tt.resetWant {
				t.Errorf("gcra(%d, %d) = %+v, want allowed=%v tat=%d rem=%d retry=%d reset=%d",
					tt.tat, tt.now, r, tt.allowed, tt.newTAT, tt.rem, tt.retry, tt.resetWant)
			}
		})
	}
}

// TestMemoryStoreClock drives a policy through burst, refusal and refill
// with an injected clock.
func TestMemoryStoreClock(t *testing.T) {
	clk := newFakeClock()
	m := NewMemoryStore(MemoryOptions{Now: clk.Now, SweepEvery: -1})
	defer m.Close()
	p := Policy{Name: "t", Rate: 10, Period: time.Second, Burst: 5} // 100 ms per request
	ctx := context.Background()
	type step struct {
		advance   time.Duration
		allowed   bool
		remaining int
		retry     time.Duration
		reset     time.Duration
	}
	steps := []step{
		{0, true, 4, 0, 100 * time.Millisecond},
		{0, true, 3, 0, 200 * time.Millisecond},
		{0, true, 2, 0, 300 * time.Millisecond},
		{0, true, 1, 0, 400 * time.Millisecond},
		{0, true, 0, 0, 500 * time.Millisecond},
		{0, false, 0, 100 * time.Millisecond, 500 * time.Millisecond},
		{30 * time.Millisecond, false, 0, 70 * time.Millisecond, 470 * time.Millisecond},
		{70 * time.Millisecond, true, 0, 0, 500 * time.Millisecond},
		{time.Second, true, 4, 0, 100 * time.Millisecond}, // idle long enough: full burst again
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		d, err := m.Take(ctx, "k", p)
		if err != nil {
			t.Fatal(err)
		}
		want := Decision{Allowed: s.allowed, Limit: 5, Remaining: s.remaining, RetryAfter: s.retry, ResetAfter: s.reset}
		if d != want {
			t.Fatalf("step %d: got %+v, want %+v", i, d, want)
		}
	}
}

// TestMemoryStoreWindow checks the documented bound with a clock that
// advances in small steps: over any window of one Period no more than
// Rate+Burst requests pass, and the sustained rate is Rate per Period.
func TestMemoryStoreWindow(t *testing.T) {
	clk := newFakeClock()
	m := NewMemoryStore(MemoryOptions{Now: clk.Now, SweepEvery: -1})
	defer m.Close()
	p := Policy{Name: "w", Rate: 20, Period: time.Second, Burst: 5}
	var admitted []time.Duration
	start := clk.Now()
	for range 10_000 { // 10 s in 1 ms steps, a request every step
		if d, _ := m.Take(context.Background(), "k", p); d.Allowed {
			admitted = append(admitted, clk.Now().Sub(start))
		}
		clk.Advance(time.Millisecond)
	}
	// Sliding window of one period over the admission times.
	j := 0
	for i := range admitted {
		for admitted[i]-admitted[j] >= p.Period {
			j++
		}
		if n := i - j + 1; n > p.Rate+p.Burst {
			t.Fatalf("%d requests admitted within one period ending at %s (max %d)", n, admitted[i], p.Rate+p.Burst)
		}
	}
	// Sustained: 5 at once, then 20/s for 10 s.
	if got, want := len(admitted), p.Burst+10*p.Rate; got < want-1 || got > want {
		t.Fatalf("admitted %d over 10 s, want about %d", got, want)
	}
}
