package ratelimit

import (
	"context"
	"log/slog"
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

// fillDefaults sets the collaborators every constructor accepts when the
// caller left them nil: a discarding logger, no metrics, the real clock.
func fillDefaults(log **slog.Logger, rec *Recorder, now *func() time.Time) {
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if *rec == nil {
		*rec = nopRecorder{}
	}
	if *now == nil {
		*now = time.Now
	}
}

// failover puts a local store (or a refusal) behind the shared one.
type failover struct {
	primary Store
	local   *MemoryStore
	deny    bool // on_redis_error: deny
	rec     Recorder
	breaker *breaker
}

// take asks the primary store unless it is known to be down, in which
// case (and when the primary fails) it decides locally or refuses.
func (f *failover) take(ctx context.Context, key string, p Policy) Decision {
	var d Decision
	if f.breaker.do(ctx, func() (err error) {
		d, err = f.primary.Take(ctx, key, p)
		return err
	}) {
		return d
	}
	if f.deny {
		f.rec.RedisFallback("deny")
		return Decision{Limit: p.Burst, RetryAfter: f.breaker.backoff, ResetAfter: f.breaker.backoff}
	}
	f.rec.RedisFallback("local")
	d, _ = f.local.Take(ctx, key, p)
	return d
}
