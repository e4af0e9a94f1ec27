package orm

import (
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// runCommands applies x2many commands to record id. Creating, updating
// and deleting comodel records go through the comodel's own methods on the
// same Env, so its access rules and validation apply; so do one2many links
// (a write of the inverse on the comodel). Many2many links only touch the
// relation table, after checking that the linked records exist.
func (m *Model) runCommands(tx *store.Tx, id int64, writes []x2mWrite) error {
	if len(writes) == 0 {
		return nil
	}
	return m.inCommands(func() error { return m.runCommandsNow(tx, id, writes) })
}

func (m *Model) runCommandsNow(tx *store.Tx, id int64, writes []x2mWrite) error {
	for _, w := range writes {
		co := &Model{env: m.env, meta: m.env.reg.models[w.field.Comodel]}
		for _, c := range batchDeletes(w.cmds, w.field.Type == One2many) {
			var err error
			if w.field.Type == One2many {
				err = m.o2mCommand(tx, co, w.field, id, c)
			} else {
				err = m.m2mCommand(tx, co, w.field, id, c)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// call runs fn, an operation of a command on this (co)model, after the
// model's own ACL check for op.
func (m *Model) call(method string, op Op, fn func() error) error {
	if err := m.env.checkModel(method, m.meta.Name, op); err != nil {
		return err
	}
	return fn()
}

func (m *Model) o2mCommand(tx *store.Tx, co *Model, f *Field, id int64, c command) error {
	inv := co.meta.fields[f.Inverse]
	cut := func(ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		if inv.Required || inv.OnDelete == Cascade {
			return co.call("unlink", OpUnlink, func() error { return co.unlink(tx, ids) })
		}
		return co.call("write", OpWrite, func() error { return co.writeInverse(tx, ids, map[string]any{inv.Name: false}, inv.Name) })
	}
	link := func(ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		return co.call("write", OpWrite, func() error { return co.writeInverse(tx, ids, map[string]any{inv.Name: id}, inv.Name) })
	}
	switch c.op {
	case cmdCreate:
		vals := make(map[string]any, len(c.vals)+1)
		for k, v := range c.vals {
			vals[k] = v
		}
		vals[inv.Name] = id
		return co.call("create", OpCreate, func() error {
			_, err := co.create(tx, []map[string]any{vals}, inv.Name)
			return err
		})
	case cmdUpdate:
		return co.call("write", OpWrite, func() error { return co.write(tx, []int64{c.id}, c.vals) })
	case cmdDelete:
		return co.call("unlink", OpUnlink, func() error { return co.unlink(tx, c.targetIDs()) })
	case cmdUnlink:
		return cut(c.targetIDs())
	case cmdLink:
		return link([]int64{c.id})
	case cmdClear, cmdSet:
		current, err := co.idsWhere(tx, inv.Column, id)
		if err != nil {
			return err
		}
		if current, err = co.readable(tx, current); err != nil {
			return err
		}
		want := map[int64]bool{}
		for _, x := range c.ids {
			want[x] = true
		}
		var drop, add []int64
		have := map[int64]bool{}
		for _, x := range current {
			have[x] = true
			if !want[x] {
				drop = append(drop, x)
			}
		}
		for _, x := range c.ids {
			if !have[x] {
				add = append(add, x)
				have[x] = true
			}
		}
		if err := cut(drop); err != nil {
			return err
		}
		return link(add)
	}
	return errs.Internalf("orm: unknown x2many command %d", c.op)
}

// idsWhere lists the ids of records whose column equals v.
func (m *Model) idsWhere(tx *store.Tx, column string, v int64) ([]int64, error) {
	q := newSQL(tx.Dialect())
	q.w("SELECT ", q.ident("id"), " FROM ", q.ident(m.meta.Table), " WHERE ", q.ident(column), " = ", q.arg(v), " ORDER BY ", q.ident("id"))
	var ids []int64
	err := scanIDs(m.env, tx, q, func(id int64) { ids = append(ids, id) })
	return ids, err
}

func (m *Model) m2mCommand(tx *store.Tx, co *Model, f *Field, id int64, c command) error {
	d := tx.Dialect()
	ctx := m.env.ctx
	rel, c1, c2 := d.QuoteIdent(f.Relation), d.QuoteIdent(f.Column1), d.QuoteIdent(f.Column2)
	link := func(ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		// A record the caller cannot read is linked no more than a
		// missing one (same error: no existence oracle).
		found, err := co.targets(tx, ids, true)
		if err != nil {
			return err
		}
		for _, x := range ids {
			if !found[x] {
				return errs.Validation("Invalid values for "+m.meta.Name, errs.FieldError{Field: f.Name, Message: "links to a record that does not exist"})
			}
			q := newSQL(d)
			q.w("INSERT INTO ", rel, " (", c1, ", ", c2, ") VALUES (", q.arg(id), ", ", q.arg(x), ") ON CONFLICT DO NOTHING")
			if _, err := tx.ExecRaw(ctx, q.String(), q.args...); err != nil {
				return dbError(tx, err)
			}
		}
		return nil
	}
	cut := func(other int64, all bool) error {
		q := newSQL(d)
		q.w("DELETE FROM ", rel, " WHERE ", c1, " = ", q.arg(id))
		if !all {
			q.w(" AND ", c2, " = ", q.arg(other))
		} else if rule, err := co.ruleDomain(OpRead); err != nil {
			return err
		} else if rule != nil {
			// Clearing cuts only the links the user can see: links to
			// records its rules hide stay, as in Odoo.
			q.w(" AND ", c2, " IN (SELECT c.id FROM ", q.ident(co.meta.Table), " c WHERE ")
			w, err := co.where(q, "c", rule, true)
			if err != nil {
				return err
			}
			q.w(w, ")")
		}
		_, err := tx.ExecRaw(ctx, q.String(), q.args...)
		return dbError(tx, err)
	}
	switch c.op {
	case cmdCreate:
		var ids []int64
		err := co.call("create", OpCreate, func() error {
			var err error
			ids, err = co.create(tx, []map[string]any{c.vals}, "")
			return err
		})
		if err != nil {
			return err
		}
		return link(ids)
	case cmdUpdate:
		return co.call("write", OpWrite, func() error { return co.write(tx, []int64{c.id}, c.vals) })
	case cmdDelete:
		return co.call("unlink", OpUnlink, func() error { return co.unlink(tx, c.targetIDs()) })
	case cmdUnlink:
		return cut(c.id, false)
	case cmdLink:
		return link([]int64{c.id})
	case cmdClear:
		return cut(0, true)
	case cmdSet:
		if err := cut(0, true); err != nil {
			return err
		}
		return link(c.ids)
	}
	return errs.Internalf("orm: unknown x2many command %d", c.op)
}

// readable keeps the ids the user may read (all of them under sudo or
// without rules): commands that act on "all current lines" act on those
// the user can see.
func (m *Model) readable(tx *store.Tx, ids []int64) ([]int64, error) {
	rule, err := m.ruleDomain(OpRead)
	if err != nil || rule == nil || len(ids) == 0 {
		return ids, err
	}
	ok, err := m.filterIDs(tx, ids, rule)
	if err != nil {
		return nil, err
	}
	out := ids[:0:0]
	for _, id := range ids {
		if ok[id] {
			out = append(out, id)
		}
	}
	return out, nil
}
