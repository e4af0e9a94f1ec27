package orm

import (
	"encoding/json"
	"reflect"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// The audit trail records the values a change set, old and new, so that a
// change can be reconstructed from the trail alone (the Auditor keeps
// secrets out and bounds large values). The values are read straight from
// the table, in the change's transaction: before the update for the old
// ones, after the triggers for the new ones.

// auditFields are the stored, non-x2many fields among names: those whose
// value is one column of the record.
func (m *Model) auditFields(names []string) []*Field {
	var out []*Field
	for _, n := range names {
		f := m.meta.fields[n]
		if f == nil || !f.Stored() || f.X2many() || f.Magic {
			continue
		}
		out = append(out, f)
	}
	return out
}

// snapshot reads fl of ids as they are now in tx.
func (m *Model) snapshot(tx *store.Tx, ids []int64, fl []*Field) (map[int64][]any, error) {
	out := make(map[int64][]any, len(ids))
	if len(fl) == 0 || len(ids) == 0 || m.env.reg.Auditor == nil {
		return out, nil
	}
	for _, chunk := range chunks(ids) {
		q := newSQL(tx.Dialect())
		q.w("SELECT ", q.ident("id"))
		for _, f := range fl {
			q.w(", ", q.ident(f.Column))
		}
		q.w(" FROM ", q.ident(m.meta.Table), " WHERE ", q.in(q.ident("id"), chunk))
		rows, err := tx.QueryRaw(m.env.ctx, q.String(), q.args...)
		if err != nil {
			return nil, dbError(tx, err)
		}
		dest := make([]any, len(fl)+1)
		var id int64
		dest[0] = &id
		for i, f := range fl {
			dest[i+1] = scanDest(f)
		}
		for rows.Next() {
			if err = rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, errs.Wrap(errs.Internal, err, "")
			}
			vals := make([]any, len(fl))
			for i, f := range fl {
				vals[i] = readValue(f, dest[i+1])
			}
			out[id] = vals
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbError(tx, err)
		}
	}
	return out, nil
}

// changes pairs the old and new snapshots of fl: per record, the fields
// whose value differs (every field when created).
func changes(ids []int64, fl []*Field, before, after map[int64][]any, created bool) map[int64]map[string]Change {
	if len(fl) == 0 {
		return nil
	}
	out := map[int64]map[string]Change{}
	for _, id := range ids {
		nv, ok := after[id]
		if !ok {
			continue
		}
		ov := before[id]
		for i, f := range fl {
			c := Change{Type: f.Type, New: nv[i], Created: created}
			if !created {
				if ov == nil {
					continue
				}
				if reflect.DeepEqual(ov[i], nv[i]) {
					continue
				}
				c.Old = ov[i]
			}
			rc := out[id]
			if rc == nil {
				rc = map[string]Change{}
				out[id] = rc
			}
			rc[f.Name] = c
		}
	}
	return out
}

// Computed runs fn, server code that updates the stored fields of model's
// records ids with SQL (a trigger recomputing an order's total), and
// records in the audit trail the values fn changed, old and new, as a
// write by the computation. Without an auditor it just runs fn.
func (e *Env) Computed(model string, ids []int64, fields []string, fn func() error) error {
	if e.reg.Auditor == nil || len(ids) == 0 {
		return fn()
	}
	m, err := e.Model(model)
	if err != nil {
		return err
	}
	tx, err := e.Tx()
	if err != nil {
		return err
	}
	fl := m.auditFields(fields)
	before, err := m.snapshot(tx, ids, fl)
	if err != nil {
		return err
	}
	if err = fn(); err != nil {
		return err
	}
	after, err := m.snapshot(tx, ids, fl)
	if err != nil {
		return err
	}
	ch := changes(ids, fl, before, after, false)
	if len(ch) == 0 {
		return nil
	}
	var changed []int64
	var names []string
	for _, id := range ids {
		rc, ok := ch[id]
		if !ok {
			continue
		}
		changed = append(changed, id)
		for _, f := range fl {
			if _, ok := rc[f.Name]; ok && !contains(names, f.Name) {
				names = append(names, f.Name)
			}
		}
	}
	ev := e.event(AuditWrite, "compute", model, changed)
	ev.Fields, ev.Changes = names, ch
	return e.record(tx, ev)
}

// createdValues are the values a create inserted for record id, from its
// prepared columns (no read back: the insert is what the caller set), in
// the form snapshot reads them.
func createdValues(id int64, p prepared) map[int64]map[string]Change {
	if len(p.cols) == 0 {
		return nil
	}
	rc := make(map[string]Change, len(p.cols))
	for i, f := range p.cols {
		if f.Magic || f.X2many() {
			continue
		}
		rc[f.Name] = Change{Type: f.Type, New: jsonForm(f, p.vals[i]), Created: true}
	}
	return map[int64]map[string]Change{id: rc}
}

// jsonForm turns a SQL parameter of f into the value read returns (a
// many2one as the bare id).
func jsonForm(f *Field, v any) any {
	if v == nil {
		switch f.Type {
		case Integer:
			return int64(0)
		case Float, Monetary:
			return 0.0
		}
		return false
	}
	switch x := v.(type) {
	case string:
		if f.Type == JSON {
			var out any
			if json.Unmarshal([]byte(x), &out) == nil {
				return out
			}
		}
		if f.Type == Date || f.Type == Datetime {
			return timeValue(f, x)
		}
	case int:
		return int64(x)
	}
	return v
}
