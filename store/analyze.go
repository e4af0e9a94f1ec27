package store

import (
	"context"
	"strings"
	"sync"
	"time"
)

// DefaultAnalyzeRows is how many rows a table takes in committed inserts,
// updates and deletes before rampart refreshes its planner statistics.
const DefaultAnalyzeRows = 10_000

// statsKeeper refreshes planner statistics after large writes. rampart
// does not rely on PostgreSQL's autovacuum for them: it may be off, and
// right after a bulk load it has not run yet, while the planner already
// plans the next batch's rule check with the empty table's estimates.
type statsKeeper struct {
	every int64 // rows per table between refreshes (< 0: never)
	mu    sync.Mutex
	rows  map[string]int64 // table → rows written since its last refresh
	busy  map[string]bool  // tables being analysed now
	wg    sync.WaitGroup
	log   func(table string, err error)
}

// writtenTable returns the table an INSERT, UPDATE or DELETE statement
// writes ("" for anything else). Statements come from rampart's own
// builders, which quote identifiers with the Dialect.
func writtenTable(query string) string {
	q := strings.TrimLeft(query, " \t\n")
	var rest string
	switch {
	case hasPrefixFold(q, "INSERT INTO "):
		rest = q[len("INSERT INTO "):]
	case hasPrefixFold(q, "UPDATE "):
		rest = q[len("UPDATE "):]
	case hasPrefixFold(q, "DELETE FROM "):
		rest = q[len("DELETE FROM "):]
	default:
		return ""
	}
	if strings.HasPrefix(rest, `"`) {
		// A quoted identifier; "" inside stands for one ".
		var b strings.Builder
		for i := 1; i < len(rest); i++ {
			if rest[i] != '"' {
				b.WriteByte(rest[i])
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String()
		}
		return ""
	}
	end := strings.IndexAny(rest, " (\t\n")
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// noteWrite records, in the transaction, n rows written by query.
func (t *Tx) noteWrite(query string, n int64) {
	if t.ReadOnly || n <= 0 || t.db.stats.every < 0 {
		return
	}
	table := writtenTable(query)
	if table == "" {
		return
	}
	if t.written == nil {
		t.written = map[string]int64{}
	}
	t.written[table] += n
}

// committed adds a committed transaction's writes to the totals and
// starts a refresh of the tables past the threshold, in the background:
// the request that tipped the count does not wait for it.
func (db *DB) committed(written map[string]int64) {
	if len(written) == 0 {
		return
	}
	k := &db.stats
	every := k.every
	if every == 0 {
		every = DefaultAnalyzeRows
	}
	var due []string
	k.mu.Lock()
	if k.rows == nil {
		k.rows, k.busy = map[string]int64{}, map[string]bool{}
	}
	for table, n := range written {
		k.rows[table] += n
		if k.rows[table] >= every && !k.busy[table] {
			k.rows[table] = 0
			k.busy[table] = true
			due = append(due, table)
		}
	}
	k.mu.Unlock()
	for _, table := range due {
		k.wg.Add(1)
		go func() {
			defer k.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			err := db.AnalyzeTables(ctx, table)
			cancel()
			k.mu.Lock()
			delete(k.busy, table)
			k.mu.Unlock()
			if err != nil && k.log != nil {
				k.log(table, err)
			}
		}()
	}
}

// SetAnalyzeLog receives the errors of background statistics refreshes.
func (db *DB) SetAnalyzeLog(fn func(table string, err error)) { db.stats.log = fn }

// AnalyzeTables refreshes the planner statistics of the named tables
// (names from declared models, quoted here): ANALYZE on PostgreSQL,
// PRAGMA optimize on SQLite (which picks the tables that need it).
func (db *DB) AnalyzeTables(ctx context.Context, tables ...string) error {
	if len(tables) == 0 {
		return nil
	}
	if db.Dialect.Name() == "sqlite" {
		return db.Optimize(ctx)
	}
	q := make([]string, len(tables))
	for i, t := range tables {
		q[i] = db.Dialect.QuoteIdent(t)
	}
	_, err := db.write.ExecContext(ctx, "ANALYZE "+strings.Join(q, ", "))
	return err
}

// Unanalyzed returns those of tables that have no planner statistics yet
// (never analysed, by rampart or by autovacuum). On SQLite it returns
// nil: PRAGMA optimize at open decides for itself.
func (db *DB) Unanalyzed(ctx context.Context, tables []string) ([]string, error) {
	if db.Dialect.Name() != "postgres" || len(tables) == 0 {
		return nil, nil
	}
	rows, err := db.write.QueryContext(ctx, `SELECT relname FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND relname = ANY($1)
		AND last_analyze IS NULL AND last_autoanalyze IS NULL`, tables)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
