package orm

import (
	"slices"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Checks that make a write hold after the fact, not only before it: the
// caller's write rules on the records as changed, the parents a child is
// moved between, and company consistency (Odoo's check_company).

// checkAfterWrite refuses a write that leaves a record outside the
// caller's write rules (a salesman handing her order to someone else or
// moving her line into another's order), as create checks its rules on
// the new rows. It runs in the write's savepoint, so a refusal undoes it.
func (m *Model) checkAfterWrite(tx *store.Tx, ids []int64) error {
	return m.requireRule("write", tx, ids, OpWrite)
}

// isInverse reports whether f, a many2one, is the inverse of a declared
// one2many: the link from a child to its parent.
func (r *Registry) isInverse(f *Field) bool {
	if f.Type != Many2one {
		return false
	}
	co := r.models[f.Comodel]
	if co == nil {
		return false
	}
	for _, o := range co.list {
		if o.Type == One2many && o.Comodel == f.Model && o.Inverse == f.Name {
			return true
		}
	}
	return false
}

// checkParents treats moving a child (writing a many2one whose inverse
// one2many is declared) as a write on the old and the new parent: the
// caller needs write access to both. inverse is the many2one a parent's
// one2many command sets, whose new parent is the record that command
// writes (checked already).
func (m *Model) checkParents(tx *store.Tx, ids []int64, p prepared, inverse string) error {
	if !m.checked() {
		return nil
	}
	for i, f := range p.cols {
		if !m.env.reg.isInverse(f) {
			continue
		}
		var parents []int64
		for _, chunk := range chunks(ids) {
			q := newSQL(tx.Dialect())
			col := q.ident(f.Column)
			q.w("SELECT DISTINCT ", col, " FROM ", q.ident(m.meta.Table), " WHERE id IN ", q.ids(chunk), " AND ", col, " IS NOT NULL")
			if err := scanIDs(m.env, tx, q, func(id int64) { parents = append(parents, id) }); err != nil {
				return err
			}
		}
		if v, ok := p.vals[i].(int64); ok && f.Name != inverse {
			parents = append(parents, v)
		}
		if len(parents) == 0 {
			continue
		}
		parent := &Model{env: m.env, meta: m.env.reg.models[f.Comodel]}
		if err := m.env.checkModel("write", parent.meta.Name, OpWrite); err != nil {
			return err
		}
		parents, _ = uniqueIDs(parents)
		slices.Sort(parents)
		if err := parent.checkRecords("write", tx, parents, OpWrite); err != nil {
			return err
		}
	}
	return nil
}

// checkCompany is Odoo's _check_company: every many2one declared
// CheckCompany must point to a record without company or of the record's
// own company (the record itself for res.company). It runs after create
// and after a write of such a field or of company_id, even in sudo, and
// refuses with Odoo's UserError.
func (m *Model) checkCompany(tx *store.Tx, ids []int64, fields []string, create bool) error {
	self := m.meta.Name == "res.company"
	if !self && !hasCompanyField(m.meta) {
		return nil
	}
	all := create || slices.Contains(fields, "company_id")
	for _, f := range m.meta.list {
		if !f.CheckCompany || !f.Stored() || (!all && !slices.Contains(fields, f.Name)) {
			continue
		}
		co := m.env.reg.models[f.Comodel]
		if co == nil || !hasCompanyField(co) {
			continue
		}
		for _, chunk := range chunks(ids) {
			q := newSQL(tx.Dialect())
			own := "t." + q.ident("company_id")
			if self {
				own = "t.id"
			}
			cc := "c." + q.ident("company_id")
			q.w("SELECT t.id FROM ", q.ident(m.meta.Table), " t JOIN ", q.ident(co.Table), " c ON c.id = t.", q.ident(f.Column),
				" WHERE t.id IN ", q.ids(chunk), " AND ", cc, " IS NOT NULL AND (", own, " IS NULL OR ", cc, " <> ", own, ")")
			var bad int64
			if err := scanIDs(m.env, tx, q, func(id int64) {
				if bad == 0 {
					bad = id
				}
			}); err != nil {
				return err
			}
			if bad != 0 {
				return errs.Ef(errs.UserError,
					"Uh-oh! You’ve got some company inconsistencies here:\n\n- %s (%s,%d): the field '%s' (%s) points to a record that belongs to another company.",
					m.meta.Description, m.meta.Name, bad, f.Label(), f.Name)
			}
		}
	}
	return nil
}

// hasCompanyField reports a stored many2one company_id to res.company.
func hasCompanyField(m *Meta) bool {
	f, ok := m.fields["company_id"]
	return ok && f.Type == Many2one && f.Comodel == "res.company" && f.Stored()
}
