package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func proxied(t *testing.T) (*storetest.Proxy, *store.DB, *logBuf) {
	proxy, url := storetest.NewProxy(t, storetest.PostgresSchemaURL(t))
	db, err := store.Open(context.Background(), url, "", store.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var logs logBuf
	db.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	return proxy, db, &logs
}

func selectOne(db *store.DB) error {
	ctx := context.Background()
	return db.Read(ctx, func(tx *store.Tx) error {
		var one int
		return tx.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
}

// A read on a pooled connection that died (a PostgreSQL restart, a proxy
// timeout) is retried once on a fresh connection instead of failing.
func TestDeadPooledConnectionReadRetried(t *testing.T) {
	proxy, db, _ := proxied(t)
	if err := selectOne(db); err != nil {
		t.Fatal(err)
	}
	proxy.Kill() // the idle connection in the pool is now dead
	if err := selectOne(db); err != nil {
		t.Fatalf("read after the pooled connection died: %v", err)
	}
}

// While the database is unreachable every call fails with errs.Unavailable
// (503, Retry-After), logged once at ERROR when the outage starts and once
// when it ends, not per call.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	proxy, db, logs := proxied(t)
	if err := selectOne(db); err != nil {
		t.Fatal(err)
	}
	proxy.Down()
	ctx := context.Background()
	for i := range 4 {
		var err error
		if i%2 == 0 {
			err = selectOne(db)
		} else {
			err = db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, `SELECT 1`); return err })
		}
		e := errs.As(err)
		if e == nil || e.Kind != errs.Unavailable || e.Kind.Status() != 503 || e.Header.Get("Retry-After") == "" {
			t.Fatalf("call %d while down: %v", i, err)
		}
		if strings.Contains(e.Message(), "dial") || strings.Contains(e.Message(), "127.0.0.1") {
			t.Fatalf("driver text in the client message: %q", e.Message())
		}
	}
	if !db.Unavailable() {
		t.Fatal("Unavailable() = false during the outage")
	}
	proxy.Up()
	if err := selectOne(db); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	out := logs.String()
	if n := strings.Count(out, "level=ERROR"); n != 1 || !strings.Contains(out, "database unavailable") {
		t.Fatalf("want one ERROR line for the outage, got %d:\n%s", n, out)
	}
	if !strings.Contains(out, "database available again") || db.Unavailable() {
		t.Fatalf("recovery not noted:\n%s", out)
	}
}
