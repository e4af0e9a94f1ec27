package orm

import (
	"strings"

	"github.com/rampart/rampart/store"
)

// sqlBuf builds one statement with dialect-native placeholders, so that
// compiled domain fragments (numbered by the same counter) can be embedded.
type sqlBuf struct {
	d    store.Dialect
	b    strings.Builder
	args []any
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

func (q *sqlBuf) ident(s string) string { return q.d.QuoteIdent(s) }

func (q *sqlBuf) String() string { return q.b.String() }
