package orm

import (
	"slices"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// maxHierarchyDepth bounds parent_id walks (a cycle or a pathological
// tree must not loop).
const maxHierarchyDepth = 64

// afterWrite maintains stored values the ORM computes: for res.partner,
// commercial_partner_id (the topmost company ancestor, or the partner
// itself), recomputed for the changed partners and all their descendants
// whenever parent_id or is_company changes; and, for any model with a
// parent field, the refusal of cycles.
func (m *Model) afterWrite(tx *store.Tx, ids []int64, fields []string, create bool) error {
	if m.meta.Parent != "" && (create || slices.Contains(fields, m.meta.Parent)) {
		if err := m.checkNoCycle(tx, ids); err != nil {
			return err
		}
	}
	if m.meta.Name != "res.partner" || !create && !slices.Contains(fields, "parent_id") && !slices.Contains(fields, "is_company") {
		return nil
	}
	d := tx.Dialect()
	t := d.QuoteIdent("res_partner")
	frontier := ids
	for depth := 0; len(frontier) > 0; depth++ {
		if depth > maxHierarchyDepth {
			return errs.Validation("The contact hierarchy is too deep.", errs.FieldError{Field: "parent_id", Message: "too deep"})
		}
		var next []int64
		for _, chunk := range chunks(frontier) {
			q := newSQL(d)
			q.w("UPDATE ", t, " SET commercial_partner_id = CASE WHEN is_company OR parent_id IS NULL THEN id ",
				"ELSE COALESCE((SELECT p.commercial_partner_id FROM ", t, " p WHERE p.id = ", t, ".parent_id), parent_id) END ",
				"WHERE ", q.in("id", chunk))
			if _, err := tx.ExecRaw(m.env.ctx, q.String(), q.args...); err != nil {
				return dbError(tx, err)
			}
			q = newSQL(d)
			q.w("SELECT id FROM ", t, " WHERE ", q.in("parent_id", chunk), " ORDER BY id")
			if err := scanIDs(m.env, tx, q, func(id int64) { next = append(next, id) }); err != nil {
				return err
			}
		}
		frontier = next
	}
	return nil
}

// checkNoCycle refuses a parent that is the record itself or one of its
// descendants (Odoo's "Recursion Detected").
func (m *Model) checkNoCycle(tx *store.Tx, ids []int64) error {
	d := tx.Dialect()
	col := d.QuoteIdent(m.meta.fields[m.meta.Parent].Column)
	for _, id := range ids {
		cur := id
		for depth := 0; ; depth++ {
			if depth > maxHierarchyDepth {
				return errs.Validation("Recursion Detected.", errs.FieldError{Field: m.meta.Parent, Message: "the hierarchy is too deep or cyclic"})
			}
			q := newSQL(d)
			q.w("SELECT ", col, " FROM ", d.QuoteIdent(m.meta.Table), " WHERE id = ", q.arg(cur), " AND ", col, " IS NOT NULL")
			parent := int64(0)
			if err := scanIDs(m.env, tx, q, func(p int64) { parent = p }); err != nil {
				return err
			}
			if parent == 0 {
				break
			}
			if parent == id {
				return errs.Validation("Recursion Detected.", errs.FieldError{Field: m.meta.Parent, Message: "a record cannot be its own ancestor"})
			}
			cur = parent
		}
	}
	return nil
}
