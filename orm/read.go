package orm

import (
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Read returns the records of ids with the given fields (all the fields
// the user may see when fields is empty), in the order of ids, in Odoo's
// JSON forms. Ids that do not exist or that the read rules hide are a
// MissingError; a field the user's groups exclude is an AccessError; an
// unknown field a ValidationError.
func (m *Model) Read(ids []int64, fields []string) ([]map[string]any, error) {
	r, err := m.ReadRecords(ids, fields)
	if err != nil {
		return nil, err
	}
	return r.All()
}

// ReadRecords is Read as an answer that need not be held whole: see
// Records.
func (m *Model) ReadRecords(ids []int64, fields []string) (*Records, error) {
	tx, err := m.start("read", OpRead, false)
	if err != nil {
		return nil, err
	}
	ids, err = uniqueIDs(ids)
	if err != nil {
		return nil, err
	}
	fl, err := m.readFields("read", fields)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return HeldRecords(nil), nil
	}
	if err := m.overBudget("read", len(ids)); err != nil {
		return nil, err
	}
	if err := m.checkRecords("read", tx, ids, OpRead); err != nil {
		return nil, err
	}
	m.auditSudo("read", ids)
	return m.records("read", tx, ids, fl)
}

// auditSudo buffers the audit event of a read-side operation under sudo.
func (m *Model) auditSudo(method string, ids []int64) {
	if m.env.su {
		m.env.deferEvent(m.env.event(AuditSudo, method, m.meta.Name, ids))
	}
}

// readFields resolves a requested field list: empty means every field the
// user may see; named fields must exist and be allowed.
func (m *Model) readFields(method string, names []string) ([]*Field, error) {
	var out []*Field
	if len(names) == 0 {
		for _, f := range m.meta.list {
			if m.fieldAllowed(m.meta, f) {
				out = append(out, f)
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	var problems []errs.FieldError
	for _, n := range names {
		f, ok := m.meta.fields[n]
		if !ok {
			problems = append(problems, errs.FieldError{Field: safeName(n), Message: "unknown field of " + m.meta.Name})
			continue
		}
		if !m.fieldAllowed(m.meta, f) {
			return nil, m.env.denied(method, m.meta.Name, nil, fieldAccessError(m.meta, f, OpRead))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, f)
		}
	}
	if len(problems) > 0 {
		return nil, errs.Validation("Invalid field names for "+m.meta.Name, problems...)
	}
	return out, nil
}

// readPlan is what loading a field list takes: the columns to select
// (id first), the x2many fields to look up, and where display_name's
// rec_name column is.
type readPlan struct {
	fl     []*Field
	cols   []*Field
	x2m    []*Field
	recCol int
}

func (m *Model) plan(fl []*Field) *readPlan {
	p := &readPlan{fl: fl, cols: []*Field{m.meta.fields["id"]}, recCol: -1}
	var recName *Field
	for _, f := range fl {
		switch {
		case f.Name == "id":
		case f.Name == "display_name":
			if m.meta.RecName != "" {
				recName = m.meta.fields[m.meta.RecName]
			}
		case f.X2many():
			p.x2m = append(p.x2m, f)
		case f.Stored():
			p.cols = append(p.cols, f)
		}
	}
	if recName != nil {
		for i, f := range p.cols {
			if f == recName {
				p.recCol = i
			}
		}
		if p.recCol < 0 {
			p.cols = append(p.cols, recName)
			p.recCol = len(p.cols) - 1
		}
	}
	return p
}

// oneStatement reports whether reading the plan's rows is all there is to
// do: no many2one display names and no x2many ids to fetch after them.
func (p *readPlan) oneStatement() bool {
	if len(p.x2m) > 0 {
		return false
	}
	for _, f := range p.cols {
		if f.Type == Many2one && wanted(p.fl, f) {
			return false
		}
	}
	return true
}

// selectList writes the plan's columns on alias t.
func (p *readPlan) selectList(q *sqlBuf) {
	for i, f := range p.cols {
		if i > 0 {
			q.w(", ")
		}
		q.w("t.", q.ident(f.Column))
	}
}

// scan runs q (selecting the plan's columns) and adds its rows to byID,
// returning their ids in the query's order.
func (m *Model) scan(tx *store.Tx, q *sqlBuf, p *readPlan, byID map[int64][]any) (ids []int64, err error) {
	start := time.Now()
	rows, err := q.run(m.env.ctx, tx)
	if err != nil {
		return nil, dbError(tx, err)
	}
	defer func() { rows.Close(); q.done(m.env.ctx, tx, start, len(ids)) }()
	// Each column lands in an *any (see scanvalue.go); the destinations
	// are reused, anyValue keeps the values.
	dest := make([]any, len(p.cols))
	raw := make([]any, len(p.cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	block := rowBlock{width: len(p.cols)}
	for rows.Next() {
		if err = rows.Scan(dest...); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "")
		}
		vals := block.next()
		for i, f := range p.cols {
			if vals[i], err = anyValue(f, raw[i]); err != nil {
				return nil, errs.Wrap(errs.Internal, err, "")
			}
		}
		id, ok := vals[0].(int64)
		if !ok {
			return nil, errs.Internalf("orm: %s row without an integer id", m.meta.Name)
		}
		byID[id] = vals
		if ids == nil {
			ids = make([]int64, 0, 16)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(tx, err)
	}
	return ids, nil
}

// fetch loads ids (already access-checked) and formats fl.
func (m *Model) fetch(tx *store.Tx, ids []int64, fl []*Field) ([]map[string]any, error) {
	p := m.plan(fl)
	byID := make(map[int64][]any, len(ids))
	for _, chunk := range chunks(ids) {
		q := newSQL(tx.Dialect())
		q.w("SELECT ")
		p.selectList(q)
		q.w(" FROM ", q.ident(m.meta.Table), " t WHERE ", q.in("t.id", chunk))
		if _, err := m.scan(tx, q, p, byID); err != nil {
			return nil, err
		}
	}
	return m.format(tx, p, ids, byID)
}

// format turns loaded rows into Odoo's read() records, in the order of
// ids, adding many2one display names and x2many ids.
func (m *Model) format(tx *store.Tx, p *readPlan, ids []int64, byID map[int64][]any) ([]map[string]any, error) {
	fl, cols, x2m, recCol := p.fl, p.cols, p.x2m, p.recCol
	// Many2one display names, one query per comodel. Odoo reads them with
	// sudo: the caller sees the name of a record it links to even when it
	// cannot read that record.
	names := map[string]map[int64]any{}
	for i, f := range cols {
		if f.Type != Many2one || !wanted(fl, f) {
			continue
		}
		want := names[f.Comodel]
		if want == nil {
			want = map[int64]any{}
			names[f.Comodel] = want
		}
		for _, vals := range byID {
			if id, ok := vals[i].(int64); ok {
				want[id] = nil
			}
		}
	}
	for model, want := range names {
		// Odoo reads display names in sudo (no ACL, no rules), but an
		// API key's scopes still bound which models it reads from.
		if err := m.env.checkScope("read", model, OpRead); err != nil {
			return nil, err
		}
		if err := m.env.displayNames(tx, m.env.reg.models[model], want); err != nil {
			return nil, err
		}
	}
	rels := map[*Field]map[int64][]int64{}
	for _, f := range x2m {
		r, err := m.x2manyIDs(tx, f, ids)
		if err != nil {
			return nil, err
		}
		rels[f] = r
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		vals, ok := byID[id]
		if !ok {
			continue // deleted meanwhile; access was checked in the same transaction
		}
		rec := make(map[string]any, len(fl)+1)
		rec["id"] = vals[0] // the id as scanned, already boxed
		for i, f := range cols {
			if i == 0 || !wanted(fl, f) {
				continue
			}
			if f.Type == Many2one {
				if ref, ok := vals[i].(int64); ok {
					rec[f.Name] = []any{ref, names[f.Comodel][ref]}
					continue
				}
			}
			rec[f.Name] = vals[i]
		}
		for _, f := range x2m {
			l := rels[f][id]
			if l == nil {
				l = []int64{}
			}
			rec[f.Name] = l
		}
		if wanted(fl, m.meta.fields["display_name"]) {
			if recCol >= 0 {
				rec["display_name"] = vals[recCol]
			} else {
				rec["display_name"] = m.meta.displayName(id)
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

func wanted(fl []*Field, f *Field) bool {
	for _, x := range fl {
		if x == f {
			return true
		}
	}
	return false
}

// displayNames fills want (id → nil) with the display names of co's
// records. A record that is gone reads as "" (it may be in another
// package's table, without a foreign key).
func (e *Env) displayNames(tx *store.Tx, co *Meta, want map[int64]any) error {
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
		want[id] = ""
	}
	if co.RecName == "" {
		for _, id := range ids {
			want[id] = co.displayName(id)
		}
		return nil
	}
	d := tx.Dialect()
	for _, chunk := range chunks(ids) {
		q := newSQL(d)
		q.w("SELECT id, ", q.ident(co.fields[co.RecName].Column), " FROM ", q.ident(co.Table), " WHERE ", q.in("id", chunk))
		rows, err := tx.QueryRaw(e.ctx, q.String(), q.args...)
		if err != nil {
			return dbError(tx, err)
		}
		for rows.Next() {
			var id int64
			var name *string
			if err = rows.Scan(&id, &name); err != nil {
				rows.Close()
				return errs.Wrap(errs.Internal, err, "")
			}
			if name != nil {
				want[id] = *name
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return dbError(tx, err)
		}
	}
	return nil
}

// x2manyIDs returns, per record of ids, the linked comodel ids that the
// user may read (comodel read rules, and archived records hidden unless
// active_test is off), in the comodel's order.
func (m *Model) x2manyIDs(tx *store.Tx, f *Field, ids []int64) (map[int64][]int64, error) {
	co := &Model{env: m.env, meta: m.env.reg.models[f.Comodel]}
	if err := co.env.checkModel("read", co.meta.Name, OpRead); err != nil {
		return nil, err
	}
	filter, err := co.ruleDomain(OpRead)
	if err != nil {
		return nil, err
	}
	if co.meta.HasActive() && m.env.ActiveTest() {
		filter = domain.And(filter, domain.Condition{Field: "active", Operator: "=", Value: true})
	}
	out := map[int64][]int64{}
	d := tx.Dialect()
	for _, chunk := range chunks(ids) {
		q := newSQL(d)
		var owner string
		if f.Type == One2many {
			owner = "c." + q.ident(co.meta.fields[f.Inverse].Column)
			q.w("SELECT ", owner, ", c.id FROM ", q.ident(co.meta.Table), " c WHERE ", q.in(owner, chunk))
		} else {
			owner = "r." + q.ident(f.Column1)
			q.w("SELECT ", owner, ", c.id FROM ", q.ident(f.Relation), " r JOIN ", q.ident(co.meta.Table), " c ON c.id = r.", q.ident(f.Column2),
				" WHERE ", q.in(owner, chunk))
		}
		if filter != nil && filter != domain.Node(domain.True) {
			where, err := co.where(q, "c", filter, true)
			if err != nil {
				return nil, err
			}
			q.w(" AND (", where, ")")
		}
		q.w(" ORDER BY ", orderSQL(d, "c", co.meta.order))
		rows, err := tx.QueryRaw(m.env.ctx, q.String(), q.args...)
		if err != nil {
			return nil, dbError(tx, err)
		}
		for rows.Next() {
			var o, id int64
			if err = rows.Scan(&o, &id); err != nil {
				rows.Close()
				return nil, errs.Wrap(errs.Internal, err, "")
			}
			out[o] = append(out[o], id)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbError(tx, err)
		}
	}
	return out, nil
}
