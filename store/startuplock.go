package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// WithStartupLock runs fn while holding the database-wide start-up lock,
// so that instances started together run their migrations, schema sync and
// bootstrap one after another instead of racing each other's CREATE TABLE
// and seed rows. Every step under it must still be idempotent: the second
// instance finds the work done.
//
// PostgreSQL: a session advisory lock, keyed by the current schema, held
// on one pooled connection for the whole of fn (the lock dies with the
// connection if the process does). SQLite: an exclusive lock on a file
// next to the database ("<db>.startup-lock"), released by the kernel if
// the process dies; SQLite's own write lock cannot be held across fn,
// because fn writes through the one writer connection.
func (db *DB) WithStartupLock(ctx context.Context, fn func() error) error {
	if db.Dialect.Name() == "postgres" {
		return db.withAdvisoryLock(ctx, fn)
	}
	unlock, err := lockFile(ctx, strings.TrimPrefix(db.url, "sqlite:")+".startup-lock")
	if err != nil {
		return fmt.Errorf("start-up lock: %w", err)
	}
	defer unlock()
	return fn()
}

func (db *DB) withAdvisoryLock(ctx context.Context, fn func() error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("start-up lock: %w", err)
	}
	defer conn.Close()
	const key = `hashtextextended('rampart.startup:' || current_schema(), 0)`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return fmt.Errorf("start-up lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx has ended; if this fails the connection is
		// poisoned, and closing it (Raw + error) releases the lock.
		uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn()
}
