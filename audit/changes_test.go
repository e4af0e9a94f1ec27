package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/rampart/rampart/orm"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// A write entry keeps old -> new of ordinary fields verbatim, never the
// value of a password/secret/key field (only that it changed), binary and
// over-long values as size + SHA-256; stored and read back the same on
// both databases.
func TestChangesKeptAndRedacted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		set, err := Migrations()
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, set); err != nil {
			t.Fatal(err)
		}
		tr := New(db, Options{})
		t.Cleanup(func() { tr.Close() })
		long := strings.Repeat("x", MaxValueBytes+1)
		blob := string([]byte{0, 1, 2, 3})
		ev := orm.AuditEvent{Op: orm.AuditWrite, Method: "write", Model: "res.partner", IDs: []int64{7}, UserID: 2,
			Fields: []string{"name", "password", "api_key_hash", "totp_secret", "image", "comment"},
			Changes: map[int64]map[string]orm.Change{7: {
				"name":         {Type: "char", Old: "Azure", New: "Azure Interior"},
				"password":     {Type: "char", Old: "hunter2", New: "correct horse"},
				"api_key_hash": {Type: "char", Old: "abc", New: "def"},
				"totp_secret":  {Type: "char", Old: false, New: "JBSWY3DP"},
				"image":        {Type: "binary", Old: false, New: blob},
				"comment":      {Type: "text", Old: "short", New: long},
			}}}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tr.Record(nil, tx, ev) }); err != nil {
			t.Fatal(err)
		}
		got, err := tr.Search(ctx, Filter{Op: OpWrite})
		if err != nil || len(got) != 1 {
			t.Fatalf("search: %v %v", got, err)
		}
		c := got[0].Changes["7"]
		if c["name"].Old != "Azure" || c["name"].New != "Azure Interior" {
			t.Errorf("name: %+v", c["name"])
		}
		for _, f := range []string{"password", "api_key_hash", "totp_secret"} {
			if !c[f].Redacted || c[f].Old != nil || c[f].New != nil {
				t.Errorf("%s kept a value: %+v", f, c[f])
			}
		}
		digest := func(s string) map[string]any {
			h := sha256.Sum256([]byte(s))
			return map[string]any{"size": float64(len(s)), "sha256": hex.EncodeToString(h[:])}
		}
		if m, _ := c["image"].New.(map[string]any); m == nil || m["size"] != digest(blob)["size"] || m["sha256"] != digest(blob)["sha256"] {
			t.Errorf("binary value: %+v", c["image"])
		}
		if m, _ := c["comment"].New.(map[string]any); m == nil || m["sha256"] != digest(long)["sha256"] || c["comment"].Old != "short" {
			t.Errorf("long value: %+v", c["comment"])
		}
		row := ""
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT changes FROM rampart_audit`).Scan(&row)
		})
		for _, secret := range []string{"hunter2", "correct horse", "JBSWY3DP", "def"} {
			if strings.Contains(row, secret) {
				t.Errorf("the stored row holds the secret %q: %s", secret, row)
			}
		}
		if len(row) > 2048 {
			t.Errorf("stored changes are %d bytes", len(row))
		}
	})
}
