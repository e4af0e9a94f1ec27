package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder counts rate-limit events; *metrics.Metrics implements it.
type Recorder interface {
	// RateLimited counts one refused request under policy.
	RateLimited(policy string)
	// RedisFallback counts one decision taken without Redis: outcome is
	// "local" (decided by the local store) or "deny" (refused).
	RedisFallback(outcome string)
}

type nopRecorder struct{}

func (nopRecorder) RateLimited(string)   {}
func (nopRecorder) RedisFallback(string) {}

// failover puts a local store (or a refusal) behind the shared one.
type failover struct {
	primary Store
	local   *MemoryStore
	deny    bool // on_redis_error: deny
	log     *slog.Logger
	rec     Recorder
	now     func() time.Time
	backoff time.Duration // how long to trust "down" before probing again

	mu      sync.Mutex // guards down and retryAt
	down    bool
	retryAt time.Time
	isDown  atomic.Bool // lock-free copy of down for the hot path
	probing atomic.Bool // one request at a time probes a down store
}

// take asks the primary store unless it is known to be down, in which
// case (and when the primary fails) it decides locally or refuses. While
// the store is down, one request at a time probes it, at most once per
// backoff, so an outage does not cost every request a timeout.
func (f *failover) take(ctx context.Context, key string, p Policy) (Decision, error) {
	probe := false
	if f.isDown.Load() {
		if !f.claimProbe() {
			return f.fallback(ctx, key, p)
		}
		probe = true
	}
	d, err := f.primary.Take(ctx, key, p)
	switch {
	case err == nil:
		if probe || f.isDown.Load() {
			f.recovered()
		}
		return d, nil
	case ctx.Err() != nil:
		// The caller went away or gave up: not the store's fault.
		if probe {
			f.probing.Store(false)
		}
		return f.fallback(ctx, key, p)
	default:
		f.failed(err)
		return f.fallback(ctx, key, p)
	}
}

func (f *failover) claimProbe() bool {
	f.mu.Lock()
	due := !f.now().Before(f.retryAt)
	f.mu.Unlock()
	return due && f.probing.CompareAndSwap(false, true)
}

func (f *failover) failed(err error) {
	f.mu.Lock()
	first := !f.down
	f.down = true
	f.retryAt = f.now().Add(f.backoff)
	f.mu.Unlock()
	f.isDown.Store(true)
	f.probing.Store(false)
	if first {
		action := "deciding locally (per-instance limits)"
		if f.deny {
			action = "refusing requests (on_redis_error: deny)"
		}
		f.log.Warn("rate limit: Redis unreachable, "+action+" until it answers again", "err", err)
	}
}

func (f *failover) recovered() {
	f.mu.Lock()
	was := f.down
	f.down = false
	f.mu.Unlock()
	f.isDown.Store(false)
	f.probing.Store(false)
	if was {
		f.log.Info("rate limit: Redis answers again, limits are shared again")
	}
}

func (f *failover) fallback(ctx context.Context, key string, p Policy) (Decision, error) {
	if f.deny {
		f.rec.RedisFallback("deny")
		return Decision{Limit: p.Burst, RetryAfter: f.backoff, ResetAfter: f.backoff}, nil
	}
	f.rec.RedisFallback("local")
	return f.local.Take(ctx, key, p)
}
