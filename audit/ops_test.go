package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/identity"
	"github.com/rampart/rampart/store/storetest"
)

// TestEveryAuthEventFilterable: each identity event, once in the trail,
// is an operation a search filter accepts and finds — the 2FA events and
// user_disabled / user_enabled included — so the console's and the admin
// API's op filter can list any entry the trail holds.
func TestEveryAuthEventFilterable(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, storetest.SQLite(t))
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	evs := identity.EventTypes()
	if len(evs) < 15 {
		t.Fatalf("identity.EventTypes() lists %d events: %v", len(evs), evs)
	}
	for i, ev := range evs {
		tr.AuthEvent(ctx, identity.AuthEvent{Type: ev, Time: at.Add(time.Duration(i) * time.Second), UserID: int64(100 + i), Login: "u"})
	}
	tr.Flush()
	got, err := tr.Tail(ctx, len(evs))
	if err != nil || len(got) != len(evs) {
		t.Fatalf("%d entries, %v", len(got), err)
	}
	for _, e := range got {
		f := audit.Filter{Op: e.Op, UserID: e.UserID}
		if err := f.Validate(); err != nil {
			t.Errorf("op %q of a stored entry refused as a filter: %v", e.Op, err)
			continue
		}
		found, err := tr.Search(ctx, f)
		if err != nil || len(found) != 1 || found[0].ID != e.ID {
			t.Errorf("search op %q: %+v %v", e.Op, found, err)
		}
	}
}
