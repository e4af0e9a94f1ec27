package store

import (
	"sync"
	"sync/atomic"
)

// FaultOp names a database step a test can make fail.
type FaultOp uint8

// The steps Faults can fail.
const (
	FaultBegin  FaultOp = iota // starting a transaction
	FaultExec                  // a statement run with Exec/ExecRaw inside a write transaction
	FaultCommit                // committing a write transaction
	numFaultOps
)

func (op FaultOp) String() string {
	switch op {
	case FaultBegin:
		return "begin"
	case FaultExec:
		return "exec"
	case FaultCommit:
		return "commit"
	}
	return "unknown"
}

// Faults is the fault-injection seam of a DB: tests arm it to make the
// next begin, exec or commit of a write transaction fail with a given
// error, as a full disk or a lost connection would, and assert that the
// failure reaches the client with nothing half written. A commit made to
// fail is rolled back for real, so the database holds exactly what it
// would after a real failed commit.
//
// It is safe for concurrent use; unarmed, it costs one atomic load per
// step, so it stays wired in production builds too.
type Faults struct {
	any   atomic.Bool
	mu    sync.Mutex
	armed [numFaultOps][]error
	// query, when set, fails the first read query it matches (FailQuery).
	query    func(sql string) bool
	queryErr error
}

// FailQuery makes the first query of a read-only transaction for which
// match returns true fail with err, as a connection lost in the middle of
// a long read would: the seam of the tests of answers written while they
// are read. match sees the SQL text (no values) and may count calls.
func (f *Faults) FailQuery(match func(sql string) bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.query, f.queryErr = match, err
	f.any.Store(true)
}

// takeQuery returns the error armed for the read query q, or nil.
func (f *Faults) takeQuery(q string) error {
	if f == nil || !f.any.Load() {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.query == nil || !f.query(q) {
		return nil
	}
	err := f.queryErr
	f.query, f.queryErr = nil, nil
	f.any.Store(f.armedLocked())
	return err
}

func (f *Faults) armedLocked() bool {
	for _, q := range f.armed {
		if len(q) > 0 {
			return true
		}
	}
	return f.query != nil
}

// FailNext makes the next n occurrences of op fail with err (n < 1 means 1).
func (f *Faults) FailNext(op FaultOp, err error, n int) {
	if n < 1 {
		n = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.armed[op] = append(f.armed[op], err)
	}
	f.any.Store(true)
}

// Reset disarms every fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = [numFaultOps][]error{}
	f.query, f.queryErr = nil, nil
	f.any.Store(false)
}

// take returns the error armed for op, consuming it, or nil.
func (f *Faults) take(op FaultOp) error {
	if f == nil || !f.any.Load() {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.armed[op]) == 0 {
		return nil
	}
	err := f.armed[op][0]
	f.armed[op] = f.armed[op][1:]
	f.any.Store(f.armedLocked())
	return err
}
