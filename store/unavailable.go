package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rampart/rampart/errs"
)

// UnavailableRetryAfter is the Retry-After of a request refused because
// the database cannot be reached.
const UnavailableRetryAfter = 5 * time.Second

// outage tracks whether the database is reachable, so that an outage is
// logged once when it starts and once when it ends, however many requests
// fail in between (each of those is a 503, logged at debug by httpd).
type outage struct {
	isDown atomic.Bool // down, readable without the lock on every Begin
	mu     sync.Mutex
	down   bool
	since  time.Time
	log    *slog.Logger
}

// SetLogger sets where outage transitions are logged (nil: nowhere).
func (db *DB) SetLogger(l *slog.Logger) {
	db.outage.mu.Lock()
	db.outage.log = l
	db.outage.mu.Unlock()
}

// Unavailable reports whether the database was unreachable at the last
// attempt (readiness).
func (db *DB) Unavailable() bool {
	db.outage.mu.Lock()
	defer db.outage.mu.Unlock()
	return db.outage.down
}

func (o *outage) failed(err error) {
	o.mu.Lock()
	first := !o.down
	if first {
		o.down, o.since = true, time.Now()
		o.isDown.Store(true)
	}
	log := o.log
	o.mu.Unlock()
	if first && log != nil {
		log.Error("database unavailable: requests are answered 503 until it is back", "err", err)
	}
}

func (o *outage) ok() {
	if !o.isDown.Load() {
		return
	}
	o.mu.Lock()
	was, since := o.down, o.since
	o.down = false
	o.isDown.Store(false)
	log := o.log
	o.mu.Unlock()
	if was && log != nil {
		log.Info("database available again", "outage", time.Since(since).Round(time.Millisecond).String())
	}
}

// unavailable turns a connection-level failure into errs.Unavailable (503
// with Retry-After), noting the outage; other errors pass through.
func (db *DB) unavailable(err error) (error, bool) {
	if errs.Is(err, errs.Unavailable) {
		return err, true
	}
	if !connectionLost(err) {
		return err, false
	}
	db.outage.failed(err)
	return errs.Wrap(errs.Unavailable, err, "The database is unavailable, please retry shortly.").RetryAfter(UnavailableRetryAfter), true
}

// connectionLost reports a failure to reach the database or a connection
// that died: dial errors, resets, EOF, PostgreSQL's connection-exception
// and shutdown codes, SQLite's cannot-open and I/O errors. A client's
// cancelled context is not one.
func connectionLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) {
		return true
	}
	if c := pgCode(err); c != "" {
		// 08: connection exception; 57P01-03: admin/crash shutdown, cannot
		// connect now; 53300: too many connections.
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "53300"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_CANTOPEN || c == sqlite3.SQLITE_IOERR
	}
	// pgx reports a connection closed under it in words only.
	return strings.Contains(err.Error(), "conn closed")
}
