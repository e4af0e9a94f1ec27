package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// DefaultSlowQuery is the slow-query log's default threshold.
const DefaultSlowQuery = 100 * time.Millisecond

// SlowQuery describes one statement that took longer than the threshold.
// SQL is the statement's text, with its placeholders: parameter values
// are never part of it, so a log line cannot carry a value a client sent.
type SlowQuery struct {
	SQL       string
	Model     string   // the model queried, when the ORM ran it
	Operation string   // the ORM method (search_read, read, ...)
	Rules     []string // the record-rule domains ANDed into the query
	Rows      int
	Elapsed   time.Duration
}

// slowLog is the DB's slow-query threshold and sink.
type slowLog struct {
	threshold atomic.Int64 // nanoseconds; 0 = DefaultSlowQuery, < 0 = off
	sink      atomic.Pointer[func(context.Context, SlowQuery)]
	count     atomic.Int64
}

// SetSlowQueryLog sets the threshold past which a statement run by the ORM
// is reported to fn (0: DefaultSlowQuery; negative: never) and counted.
func (db *DB) SetSlowQueryLog(threshold time.Duration, fn func(context.Context, SlowQuery)) {
	db.slow.threshold.Store(int64(threshold))
	if fn == nil {
		db.slow.sink.Store(nil)
		return
	}
	db.slow.sink.Store(&fn)
}

// SlowThreshold is the current threshold; negative means off.
func (db *DB) SlowThreshold() time.Duration {
	t := time.Duration(db.slow.threshold.Load())
	if t == 0 {
		return DefaultSlowQuery
	}
	return t
}

// SlowQueries is how many statements have been reported slow (for metrics).
func (db *DB) SlowQueries() int64 { return db.slow.count.Load() }

// ReportSlow reports q when its time reaches the threshold; callers time
// their statements and call it for every one (it is cheap below the
// threshold).
func (db *DB) ReportSlow(ctx context.Context, q SlowQuery) {
	t := db.SlowThreshold()
	if t < 0 || q.Elapsed < t {
		return
	}
	db.slow.count.Add(1)
	if fn := db.slow.sink.Load(); fn != nil {
		(*fn)(ctx, q)
	}
}

// LogSlowQueries is a SetSlowQueryLog sink that writes one warning per
// slow statement to log.
func LogSlowQueries(log *slog.Logger) func(context.Context, SlowQuery) {
	return func(ctx context.Context, q SlowQuery) {
		log.WarnContext(ctx, "slow query", "sql", q.SQL, "model", q.Model, "operation", q.Operation,
			"rules", q.Rules, "rows", q.Rows, "ms", float64(q.Elapsed.Microseconds())/1000)
	}
}
