package orm

import (
	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/store"
)

// Op is an access operation, as Odoo names the ACL modes.
type Op string

// The four access operations.
const (
	OpRead   Op = "read"
	OpWrite  Op = "write"
	OpCreate Op = "create"
	OpUnlink Op = "unlink"
)

// Policy decides model, record and field access. Package access implements
// it; the orm calls it, never under sudo (Env.Su).
type Policy interface {
	// CheckModel is the ACL check: nil, or an errs.AccessError with Odoo's
	// text.
	CheckModel(e *Env, model string, op Op) error
	// RuleDomain is the record-rule domain of (user, model, op); nil means
	// no restriction.
	RuleDomain(e *Env, model string, op Op) (domain.Node, error)
	// FieldAllowed reports whether the user may see and set the field
	// (Odoo's groups= on fields).
	FieldAllowed(e *Env, model string, f *Field) bool
}

// AllowAll is a Policy that allows every model, record and field to
// every user. It exists for tests and tools that have no access model and
// must say so explicitly (NewRegistry(orm.AllowAll{})); a server never
// uses it.
type AllowAll struct{}

var _ Policy = AllowAll{}

// CheckModel allows every operation.
func (AllowAll) CheckModel(*Env, string, Op) error { return nil }

// RuleDomain restricts nothing.
func (AllowAll) RuleDomain(*Env, string, Op) (domain.Node, error) { return nil, nil }

// FieldAllowed allows every field.
func (AllowAll) FieldAllowed(*Env, string, *Field) bool { return true }

// Auditor writes the audit trail. Package audit implements it.
type Auditor interface {
	// Record stores ev using tx. For changes tx is the transaction of the
	// change itself, so the trail and the data commit or roll back
	// together; for denials and sudo reads it is a short transaction of its
	// own opened by Env.Finish.
	Record(e *Env, tx *store.Tx, ev AuditEvent) error
}

// Audit event operations.
const (
	AuditCreate = "create"
	AuditWrite  = "write"
	AuditUnlink = "unlink"
	// AuditSudo is a read-side operation (search, read, ...) done under
	// sudo; Method says which.
	AuditSudo = "sudo"
	// AuditDenied is an access refusal (ACL, rule, field group, company).
	AuditDenied = "denied"
)

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	// Op is one of the Audit* constants.
	Op string
	// Method is the ORM method that caused the event (create, write,
	// search_read, ...).
	Method string
	Model  string
	IDs    []int64
	// Fields are the field names a create or write set.
	Fields []string
	// UserID is the acting user (0 for auth=none).
	UserID int64
	// Sudo and SudoReason tell whether the operation bypassed access checks
	// and why.
	Sudo       bool
	SudoReason string
	// Reason is the client-safe message of a denial.
	Reason    string
	Route     string
	RequestID string
	// Changes are the stored values a create or write set, per record id
	// then field name, old and new (auditvalues.go). x2many fields are
	// left out: their commands are audited as the comodel's own entries.
	// The Auditor decides what is kept (secrets never, large values as a
	// size and hash).
	Changes map[int64]map[string]Change
}

// Change is one field's value before and after a change, in Odoo's JSON
// form (a many2one as the bare id or false). Created is true for a
// create's values, which have no old value.
type Change struct {
	Type     string
	Old, New any
	Created  bool
}
