package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoNotify is returned by Notify and Listen on a database without a
// notification channel (SQLite): callers poll a table instead.
var ErrNoNotify = errors.New("store: this database has no LISTEN/NOTIFY")

// Notify sends payload to the listeners of channel on this schema
// (PostgreSQL NOTIFY, delivered when the sending transaction commits; here
// at once, as it runs on its own). Channels are database-wide in
// PostgreSQL, so the payload carries the schema and Listen keeps only its
// own schema's.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if db.Dialect.Name() != "postgres" {
		return ErrNoNotify
	}
	_, err := db.write.ExecContext(ctx, `SELECT pg_notify($1, current_schema() || '|' || $2)`, channel, payload)
	return err
}

// Listen holds one connection out of the pool, LISTENs on channel, calls
// ready once listening, then deliver for each payload sent on this schema,
// until ctx ends or the connection breaks (the error is returned). The
// connection is discarded afterwards, never returned to the pool with its
// LISTEN. channel must be a program constant.
func (db *DB) Listen(ctx context.Context, channel string, ready func(), deliver func(payload string)) error {
	if db.Dialect.Name() != "postgres" {
		return ErrNoNotify
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var cause error
	conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			cause = errors.New("store: listen: not a pgx connection")
			return driver.ErrBadConn
		}
		pc := sc.Conn()
		var schema string
		if cause = pc.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); cause != nil {
			return driver.ErrBadConn
		}
		if _, cause = pc.Exec(ctx, `LISTEN `+db.Dialect.QuoteIdent(channel)); cause != nil {
			return driver.ErrBadConn
		}
		ready()
		prefix := schema + "|"
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				cause = err
				return driver.ErrBadConn // the LISTEN must not go back to the pool
			}
			if p, ok := strings.CutPrefix(n.Payload, prefix); ok && n.Channel == channel {
				deliver(p)
			}
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return cause
}
