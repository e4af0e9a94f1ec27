package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// Retention (issue 12 §7): entries older than the retention are moved out
// of the database into a JSON-lines file (the Export format: every column
// and its chain link, so the file can be re-checked on its own), and the
// cut is recorded as a chained entry, op "archive", whose detail is a Cut.
// Verify then starts each chain where the latest cut says it was cut, so
// a trail with archived history still verifies, and any change to what
// remains (the cut entry included: it is chained like any entry) is still
// caught. Only a prefix of each chain is archived: entries are cut at the
// first link, in chain order, that is not older than the limit.

// OpArchive is the entry recording an archive cut.
const OpArchive Op = "archive"

// Cut is the detail of an archive entry.
type Cut struct {
	// Before is the retention limit: the archived entries are older.
	Before time.Time `json:"before"`
	// File is the archive's file name (in the archive directory), SHA256
	// its content's hash and Entries its number of lines.
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Entries int    `json:"entries"`
	// Heads are, per chain (shard), the last archived link: its number
	// and hash. Verify starts there. Cumulative: a chain this archive did
	// not cut keeps the previous cut's head.
	Heads map[string]CutHead `json:"heads"`
}

// CutHead is where a chain was cut.
type CutHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// ArchiveReport is what Archive did.
type ArchiveReport struct {
	Entries int    `json:"entries"`
	File    string `json:"file,omitempty"` // full path; "" when nothing was old enough
	SHA256  string `json:"sha256,omitempty"`
}

// latestCut reads the newest archive cut (nil when there is none).
func latestCut(ctx context.Context, tx *store.Tx) (*Cut, error) {
	var detail string
	err := tx.QueryRow(ctx, `SELECT detail FROM rampart_audit WHERE op = ? ORDER BY id DESC LIMIT 1`, string(OpArchive)).Scan(&detail)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Cut
	if err := json.Unmarshal([]byte(detail), &c); err != nil {
		return nil, fmt.Errorf("archive entry: %w", err)
	}
	return &c, nil
}

func (c *Cut) head(shard int64) CutHead {
	if c == nil {
		return CutHead{}
	}
	return c.Heads[strconv.FormatInt(shard, 10)]
}

// Archive moves the entries older than before into a new file in dir
// (created 0700; the file 0600, never overwritten) and records the cut.
// Everything happens in one write transaction: if it fails, the file is
// removed and the trail is unchanged.
func (t *Trail) Archive(ctx context.Context, before time.Time, dir string) (*ArchiveReport, error) {
	if err := t.seal(ctx); err != nil {
		return nil, err
	}
	t.sealMu.Lock() // no link is added to the chains meanwhile (SQLite)
	defer t.sealMu.Unlock()
	before = before.UTC()
	rep := &ArchiveReport{}
	var path string
	err := t.db.Write(ctx, func(tx *store.Tx) error {
		*rep = ArchiveReport{}
		pg := tx.Dialect().Name() == "postgres"
		lock := ""
		if pg {
			lock = " FOR UPDATE" // writers wait: the heads stay put until we commit
		}
		rows, err := tx.Query(ctx, `SELECT shard FROM rampart_audit_head ORDER BY shard`+lock)
		if err != nil {
			return err
		}
		var shards []int64
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			shards = append(shards, s)
		}
		rows.Close()
		prev, err := latestCut(ctx, tx)
		if err != nil {
			return err
		}
		cut := Cut{Before: before, Heads: map[string]CutHead{}}
		var ids []int64
		var cuts []CutHead
		for _, s := range shards {
			h := prev.head(s)
			got, last, err := oldPrefix(ctx, tx, s, h.Seq, before)
			if err != nil {
				return err
			}
			ids = append(ids, got...)
			if last.Seq > h.Seq {
				h = last
			}
			cuts = append(cuts, h)
			if h.Seq > 0 {
				cut.Heads[strconv.FormatInt(s, 10)] = h
			}
		}
		if len(ids) == 0 {
			return nil
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return errs.Internalf("audit archive: %w", err)
		}
		name := "audit-archive-" + before.Format("20060102T150405Z") + "-" + strconv.FormatInt(t.now().UnixNano(), 10) + ".jsonl"
		path = filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			path = ""
			return errs.Internalf("audit archive: %w", err)
		}
		h := sha256.New()
		n, werr := writeEntries(ctx, tx, io.MultiWriter(f, h), ids)
		if werr == nil {
			werr = f.Sync()
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return errs.Internalf("audit archive: %w", werr)
		}
		if n != len(ids) {
			return errs.Internalf("audit archive: %d of %d entries written", n, len(ids))
		}
		if err := deleteArchived(ctx, tx, shards, cuts, ids); err != nil {
			return err
		}
		cut.File, cut.SHA256, cut.Entries = name, hex.EncodeToString(h.Sum(nil)), n
		b, err := json.Marshal(cut)
		if err != nil {
			return err
		}
		e := Entry{Op: OpArchive, Detail: string(b)}
		t.stamp(&e)
		if err := t.insert(ctx, tx, e); err != nil {
			return err
		}
		rep.Entries, rep.File, rep.SHA256 = n, path, cut.SHA256
		return nil
	})
	if err != nil {
		if path != "" {
			os.Remove(path)
		}
		return nil, err
	}
	return rep, nil
}

// oldPrefix lists the entries of shard's chain after link from whose
// entries are all older than before, in chain order, and the last such
// link.
func oldPrefix(ctx context.Context, tx *store.Tx, shard, from int64, before time.Time) ([]int64, CutHead, error) {
	rows, err := tx.Query(ctx, `SELECT c.seq, c.audit_id, c.hash, a.at FROM rampart_audit_chain c
		JOIN rampart_audit a ON a.id = c.audit_id WHERE c.shard = ? AND c.seq > ? ORDER BY c.seq`, shard, from)
	if err != nil {
		return nil, CutHead{}, err
	}
	defer rows.Close()
	var ids []int64
	var last CutHead
	want := from + 1
	for rows.Next() {
		var seq, id int64
		var h string
		var at any
		if err := rows.Scan(&seq, &id, &h, &at); err != nil {
			return nil, CutHead{}, err
		}
		if seq != want || !entryBefore([]any{at}, []string{"at"}, before) {
			break // a gap (Verify's business) or the first entry to keep
		}
		ids = append(ids, id)
		last, want = CutHead{Seq: seq, Hash: h}, want+1
	}
	return ids, last, rows.Err()
}

// writeEntries writes ids in the Export format, oldest first.
func writeEntries(ctx context.Context, tx *store.Tx, w io.Writer, ids []int64) (int, error) {
	n := 0
	enc := json.NewEncoder(w)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		rows, err := tx.Query(ctx, `SELECT a.*, c.shard, c.seq, c.hash FROM rampart_audit a
			LEFT JOIN rampart_audit_chain c ON c.audit_id = a.id WHERE a.id IN `+in+` ORDER BY a.id`, args...)
		if err != nil {
			return n, err
		}
		cols, vals, ptrs, err := scanTargets(rows)
		if err != nil {
			rows.Close()
			return n, err
		}
		base := len(cols) - 3
		for rows.Next() {
			if err = rows.Scan(ptrs...); err != nil {
				rows.Close()
				return n, err
			}
			rec := make(map[string]any, len(cols))
			for i, c := range cols[:base] {
				rec[c] = jsonValue(vals[i])
			}
			rec["chain"] = map[string]any{"shard": vals[base], "seq": vals[base+1], "hash": jsonValue(vals[base+2])}
			if err = enc.Encode(rec); err != nil {
				rows.Close()
				return n, err
			}
			n++
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")", args
}

// deleteArchived removes the archived entries and their links. The
// append-only triggers are lifted for this one transaction only (DDL is
// transactional on both databases): if anything fails, they are back.
func deleteArchived(ctx context.Context, tx *store.Tx, shards []int64, cuts []CutHead, ids []int64) error {
	off, on := []string{
		`DROP TRIGGER rampart_audit_no_delete`, `DROP TRIGGER rampart_audit_chain_no_delete`,
	}, []string{
		`CREATE TRIGGER rampart_audit_no_delete BEFORE DELETE ON rampart_audit
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit is append-only');
END`,
		`CREATE TRIGGER rampart_audit_chain_no_delete BEFORE DELETE ON rampart_audit_chain
BEGIN
	SELECT RAISE(ABORT, 'rampart_audit_chain is append-only');
END`,
	}
	if tx.Dialect().Name() == "postgres" {
		off = []string{`ALTER TABLE rampart_audit DISABLE TRIGGER rampart_audit_no_change`,
			`ALTER TABLE rampart_audit_chain DISABLE TRIGGER rampart_audit_chain_no_change`}
		on = []string{`ALTER TABLE rampart_audit ENABLE TRIGGER rampart_audit_no_change`,
			`ALTER TABLE rampart_audit_chain ENABLE TRIGGER rampart_audit_chain_no_change`}
	}
	for _, s := range off {
		if _, err := tx.Exec(ctx, s); err != nil {
			return errs.Internalf("audit archive: %w", err)
		}
	}
	for i, s := range shards {
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_audit_chain WHERE shard = ? AND seq <= ?`, s, cuts[i].Seq); err != nil {
			return errs.Internalf("audit archive: %w", err)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		in, args := inList(chunk)
		if _, err := tx.Exec(ctx, `DELETE FROM rampart_audit WHERE id IN `+in, args...); err != nil {
			return errs.Internalf("audit archive: %w", err)
		}
	}
	for _, s := range on {
		if _, err := tx.Exec(ctx, s); err != nil {
			return errs.Internalf("audit archive: %w", err)
		}
	}
	return nil
}

// RunRetention archives the entries older than keep into dir now and then
// every `every` (default 1h), until ctx ends or the trail closes. The
// serving process runs it when audit.retention is set.
func (t *Trail) RunRetention(ctx context.Context, keep, every time.Duration, dir string) error {
	if keep <= 0 {
		return nil
	}
	if every <= 0 {
		every = time.Hour
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		rep, err := t.Archive(actx, t.now().Add(-keep), dir)
		cancel()
		switch {
		case err != nil:
			t.log.Error("audit: archive", "err", err)
		case rep.Entries > 0:
			t.log.Info("audit: archived", "entries", rep.Entries, "file", rep.File)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-t.done:
			return nil
		}
	}
}
