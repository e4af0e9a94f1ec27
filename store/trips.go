package store

import "sync/atomic"

// Trips counts the statements a DB sends to its database server (BEGIN,
// each query or exec, COMMIT/ROLLBACK): on PostgreSQL each is a network
// round trip. It is the test seam that pins the round trips of a request,
// so that a change that adds one fails a test. Off, it costs one atomic
// load per statement.
type Trips struct {
	on atomic.Bool
	n  atomic.Int64
}

// Trips is the DB's statement counter.
func (db *DB) Trips() *Trips { return &db.trips }

// Start resets the count to zero and starts counting.
func (c *Trips) Start() {
	c.n.Store(0)
	c.on.Store(true)
}

// Stop stops counting and returns the count since Start.
func (c *Trips) Stop() int64 {
	c.on.Store(false)
	return c.n.Load()
}

// Count is the count so far.
func (c *Trips) Count() int64 { return c.n.Load() }

func (c *Trips) add(n int64) {
	if c.on.Load() {
		c.n.Add(n)
	}
}
