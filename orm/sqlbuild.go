package orm

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/store"
)

// sqlBuf builds one statement with dialect-native placeholders, so that
// compiled domain fragments (numbered by the same counter) can be embedded.
type sqlBuf struct {
	d    store.Dialect
	b    strings.Builder
	args []any
	// sole: the statement is its operation's only one (see run).
	sole bool
	// model, method and rules describe the statement to the slow-query log.
	model, method string
	rules         []string
	// rule is the record rule ANDed in, if any; done adds its text to
	// rules only when the statement is reported.
	rule domain.Node
}

func newSQL(d store.Dialect) *sqlBuf { return &sqlBuf{d: d} }

func (q *sqlBuf) w(parts ...string) *sqlBuf {
	for _, p := range parts {
		q.b.WriteString(p)
	}
	return q
}

// arg adds a parameter and returns its placeholder.
func (q *sqlBuf) arg(v any) string {
	q.args = append(q.args, v)
	return q.d.Placeholder(len(q.args))
}

// ids renders "(p1, p2, ...)" for a non-empty id list.
func (q *sqlBuf) ids(ids []int64) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q.arg(id))
	}
	b.WriteByte(')')
	return b.String()
}

// in renders "col IN (p1, p2, ...)" for a non-empty id list; on
// PostgreSQL "col = ANY(p1)" with the list as one bigint[] parameter, so
// that one prepared statement (and its plan) serves every length.
func (q *sqlBuf) in(col string, ids []int64) string {
	if q.d.Name() == "postgres" {
		return col + " = ANY(" + q.arg(ids) + ")"
	}
	return col + " IN " + q.ids(ids)
}

func (q *sqlBuf) ident(s string) string { return q.d.QuoteIdent(s) }

func (q *sqlBuf) String() string { return q.b.String() }

// run sends q. A statement marked sole that opens its Env's read runs
// alone, without a transaction (store.Tx.QuerySole): one round trip on
// PostgreSQL.
func (q *sqlBuf) run(ctx context.Context, tx *store.Tx) (*sql.Rows, error) {
	if q.sole {
		return tx.QuerySole(ctx, q.String(), q.args...)
	}
	return tx.QueryRaw(ctx, q.String(), q.args...)
}

// done reports q to the slow-query log when it took too long; rows is
// how many rows it read.
func (q *sqlBuf) done(ctx context.Context, tx *store.Tx, start time.Time, rows int) {
	db := tx.DB()
	el := time.Since(start)
	if t := db.SlowThreshold(); t < 0 || el < t {
		return
	}
	rules := q.rules
	if q.rule != nil {
		rules = append(rules[:len(rules):len(rules)], q.rule.String())
	}
	db.ReportSlow(ctx, store.SlowQuery{SQL: q.String(), Model: q.model, Operation: q.method,
		Rules: rules, Rows: rows, Elapsed: el})
}
