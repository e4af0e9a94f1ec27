package ratelimit

import "context"

// Store keeps GCRA state. Implementations are safe for concurrent use.
type Store interface {
	// Take charges one request to key under p and returns the decision.
	// p must be valid. An error means the store could not decide (Redis
	// unreachable); the memory store never fails.
	Take(ctx context.Context, key string, p Policy) (Decision, error)
}
