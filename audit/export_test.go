package audit

import (
	"context"
	"database/sql"
	"errors"

	"github.com/rampart/rampart/store"
)

// Relink recomputes every link and head from the stored rows, as an
// attacker who knows the scheme would after changing a row (triggers
// dropped). Tests use it to show that signed checkpoints catch that.
func Relink(ctx context.Context, db *store.DB) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		type l struct{ shard, seq, id int64 }
		rows, err := tx.Query(ctx, `SELECT shard, seq, audit_id FROM rampart_audit_chain ORDER BY shard, seq`)
		if err != nil {
			return err
		}
		var links []l
		for rows.Next() {
			var x l
			if err := rows.Scan(&x.shard, &x.seq, &x.id); err != nil {
				rows.Close()
				return err
			}
			links = append(links, x)
		}
		rows.Close()
		prev := map[int64]string{}
		for _, x := range links {
			canon, err := canonicalRow(ctx, tx, x.id)
			if err != nil {
				return err
			}
			h := chainHash(prev[x.shard], canon)
			prev[x.shard] = h
			if _, err := tx.Exec(ctx, `UPDATE rampart_audit_chain SET hash = ? WHERE shard = ? AND seq = ?`, h, x.shard, x.seq); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE rampart_audit_head SET hash = ? WHERE shard = ?`, h, x.shard); err != nil {
				return err
			}
		}
		return nil
	})
}

// canonicalRow is the canonical form of the stored row id, read back as
// Verify reads it (production code hashes the row its insert returned).
func canonicalRow(ctx context.Context, tx *store.Tx, id int64) ([]byte, error) {
	rows, err := tx.Query(ctx, `SELECT * FROM rampart_audit WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, vals, ptrs, err := scanTargets(rows)
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, errors.Join(sql.ErrNoRows, rows.Err())
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	return canonical(cols, vals), rows.Err()
}
