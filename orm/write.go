package orm

import (
	"strings"

	"github.com/rampart/rampart/store"
)

// Write sets vals on every record of ids. Sequence: ACL (write); field
// groups on every given field; validation (nothing is written if it
// fails); ids that do not exist or that the read rules hide are
// MissingError, readable ids outside the write rules AccessError (on the
// values before the change); then the update, x2many commands and the
// audit event with the changed field names.
func (m *Model) Write(ids []int64, vals map[string]any) error {
	tx, err := m.start("write", OpWrite, true)
	if err != nil {
		return err
	}
	ids, err = uniqueIDs(ids)
	if err != nil || len(ids) == 0 {
		return err
	}
	return m.write(tx, ids, vals)
}

func (m *Model) write(tx *store.Tx, ids []int64, vals map[string]any) error {
	return m.writeInverse(tx, ids, vals, "")
}

// writeInverse is write where inverse names the many2one a one2many
// command of the parent being written sets (the parent is checked by that
// write already).
func (m *Model) writeInverse(tx *store.Tx, ids []int64, vals map[string]any, inverse string) error {
	if err := m.checkFieldNames("write", sortedKeys(vals), OpWrite); err != nil {
		return err
	}
	p, problems := m.prepare(vals, false, "", "")
	if len(problems) > 0 {
		return validationError(m.meta.Name, problems)
	}
	if err := m.countCommands([]prepared{p}); err != nil {
		return err
	}
	if err := m.checkRecords("write", tx, ids, OpWrite); err != nil {
		return err
	}
	if err := m.checkRefs(tx, []prepared{p}, inverse); err != nil {
		return err
	}
	if err := m.checkParents(tx, ids, p, inverse); err != nil {
		return err
	}
	// The old values of the written columns, for the trail's old -> new.
	afl := m.auditFields(p.fields)
	before, err := m.snapshot(tx, ids, afl)
	if err != nil {
		return err
	}
	return m.env.savepoint(tx, func() error {
		for _, chunk := range chunks(ids) {
			if err := m.update(tx, chunk, p); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if err := m.runCommands(tx, id, p.x2m); err != nil {
				return err
			}
		}
		if err := m.flushTriggers(); err != nil {
			return err
		}
		if err := m.afterWrite(tx, ids, p.fields, false); err != nil {
			return err
		}
		if err := m.afterWriteTriggers(ids, p.fields, false); err != nil {
			return err
		}
		if err := m.checkAfterWrite(tx, ids); err != nil {
			return err
		}
		if err := m.checkCompany(tx, ids, p.fields, false); err != nil {
			return err
		}
		after, err := m.snapshot(tx, ids, afl)
		if err != nil {
			return err
		}
		ev := m.env.event(AuditWrite, "write", m.meta.Name, ids)
		ev.Fields = p.fields
		ev.Changes = changes(ids, afl, before, after, false)
		return m.env.record(tx, ev)
	})
}

// update sets the prepared columns and write_uid/write_date.
func (m *Model) update(tx *store.Tx, ids []int64, p prepared) error {
	q := newSQL(tx.Dialect())
	sets := make([]string, 0, len(p.cols)+2)
	for i, f := range p.cols {
		sets = append(sets, q.ident(f.Column)+" = "+q.arg(p.vals[i]))
	}
	sets = append(sets,
		q.ident("write_uid")+" = "+q.arg(nullID(m.env.UID())),
		q.ident("write_date")+" = "+q.arg(m.env.reg.now().Format(DatetimeLayout)))
	q.w("UPDATE ", q.ident(m.meta.Table), " SET ", strings.Join(sets, ", "), " WHERE ", q.in(q.ident("id"), ids))
	if _, err := tx.ExecRaw(m.env.ctx, q.String(), q.args...); err != nil {
		return dbError(tx, err)
	}
	return nil
}

// Unlink deletes the records of ids: ACL (unlink); missing or unreadable
// ids are MissingError, readable ones outside the unlink rules
// AccessError; then the delete (many2one references cascade, restrict or
// are cleared as declared; a restricted reference is a ValidationError).
func (m *Model) Unlink(ids []int64) error {
	tx, err := m.start("unlink", OpUnlink, true)
	if err != nil {
		return err
	}
	ids, err = uniqueIDs(ids)
	if err != nil || len(ids) == 0 {
		return err
	}
	return m.unlink(tx, ids)
}

func (m *Model) unlink(tx *store.Tx, ids []int64) error {
	if err := m.checkRecords("unlink", tx, ids, OpUnlink); err != nil {
		return err
	}
	casc, err := m.cascades(tx, ids)
	if err != nil {
		return err
	}
	for _, c := range casc {
		if err := m.env.checkScope("unlink", c.meta.Name, OpUnlink); err != nil {
			return err
		}
	}
	return m.env.savepoint(tx, func() error {
		after, err := m.beforeUnlinkTriggers(ids)
		if err != nil {
			return err
		}
		for _, chunk := range chunks(ids) {
			q := newSQL(tx.Dialect())
			q.w("DELETE FROM ", q.ident(m.meta.Table), " WHERE ", q.in(q.ident("id"), chunk))
			if _, err := tx.ExecRaw(m.env.ctx, q.String(), q.args...); err != nil {
				return dbError(tx, err)
			}
		}
		if err := m.env.record(tx, m.env.event(AuditUnlink, "unlink", m.meta.Name, ids)); err != nil {
			return err
		}
		// One entry per model the delete cascaded into, with its ids.
		for _, c := range casc {
			ev := m.env.event(AuditUnlink, "unlink", c.meta.Name, c.ids)
			ev.Reason = "deleted with " + m.meta.Name + " (ondelete cascade)"
			if err := m.env.record(tx, ev); err != nil {
				return err
			}
		}
		if after != nil {
			return after()
		}
		return nil
	})
}
