package orm

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
)

// Work budgets: no caller can hold the writer. SQLite has one writer and
// PostgreSQL holds row locks until commit, so one request's write
// transaction is bounded in time (the Env's context carries a deadline;
// database/sql rolls the transaction back when it passes, which frees the
// writer for logins and session writes) and in x2many commands. Stored
// computations (triggers) fired by x2many commands run once per model and
// operation, not once per line.

// Defaults of Registry.MaxCommands and Registry.WriteBudget.
const (
	DefaultMaxCommands = 1000
	DefaultWriteBudget = 5 * time.Second
)

func (r *Registry) maxCommands() int {
	if r.MaxCommands > 0 {
		return r.MaxCommands
	}
	return DefaultMaxCommands
}

func (r *Registry) writeBudget() time.Duration {
	if r.WriteBudget > 0 {
		return r.WriteBudget
	}
	return DefaultWriteBudget
}

// budgetCause is the cause of a writing Env's context ending at its
// budget, as opposed to the client going away.
type budgetCause struct{}

func (budgetCause) Error() string { return "orm: write transaction budget exceeded" }

// withBudget gives a writing Env's context its deadline.
func (e *Env) withBudget() {
	e.ctx, e.state.cancel = context.WithTimeoutCause(e.ctx, e.reg.writeBudget(), budgetCause{})
}

// overBudget reports whether the Env's write budget ran out.
func (e *Env) overBudget() bool {
	if e.state.cancel == nil {
		return false
	}
	_, ok := context.Cause(e.ctx).(budgetCause)
	return ok
}

// budgetError is the answer to a transaction cut at its budget: 503, try
// again later.
func budgetError() error {
	return errs.E(errs.Unavailable, "The operation took too long and was cancelled; nothing was changed. Try again later.").
		WithHeader("Retry-After", "1")
}

// interrupted reports a statement or transaction ended by its context
// (the budget's deadline, or the client leaving): not a server fault.
func interrupted(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, sql.ErrTxDone) || strings.Contains(err.Error(), "interrupted")
}

// countCommands adds the x2many commands of a top-level create or write
// (nested ones included) to the Env's count and refuses past the cap,
// before anything is done.
func (m *Model) countCommands(preps []prepared) error {
	s := m.env.state
	s.mu.Lock()
	skip := s.cmdDepth > 0 || !s.budgeted // nested: counted with the top-level values
	s.mu.Unlock()
	if skip {
		return nil
	}
	n, first := 0, ""
	for _, p := range preps {
		for _, w := range p.x2m {
			if first == "" {
				first = w.field.Name
			}
			n += m.env.reg.commandCount(w.field, w.cmds)
		}
	}
	if n == 0 {
		return nil
	}
	s.mu.Lock()
	s.commands += n
	total := s.commands
	s.mu.Unlock()
	if max := m.env.reg.maxCommands(); total > max {
		return errs.Validation("Too many x2many commands in one request",
			errs.FieldError{Field: first, Message: "at most " + itoa(int64(max)) + " x2many commands per request (nested ones included)"})
	}
	return nil
}

// commandCount counts cmds and the commands nested in their values.
func (r *Registry) commandCount(f *Field, cmds []command) int {
	n := len(cmds)
	co := r.models[f.Comodel]
	for _, c := range cmds {
		for k, v := range c.vals {
			if sub, ok := co.fields[k]; ok && sub.X2many() {
				if inner, err := parseCommands(sub, v); err == nil {
					n += r.commandCount(sub, inner)
				}
			}
		}
	}
	return n
}

// queuedTrigger is an AfterWrite held back while x2many commands run.
type queuedTrigger struct {
	model   string
	ids     []int64
	fields  []string
	created bool
}

// inCommands runs fn with the Env marked as inside x2many commands, so
// that the triggers of the records they change are queued.
func (m *Model) inCommands(fn func() error) error {
	s := m.env.state
	s.mu.Lock()
	s.cmdDepth++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cmdDepth--
		s.mu.Unlock()
	}()
	return fn()
}

// queueTrigger holds an AfterWrite back when inside commands; it reports
// whether it did.
func (m *Model) queueTrigger(ids []int64, fields []string, created bool) bool {
	s := m.env.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmdDepth == 0 {
		return false
	}
	s.queued = append(s.queued, queuedTrigger{m.meta.Name, append([]int64(nil), ids...), fields, created})
	return true
}

// flushTriggers runs the queued triggers once per model: one call for the
// created records, one for the written ones (fields merged), so that an
// order's total is computed once after its lines, not once per line.
func (m *Model) flushTriggers() error {
	s := m.env.state
	s.mu.Lock()
	if s.cmdDepth > 0 || len(s.queued) == 0 {
		s.mu.Unlock()
		return nil
	}
	queued := s.queued
	s.queued = nil
	s.mu.Unlock()
	type batch struct {
		created, written []int64
		fields           []string
		isNew            map[int64]bool
	}
	var order []string
	batches := map[string]*batch{}
	for _, q := range queued {
		b := batches[q.model]
		if b == nil {
			b = &batch{isNew: map[int64]bool{}}
			batches[q.model] = b
			order = append(order, q.model)
		}
		if q.created {
			b.created = append(b.created, q.ids...)
			for _, id := range q.ids {
				b.isNew[id] = true
			}
			continue
		}
		for _, id := range q.ids {
			if !b.isNew[id] {
				b.written = append(b.written, id)
			}
		}
		for _, f := range q.fields {
			if !contains(b.fields, f) {
				b.fields = append(b.fields, f)
			}
		}
	}
	for _, name := range order {
		b := batches[name]
		mm := &Model{env: m.env, meta: m.env.reg.models[name]}
		if err := mm.afterWriteTriggers(b.created, nil, true); err != nil {
			return err
		}
		written, _ := uniqueIDs(b.written)
		if err := mm.afterWriteTriggers(written, b.fields, false); err != nil {
			return err
		}
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
