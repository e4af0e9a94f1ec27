package access_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func (w *world) entries(f audit.Filter) []audit.Entry {
	w.t.Helper()
	w.trail.Flush()
	got, err := w.trail.Search(w.t.(*testing.T).Context(), f)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

func (w *world) note(id int64) any {
	w.t.Helper()
	var note any
	err := w.run("", false, func(e *orm.Env) error {
		rows, err := w.model(e.Sudo("test: check data unchanged"), "sale.order").Read([]int64{id}, []string{"note", "user_id"})
		if err == nil {
			note = rows[0]["note"]
		}
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return note
}

// Refused changes leave the data as it was and a denial in the trail, even
// though the request's transaction rolled back.
func TestRefusalsLeaveDataAndDenial(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, tc := range []struct {
			name, user, want string
			fn               func(m *orm.Model) error
		}{
			{"write other's order", "alice", "404", func(m *orm.Model) error {
				return m.Write([]int64{w.rec["o_bob_azure"]}, map[string]any{"note": "hacked"})
			}},
			{"portal write", "carol", "403", func(m *orm.Model) error {
				return m.Write([]int64{w.rec["o_alice_deco"]}, map[string]any{"note": "hacked"})
			}},
			{"unlink without ACL", "alice", "403", func(m *orm.Model) error {
				return m.Unlink([]int64{w.rec["o_alice_deco"]})
			}},
			{"create for another salesman", "alice", "403", func(m *orm.Model) error {
				_, err := m.Create([]map[string]any{{"name": "sneaky", "partner_id": w.rec["p_deco"], "company_id": w.rec["c_main"], "user_id": w.users["bob"].UserID, "date_order": "2026-02-01 00:00:00"}})
				return err
			}},
		} {
			before := len(w.entries(audit.Filter{Op: audit.OpDenied}))
			// The caller commits whatever succeeded: refusals must not
			// depend on a rollback to keep the data intact.
			err := w.run(tc.user, true, func(e *orm.Env) error { return tc.fn(w.model(e, "sale.order")) })
			if got := kindOf(err); got != tc.want {
				t.Fatalf("%s: got %s (%v), want %s", tc.name, got, err, tc.want)
			}
			denials := w.entries(audit.Filter{Op: audit.OpDenied})
			if len(denials) != before+1 {
				t.Fatalf("%s: %d denials, want %d", tc.name, len(denials), before+1)
			}
			d := denials[0]
			if d.UserID != w.users[tc.user].UserID || d.Model != "sale.order" || d.RequestID != "req-"+tc.user || d.Route != "/test" {
				t.Errorf("%s: denial entry %+v", tc.name, d)
			}
		}
		if n := w.note(w.rec["o_bob_azure"]); n != false {
			t.Errorf("refused write changed the note to %v", n)
		}
		if n := w.note(w.rec["o_alice_deco"]); n != false {
			t.Errorf("refused portal write changed the note to %v", n)
		}
		err := w.run("", false, func(e *orm.Env) error {
			n, err := w.model(e.Sudo("test: count"), "sale.order").SearchCount(nil, 0)
			if n != 5 {
				t.Errorf("refused create/unlink left %d orders, want 5", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A committed change has its entry; a rolled-back one has none.
func TestAuditFollowsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		id := w.rec["o_alice_deco"]
		write := func(note string, commit bool) error {
			return w.run("alice", commit, func(e *orm.Env) error {
				return w.model(e, "sale.order").Write([]int64{id}, map[string]any{"note": note})
			})
		}
		if err := write("rolled back", false); err != nil {
			t.Fatal(err)
		}
		if got := w.entries(audit.Filter{Op: audit.OpWrite, RecordID: id}); len(got) != 0 {
			t.Fatalf("rolled-back write left entries %+v", got)
		}
		if err := write("kept", true); err != nil {
			t.Fatal(err)
		}
		got := w.entries(audit.Filter{Op: audit.OpWrite, RecordID: id})
		if len(got) != 1 || !slices.Contains(got[0].Fields, "note") || got[0].UserID != w.users["alice"].UserID || got[0].Login != "alice" {
			t.Fatalf("committed write entries = %+v", got)
		}
		var newID int64
		err := w.run("bob", true, func(e *orm.Env) error {
			ids, err := w.model(e, "sale.order").Create([]map[string]any{{"name": "n", "partner_id": w.rec["p_azure"], "company_id": w.rec["c_main"], "date_order": "2026-03-01 00:00:00"}})
			if err == nil {
				newID = ids[0]
				err = w.model(e, "sale.order").Unlink(ids)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ops := []string{}
		for _, en := range w.entries(audit.Filter{RecordID: newID}) {
			ops = append(ops, string(en.Op))
		}
		if !slices.Equal(ops, []string{"unlink", "create"}) {
			t.Errorf("create+unlink entries = %v", ops)
		}
	})
}

// sudo needs a reason; with one it bypasses checks and every operation is
// in the trail with the reason, the user, the route and the request id.
func TestSudo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		err := w.run("carol", false, func(e *orm.Env) error {
			_, err := w.model(e.Sudo(""), "sale.order").Search(nil, orm.SearchOptions{})
			return err
		})
		if errs.KindOf(err) != errs.Internal {
			t.Fatalf("sudo without a reason: %v", err)
		}
		var n int
		err = w.run("carol", true, func(e *orm.Env) error {
			ids, err := w.model(e.Sudo("portal: order count for the dashboard"), "sale.order").Search(nil, orm.SearchOptions{})
			n = len(ids)
			if err == nil {
				err = w.model(e.Sudo("portal: customer signs the quote"), "sale.order").Write([]int64{w.rec["o_alice_deco"]}, map[string]any{"note": "signed"})
			}
			return err
		})
		if err != nil || n != 5 {
			t.Fatalf("sudo search: %d orders, %v", n, err)
		}
		carol := w.users["carol"].UserID
		got := w.entries(audit.Filter{UserID: carol})
		var reasons []string
		for _, en := range got {
			if en.Reason != "" {
				reasons = append(reasons, string(en.Op)+": "+en.Reason)
				if en.RequestID != "req-carol" || en.Route != "/test" || en.RealUserID != carol {
					t.Errorf("sudo entry lacks context: %+v", en)
				}
			}
		}
		// Newest first: the sudo read is written when the Env finishes,
		// after the write that was recorded in its own transaction.
		want := []string{"sudo: portal: order count for the dashboard", "write: portal: customer signs the quote"}
		if !slices.Equal(reasons, want) {
			t.Errorf("sudo entries = %q, want %q", reasons, want)
		}
	})
}

// Field groups, from both sides: the manager sees and sets margin; the
// salesman does not see it by default and is refused when naming it;
// the negated group hides public_note from portal users only.
func TestFieldGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		q := w.rec["q_one"]
		for _, tc := range []struct {
			user, field string
			visible     bool
		}{
			{"bob", "margin", true},
			{"alice", "margin", false},
			{"alice", "public_note", true},
			{"root", "margin", true},
		} {
			err := w.run(tc.user, false, func(e *orm.Env) error {
				m := w.model(e, "x.quote")
				rows, err := m.Read([]int64{q}, nil)
				if err != nil {
					return err
				}
				if _, ok := rows[0][tc.field]; ok != tc.visible {
					t.Errorf("%s: default read has %s = %v, want %v", tc.user, tc.field, ok, tc.visible)
				}
				fg, err := m.FieldsGet(nil, nil)
				if err != nil {
					return err
				}
				if _, ok := fg[tc.field]; ok != tc.visible {
					t.Errorf("%s: fields_get has %s = %v, want %v", tc.user, tc.field, ok, tc.visible)
				}
				checks := map[string]error{}
				_, checks["read"] = m.Read([]int64{q}, []string{tc.field})
				checks["write"] = m.Write([]int64{q}, map[string]any{tc.field: map[string]any{"margin": 1.0, "public_note": "x"}[tc.field]})
				_, checks["search"] = m.Search(mustDomain(t, "[('"+tc.field+"', '!=', False)]"), orm.SearchOptions{})
				_, checks["order"] = m.Search(nil, orm.SearchOptions{Order: tc.field})
				for op, err := range checks {
					if tc.visible && err != nil {
						t.Errorf("%s: %s %s: %v", tc.user, op, tc.field, err)
					}
					if !tc.visible && (errs.KindOf(err) != errs.AccessError || !strings.Contains(errs.As(err).Message(), `access the field "`+tc.field+`"`)) {
						t.Errorf("%s: %s %s: %v, want the field AccessError", tc.user, op, tc.field, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", tc.user, err)
			}
		}
	})
}
