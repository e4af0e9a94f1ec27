package ratelimit

import (
	"context"
	"time"
)

// Store keeps GCRA state. Implementations are safe for concurrent use.
type Store interface {
	// Take charges one request to key under p and returns the decision.
	// p must be valid. An error means the store could not decide (Redis
	// unreachable); the memory store never fails.
	Take(ctx context.Context, key string, p Policy) (Decision, error)
}

// FailureStore counts failed logins in storage that every instance
// shares, so that a brute force spread over instances is still counted
// once. Package identity counts its login attempts in one (it reserves an
// attempt with Failure before checking a password); its DBFailureStore and
// this package's RedisStore implement it. The interface lives here, with
// the Redis adapter, so that identity imports ratelimit and never the
// reverse. Keys are short ASCII strings made by identity ("ip:203.0.113.7",
// "user:42", "login:<hex>"), at most 80 bytes. Methods must be safe for
// concurrent use; an error fails the login closed (the attempt is refused
// with an internal error, never let through unchecked).
type FailureStore interface {
	// Failure records one failure under key at time at and returns the
	// count including it. When the previous failure is older than window
	// (or there is none), the count restarts at 1. The store may forget a
	// key once window has passed since its last failure.
	Failure(ctx context.Context, key string, at time.Time, window time.Duration) (count int, err error)
	// Failures returns key's count and last failure time; zero values when
	// there is none (or it was forgotten).
	Failures(ctx context.Context, key string) (count int, last time.Time, err error)
	// Reset forgets key (after a successful login).
	Reset(ctx context.Context, key string) error
}
