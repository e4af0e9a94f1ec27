package orm

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"sync"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
)

// EnvOptions configure NewEnv.
type EnvOptions struct {
	// ReadOnly runs the transaction on a read-only connection; every write
	// through the Env then fails with errs.Internal.
	ReadOnly bool
	// Context is Odoo's context (lang, tz, active_test,
	// allowed_company_ids, ...). It is copied.
	Context map[string]any
	// RequestID and Route are copied into audit events.
	RequestID string
	Route     string
	// Budgeted bounds the Env's write transaction by Registry.WriteBudget
	// and its x2many commands by Registry.MaxCommands (see budget.go). The server sets it for every request; set-up and
	// maintenance code runs without a budget.
	Budgeted bool
}

// Env is one request's view of the data: who acts, in which context, and
// whether access checks are bypassed. Envs derived with Sudo, WithUser and
// WithContext share the original's transaction. An Env is used by one
// goroutine at a time.
//
// Who acts and whether checks are bypassed are unexported: the only way to
// elevate is Sudo(reason), which requires the reason and audits it.
type Env struct {
	// Context is Odoo's context. Treat it as read-only: use WithContext.
	Context   map[string]any
	RequestID string
	Route     string

	// user is the acting principal; nil for auth=none.
	user *principal.Principal
	// su bypasses ACLs, record rules and field groups (never validation).
	su         bool
	sudoReason string
	// companies are the active companies: context allowed_company_ids
	// (which must be a subset of the user's companies), else all the
	// user's companies.
	companies []int64

	reg   *Registry
	db    *store.DB
	ctx   context.Context
	state *envState
	// err fails every operation that is not under sudo (invalid
	// allowed_company_ids), as Odoo fails env.companies.
	err error
	// broken marks a Sudo("") Env: every operation fails.
	broken bool
}

// envState is what derived Envs share: the transaction and the audit
// events waiting for Finish.
type envState struct {
	mu           sync.Mutex
	readOnly     bool
	tx           *store.Tx
	finished     bool
	pending      []pendingEvent
	savepoints   int
	triggerDepth int
	// Work budgets (budget.go): the write budget's cancel, the x2many
	// commands counted, the depth of running commands and the triggers
	// they queued.
	budgeted bool
	cancel   context.CancelFunc
	commands int
	cmdDepth int
	queued   []queuedTrigger
}

type pendingEvent struct {
	env *Env
	ev  AuditEvent
}

// NewEnv returns an Env for p on db. No transaction is opened until the
// first operation; Finish must be called in every case.
func NewEnv(ctx context.Context, reg *Registry, db *store.DB, p *principal.Principal, opts EnvOptions) *Env {
	e := &Env{
		user: p, Context: copyContext(opts.Context), RequestID: opts.RequestID, Route: opts.Route,
		reg: reg, db: db, ctx: ctx, state: &envState{readOnly: opts.ReadOnly},
	}
	e.setCompanies()
	e.state.budgeted = opts.Budgeted
	if opts.Budgeted && !opts.ReadOnly {
		e.withBudget()
	}
	return e
}

// ReadOnly reports an Env that cannot write: ending it after its answer
// is written loses nothing (httpd streams large reads so).
func (e *Env) ReadOnly() bool { return e.state.readOnly }

// Ctx is the Go context of the request.
func (e *Env) Ctx() context.Context { return e.ctx }

// Registry is the model registry the Env works with.
func (e *Env) Registry() *Registry { return e.reg }

// DB is the database.
func (e *Env) DB() *store.DB { return e.db }

// User is the acting principal; nil for auth=none.
func (e *Env) User() *principal.Principal { return e.user }

// Su reports whether the Env bypasses ACLs, record rules and field groups
// (never validation): true only on an Env returned by Sudo.
func (e *Env) Su() bool { return e.su }

// SudoReason is the reason given to Sudo ("" when not under sudo).
func (e *Env) SudoReason() string { return e.sudoReason }

// Companies are the active companies: context allowed_company_ids (which
// must be a subset of the user's companies), else all the user's
// companies, main company first. The slice is a copy.
func (e *Env) Companies() []int64 { return slices.Clone(e.companies) }

// UID is the acting user's id (0 without a user).
func (e *Env) UID() int64 {
	if e.user == nil {
		return 0
	}
	return e.user.UserID
}

// Company is the main active company: the first of Companies, else 0.
func (e *Env) Company() int64 {
	if len(e.companies) > 0 {
		return e.companies[0]
	}
	return 0
}

// Lang is the context's lang ("" when unset).
func (e *Env) Lang() string { s, _ := e.Context["lang"].(string); return s }

// TZ is the context's time zone name ("" when unset).
func (e *Env) TZ() string { s, _ := e.Context["tz"].(string); return s }

// ActiveTest reports whether searches skip archived records: true unless
// the context sets active_test to false.
func (e *Env) ActiveTest() bool {
	v, ok := e.Context["active_test"]
	if !ok {
		return true
	}
	b, isBool := v.(bool)
	return !isBool || b
}

func (e *Env) derive() *Env {
	c := *e
	return &c
}

// Sudo returns an Env that bypasses access checks, for the same user and
// transaction. The reason is written to the audit trail with every
// operation done through it; an empty reason yields an Env on which every
// operation fails with errs.Internal (and is logged), so that unexplained
// sudo cannot ship.
func (e *Env) Sudo(reason string) *Env {
	c := e.derive()
	c.su, c.sudoReason, c.broken = true, reason, reason == ""
	if reason == "" {
		e.reg.logger().Error("orm: Sudo called without a reason; every operation on this Env will fail",
			"request_id", e.RequestID, "route", e.Route)
	}
	c.setCompanies()
	return c
}

// WithUser returns an Env acting as p, without sudo, on the same
// transaction.
func (e *Env) WithUser(p *principal.Principal) *Env {
	c := e.derive()
	c.user, c.su, c.sudoReason, c.broken = p, false, "", false
	c.setCompanies()
	return c
}

// WithContext returns an Env whose context is the current one updated with
// ctx (keys in ctx win).
func (e *Env) WithContext(ctx map[string]any) *Env {
	c := e.derive()
	c.Context = copyContext(e.Context)
	for k, v := range ctx {
		c.Context[k] = v
	}
	c.setCompanies()
	return c
}

func copyContext(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// errBadCompanies is Odoo's text for allowed_company_ids outside the
// user's companies.
const errBadCompanies = "Access to unauthorized or invalid companies."

// setCompanies computes Companies from the context and the user, as
// env.companies does: allowed_company_ids if given (checked against the
// user's companies unless su), else all the user's companies.
func (e *Env) setCompanies() {
	e.err = nil
	var mine []int64
	if e.user != nil {
		mine = e.user.CompanyIDs
		if len(mine) == 0 && e.user.CompanyID != 0 {
			mine = []int64{e.user.CompanyID}
		}
	}
	raw, ok := e.Context["allowed_company_ids"]
	if !ok || raw == nil {
		// Without the key, env.company is the user's main company and
		// env.companies all of theirs: keep the main one first.
		e.companies = make([]int64, 0, len(mine))
		if e.user != nil && e.user.CompanyID != 0 {
			e.companies = append(e.companies, e.user.CompanyID)
		}
		for _, id := range mine {
			if e.user == nil || id != e.user.CompanyID {
				e.companies = append(e.companies, id)
			}
		}
		return
	}
	ids, good := intList(raw)
	if !good {
		e.companies = nil
		e.err = errs.E(errs.AccessError, errBadCompanies)
		return
	}
	e.companies = ids
	if e.su {
		return
	}
	allowed := make(map[int64]bool, len(mine))
	for _, id := range mine {
		allowed[id] = true
	}
	for _, id := range ids {
		if !allowed[id] {
			e.companies = nil
			e.err = errs.E(errs.AccessError, errBadCompanies)
			return
		}
	}
}

// intList reads a list of ids as decoded from JSON or built in Go.
func intList(v any) ([]int64, bool) {
	switch l := v.(type) {
	case []int64:
		return append([]int64(nil), l...), true
	case []int:
		out := make([]int64, len(l))
		for i, x := range l {
			out[i] = int64(x)
		}
		return out, true
	case []any:
		out := make([]int64, 0, len(l))
		for _, x := range l {
			id, ok := asInt(x)
			if !ok {
				return nil, false
			}
			out = append(out, id)
		}
		return out, true
	}
	return nil, false
}

// asInt accepts integral numbers in their Go and JSON-decoded forms; not
// booleans, not fractions.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// Tx returns the Env's transaction, opening it on first use.
func (e *Env) Tx() (*store.Tx, error) {
	s := e.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return nil, errs.Internalf("orm: Env used after Finish")
	}
	if s.tx == nil {
		tx, err := e.db.Begin(e.ctx, s.readOnly)
		if err != nil {
			return nil, errs.Wrap(errs.KindOf(err), err, "")
		}
		s.tx = tx
	}
	return s.tx, nil
}

// writeTx is Tx for an operation that writes.
func (e *Env) writeTx() (*store.Tx, error) {
	if e.state.readOnly {
		return nil, errs.Internalf("orm: write through a read-only Env (declare the route as writing)")
	}
	return e.Tx()
}

// Finish ends the transaction: commit when err is nil, roll back
// otherwise. It then writes the buffered audit events (denials, sudo
// reads) in a transaction of their own, so that they survive a rollback.
// It returns the commit's error, if any. Calling it again does nothing.
func (e *Env) Finish(err error) error {
	s := e.state
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return nil
	}
	s.finished = true
	tx, pending := s.tx, s.pending
	s.tx, s.pending = nil, nil
	s.mu.Unlock()

	var result error
	over := e.overBudget()
	if tx != nil {
		if err != nil || over {
			tx.Rollback()
		} else if cerr := tx.Commit(); cerr != nil {
			result = errs.Wrap(errs.KindOf(cerr), cerr, "")
		}
	}
	if over && err == nil {
		result = budgetError()
	}
	if s.cancel != nil {
		s.cancel()
	}
	e.flushAudit(pending)
	return result
}

// flushAudit writes buffered events in a short write transaction. An
// audit failure is logged: the request's outcome is already decided.
func (e *Env) flushAudit(pending []pendingEvent) {
	if len(pending) == 0 || e.reg.Auditor == nil {
		return
	}
	// The request's context may already be cancelled (client gone): the
	// trail must still be written.
	ctx := context.WithoutCancel(e.ctx)
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		for _, p := range pending {
			// The event's Env keeps its values (the request) but not its
			// deadline or cancellation: a budget or a client that ran out
			// must not lose the trail.
			pe := *p.env
			pe.ctx = ctx
			if err := e.reg.Auditor.Record(&pe, tx, p.ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.reg.logger().Error("orm: audit events lost", "err", err, "count", len(pending), "request_id", e.RequestID)
	}
}

// event fills the common fields of an audit event.
func (e *Env) event(op, method, model string, ids []int64) AuditEvent {
	return AuditEvent{
		Op: op, Method: method, Model: model, IDs: ids, UserID: e.UID(),
		Sudo: e.su, SudoReason: e.sudoReason, Route: e.Route, RequestID: e.RequestID,
	}
}

// defer buffers an event for Finish.
func (e *Env) deferEvent(ev AuditEvent) {
	if e.reg.Auditor == nil {
		return
	}
	e.state.mu.Lock()
	e.state.pending = append(e.state.pending, pendingEvent{env: e, ev: ev})
	e.state.mu.Unlock()
}

// denied records an access refusal (for Finish to write) and returns err.
func (e *Env) denied(method, model string, ids []int64, err error) error {
	if errs.Is(err, errs.AccessError) || errs.Is(err, errs.MissingError) {
		ev := e.event(AuditDenied, method, model, ids)
		ev.Reason = errs.As(err).Message()
		e.deferEvent(ev)
	}
	return err
}

// record writes a change event in the change's transaction.
func (e *Env) record(tx *store.Tx, ev AuditEvent) error {
	if e.reg.Auditor == nil {
		return nil
	}
	if err := e.reg.Auditor.Record(e, tx, ev); err != nil {
		return errs.Wrap(errs.Internal, err, "")
	}
	return nil
}

// Model returns the model called name bound to this Env. An unknown model
// is errs.NotFound.
func (e *Env) Model(name string) (*Model, error) {
	m, ok := e.reg.models[name]
	if !ok {
		return nil, errs.Ef(errs.NotFound, "Object %s doesn't exist", name)
	}
	return &Model{env: e, meta: m}, nil
}

// usable is checked first by every operation.
func (e *Env) usable() error {
	if e.broken {
		e.reg.logger().Error("orm: operation on an Env from Sudo without a reason", "request_id", e.RequestID)
		return errs.Internalf("orm: sudo without a reason")
	}
	if e.err != nil && !e.su {
		return e.err
	}
	return nil
}

// savepoint runs fn so that its changes are undone when it fails, even if
// the caller goes on to commit: a refused create must not leave its rows.
func (e *Env) savepoint(tx *store.Tx, fn func() error) error {
	e.state.mu.Lock()
	e.state.savepoints++
	name := "orm_sp_" + itoa(int64(e.state.savepoints))
	e.state.mu.Unlock()
	if _, err := tx.Exec(e.ctx, "SAVEPOINT "+name); err != nil {
		return dbError(tx, err)
	}
	if err := fn(); err != nil {
		if _, rerr := tx.Exec(e.ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errs.Wrap(errs.Internal, rerr, "")
		}
		tx.Exec(e.ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	if _, err := tx.Exec(e.ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return dbError(tx, err)
	}
	return nil
}
