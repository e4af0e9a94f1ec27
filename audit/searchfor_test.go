package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store/storetest"
)

// TestSearchFor: the admin read API of the trail (the CLI over it is
// tested in cmd/rampart, its route in audithttp).
func TestSearchFor(t *testing.T) {
	ctx := context.Background()
	tr := newTrail(t, storetest.SQLite(t))
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, e := range []audit.Entry{
		{Time: at, UserID: 2, Login: "alice", Op: audit.OpWrite, Model: "sale.order", IDs: []int64{7}, Fields: []string{"note"}, RequestID: "r1"},
		{Time: at.Add(time.Minute), UserID: 2, Login: "alice", Op: audit.OpDenied, Model: "sale.order", IDs: []int64{9}, Detail: "write: Record does not exist"},
		{Time: at.Add(2 * time.Minute), UserID: 3, Op: audit.OpSudo, Model: "res.partner", Reason: "signup", ClientIP: "192.0.2.1"},
	} {
		if err := tr.Write(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	admin := &principal.Principal{UserID: 1, GroupXMLIDs: []string{"base.group_system", "base.group_user"}}
	user := &principal.Principal{UserID: 2, GroupXMLIDs: []string{"base.group_user"}}
	if _, err := tr.SearchFor(ctx, user, nil); !errs.Is(err, errs.AccessError) {
		t.Errorf("non-admin search: %v", err)
	}
	if _, err := tr.SearchFor(ctx, nil, nil); !errs.Is(err, errs.AccessError) {
		t.Errorf("anonymous search: %v", err)
	}
	got, err := tr.SearchFor(ctx, admin, map[string]any{"model": "sale.order", "limit": float64(10)})
	if err != nil || len(got) != 2 {
		t.Errorf("admin search: %v, %v", got, err)
	}
	if _, err := tr.SearchFor(ctx, admin, map[string]any{"modle": "x"}); !errs.Is(err, errs.ValidationError) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := tr.SearchFor(ctx, admin, map[string]any{"limit": "ten"}); !errs.Is(err, errs.ValidationError) {
		t.Errorf("bad type: %v", err)
	}
}
