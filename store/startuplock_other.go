//go:build !unix

package store

import (
	"context"
)

// lockFile has no portable file lock to take here: each migration still
// runs in its own write transaction (BEGIN IMMEDIATE), and the start-up
// steps are idempotent, so concurrent starts converge.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
