package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store/storetest"
)

func TestCommandAndSearchFor(t *testing.T) {
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
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := audit.Command(ctx, tr, args, &out, &errOut)
		return out.String(), err
	}
	out, err := run("tail", "-n", "2")
	if err != nil || strings.Count(out, "\n") != 3 || !strings.Contains(out, "sudo: signup") || strings.Contains(out, "r1") {
		t.Errorf("tail -n 2:\n%s (%v)", out, err)
	}
	out, err = run("search", "--op", "denied", "--json")
	var e audit.Entry
	if err != nil || json.Unmarshal([]byte(out), &e) != nil || e.Op != audit.OpDenied || e.IDs[0] != 9 {
		t.Errorf("search --op denied --json: %q (%v)", out, err)
	}
	out, _ = run("search", "--since", "2026-03-01T12:00:30Z", "--until", "2026-03-01T12:01:30Z")
	if strings.Count(out, "\n") != 2 || !strings.Contains(out, "denied") {
		t.Errorf("search --since/--until:\n%s", out)
	}
	for _, bad := range [][]string{{}, {"drop"}, {"search", "--op", "nuke"}, {"search", "--since", "yesterday"}, {"tail", "extra"}} {
		if _, err := run(bad...); err == nil {
			t.Errorf("%q accepted", bad)
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
	if rs := tr.AdminRoutes(); len(rs) != 1 || rs[0].Scope != audit.AdminScope {
		t.Errorf("routes = %+v", rs)
	}
}
