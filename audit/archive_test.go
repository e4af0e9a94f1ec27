package audit_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// Retention: entries older than the limit go to a 0600 JSON-lines file
// (every column and its link), leave the database, and the cut is a
// chained entry; verify still passes after the archive (signed
// checkpoints of archived links included), a second archive with nothing
// old enough does nothing, and tampering with what remains — an entry or
// the cut entry itself — is still detected.
func TestArchiveRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := newTrail(t, db)
		_, key, _ := ed25519.GenerateKey(rand.Reader)
		pub := key.Public().(ed25519.PublicKey)
		old := time.Now().Add(-48 * time.Hour)
		for i := range 5 {
			if err := tr.Write(ctx, audit.Entry{Time: old.Add(time.Duration(i) * time.Second), UserID: 2, Op: audit.OpWrite, Model: "res.partner", IDs: []int64{int64(i + 1)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tr.Checkpoint(ctx, key); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := tr.Write(ctx, audit.Entry{UserID: 3, Op: audit.OpCreate, Model: "sale.order", IDs: []int64{int64(i + 10)}}); err != nil {
				t.Fatal(err)
			}
		}
		dir := filepath.Join(t.TempDir(), "archive")
		rep, err := tr.Archive(ctx, time.Now().Add(-24*time.Hour), dir)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 5 || rep.File == "" {
			t.Fatalf("archive: %+v, want 5 entries in a file", rep)
		}
		st, err := os.Stat(rep.File)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("archive file: %v %v, want 0600", st, err)
		}
		if ds, _ := os.Stat(dir); ds == nil || ds.Mode().Perm() != 0o700 {
			t.Errorf("archive directory mode: %v", ds)
		}
		b, _ := os.ReadFile(rep.File)
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != rep.SHA256 {
			t.Errorf("archive hash differs from the file")
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		lines := 0
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec["model"] != "res.partner" || rec["chain"].(map[string]any)["hash"] == nil {
				t.Errorf("archive line %q: %v", sc.Text(), err)
			}
			lines++
		}
		if lines != 5 {
			t.Errorf("archive has %d lines, want 5", lines)
		}
		left, err := tr.Search(ctx, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var kept, cuts int
		for _, e := range left {
			switch {
			case e.Op == audit.OpArchive:
				cuts++
				if !strings.Contains(e.Detail, filepath.Base(rep.File)) || !strings.Contains(e.Detail, rep.SHA256) {
					t.Errorf("cut entry detail %q", e.Detail)
				}
			case e.Model == "res.partner":
				t.Errorf("archived entry %d still in the database", e.ID)
			default:
				kept++
			}
		}
		if kept != 3 || cuts != 1 {
			t.Errorf("after the archive: %d entries kept, %d cut entries; want 3 and 1", kept, cuts)
		}
		vr, err := tr.Verify(ctx, time.Time{}, pub)
		if err != nil || vr.Broken != nil || vr.Entries != 4 {
			t.Fatalf("verify after the archive: %+v %v, want intact with 4 links", vr, err)
		}
		if err := tr.Checkpoint(ctx, key); err != nil {
			t.Fatal(err)
		}
		rep2, err := tr.Archive(ctx, time.Now().Add(-24*time.Hour), dir)
		if err != nil || rep2.Entries != 0 || rep2.File != "" {
			t.Errorf("second archive: %+v %v, want nothing", rep2, err)
		}
		if files, _ := os.ReadDir(dir); len(files) != 1 {
			t.Errorf("%d archive files, want 1", len(files))
		}
		// Entries archived through the triggers? Refused.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM rampart_audit WHERE op = 'create'`)
			return err
		}); err == nil {
			t.Errorf("the append-only trigger is gone after the archive")
		}
		dropTriggers(t, db)
		var victim int64
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT MIN(id) FROM rampart_audit WHERE op = 'create'`).Scan(&victim)
		})
		raw(t, db, `UPDATE rampart_audit SET model = 'res.users' WHERE op = 'create' AND id = `+strconv.FormatInt(victim, 10))
		vr, err = tr.Verify(ctx, time.Time{}, pub)
		if err != nil || vr.Broken == nil || vr.Broken.ID != victim {
			t.Fatalf("verify after tampering with a kept entry: %+v %v, want broken at %d", vr, err, victim)
		}
		raw(t, db, `UPDATE rampart_audit SET model = 'sale.order' WHERE id = `+strconv.FormatInt(victim, 10))
		if vr, err = tr.Verify(ctx, time.Time{}, pub); err != nil || vr.Broken != nil {
			t.Fatalf("verify after undoing: %+v %v", vr, err)
		}
		raw(t, db, `UPDATE rampart_audit SET detail = REPLACE(detail, '"seq":', '"seq":1') WHERE op = 'archive'`)
		if vr, err = tr.Verify(ctx, time.Time{}, pub); err != nil || vr.Broken == nil {
			t.Fatalf("verify after moving the cut: %+v %v, want broken", vr, err)
		}
	})
}

// RunRetention (what `rampart serve` runs with audit.retention set)
// archives at once the entries older than the retention, keeps the recent
// ones, and stops with its context.
func TestRunRetention(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	tr := newTrail(t, db)
	if err := tr.Write(ctx, audit.Entry{Time: time.Now().Add(-72 * time.Hour), UserID: 2, Op: audit.OpWrite, Model: "res.partner"}); err != nil {
		t.Fatal(err)
	}
	if err := tr.Write(ctx, audit.Entry{UserID: 2, Op: audit.OpWrite, Model: "sale.order"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- tr.RunRetention(rctx, 24*time.Hour, time.Hour, dir) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Done when the old entry left the database (the file appears
		// before the archive's transaction commits).
		got, _ := tr.Search(ctx, audit.Filter{Op: audit.OpArchive})
		if files, _ := os.ReadDir(dir); len(files) == 1 && len(got) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no archive written within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("RunRetention ended with %v", err)
	}
	got, err := tr.Search(ctx, audit.Filter{Op: audit.OpWrite})
	if err != nil || len(got) != 1 || got[0].Model != "sale.order" {
		t.Errorf("after retention: %+v %v, want the recent entry only", got, err)
	}
	if vr, err := tr.Verify(ctx, time.Time{}, nil); err != nil || vr.Broken != nil {
		t.Errorf("verify after retention: %+v %v", vr, err)
	}
}
