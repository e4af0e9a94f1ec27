package identity

import (
	"context"
	"time"

	"github.com/rampart/rampart/errs"
)

// hashGate bounds the argon2id work unauthenticated callers can start:
// at most cap(slots) verifications run at once and queue more wait;
// beyond that an attempt is refused at once (admit fails), before any
// counter is reserved or any hash is spent.
type hashGate struct {
	slots   chan struct{}
	tickets chan struct{} // running + waiting
}

func newHashGate(n, queue int) *hashGate {
	return &hashGate{slots: make(chan struct{}, n), tickets: make(chan struct{}, n+queue)}
}

// errHashBusy is the answer to an attempt beyond the gate: the server is
// busy verifying other passwords, retry in a second.
func errHashBusy() error {
	return errs.E(errs.Unavailable, "Too many logins in progress, please retry shortly.").RetryAfter(time.Second)
}

// admit takes a ticket or refuses at once. The caller must call done.
func (g *hashGate) admit() error {
	select {
	case g.tickets <- struct{}{}:
		return nil
	default:
		return errHashBusy()
	}
}

// run waits for a slot (the ticket bounds the wait queue) and runs fn.
func (g *hashGate) run(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return errs.Wrap(errs.Unavailable, ctx.Err(), "The login was cancelled.")
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}

func (g *hashGate) done() { <-g.tickets }
