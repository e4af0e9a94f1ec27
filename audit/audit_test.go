package audit_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audittest"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func newTrail(t *testing.T, db *store.DB) *audit.Trail { return audittest.New(t, db) }

func TestAppendCommitAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := newTrail(t, db)
		err := db.Write(ctx, func(tx *store.Tx) error {
			return tr.Append(ctx, tx, audit.Entry{UserID: 2, Op: audit.OpWrite, Model: "sale.order", IDs: []int64{7, 17}, Fields: []string{"state"}, RequestID: "r1"})
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = db.Write(ctx, func(tx *store.Tx) error {
			if err := tr.Append(ctx, tx, audit.Entry{UserID: 2, Op: audit.OpUnlink, Model: "sale.order", IDs: []int64{7}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		got, err := tr.Tail(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Op != audit.OpWrite || got[0].RealUserID != 2 || len(got[0].IDs) != 2 || got[0].Fields[0] != "state" {
			t.Fatalf("entries = %+v, want the committed write only", got)
		}
		if time.Since(got[0].Time) > time.Minute {
			t.Errorf("time = %v", got[0].Time)
		}
	})
}

func TestAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := newTrail(t, db)
		if err := tr.Write(ctx, audit.Entry{UserID: 1, Op: audit.OpLogin}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE rampart_audit SET op = 'logout'`, `DELETE FROM rampart_audit`} {
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, q)
				return err
			})
			if err == nil {
				t.Errorf("%s: succeeded on an append-only table", q)
			}
		}
		got, _ := tr.Tail(ctx, 10)
		if len(got) != 1 || got[0].Op != audit.OpLogin {
			t.Fatalf("entries = %+v", got)
		}
	})
}

func TestDetachedAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := newTrail(t, db)
		t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		// A denial while the writer is held by a transaction that then
		// rolls back: the entry must survive, and nothing may deadlock.
		_ = db.Write(ctx, func(tx *store.Tx) error {
			tr.Detached(audit.Entry{Time: t0, UserID: 3, Op: audit.OpDenied, Model: "sale.order", IDs: []int64{12}, Detail: "write"})
			return errors.New("refused")
		})
		tr.Detached(audit.Entry{Time: t0.Add(time.Hour), UserID: 4, RealUserID: 3, Op: audit.OpSudo, Model: "res.partner", IDs: []int64{120}, Reason: "portal signup"})
		tr.Flush()
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want int
		}{
			{"all", audit.Filter{}, 2},
			{"op", audit.Filter{Op: audit.OpDenied}, 1},
			{"user matches real user", audit.Filter{UserID: 3}, 2},
			{"record", audit.Filter{RecordID: 12}, 1},
			{"record no prefix match", audit.Filter{RecordID: 1}, 0},
			{"model", audit.Filter{Model: "res.partner"}, 1},
			{"since", audit.Filter{Since: t0.Add(time.Minute)}, 1},
			{"until", audit.Filter{Until: t0.Add(time.Minute)}, 1},
			{"limit", audit.Filter{Limit: 1}, 1},
		} {
			got, err := tr.Search(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(got) != tc.want {
				t.Errorf("%s: %d entries, want %d: %+v", tc.name, len(got), tc.want, got)
			}
		}
		if _, err := tr.Search(ctx, audit.Filter{Op: "drop"}); err == nil {
			t.Error("unknown op accepted")
		}
	})
}

func TestAuthEvents(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, storetest.SQLite(t))
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	tr.AuthEvent(ctx, identity.AuthEvent{Type: identity.EventLoginFailed, Time: at, Login: "mallory", Client: netip.MustParseAddr("198.51.100.9"), Reason: "wrong password"})
	tr.AuthEvent(ctx, identity.AuthEvent{Type: identity.EventKeyRevoked, Time: at.Add(time.Second), UserID: 5, ActorID: 1, KeyID: 42})
	tr.AuthEvent(ctx, identity.AuthEvent{Type: identity.EventLoginThrottled, Time: at.Add(2 * time.Second), Login: "mallory"})
	tr.Flush()
	got, err := tr.Tail(ctx, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("%+v, %v", got, err)
	}
	if e := got[2]; e.Op != audit.OpLoginFail || e.Login != "mallory" || e.ClientIP != "198.51.100.9" || e.Detail != "wrong password" {
		t.Errorf("failed login entry %+v", e)
	}
	if e := got[1]; e.Op != audit.OpKeyRevoked || e.UserID != 5 || e.RealUserID != 1 || e.IDs[0] != 42 {
		t.Errorf("key revoked entry %+v", e)
	}
	if e := got[0]; e.Op != audit.OpLoginThrottled {
		t.Errorf("throttled entry %+v", e)
	}
}

// TestDetachedQueueBounded: while the one SQLite writer is held (a
// refused request's own transaction), denials queue up to MaxPending; the
// rest are dropped, each counted (Dropped, OnDrop) and none silently:
// stored + dropped is every entry, and the stored ones are written once
// the writer is free.
func TestDetachedQueueBounded(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	set, err := audit.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, set); err != nil {
		t.Fatal(err)
	}
	var onDrop int
	// Aggregation off: this is about the queue bound, and the flood is
	// of identical denials.
	tr := audit.New(db, audit.Options{MaxPending: 5, OnDrop: func() { onDrop++ }, DenyWindow: -1})
	t.Cleanup(func() { tr.Close() })
	const total = 20
	err = db.Write(ctx, func(*store.Tx) error {
		for i := range total {
			tr.Detached(audit.Entry{UserID: 2, Op: audit.OpDenied, Model: "sale.order", IDs: []int64{int64(i + 1)}, RequestID: "flood"})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.Flush()
	got, err := tr.Search(ctx, audit.Filter{RequestID: "flood", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	dropped := int(tr.Dropped())
	// The writer goroutine may have taken one batch (at most MaxPending)
	// before it blocked on the held connection: between MaxPending and
	// twice that are kept.
	if len(got) < 5 || len(got) > 10 || len(got)+dropped != total || onDrop != dropped {
		t.Errorf("stored %d, dropped %d (OnDrop %d) of %d; want 5 to 10 stored and every other one counted", len(got), dropped, onDrop, total)
	}
}
