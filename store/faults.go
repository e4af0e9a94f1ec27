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
	left := false
	for _, q := range f.armed {
		left = left || len(q) > 0
	}
	f.any.Store(left)
	return err
}
