package store

import (
	"sync"
	"sync/atomic"
)

// Trips counts the statements a DB sends to its database server (BEGIN,
// each query or exec, COMMIT/ROLLBACK): on PostgreSQL each is a network
// round trip. It is the test seam that pins the round trips of a request,
// so that a change that adds one fails a test. Off, it costs one atomic
// load per statement.
type Trips struct {
	on atomic.Bool
	n  atomic.Int64
	mu sync.Mutex
	// sent is what was counted, for a failing test to show (first 100).
	sent []string
}

// Trips is the DB's statement counter.
func (db *DB) Trips() *Trips { return &db.trips }

// Start resets the count to zero and starts counting.
func (c *Trips) Start() {
	c.mu.Lock()
	c.sent = nil
	c.mu.Unlock()
	c.n.Store(0)
	c.on.Store(true)
}

// Sent lists the statements counted since Start (the first 100), one
// line each, for a test's failure message.
func (c *Trips) Sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

// Stop stops counting and returns the count since Start.
func (c *Trips) Stop() int64 {
	c.on.Store(false)
	return c.n.Load()
}

// Count is the count so far.
func (c *Trips) Count() int64 { return c.n.Load() }

// add counts one statement.
func (c *Trips) add(stmt string) {
	if !c.on.Load() {
		return
	}
	c.n.Add(1)
	c.mu.Lock()
	if len(c.sent) < 100 {
		c.sent = append(c.sent, stmt)
	}
	c.mu.Unlock()
}
