package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// breaker tracks whether Redis answers, so that an outage costs one
// timeout per backoff instead of one per request, and is logged once when
// it starts and once when it ends.
type breaker struct {
	what    string // "rate limit", "login throttling": the log lines' subject
	action  string // what happens meanwhile, for the outage line
	log     *slog.Logger
	now     func() time.Time
	backoff time.Duration // how long to trust "down" before probing again

	mu      sync.Mutex // guards down and retryAt
	down    bool
	retryAt time.Time
	isDown  atomic.Bool // lock-free copy of down for the hot path
	probing atomic.Bool // one caller at a time probes a down Redis
}

// backoffDefault is how often a down Redis is probed.
const backoffDefault = time.Second

// do runs call against Redis unless Redis is known to be down and it is
// not this caller's turn to probe. It reports whether call ran and
// succeeded; on false the caller falls back.
func (b *breaker) do(ctx context.Context, call func() error) bool {
	probe := false
	if b.isDown.Load() {
		if !b.claimProbe() {
			return false
		}
		probe = true
	}
	err := call()
	switch {
	case err == nil:
		if probe || b.isDown.Load() {
			b.recovered()
		}
		return true
	case ctx.Err() != nil:
		// The caller went away or gave up: not Redis's fault.
		if probe {
			b.probing.Store(false)
		}
		return false
	default:
		b.failed(err)
		return false
	}
}

func (b *breaker) claimProbe() bool {
	b.mu.Lock()
	due := !b.now().Before(b.retryAt)
	b.mu.Unlock()
	return due && b.probing.CompareAndSwap(false, true)
}

func (b *breaker) failed(err error) {
	b.mu.Lock()
	first := !b.down
	b.down = true
	b.retryAt = b.now().Add(b.backoff)
	b.mu.Unlock()
	b.isDown.Store(true)
	b.probing.Store(false)
	if first {
		b.log.Warn(b.what+": Redis unreachable, "+b.action+" until it answers again", "err", err)
	}
}

func (b *breaker) recovered() {
	b.mu.Lock()
	was := b.down
	b.down = false
	b.mu.Unlock()
	b.isDown.Store(false)
	b.probing.Store(false)
	if was {
		b.log.Info(b.what + ": Redis answers again, state is shared again")
	}
}
