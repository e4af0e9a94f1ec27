package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

// The triggers stop UPDATE and DELETE through rampart's database role, not
// someone with the file or a superuser. So every entry is also chained:
// in the transaction that inserts it, a link row stores
//
//	hash = SHA-256(previous link's hash ‖ "\n" ‖ canonical(stored row))
//
// where canonical covers every column of the stored rampart_audit row,
// whatever columns it has (read back with SELECT *, sorted by name), so a
// column added later is covered without touching this file. Links are
// numbered per shard; PostgreSQL writers link in the inserting transaction,
// locking their shard's head row until they commit, and pick the shard by
// transaction id, so four transactions chain in parallel. SQLite has one
// writer, where four more statements per entry cost a third of W2's
// throughput: there the trail remembers the ids it inserted and links them
// in batches every sealEvery (and before Verify, Export, Checkpoint and at
// Close), one shard. An entry this process did not insert is never linked,
// so a row added with raw SQL stays unlinked and Verify reports it. Signed
// checkpoints (Checkpoint) pin heads with a key kept outside the database,
// so rewriting the whole chain is detected too. Verify walks the chains.

// pgShards is the number of chains on PostgreSQL (rows seeded by 002_chain).
const pgShards = 4

// sealEvery is how long an SQLite entry may wait for its link.
const sealEvery = 250 * time.Millisecond

// link queues the SQLite entry res inserted for the next seal (PostgreSQL
// entries are linked at insert: insertReturning, linkRow).
func (t *Trail) link(res sql.Result) error {
	id, err := res.LastInsertId()
	if err != nil {
		return errs.Internalf("audit: entry id: %w", err)
	}
	t.chainMu.Lock()
	t.unsealed = append(t.unsealed, id)
	t.chainMu.Unlock()
	return nil
}

// linkRow chains the stored row id, whose canonical form is canon, to its
// shard's head, in the inserting transaction (PostgreSQL).
func linkRow(ctx context.Context, tx *store.Tx, id int64, canon []byte) error {
	shardExpr, lock := "0", ""
	if tx.Dialect().Name() == "postgres" {
		shardExpr, lock = "(txid_current() % "+strconv.Itoa(pgShards)+")", " FOR UPDATE"
	}
	var shard, seq int64
	var prev string
	err := tx.QueryRow(ctx, `SELECT shard, seq, hash FROM rampart_audit_head WHERE shard = `+shardExpr+lock).Scan(&shard, &seq, &prev)
	if err != nil {
		return errs.Internalf("audit: chain head: %w", err)
	}
	h := chainHash(prev, canon)
	if _, err := tx.Exec(ctx, `INSERT INTO rampart_audit_chain (shard, seq, audit_id, hash) VALUES (?, ?, ?, ?)`, shard, seq+1, id, h); err != nil {
		return errs.Internalf("audit: chain link: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE rampart_audit_head SET seq = ?, hash = ? WHERE shard = ?`, seq+1, h, shard); err != nil {
		return errs.Internalf("audit: chain head: %w", err)
	}
	return nil
}

// seal links the entries this trail inserted on SQLite and has not linked
// yet, in id order, in one write transaction. Ids whose entry is gone
// (their transaction rolled back) are dropped.
func (t *Trail) seal(ctx context.Context) error {
	t.sealMu.Lock() // one seal at a time: the head is read then written
	defer t.sealMu.Unlock()
	t.chainMu.Lock()
	ids := t.unsealed
	t.unsealed = nil
	t.chainMu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err := t.db.Write(ctx, func(tx *store.Tx) error {
		var seq int64
		var prev string
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM rampart_audit_head WHERE shard = 0`).Scan(&seq, &prev); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT * FROM rampart_audit WHERE id >= ? AND id <= ? ORDER BY id`, ids[0], ids[len(ids)-1])
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, vals, ptrs, err := scanTargets(rows)
		if err != nil {
			return err
		}
		var args []any
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			id, ok := vals[slices.Index(cols, "id")].(int64)
			if _, mine := slices.BinarySearch(ids, id); !ok || !mine {
				continue
			}
			seq++
			prev = chainHash(prev, canonical(cols, vals))
			args = append(args, seq, id, prev)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for len(args) > 0 { // a few hundred links per statement
			n := min(len(args), 3*300)
			q := `INSERT INTO rampart_audit_chain (shard, seq, audit_id, hash) VALUES ` + strings.TrimSuffix(strings.Repeat("(0, ?, ?, ?), ", n/3), ", ")
			if _, err := tx.Exec(ctx, q, args[:n]...); err != nil {
				return err
			}
			args = args[n:]
		}
		_, err = tx.Exec(ctx, `UPDATE rampart_audit_head SET seq = ?, hash = ? WHERE shard = 0`, seq, prev)
		return err
	})
	if err != nil {
		t.chainMu.Lock()
		t.unsealed = append(t.unsealed, ids...)
		t.chainMu.Unlock()
		return fmt.Errorf("audit: link entries: %w", err)
	}
	return nil
}

// sealer links SQLite entries every sealEvery until done closes.
func (t *Trail) sealer() {
	tick := time.NewTicker(sealEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-t.done:
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := t.seal(ctx); err != nil {
			t.log.Warn("audit: chain", "err", err)
		}
		cancel()
	}
}

func chainHash(prev string, canon []byte) string {
	m := sha256.New()
	m.Write([]byte(prev))
	m.Write([]byte{'\n'})
	m.Write(canon)
	return hex.EncodeToString(m.Sum(nil))
}

// scanTargets is a row of any columns: their names, the values Scan fills
// and the pointers to pass it.
func scanTargets(rows *sql.Rows) (cols []string, vals, ptrs []any, err error) {
	if cols, err = rows.Columns(); err != nil {
		return nil, nil, nil, err
	}
	vals = make([]any, len(cols))
	ptrs = make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return cols, vals, ptrs, nil
}

// insertReturning inserts an entry on PostgreSQL and reads the stored row
// back in the same statement (RETURNING *): the id and the canonical form
// the chain hashes, without two more round trips.
func insertReturning(ctx context.Context, tx *store.Tx, query string, args ...any) (int64, []byte, error) {
	rows, err := tx.Query(ctx, query+" RETURNING *", args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	cols, vals, ptrs, err := scanTargets(rows)
	if err != nil {
		return 0, nil, err
	}
	if !rows.Next() {
		return 0, nil, errors.Join(sql.ErrNoRows, rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		return 0, nil, err
	}
	var id int64
	for i, c := range cols {
		if c == "id" {
			id, _ = vals[i].(int64)
		}
	}
	if id == 0 {
		return 0, nil, errors.New("no id returned")
	}
	canon := canonical(cols, vals)
	if err := rows.Close(); err != nil {
		return 0, nil, err
	}
	return id, canon, rows.Err()
}

// canonical encodes columns sorted by name as name=value lines, each value
// tagged by type so that 1 and "1" differ.
func canonical(cols []string, vals []any) []byte {
	idx := make([]int, len(cols))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return cols[idx[a]] < cols[idx[b]] })
	var b []byte
	for _, i := range idx {
		if vals[i] == nil {
			// A NULL column is hashed as absent: a column added later
			// (003's changes, count) leaves older entries' links valid.
			// Every column of 001 is NOT NULL.
			continue
		}
		b = append(b, cols[i]...)
		b = append(b, '=')
		b = appendValue(b, vals[i])
		b = append(b, '\n')
	}
	return b
}

func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(append(b, 'i'), x, 10)
	case int32:
		return strconv.AppendInt(append(b, 'i'), int64(x), 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.AppendInt(append(b, 'i'), int64(x), 10)
		}
		return strconv.AppendFloat(append(b, 'f'), x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(append(b, 'b'), x)
	case string:
		return strconv.AppendQuote(append(b, 's'), x)
	case []byte:
		return strconv.AppendQuote(append(b, 's'), string(x))
	case time.Time:
		return append(append(b, 't'), x.UTC().Format(time.RFC3339Nano)...)
	default:
		return strconv.AppendQuote(append(b, '?'), fmt.Sprint(x))
	}
}

// Broken is the first problem Verify found.
type Broken struct {
	// ID is the audit entry where the chain breaks (0 when the problem is
	// not one entry's, e.g. a missing tail).
	ID      int64  `json:"id"`
	Shard   int64  `json:"shard"`
	Seq     int64  `json:"seq"`
	Problem string `json:"problem"`
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Entries is the number of links checked.
	Entries     int     `json:"entries"`
	Checkpoints int     `json:"checkpoints"`
	Broken      *Broken `json:"broken,omitempty"`
}

// Verify walks every chain from its start and reports the first broken
// link: an entry changed or deleted, a link removed, reordered or forged,
// an entry inserted without a link, a head or a signed checkpoint that
// does not match. Entries before since are not re-hashed (their stored
// link hashes are taken as they are), so since only saves work.
// pub, when set, is the only key checkpoints may be signed with.
func (t *Trail) Verify(ctx context.Context, since time.Time, pub ed25519.PublicKey) (*VerifyReport, error) {
	if err := t.seal(ctx); err != nil {
		return nil, err
	}
	rep := &VerifyReport{}
	err := t.db.Read(ctx, func(tx *store.Tx) error {
		*rep = VerifyReport{}
		heads, err := t.heads(ctx, tx)
		if err != nil {
			return err
		}
		// Archived history: each chain starts after the latest cut
		// (archive.go), the cut entry itself being chained.
		cut, err := latestCut(ctx, tx)
		if err != nil {
			return err
		}
		for _, h := range heads {
			if b, err := t.verifyShard(ctx, tx, h, cut.head(h.shard), since, rep); err != nil || b != nil {
				rep.Broken = b
				return err
			}
		}
		if rep.Broken, err = unlinked(ctx, tx, t.now().Add(-5*time.Second)); err != nil || rep.Broken != nil {
			return err
		}
		rep.Broken, err = t.verifyCheckpoints(ctx, tx, pub, cut, rep)
		return err
	})
	return rep, err
}

type head struct {
	shard, seq int64
	hash       string
}

func (t *Trail) heads(ctx context.Context, tx *store.Tx) ([]head, error) {
	rows, err := tx.Query(ctx, `SELECT shard, seq, hash FROM rampart_audit_head ORDER BY shard`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []head
	for rows.Next() {
		var h head
		if err := rows.Scan(&h.shard, &h.seq, &h.hash); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (t *Trail) verifyShard(ctx context.Context, tx *store.Tx, h head, from CutHead, since time.Time, rep *VerifyReport) (*Broken, error) {
	rows, err := tx.Query(ctx, `SELECT c.seq, c.audit_id, c.hash, a.* FROM rampart_audit_chain c
		LEFT JOIN rampart_audit a ON a.id = c.audit_id WHERE c.shard = ? AND c.seq > ? ORDER BY c.seq`, h.shard, from.Seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, vals, ptrs, err := scanTargets(rows)
	if err != nil {
		return nil, err
	}
	prev, want := from.Hash, from.Seq+1
	for rows.Next() {
		var seq, id int64
		var stored string
		ptrs[0], ptrs[1], ptrs[2] = &seq, &id, &stored
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		at := func(p string) *Broken { return &Broken{ID: id, Shard: h.shard, Seq: seq, Problem: p} }
		switch {
		case seq != want:
			return at(fmt.Sprintf("link %d missing (links removed before this entry)", want)), nil
		case vals[3] == nil:
			return at("entry deleted"), nil
		}
		if !entryBefore(vals[3:], cols[3:], since) && chainHash(prev, canonical(cols[3:], vals[3:])) != stored {
			return at("entry changed, or its link forged"), nil
		}
		rep.Entries++
		prev, want = stored, want+1
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if h.seq != want-1 || h.hash != prev {
		return &Broken{Shard: h.shard, Seq: want - 1, Problem: fmt.Sprintf("head says link %d, chain ends at link %d (links removed at the end)", h.seq, want-1)}, nil
	}
	return nil, nil
}

// entryBefore reports whether the joined row's "at" is before since.
func entryBefore(vals []any, cols []string, since time.Time) bool {
	if since.IsZero() {
		return false
	}
	for i, c := range cols {
		if c != "at" {
			continue
		}
		switch v := vals[i].(type) {
		case time.Time:
			return v.Before(since)
		case string:
			tm, err := time.Parse(timeLayout, v)
			return err == nil && tm.Before(since)
		}
	}
	return false
}

// unlinked finds an entry written without a link (inserted around rampart,
// or by a process that died before sealing it), older than before: a
// running SQLite instance links its entries within sealEvery.
func unlinked(ctx context.Context, tx *store.Tx, before time.Time) (*Broken, error) {
	var id sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT MIN(a.id) FROM rampart_audit a LEFT JOIN rampart_audit_chain c ON c.audit_id = a.id
		WHERE c.audit_id IS NULL AND a.at < ?`, timeArg(tx.Dialect(), before)).Scan(&id)
	if err != nil || !id.Valid {
		return nil, err
	}
	return &Broken{ID: id.Int64, Problem: "entry has no link (inserted around the trail)"}, nil
}

// Checkpoint signs every shard's head with key and stores the signatures.
func (t *Trail) Checkpoint(ctx context.Context, key ed25519.PrivateKey) error {
	if err := t.seal(ctx); err != nil {
		return err
	}
	return t.db.Write(ctx, func(tx *store.Tx) error {
		heads, err := t.heads(ctx, tx)
		if err != nil {
			return err
		}
		now := t.now().UTC()
		pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
		for _, h := range heads {
			if h.seq == 0 {
				continue
			}
			sig := ed25519.Sign(key, checkpointMessage(h))
			if _, err := tx.Exec(ctx, `INSERT INTO rampart_audit_checkpoints (at, shard, seq, hash, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)`,
				timeArg(tx.Dialect(), now), h.shard, h.seq, h.hash, pub, hex.EncodeToString(sig)); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkpointMessage(h head) []byte {
	return []byte("rampart-audit-checkpoint\n" + strconv.FormatInt(h.shard, 10) + "\n" + strconv.FormatInt(h.seq, 10) + "\n" + h.hash)
}

func (t *Trail) verifyCheckpoints(ctx context.Context, tx *store.Tx, pub ed25519.PublicKey, cut *Cut, rep *VerifyReport) (*Broken, error) {
	rows, err := tx.Query(ctx, `SELECT k.shard, k.seq, k.hash, k.public_key, k.signature, c.hash, c.audit_id
		FROM rampart_audit_checkpoints k LEFT JOIN rampart_audit_chain c ON c.shard = k.shard AND c.seq = k.seq ORDER BY k.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h head
		var pubHex, sigHex string
		var linkHash sql.NullString
		var id sql.NullInt64
		if err := rows.Scan(&h.shard, &h.seq, &h.hash, &pubHex, &sigHex, &linkHash, &id); err != nil {
			return nil, err
		}
		at := func(p string) *Broken { return &Broken{ID: id.Int64, Shard: h.shard, Seq: h.seq, Problem: p} }
		k, _ := hex.DecodeString(pubHex)
		sig, _ := hex.DecodeString(sigHex)
		switch {
		case len(k) != ed25519.PublicKeySize || !ed25519.Verify(k, checkpointMessage(h), sig):
			return at("checkpoint signature invalid"), nil
		case pub != nil && !strings.EqualFold(pubHex, hex.EncodeToString(pub)):
			return at("checkpoint signed by another key"), nil
		case h.seq < cut.head(h.shard).Seq:
			// The link it signed was archived: its signature was checked,
			// the archive file keeps the link.
		case h.seq == cut.head(h.shard).Seq && h.hash != cut.head(h.shard).Hash:
			return at("archive cut differs from a signed checkpoint (rewritten)"), nil
		case h.seq == cut.head(h.shard).Seq:
		case !linkHash.Valid || linkHash.String != h.hash:
			return at("chain differs from a signed checkpoint (rewritten)"), nil
		}
		rep.Checkpoints++
	}
	return nil, rows.Err()
}
