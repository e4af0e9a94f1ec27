package orm

import (
	"sort"
	"strings"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Create inserts one record per vals and returns their ids. Sequence:
// ACL (create) up front; field groups on every given field; validation of
// all records (nothing is inserted if any fails); insert, x2many commands;
// then the new rows are checked against the create rules in the same
// transaction — a violation undoes the inserts (savepoint) and is an
// AccessError.
func (m *Model) Create(vals []map[string]any) ([]int64, error) {
	tx, err := m.start("create", OpCreate, true)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return []int64{}, nil
	}
	return m.create(tx, vals, "")
}

// create is Create after the prologue; inverse names the one2many inverse
// the caller fills in (required-check skipped for it).
func (m *Model) create(tx *store.Tx, vals []map[string]any, inverse string) ([]int64, error) {
	for _, v := range vals {
		if err := m.checkFieldNames("create", sortedKeys(v), OpCreate); err != nil {
			return nil, err
		}
	}
	vals, derr := m.withDefaults(tx, vals, inverse)
	if derr != nil {
		return nil, derr
	}
	preps := make([]prepared, len(vals))
	var problems []errs.FieldError
	for i, v := range vals {
		prefix := ""
		if len(vals) > 1 {
			prefix = "[" + itoa(int64(i)) + "]."
		}
		p, ps := m.prepare(v, true, prefix, inverse)
		preps[i] = p
		problems = append(problems, ps...)
	}
	if len(problems) > 0 {
		return nil, validationError(m.meta.Name, problems)
	}
	if err := m.countCommands(preps); err != nil {
		return nil, err
	}
	if err := m.checkRefs(tx, preps, inverse); err != nil {
		return nil, err
	}
	var ids []int64
	err := m.env.savepoint(tx, func() error {
		for _, p := range preps {
			id, err := m.insert(tx, p)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if err := m.runCommands(tx, id, p.x2m); err != nil {
				return err
			}
		}
		if err := m.flushTriggers(); err != nil {
			return err
		}
		if err := m.afterWrite(tx, ids, nil, true); err != nil {
			return err
		}
		if err := m.afterWriteTriggers(ids, unionFields(preps), true); err != nil {
			return err
		}
		if err := m.checkCompany(tx, ids, nil, true); err != nil {
			return err
		}
		rule, err := m.ruleDomain(OpCreate)
		if err != nil {
			return err
		}
		if rule != nil {
			ok, err := m.filterIDs(tx, ids, rule)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if !ok[id] {
					return m.env.denied("create", m.meta.Name, nil, m.ruleError(OpCreate))
				}
			}
		}
		for i, id := range ids {
			ev := m.env.event(AuditCreate, "create", m.meta.Name, []int64{id})
			ev.Fields = preps[i].fields
			// The values inserted (given and defaulted), for the trail; what
			// triggers computed afterwards has entries of its own.
			ev.Changes = createdValues(id, preps[i])
			if err := m.env.record(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// insert stores one prepared record with its magic columns.
func (m *Model) insert(tx *store.Tx, p prepared) (int64, error) {
	q := newSQL(tx.Dialect())
	cols := make([]string, 0, len(p.cols)+4)
	ph := make([]string, 0, len(p.cols)+4)
	for i, f := range p.cols {
		cols = append(cols, q.ident(f.Column))
		ph = append(ph, q.arg(p.vals[i]))
	}
	now := m.env.reg.now().Format(DatetimeLayout)
	uid := nullID(m.env.UID())
	for _, kv := range [][2]any{{"create_uid", uid}, {"create_date", now}, {"write_uid", uid}, {"write_date", now}} {
		cols = append(cols, q.ident(kv[0].(string)))
		ph = append(ph, q.arg(kv[1]))
	}
	q.w("INSERT INTO ", q.ident(m.meta.Table), " (", strings.Join(cols, ", "), ") VALUES (", strings.Join(ph, ", "), ") RETURNING ", q.ident("id"))
	var id int64
	err := scanIDs(m.env, tx, q, func(v int64) { id = v })
	if err == nil && id == 0 {
		err = errs.Internalf("orm: insert into %s returned no id", m.meta.Table)
	}
	return id, err
}

// nullID is NULL for "no user" (auth=none).
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// dbError classifies a driver error for the client: constraint
// violations become ValidationError (store's texts); anything else stays
// internal.
func dbError(tx *store.Tx, err error) error {
	if err == nil {
		return nil
	}
	if e := errs.As(err); e.Kind != errs.Internal {
		return e
	}
	if interrupted(err) {
		return budgetError()
	}
	d := tx.Dialect()
	switch {
	case d.IsForeignKeyViolation(err), d.Name() == "sqlite" && strings.Contains(err.Error(), "FOREIGN KEY constraint failed"):
		// SQLite reports ON DELETE RESTRICT as SQLITE_CONSTRAINT_TRIGGER
		// (1811), which store's IsForeignKeyViolation does not cover.
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: a referenced record does not exist, or another record still refers to this one.")
	case d.IsUniqueViolation(err):
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: another record has the same value for a unique field.")
	case d.IsNotNullViolation(err):
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: a required value is missing.")
	case d.IsRetryable(err):
		return errs.Wrap(errs.Conflict, err, "")
	}
	return errs.Wrap(errs.Internal, err, "")
}

// unionFields is the sorted union of the prepared records' field names.
func unionFields(preps []prepared) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range preps {
		for _, f := range p.fields {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out
}
