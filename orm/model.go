package orm

import (
	"sort"
	"strconv"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Model is a model bound to an Env: the object every ORM method is called
// on (env["sale.order"] in Odoo).
type Model struct {
	env  *Env
	meta *Meta
}

// Meta is the model's declaration.
func (m *Model) Meta() *Meta { return m.meta }

// Env is the Env the model is bound to.
func (m *Model) Env() *Env { return m.env }

// Name is the model's name.
func (m *Model) Name() string { return m.meta.Name }

// checked reports whether access hooks apply.
func (m *Model) checked() bool { return !m.env.su }

// start is the common prologue: a usable Env, the transaction (a writing
// one when write is set), and the ACL check for op.
func (m *Model) start(method string, op Op, write bool) (*store.Tx, error) {
	if err := m.env.usable(); err != nil {
		return nil, m.env.denied(method, m.meta.Name, nil, err)
	}
	if write && m.meta.External {
		return nil, errs.Ef(errs.AccessError, "%s records are managed by their own service and cannot be changed here.", m.meta.Name)
	}
	var tx *store.Tx
	var err error
	if write {
		tx, err = m.env.writeTx()
	} else {
		tx, err = m.env.Tx()
	}
	if err != nil {
		return nil, err
	}
	if err := m.env.checkModel(method, m.meta.Name, op); err != nil {
		return nil, err
	}
	return tx, nil
}

// fieldAllowed is the field-groups check (always true under sudo).
func (m *Model) fieldAllowed(meta *Meta, f *Field) bool {
	if !m.checked() || f.Groups == "" {
		return true
	}
	return m.env.reg.policy.FieldAllowed(m.env, meta.Name, f)
}

// fieldAccessError is Odoo's text for a field the user's groups exclude.
func fieldAccessError(meta *Meta, f *Field, op Op) error {
	return errs.Ef(errs.AccessError,
		"You do not have enough rights to access the field \"%s\" on %s (%s). Please contact your system administrator.\n\nOperation: %s",
		f.Name, meta.Description, meta.Name, op)
}

// checkFieldNames refuses names the user may not touch.
func (m *Model) checkFieldNames(method string, names []string, op Op) error {
	for _, n := range names {
		f, ok := m.meta.fields[n]
		if ok && !m.fieldAllowed(m.meta, f) {
			return m.env.denied(method, m.meta.Name, nil, fieldAccessError(m.meta, f, op))
		}
	}
	return nil
}

// ruleError is Odoo's record-rule error for users without debug rights.
func (m *Model) ruleError(op Op) error {
	who := "the public user"
	if u := m.env.user; u != nil {
		who = u.Login + " (id=" + itoa(u.UserID) + ")"
	}
	return errs.Ef(errs.AccessError,
		"Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, %s doesn't have '%s' access to:\n- %s (%s)\n\nIf you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.",
		who, op, m.meta.Description, m.meta.Name)
}

// missingError is what a caller gets for ids that do not exist or that it
// cannot read: the same text, so hidden records stay hidden.
func (m *Model) missingError() error {
	return errs.E(errs.MissingError, "Record does not exist or has been deleted.\n(Record: "+m.meta.Name+", User: "+itoa(m.env.UID())+")")
}

// ruleDomain is the record-rule domain for op, nil when unrestricted.
func (m *Model) ruleDomain(op Op) (domain.Node, error) {
	if !m.checked() {
		return nil, nil
	}
	d, err := m.env.reg.policy.RuleDomain(m.env, m.meta.Name, op)
	if err != nil {
		return nil, err
	}
	if b, ok := d.(domain.Bool); ok && bool(b) {
		return nil, nil
	}
	return d, nil
}

// filterIDs returns which of ids exist and match d (nil: exist).
func (m *Model) filterIDs(tx *store.Tx, ids []int64, d domain.Node) (map[int64]bool, error) {
	found := make(map[int64]bool, len(ids))
	for _, chunk := range chunks(ids) {
		q := newSQL(tx.Dialect())
		q.w("SELECT t.id FROM ", q.ident(m.meta.Table), " t WHERE ", q.in("t.id", chunk))
		if d != nil {
			where, err := m.where(q, "t", d, true)
			if err != nil {
				return nil, err
			}
			q.w(" AND (", where, ")")
		}
		if err := scanIDs(m.env, tx, q, func(id int64) { found[id] = true }); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// checkRecords applies Odoo's 403/404 rule to ids before op: ids that do
// not exist or that the read rules hide are MissingError; readable ids
// outside op's rules are AccessError (checked on the current values).
func (m *Model) checkRecords(method string, tx *store.Tx, ids []int64, op Op) error {
	readRule, err := m.ruleDomain(OpRead)
	if err != nil {
		return err
	}
	visible, err := m.filterIDs(tx, ids, readRule)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !visible[id] {
			return m.env.denied(method, m.meta.Name, ids, m.missingError())
		}
	}
	if op == OpRead {
		return nil
	}
	return m.requireRule(method, tx, ids, op)
}

// requireRule refuses (AccessError, audited) unless every record of ids
// matches op's rules as they are now.
func (m *Model) requireRule(method string, tx *store.Tx, ids []int64, op Op) error {
	rule, err := m.ruleDomain(op)
	if err != nil || rule == nil {
		return err
	}
	allowed, err := m.filterIDs(tx, ids, rule)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !allowed[id] {
			return m.env.denied(method, m.meta.Name, ids, m.ruleError(op))
		}
	}
	return nil
}

// uniqueIDs drops duplicates and refuses non-positive ids, keeping order.
func uniqueIDs(ids []int64) ([]int64, error) {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, errs.Validation("Invalid record id", errs.FieldError{Field: "id", Message: "ids are positive integers"})
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// chunkSize bounds the parameters of one IN list (SQLite allows 32766,
// PostgreSQL 65535 per statement).
const chunkSize = 5000

func chunks(ids []int64) [][]int64 {
	var out [][]int64
	for len(ids) > chunkSize {
		out = append(out, ids[:chunkSize])
		ids = ids[chunkSize:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

func scanIDs(e *Env, tx *store.Tx, q *sqlBuf, fn func(int64)) error {
	start := time.Now()
	rows, err := q.run(e.ctx, tx)
	if err != nil {
		return dbError(tx, err)
	}
	n := 0
	defer func() { rows.Close(); q.done(e.ctx, tx, start, n) }()
	for rows.Next() {
		n++
		var id int64
		if err := rows.Scan(&id); err != nil {
			return errs.Wrap(errs.Internal, err, "")
		}
		fn(id)
	}
	if err := rows.Err(); err != nil {
		return dbError(tx, err)
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
