package orm

import (
	"strings"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
)

// QueryPlan is the database's own plan for the query an operation runs.
type QueryPlan struct {
	// Dialect is "sqlite" or "postgres".
	Dialect string `json:"dialect"`
	// SQL is the statement, record rules included, as the ORM sends it;
	// Args are its parameters.
	SQL  string `json:"sql"`
	Args []any  `json:"sql_args"`
	// Plan is EXPLAIN's output on PostgreSQL (the plan for these
	// parameter values), EXPLAIN QUERY PLAN's on SQLite, one line each.
	Plan []string `json:"plan"`
}

// ExplainSearch returns the database's plan for the query SearchRead(d,
// fields, o) runs for the Env's user: the same SQL, with the user's read
// rules and the same parameters. It runs EXPLAIN, never the query, and
// checks no ACL (an administrator's tool asks about the query's shape;
// the access verdict is Explain's). fields empty means every field the
// user may see.
func (m *Model) ExplainSearch(d domain.Node, fields []string, o SearchOptions) (*QueryPlan, error) {
	if err := m.env.usable(); err != nil {
		return nil, err
	}
	tx, err := m.env.Tx()
	if err != nil {
		return nil, err
	}
	fl, err := m.readFields("search_read", fields)
	if err != nil {
		return nil, err
	}
	q, err := m.searchQuery("search_read", tx, d, o, m.plan(fl).selectList)
	if err != nil {
		return nil, err
	}
	dialect := tx.Dialect().Name()
	prefix := "EXPLAIN "
	if dialect == "sqlite" {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := tx.QueryRaw(m.env.ctx, prefix+q.String(), q.args...)
	if err != nil {
		return nil, dbError(tx, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "")
	}
	p := &QueryPlan{Dialect: dialect, SQL: q.String(), Args: q.args}
	depth := map[int64]int{} // SQLite: node id → depth, from its parent
	for rows.Next() {
		if len(cols) == 1 { // PostgreSQL: one line of text per row
			var line string
			if err := rows.Scan(&line); err != nil {
				return nil, errs.Wrap(errs.Internal, err, "")
			}
			p.Plan = append(p.Plan, line)
			continue
		}
		var id, parent, unused int64
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, errs.Wrap(errs.Internal, err, "")
		}
		depth[id] = depth[parent] + 1
		p.Plan = append(p.Plan, strings.Repeat("  ", depth[id]-1)+detail)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(tx, err)
	}
	return p, nil
}
