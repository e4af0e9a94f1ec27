package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audittest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// dropTriggers does what someone with the database file or a superuser
// can: remove the append-only triggers.
func dropTriggers(t *testing.T, db *store.DB) { audittest.DropTriggers(t, db) }

func raw(t *testing.T, db *store.DB, stmts ...string) { audittest.Exec(t, db, stmts...) }

// A trail changed behind rampart's back, triggers dropped, is caught by
// Verify at the first broken link, whatever was done: a row changed, a
// row deleted, a row inserted without its link, the chain rewritten after
// a signed checkpoint.
func TestVerifyDetectsTampering(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	pub := key.Public().(ed25519.PublicKey)
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB)
		id      int64
		problem string
	}{
		{"row changed", func(t *testing.T, db *store.DB) {
			raw(t, db, `UPDATE rampart_audit SET detail = 'nothing to see' WHERE id = 3`)
		}, 3, "changed"},
		{"new column value", func(t *testing.T, db *store.DB) {
			raw(t, db, `UPDATE rampart_audit SET user_id = 1 WHERE id = 4`)
		}, 4, "changed"},
		{"row deleted", func(t *testing.T, db *store.DB) {
			raw(t, db, `DELETE FROM rampart_audit WHERE id = 2`)
		}, 2, "deleted"},
		{"row and link deleted", func(t *testing.T, db *store.DB) {
			raw(t, db, `DELETE FROM rampart_audit WHERE id = 2`, `DELETE FROM rampart_audit_chain WHERE audit_id = 2`)
		}, 0, "removed"}, // at the next link of entry 2's chain, or its head
		{"row inserted without link", func(t *testing.T, db *store.DB) {
			raw(t, db, `INSERT INTO rampart_audit (id, at, op) VALUES (1000, '2026-01-01 00:00:00', 'login')`)
		}, 1000, "no link"},
		{"chain rewritten after a checkpoint", func(t *testing.T, db *store.DB) {
			// Change a row and recompute every later link and the head, as
			// an attacker who read chain.go would: only the signature,
			// made with a key outside the database, gives it away.
			raw(t, db, `UPDATE rampart_audit SET detail = 'rewritten' WHERE id = 5`)
			if err := audit.Relink(context.Background(), db); err != nil {
				t.Fatal(err)
			}
		}, 0, "checkpoint"}, // at the checkpointed link: the row cannot be told any more
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				tr := newTrail(t, db)
				for i := range 6 {
					if err := tr.Write(ctx, audit.Entry{UserID: 2, Op: audit.OpWrite, Model: "sale.order", IDs: []int64{int64(i)}, Detail: "ok"}); err != nil {
						t.Fatal(err)
					}
				}
				if err := tr.Checkpoint(ctx, key); err != nil {
					t.Fatal(err)
				}
				rep, err := tr.Verify(ctx, time.Time{}, pub)
				if err != nil || rep.Broken != nil || rep.Entries != 6 || rep.Checkpoints == 0 {
					t.Fatalf("intact trail: %+v %v", rep, err)
				}
				dropTriggers(t, db)
				c.tamper(t, db)
				rep, err = tr.Verify(ctx, time.Time{}, pub)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Broken == nil || (c.id != 0 && rep.Broken.ID != c.id) || !strings.Contains(rep.Broken.Problem, c.problem) {
					t.Fatalf("broken = %+v, want id %d (%s)", rep.Broken, c.id, c.problem)
				}
			})
		})
	}
}
