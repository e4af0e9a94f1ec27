package ratelimit

import (
	"context"
	"time"
)

// RedisDown reports, for readiness, that the limiter is configured with
// Redis and cannot reach it: limits are then per instance (or refused,
// with on_redis_error: deny). Memory stores are never down.
func (l *Limiter) RedisDown(ctx context.Context) bool {
	if l.redis == nil {
		return false
	}
	if l.shared != nil && l.shared.breaker.isDown.Load() {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, max(l.cfg.RedisTimeout, 100*time.Millisecond))
	defer cancel()
	return l.redis.Ping(ctx).Err() != nil
}
