package orm

import (
	"context"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// TestPartnerShareMaintained: partner_share is set by the database on
// every insert, follows the users linked to a contact (active internal
// users only), is refused to the ORM even in sudo, and a forged SQL value
// is put back; without a res_users table every contact is shared.
func TestPartnerShareMaintained(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := testRegistry(t)
		if _, err := r.Sync(ctx, db); err != nil { // no res_users yet
			t.Fatal(err)
		}
		e := newEnv(t, db, r, admin).Sudo("test")
		m, _ := e.Model("res.partner")
		ids, err := m.Create([]map[string]any{{"name": "No users anywhere"}})
		if err != nil {
			t.Fatal(err)
		}
		if rows, err := m.Read(ids, []string{"partner_share"}); err != nil || rows[0]["partner_share"] != true {
			t.Fatalf("without res_users: %v %v", rows, err)
		}
		if _, err := m.Create([]map[string]any{{"name": "Forged", "partner_share": false}}); !errs.Is(err, errs.ValidationError) {
			t.Errorf("sudo create with partner_share: %v", err)
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}

		setup(t, db, r) // res_users with share: the user side is installed
		e = newEnv(t, db, r, admin).Sudo("test")
		m, _ = e.Model("res.partner")
		ids, err = m.Create([]map[string]any{{"name": "Internal"}, {"name": "Portal"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		read := func() []any {
			t.Helper()
			e := newEnv(t, db, r, admin).Sudo("test")
			defer e.Finish(nil)
			m, _ := e.Model("res.partner")
			rows, err := m.Read(ids, []string{"partner_share"})
			if err != nil {
				t.Fatal(err)
			}
			return []any{rows[0]["partner_share"], rows[1]["partner_share"]}
		}
		exec(`UPDATE res_users SET partner_id = ?, active = ?, share = ? WHERE id = 1`, ids[0], true, false)
		exec(`UPDATE res_users SET partner_id = ?, active = ?, share = ? WHERE id = 2`, ids[1], true, true)
		if got := read(); got[0] != false || got[1] != true {
			t.Errorf("internal, portal: %v", got)
		}
		exec(`UPDATE res_partner SET partner_share = ? WHERE id = ?`, true, ids[0])
		if got := read(); got[0] != false {
			t.Errorf("forged partner_share kept: %v", got)
		}
		exec(`UPDATE res_users SET active = ? WHERE id = 1`, false)
		if got := read(); got[0] != true {
			t.Errorf("internal user archived: %v", got)
		}
		exec(`UPDATE res_users SET active = ? WHERE id = 1`, true)
		exec(`DELETE FROM res_users WHERE id = 1`)
		if got := read(); got[0] != true {
			t.Errorf("internal user deleted: %v", got)
		}
	})
}
