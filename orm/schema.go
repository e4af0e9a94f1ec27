package orm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// SyncReport says what Sync did.
type SyncReport struct {
	// Changes are the DDL statements executed (empty when the schema was
	// already up to date).
	Changes []string
	// Warnings are differences Sync does not resolve by itself because
	// that could lose data: columns no longer declared (kept), columns
	// whose type differs from the declaration, constraints SQLite cannot
	// add to an existing column.
	Warnings []string
}

// Sync creates and alters the tables of every registered, non-external
// model: tables, columns, foreign keys, indexes and many2many relation
// tables. It is idempotent and never drops or rewrites anything; what it
// will not change is reported in SyncReport.Warnings. It runs in one
// transaction: on error nothing is changed.
//
// Foreign keys: many2one columns reference their comodel's table with the
// declared ondelete. PostgreSQL gets them as named constraints added after
// all tables exist (so models may refer to each other in any order). SQLite
// cannot add a constraint to an existing table: the reference is declared
// inline when the table or the column is created (ALTER TABLE ADD COLUMN
// accepts REFERENCES for a nullable column), and a many2one declared on a
// column that already existed without one is only reported. References to
// external models (res.users: create_uid, write_uid, salespeople) have no
// foreign key, because their tables are created by another package's
// migrations, possibly later.
//
// Required fields are NOT NULL when the table is created. A required
// column added to an existing table is added nullable and reported (the
// existing rows have no value); validation still enforces it on writes.
func (r *Registry) Sync(ctx context.Context, db *store.DB) (*SyncReport, error) {
	rep := &SyncReport{}
	err := db.Write(ctx, func(tx *store.Tx) error {
		*rep = SyncReport{}
		s := &syncer{ctx: ctx, tx: tx, d: tx.Dialect(), reg: r, rep: rep}
		return s.run()
	})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "")
	}
	if err := r.analyze(ctx, db, len(rep.Changes) > 0); err != nil {
		rep.Warnings = append(rep.Warnings, "planner statistics not refreshed: "+err.Error())
	}
	return rep, nil
}

// analyze refreshes the planner statistics of the models' tables after a
// sync: all of them when the sync changed the schema, else those that
// have none yet (a database loaded in bulk and not yet visited by
// autovacuum). Rule-filtered queries are planned from these statistics.
func (r *Registry) analyze(ctx context.Context, db *store.DB, changed bool) error {
	var tables []string
	for _, name := range r.names {
		m := r.models[name]
		if m.External {
			continue
		}
		tables = append(tables, m.Table)
		for _, f := range m.list {
			if f.Type == Many2many && f.Relation != "" {
				tables = append(tables, f.Relation)
			}
		}
	}
	slices.Sort(tables)
	tables = slices.Compact(tables)
	if !changed {
		var err error
		if tables, err = db.Unanalyzed(ctx, tables); err != nil {
			return err
		}
	}
	return db.AnalyzeTables(ctx, tables...)
}

type syncer struct {
	ctx context.Context
	tx  *store.Tx
	d   store.Dialect
	reg *Registry
	rep *SyncReport
}

func (s *syncer) pg() bool { return s.d.Name() == "postgres" }

func (s *syncer) exec(stmt string) error {
	if _, err := s.tx.Exec(s.ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	s.rep.Changes = append(s.rep.Changes, stmt)
	return nil
}

func (s *syncer) warn(format string, a ...any) {
	s.rep.Warnings = append(s.rep.Warnings, fmt.Sprintf(format, a...))
}

func (s *syncer) models() []*Meta {
	var out []*Meta
	for _, name := range s.reg.names {
		if m := s.reg.models[name]; !m.External {
			out = append(out, m)
		}
	}
	return out
}

// syncLockKey is the PostgreSQL advisory lock that serializes schema syncs
// of instances starting together ("rampart" in ASCII).
const syncLockKey = 0x72616d70617274

func (s *syncer) run() error {
	if s.pg() {
		// Several instances may start at once: the second waits, then finds
		// nothing to do. (SQLite's single writer already serializes.)
		if _, err := s.tx.Exec(s.ctx, `SELECT pg_advisory_xact_lock(?)`, int64(syncLockKey)); err != nil {
			return err
		}
	}
	ms := s.models()
	for _, m := range ms {
		if err := s.syncTable(m); err != nil {
			return err
		}
	}
	for _, m := range ms {
		for _, f := range m.list {
			if f.Type == Many2many {
				if err := s.syncRelation(m, f); err != nil {
					return err
				}
			}
		}
	}
	if s.pg() {
		for _, m := range ms {
			if err := s.syncForeignKeys(m); err != nil {
				return err
			}
		}
	}
	for _, m := range ms {
		if err := s.syncIndexes(m); err != nil {
			return err
		}
	}
	return s.syncPartnerShare()
}

// column is an existing column as the database describes it.
type column struct {
	typ     string
	notNull bool
}

func (s *syncer) tableExists(table string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if s.pg() {
		q = `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	err := s.tx.QueryRow(s.ctx, q, table).Scan(&n)
	return n > 0, err
}

func (s *syncer) columns(table string) (map[string]column, []string, error) {
	q := `SELECT name, type, "notnull" FROM pragma_table_info(?) ORDER BY cid`
	if s.pg() {
		q = `SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	rows, err := s.tx.Query(s.ctx, q, table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols := map[string]column{}
	var order []string
	for rows.Next() {
		var name, typ string
		var nn bool
		if err := rows.Scan(&name, &typ, &nn); err != nil {
			return nil, nil, err
		}
		cols[name] = column{typ: strings.ToLower(typ), notNull: nn}
		order = append(order, name)
	}
	return cols, order, rows.Err()
}

// sqlType is the column type of f in this dialect.
func (s *syncer) sqlType(f *Field) string { return s.d.ColumnType(domain.ColumnType(f.Type)) }

// sameType compares a declared type with what the database reports
// (information_schema spells PostgreSQL types out).
func (s *syncer) sameType(f *Field, have string) bool {
	want := strings.ToLower(s.sqlType(f))
	if s.pg() {
		switch want {
		case "varchar":
			want = "character varying"
		case "timestamp":
			want = "timestamp without time zone"
		}
	}
	return want == have
}

// reference is the inline REFERENCES clause of a many2one column, or "".
func (s *syncer) reference(f *Field) string {
	if f.Type != Many2one {
		return ""
	}
	co := s.reg.models[f.Comodel]
	if co == nil || co.External {
		return ""
	}
	return " REFERENCES " + s.d.QuoteIdent(co.Table) + "(" + s.d.QuoteIdent("id") + ") ON DELETE " + strings.ToUpper(f.OnDelete)
}

func (s *syncer) syncTable(m *Meta) error {
	exists, err := s.tableExists(m.Table)
	if err != nil {
		return err
	}
	q := s.d.QuoteIdent
	if !exists {
		defs := []string{q("id") + " " + s.d.AutoID()}
		for _, f := range m.list {
			if !f.Stored() || f.Name == "id" {
				continue
			}
			def := q(f.Column) + " " + s.sqlType(f)
			if f.Required {
				def += " NOT NULL"
			}
			if !s.pg() {
				def += s.reference(f)
			}
			defs = append(defs, def)
		}
		return s.exec("CREATE TABLE " + q(m.Table) + " (" + strings.Join(defs, ", ") + ")")
	}
	cols, order, err := s.columns(m.Table)
	if err != nil {
		return err
	}
	declared := map[string]bool{}
	for _, f := range m.list {
		if !f.Stored() {
			continue
		}
		declared[f.Column] = true
		have, ok := cols[f.Column]
		if !ok {
			def := "ALTER TABLE " + q(m.Table) + " ADD COLUMN " + q(f.Column) + " " + s.sqlType(f)
			if !s.pg() {
				def += s.reference(f)
			}
			if err := s.exec(def); err != nil {
				return err
			}
			if f.Required {
				s.warn("%s.%s: required column added to an existing table as nullable; existing rows have no value", m.Name, f.Name)
			}
			continue
		}
		if f.Name != "id" && !s.sameType(f, have.typ) {
			s.warn("%s.%s: column %s.%s has type %s, the declaration wants %s; not converted", m.Name, f.Name, m.Table, f.Column, have.typ, strings.ToLower(s.sqlType(f)))
		}
	}
	for _, c := range order {
		if !declared[c] {
			s.warn("%s: column %s.%s is no longer declared; kept with its data", m.Name, m.Table, c)
		}
	}
	if !s.pg() {
		return s.checkSQLiteForeignKeys(m)
	}
	return nil
}

// checkSQLiteForeignKeys reports many2one columns that lack the declared
// reference: SQLite cannot add one to an existing column.
func (s *syncer) checkSQLiteForeignKeys(m *Meta) error {
	rows, err := s.tx.Query(s.ctx, `SELECT "from", "table" FROM pragma_foreign_key_list(?)`, m.Table)
	if err != nil {
		return err
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var from, table string
		if err := rows.Scan(&from, &table); err != nil {
			return err
		}
		have[from] = table
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range m.list {
		if s.reference(f) == "" {
			continue
		}
		if co := s.reg.models[f.Comodel]; have[f.Column] != co.Table {
			s.warn("%s.%s: SQLite cannot add a foreign key to an existing column; %s.%s has none to %s", m.Name, f.Name, m.Table, f.Column, co.Table)
		}
	}
	return nil
}

func (s *syncer) constraintExists(table, name string) (bool, error) {
	var n int
	err := s.tx.QueryRow(s.ctx, `SELECT count(*) FROM information_schema.table_constraints
		WHERE table_schema = current_schema() AND table_name = ? AND constraint_name = ?`, table, name).Scan(&n)
	return n > 0, err
}

func (s *syncer) syncForeignKeys(m *Meta) error {
	q := s.d.QuoteIdent
	for _, f := range m.list {
		ref := s.reference(f)
		if ref == "" {
			continue
		}
		name := shortIdent(m.Table + "_" + f.Column + "_fkey")
		ok, err := s.constraintExists(m.Table, name)
		if err != nil || ok {
			return err
		}
		if err := s.exec("ALTER TABLE " + q(m.Table) + " ADD CONSTRAINT " + q(name) + " FOREIGN KEY (" + q(f.Column) + ")" + ref); err != nil {
			return err
		}
	}
	return nil
}

func (s *syncer) indexExists(name string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`
	if s.pg() {
		q = `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
	}
	var n int
	err := s.tx.QueryRow(s.ctx, q, name).Scan(&n)
	return n > 0, err
}

func (s *syncer) index(table string, cols ...string) error {
	name := shortIdent(table + "__" + strings.Join(cols, "__") + "_index")
	ok, err := s.indexExists(name)
	if err != nil || ok {
		return err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = s.d.QuoteIdent(c)
	}
	return s.exec("CREATE INDEX " + s.d.QuoteIdent(name) + " ON " + s.d.QuoteIdent(table) + " (" + strings.Join(quoted, ", ") + ")")
}

func (s *syncer) syncIndexes(m *Meta) error {
	for _, f := range m.list {
		if f.Index && f.Stored() {
			if err := s.index(m.Table, f.Column); err != nil {
				return err
			}
		}
	}
	for _, idx := range m.Indexes {
		cols := make([]string, len(idx))
		for i, name := range idx {
			cols[i] = m.fields[name].Column
		}
		if err := s.index(m.Table, cols...); err != nil {
			return err
		}
	}
	return nil
}

// syncRelation creates a many2many relation table: both columns NOT NULL,
// cascading from both sides, one row per pair.
func (s *syncer) syncRelation(m *Meta, f *Field) error {
	exists, err := s.tableExists(f.Relation)
	if err != nil {
		return err
	}
	if exists {
		cols, _, err := s.columns(f.Relation)
		if err != nil {
			return err
		}
		for _, c := range []string{f.Column1, f.Column2} {
			if _, ok := cols[c]; !ok {
				s.warn("%s.%s: relation table %s exists without column %s; not changed", m.Name, f.Name, f.Relation, c)
			}
		}
		return nil
	}
	q := s.d.QuoteIdent
	co := s.reg.models[f.Comodel]
	ref := func(t *Meta) string {
		if t.External {
			return ""
		}
		return " REFERENCES " + q(t.Table) + "(" + q("id") + ") ON DELETE CASCADE"
	}
	it := s.d.ColumnType(store.TInteger)
	stmt := "CREATE TABLE " + q(f.Relation) + " (" +
		q(f.Column1) + " " + it + " NOT NULL" + ref(m) + ", " +
		q(f.Column2) + " " + it + " NOT NULL" + ref(co) + ", " +
		"PRIMARY KEY (" + q(f.Column1) + ", " + q(f.Column2) + "))"
	if err := s.exec(stmt); err != nil {
		return err
	}
	return s.index(f.Relation, f.Column2)
}

// shortIdent keeps generated names within PostgreSQL's 63 bytes (it would
// truncate silently and the next sync would not find the name again).
func shortIdent(s string) string {
	if len(s) <= 63 {
		return s
	}
	h := sha256.Sum256([]byte(s))
	return s[:50] + "_" + hex.EncodeToString(h[:6])
}
