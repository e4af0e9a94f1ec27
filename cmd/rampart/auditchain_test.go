package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/audit"
	"github.com/rampart/rampart/audit/audittest"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// verify reports an intact trail, then names the entry a raw UPDATE
// changed; export ships every column with its link as JSON lines; a
// checkpoint signed with another key is not accepted.
func TestChainCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := newTrail(t, db)
		_, key, _ := ed25519.GenerateKey(rand.Reader)
		for i := range 3 {
			if err := tr.Write(ctx, audit.Entry{UserID: 2, Op: audit.OpCreate, Model: "res.partner", IDs: []int64{int64(i + 1)}}); err != nil {
				t.Fatal(err)
			}
		}
		run := func(args ...string) (string, error) {
			var out, errOut bytes.Buffer
			err := auditChainCommand(ctx, tr, key, args, &out, &errOut)
			return out.String(), err
		}
		if _, err := run("checkpoint"); err != nil {
			t.Fatal(err)
		}
		if out, err := run("verify"); err != nil || !strings.Contains(out, "intact: 3 entries, ") {
			t.Fatalf("verify: %v %s", err, out)
		}
		out, err := run("export", "--since", "2000-01-01", "--format", "jsonl")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		var first map[string]any
		if len(lines) != 3 || json.Unmarshal([]byte(lines[0]), &first) != nil || first["model"] != "res.partner" ||
			first["chain"].(map[string]any)["hash"] == "" || first["record_ids"] != "[1]" {
			t.Fatalf("export: %s", out)
		}
		if _, err := run("export", "--format", "csv"); err == nil {
			t.Fatal("unknown format accepted")
		}
		// Another key: the checkpoints are not ours.
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		var sink bytes.Buffer
		if err := auditChainCommand(ctx, tr, other, []string{"verify"}, &sink, &sink); err == nil || !strings.Contains(err.Error(), "another key") {
			t.Fatalf("verify with another key: %v", err)
		}
		dropTriggers(t, db)
		raw(t, db, `UPDATE rampart_audit SET model = 'res.users' WHERE id = 2`)
		if _, err := run("verify"); err == nil || !strings.Contains(err.Error(), "broken at entry 2 ") {
			t.Fatalf("verify after tampering: %v", err)
		}
	})
}

func newTrail(t *testing.T, db *store.DB) *audit.Trail { return audittest.New(t, db) }
func dropTriggers(t *testing.T, db *store.DB)          { audittest.DropTriggers(t, db) }
func raw(t *testing.T, db *store.DB, stmts ...string)  { audittest.Exec(t, db, stmts...) }

// `rampart audit archive` moves the entries before the limit to a 0600
// file in the configured directory and verify still passes; the checkpoint
// key lives where audit.signing_key says (RAMPART_AUDIT_SIGNING_KEY), not
// in the data directory; a retention below 1h is refused.
func TestAuditArchiveCommand(t *testing.T) {
	data := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "keys", "audit.key")
	archive := filepath.Join(t.TempDir(), "archive")
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"RAMPART_AUDIT_SIGNING_KEY=" + keyFile, "RAMPART_AUDIT_ARCHIVE_DIR=" + archive}
	d := "--data=" + data
	if _, errOut, err := cli(t, env, "s3cret-passw0rd\n", "users", d, "create", "--login", "ci-bot", "--password-stdin"); err != nil {
		t.Fatalf("users create: %v\n%s", err, errOut)
	}
	if _, errOut, err := cli(t, env, "", "audit", d, "checkpoint"); err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, errOut)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("signing key at audit.signing_key: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(data, "audit-signing.key")); err == nil {
		t.Errorf("a signing key was created in the data directory although audit.signing_key is set")
	}
	if _, _, err := cli(t, env, "", "audit", d, "archive"); err == nil {
		t.Errorf("archive without a limit or audit.retention accepted")
	}
	out, errOut, err := cli(t, env, "", "audit", d, "archive", "--before", "2999-01-01", "--json")
	if err != nil {
		t.Fatalf("archive: %v\n%s", err, errOut)
	}
	var rep struct {
		Entries int
		File    string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Entries == 0 || filepath.Dir(rep.File) != archive {
		t.Fatalf("archive report %q: %v", out, err)
	}
	if st, err := os.Stat(rep.File); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("archive file: %v %v", st, err)
	}
	if out, errOut, err := cli(t, env, "", "audit", d, "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("verify after the archive: %v %s %s", err, out, errOut)
	}
	// Without the configured key, the checkpoints are another key's.
	if _, _, err := cli(t, nil, "", "audit", d, "verify"); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("verify with the data directory's key: %v", err)
	}
	if _, _, err := cli(t, []string{"RAMPART_AUDIT_RETENTION=10m"}, "", "audit", d, "verify"); err == nil || !strings.Contains(err.Error(), "audit.retention") {
		t.Errorf("a 10m retention: %v", err)
	}
}
