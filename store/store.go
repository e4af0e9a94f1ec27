// Package store owns rampart's database connections: the Dialect seam that
// holds every SQL difference between SQLite and PostgreSQL, the two
// adapters, transactions, and the embedded, versioned migrations of the
// system tables.
//
// SQLite (the zero-set-up default) runs in WAL mode with one writer
// connection, whose transactions start with BEGIN IMMEDIATE so that writers
// queue instead of failing with SQLITE_BUSY mid-transaction, and a pool of
// read-only connections. PostgreSQL has two pgx pools: one for writes and
// one whose sessions are read-only (default_transaction_read_only), where
// a read that is one statement runs without BEGIN/COMMIT (one round trip)
// and a read of several statements runs in a REPEATABLE READ transaction,
// so that it sees one snapshot (see Tx.QuerySole).
//
// Queries are written with '?' placeholders; Tx rebinds them to the
// dialect's form. Every value travels as a parameter: identifiers are
// quoted by the Dialect from names the caller took from a declared list,
// never from input.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/rampart/rampart/errs"
)

// Dialect holds every SQL difference between the databases.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Placeholder is the n-th (1-based) parameter marker.
	Placeholder(n int) string
	// QuoteIdent quotes an identifier. Callers pass only declared names.
	QuoteIdent(name string) string
	// ILike is a case-insensitive LIKE of expr against pattern (both SQL
	// expressions); backslash is the escape character.
	ILike(expr, pattern string) string
	// Like is a case-sensitive LIKE with backslash as escape character.
	Like(expr, pattern string) string
	// CastText converts expr to text for like-matching on non-text columns.
	CastText(expr string) string
	// AutoID is the column definition of an auto-increment integer primary key.
	AutoID() string
	// ColumnType maps a portable type (see the Type* constants) to SQL.
	ColumnType(t ColType) string
	// InsertReturningID reports whether INSERT ... RETURNING id works (both do).
	IsUniqueViolation(err error) bool
	IsForeignKeyViolation(err error) bool
	IsNotNullViolation(err error) bool
	// IsRetryable reports a transient concurrency failure (busy, deadlock,
	// serialization) worth retrying the whole transaction for.
	IsRetryable(err error) bool
}

// ColType is a portable column type.
type ColType uint8

// Portable column types.
const (
	TInteger  ColType = iota // 64-bit integer
	TFloat                   // double precision
	TNumeric                 // exact decimal (monetary)
	TText                    // unbounded text
	TVarchar                 // bounded text; size is enforced by validation
	TBool                    // boolean
	TDate                    // ISO date
	TDateTime                // naive UTC timestamp
	TJSON                    // JSON document
	TBytes                   // binary
)

// DB is an open database: a writer and a reader pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	rebinds sync.Map // query string → rebound string (PostgreSQL only)
	url     string   // redacted description for logs
	// SQLite prepares a statement for every query; compiling the SQL was a
	// tenth of a search_read's cost. Reads keep prepared statements
	// (database/sql keeps one per connection under each). Writes do not:
	// preparing on the one writer connection while a transaction holds it
	// would wait forever. pgx caches statements itself.
	readStmts *stmtCache
	readOnly  bool // SQLite opened with Options.ReadOnly
	// faults is the test seam that fails chosen steps (faults.go).
	faults Faults
	// trips counts statements sent (the round-trip test seam, trips.go).
	trips Trips
	// slow is the slow-statement threshold and hook (slow.go).
	slow slowLog
	// stats refreshes planner statistics after large writes (analyze.go).
	stats statsKeeper
	// outage logs unreachability once per transition (unavailable.go).
	outage outage
}

// Faults is the DB's fault-injection seam (see Faults).
func (db *DB) Faults() *Faults { return &db.faults }

// stmtCache holds prepared statements by SQL text, up to max of them:
// past that, queries are prepared each time as before, so a client that
// makes up endless distinct queries cannot grow it.
type stmtCache struct {
	pool *sql.DB
	max  int
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB, max int) *stmtCache {
	return &stmtCache{pool: pool, max: max, m: map[string]*sql.Stmt{}}
}

// get returns the cached statement for query, preparing it on first use;
// nil when the cache is full or preparing failed (the caller then runs
// the query unprepared and gets the error there).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= c.max
	c.mu.Unlock()
	if ok || full {
		return st
	}
	// Preparing takes a connection from the pool. When every connection is
	// held by a transaction whose goroutine is itself here, waiting would
	// deadlock: give up quickly and let the query run unprepared.
	pctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	st, err := c.pool.PrepareContext(pctx, query)
	cancel()
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close()
		return prev
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// Options tune Open.
type Options struct {
	// Readers is the SQLite reader pool size (default: max(4, 2*GOMAXPROCS)).
	Readers int
	// MaxConns is the size of each PostgreSQL pool, the writer's and the
	// reader's (default 20). Connections open on demand.
	MaxConns int
	// AnalyzeRows is how many rows a table takes in committed writes
	// before its planner statistics are refreshed (default
	// DefaultAnalyzeRows; negative: never).
	AnalyzeRows int
	// ReadOnly opens SQLite with every connection query-only and without
	// the statistics upkeep (PRAGMA optimize), so that commands that only
	// read (rampart access explain, audit) cannot write to the file.
	ReadOnly bool
}

// Open connects to url. An empty url, or one starting with "sqlite:", opens
// the SQLite file rampart.db inside dataDir (created if missing), or the
// path after "sqlite:" / "file:". A "postgres://" or "postgresql://" url
// opens PostgreSQL.
func Open(ctx context.Context, url, dataDir string, opt Options) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, opt)
	case url == "", strings.HasPrefix(url, "sqlite:"), strings.HasPrefix(url, "file:"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			if dataDir == "" {
				dataDir = "rampart-data"
			}
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "rampart.db")
		}
		// Processes opening one new file together race to switch it to
		// WAL (SQLITE_BUSY at once, whatever busy_timeout): they take the
		// start-up lock (startuplock.go) for the open too.
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database dir: %w", err)
		}
		unlock, err := lockFile(ctx, path+".startup-lock")
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		defer unlock()
		return openSQLite(ctx, path, opt)
	default:
		return nil, fmt.Errorf("unsupported database URL scheme (want sqlite: or postgres://)")
	}
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database dir: %w", err)
		}
	}
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=case_sensitive_like(1)"
	wdsn := "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)&_txlock=immediate"
	if opt.ReadOnly {
		wdsn = "file:" + path + "?" + pragmas + "&_pragma=query_only(1)"
	}
	w, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, err
	}
	// One writer: SQLite serializes writers anyway; queuing them in the pool
	// is cheaper and clearer than retrying SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err = w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// Without statistics SQLite's planner guesses, and on a table whose
	// rows all share one company it guesses the company index: a search
	// for one salesman's orders then reads every row. 0x10002 analyses, at
	// bounded cost, the tables that have changed enough (SQLite's advice
	// for long-lived connections); Optimize repeats it while serving.
	if !opt.ReadOnly {
		if _, err = w.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
			w.Close()
			return nil, fmt.Errorf("optimize sqlite %s: %w", path, err)
		}
		if err = keepStat1Only(ctx, w); err != nil {
			w.Close()
			return nil, fmt.Errorf("optimize sqlite %s: %w", path, err)
		}
	}
	n := opt.Readers
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{Dialect: sqliteDialect{}, write: w, read: r, url: "sqlite:" + path,
		readStmts: newStmtCache(r, 512), readOnly: opt.ReadOnly}
	db.stats.every = int64(opt.AnalyzeRows)
	return db, nil
}

func openPostgres(ctx context.Context, url string, opt Options) (*DB, error) {
	n := opt.MaxConns
	if n <= 0 {
		n = 20
	}
	w, err := openPgPool(ctx, url, n)
	if err != nil {
		return nil, err
	}
	// The reader's sessions refuse writes themselves, so that a read
	// needs no BEGIN READ ONLY: a statement outside a transaction is
	// already read-only, in one round trip.
	ru, err := withRuntimeParam(url, "default_transaction_read_only", "on")
	if err != nil {
		w.Close()
		return nil, err
	}
	r, err := openPgPool(ctx, ru, n)
	if err != nil {
		w.Close()
		return nil, err
	}
	db := &DB{Dialect: postgresDialect{}, write: w, read: r, url: "postgres"}
	db.stats.every = int64(opt.AnalyzeRows)
	return db, nil
}

func openPgPool(ctx context.Context, url string, n int) (*sql.DB, error) {
	p, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return p, nil
}

// withRuntimeParam adds a session parameter to a postgres:// URL (pgx
// sends unknown query parameters as run-time parameters at connect).
func withRuntimeParam(raw, name, value string) (string, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return "", errors.New("postgres URL: not parsable") // its text may hold a password
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// String describes the database without credentials.
func (db *DB) String() string { return db.url }

// Optimize refreshes the planner's statistics where they are stale. SQLite
// needs it run periodically on long-lived connections (rampart serve does
// hourly); PostgreSQL's autovacuum does the same on its own.
func (db *DB) Optimize(ctx context.Context) error {
	if db.Dialect.Name() != "sqlite" {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA optimize"); err != nil {
		return err
	}
	return keepStat1Only(ctx, db.write)
}

// Analyze gathers full planner statistics now, after a bulk load.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	if db.Dialect.Name() == "sqlite" {
		return keepStat1Only(ctx, db.write)
	}
	return nil
}

// keepStat1Only drops SQLite's sqlite_stat4 samples and keeps the per-index
// selectivity of sqlite_stat1. With stat4 present SQLite re-plans a
// prepared statement whenever a bound value changes, so every query paid a
// full SQL compile (a tenth of a search_read); rampart's queries are
// equality and range filters on indexed columns, which stat1 plans well.
// The stat tables are documented as writable; "ANALYZE sqlite_schema"
// makes the open connections reload them.
func keepStat1Only(ctx context.Context, w *sql.DB) error {
	var n int
	if err := w.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	if _, err := w.ExecContext(ctx, `DELETE FROM sqlite_stat4`); err != nil {
		return err
	}
	_, err := w.ExecContext(ctx, `ANALYZE sqlite_schema`)
	return err
}

// Close closes both pools, letting SQLite record what it learned first.
func (db *DB) Close() error {
	if db.Dialect.Name() == "sqlite" && !db.readOnly {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		db.write.ExecContext(ctx, "PRAGMA optimize")
		cancel()
	}
	db.stats.wg.Wait()
	db.readStmts.close()
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	if err == nil {
		db.outage.ok()
	}
	return db.classify(err)
}

// Stats returns the writer and reader pool statistics (for metrics).
func (db *DB) Stats() (write, read sql.DBStats) { return db.write.Stats(), db.read.Stats() }

// Tx is a transaction. Queries use '?' placeholders.
//
// A read-only Tx is lazy (on SQLite too): it holds no connection and sends
// no BEGIN until its first statement. A first statement sent with
// QuerySole runs alone on a read-only session (one round trip); any other
// statement starts a REPEATABLE READ transaction, so every statement of a
// multi-statement read sees the same snapshot.
type Tx struct {
	tx       *sql.Tx
	db       *DB
	ReadOnly bool
	// lazy: a read whose transaction starts with its first non-sole
	// statement.
	lazy bool
	// soleRan: a sole statement ran outside a transaction.
	soleRan bool
	done    bool
	// written counts rows written per table, for statsKeeper at commit.
	written map[string]int64
}

// Begin starts a transaction: on the reader pool if readOnly, else on the writer.
func (db *DB) Begin(ctx context.Context, readOnly bool) (*Tx, error) {
	if err := db.faults.take(FaultBegin); err != nil {
		return nil, err
	}
	if readOnly {
		// Lazy on both databases: on SQLite a BEGIN and a COMMIT are two
		// more statements through database/sql per request (W1's whole
		// read is one SELECT, and a single SELECT is its own snapshot
		// there too).
		return &Tx{db: db, ReadOnly: true, lazy: true}, nil
	}
	pool := db.write
	if readOnly {
		pool = db.read
	}
	db.trips.add("BEGIN")
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.classify(err)
	}
	db.outage.ok()
	return &Tx{tx: tx, db: db, ReadOnly: readOnly}, nil
}

// begun returns the transaction, starting a lazy one now.
func (t *Tx) begun(ctx context.Context) (*sql.Tx, error) {
	if t.tx != nil {
		return t.tx, nil
	}
	if t.done {
		return nil, sql.ErrTxDone
	}
	// On PostgreSQL the session is read-only already; REPEATABLE READ
	// keeps one snapshot for the whole transaction (READ COMMITTED would
	// take one per statement). A SQLite transaction reads one snapshot
	// already.
	var opts *sql.TxOptions
	if t.db.Dialect.Name() == "postgres" {
		t.db.trips.add("BEGIN ISOLATION LEVEL REPEATABLE READ")
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
	} else {
		t.db.trips.add("BEGIN")
	}
	tx, err := t.db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, t.db.classify(err)
	}
	t.db.outage.ok()
	t.tx = tx
	return tx, nil
}

// Read runs fn in a read-only transaction.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error { return db.run(ctx, true, fn) }

// Write runs fn in a write transaction, committed when fn returns nil and
// rolled back otherwise. A transient concurrency failure retries the whole
// function (up to 5 tries, as Odoo does); fn must therefore be repeatable.
//
// SQLite has one writer connection: code that holds a write transaction
// must not start another one (directly or through a package that calls
// Write) before it ends, or it waits on itself until its context ends.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error { return db.run(ctx, false, fn) }

func (db *DB) run(ctx context.Context, readOnly bool, fn func(*Tx) error) error {
	var err error
	for try := 0; try < 5; try++ {
		err = db.once(ctx, readOnly, fn)
		if readOnly && try == 0 && errs.Is(err, errs.Unavailable) && ctx.Err() == nil {
			continue // a pooled connection that died: once more, on a fresh one
		}
		if err == nil || !db.Dialect.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(try+1) * 10 * time.Millisecond):
		}
	}
	return err
}

func (db *DB) once(ctx context.Context, readOnly bool, fn func(*Tx) error) (err error) {
	tx, err := db.Begin(ctx, readOnly)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		if uerr, ok := db.unavailable(err); ok { // e.g. a Row.Scan on a dead connection
			return uerr
		}
		return err
	}
	return tx.Commit()
}

// Commit commits the transaction.
// A commit the fault seam fails is rolled back, as a failed commit leaves
// nothing behind.
func (t *Tx) Commit() error {
	t.done = true
	if t.tx == nil {
		return nil // a lazy read that sent nothing, or only a sole statement
	}
	if !t.ReadOnly {
		if err := t.db.faults.take(FaultCommit); err != nil {
			t.tx.Rollback()
			return err
		}
	}
	t.db.trips.add("COMMIT")
	if err := t.db.classify(t.tx.Commit()); err != nil {
		return err
	}
	t.db.committed(t.written)
	return nil
}

// Rollback rolls back; rolling back a finished transaction is a no-op.
func (t *Tx) Rollback() error {
	t.done = true
	if t.tx == nil {
		return nil
	}
	err := t.tx.Rollback()
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	t.db.trips.add("ROLLBACK")
	return err
}

// Dialect is the transaction's dialect.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// DB is the database the transaction belongs to.
func (t *Tx) DB() *DB { return t.db }

// Exec runs a statement with '?' placeholders.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.ExecRaw(ctx, t.db.Rebind(query), args...)
}

// Query runs a query with '?' placeholders.
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.QueryRaw(ctx, t.db.Rebind(query), args...)
}

// Row is the result of QueryRow: Scan reports the query's error, or
// sql.ErrNoRows.
type Row struct {
	row *sql.Row
	err error
}

// Scan copies the row's columns into dest.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return r.row.Scan(dest...)
}

// Err is the query's error, if any (without scanning).
func (r *Row) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.row.Err()
}

// QueryRow runs a single-row query with '?' placeholders.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	tx, err := t.begun(ctx)
	if err != nil {
		return &Row{err: err}
	}
	t.db.trips.add(query)
	return &Row{row: tx.QueryRowContext(ctx, t.db.Rebind(query), args...)}
}

// ExecRaw runs a statement whose placeholders are already in the dialect's
// form (generated by a compiler that called Dialect.Placeholder).
func (t *Tx) ExecRaw(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.db.faults.take(FaultExec); err != nil {
		return nil, err
	}
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	t.db.trips.add(query)
	r, err := tx.ExecContext(ctx, query, args...)
	if err == nil && !t.ReadOnly {
		if n, nerr := r.RowsAffected(); nerr == nil {
			t.noteWrite(query, n)
		}
	}
	return r, t.db.classify(err)
}

// QueryRaw is Query for dialect-native placeholders.
func (t *Tx) QueryRaw(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.ReadOnly {
		if err := t.db.faults.takeQuery(query); err != nil {
			return nil, err
		}
	}
	tx, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	t.db.trips.add(query)
	var r *sql.Rows
	if !t.ReadOnly {
		// An INSERT ... RETURNING: rampart's builders insert one row each.
		if r, err = tx.QueryContext(ctx, query, args...); err == nil {
			t.noteWrite(query, 1)
		}
	} else if st := t.db.readStmts.get(ctx, query); st != nil {
		r, err = tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	} else {
		r, err = tx.QueryContext(ctx, query, args...)
	}
	return r, t.db.classify(err)
}

// QuerySole is QueryRaw for a statement that its caller knows to be the
// whole of the Tx's work: a read of one statement, with nothing before it
// and nothing after it. On PostgreSQL, as the first statement of a
// read-only Tx, it runs on a read-only session without BEGIN and COMMIT,
// in one round trip; its single statement is its own snapshot. Anywhere
// else it is QueryRaw. A statement sent after it on the same Tx starts a
// REPEATABLE READ transaction with a later snapshot: callers that cannot
// promise "nothing after" must use QueryRaw.
func (t *Tx) QuerySole(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !t.lazy || t.tx != nil || t.soleRan || t.done {
		return t.QueryRaw(ctx, query, args...)
	}
	if err := t.db.faults.takeQuery(query); err != nil {
		return nil, err
	}
	t.soleRan = true
	t.db.trips.add(query)
	var r *sql.Rows
	var err error
	if st := t.db.readStmts.get(ctx, query); st != nil {
		r, err = st.QueryContext(ctx, args...) // prepared once per pool
	} else {
		r, err = t.db.read.QueryContext(ctx, query, args...)
	}
	if err == nil {
		t.db.outage.ok()
	}
	return r, t.db.classify(err)
}

// Rebind turns '?' placeholders into the dialect's. Queries passed here are
// program constants: they never contain '?' inside string literals.
func (db *DB) Rebind(query string) string {
	if db.Dialect.Name() != "postgres" || !strings.Contains(query, "?") {
		return query
	}
	if q, ok := db.rebinds.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString(db.Dialect.Placeholder(n))
			continue
		}
		b.WriteByte(query[i])
	}
	q := b.String()
	db.rebinds.Store(query, q)
	return q
}

// classify maps driver errors that clients can cause to rampart errors and
// leaves the rest as internal causes. The driver's text never reaches a client.
func (db *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	if uerr, ok := db.unavailable(err); ok {
		return uerr
	}
	d := db.Dialect
	switch {
	case d.IsUniqueViolation(err):
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: another record has the same value for a unique field.")
	case d.IsForeignKeyViolation(err):
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: a referenced record does not exist, or another record still refers to this one.")
	case d.IsNotNullViolation(err):
		return errs.Wrap(errs.ValidationError, err, "The operation cannot be completed: a required value is missing.")
	case d.IsRetryable(err):
		return errs.Wrap(errs.Conflict, err, "")
	}
	return err
}
