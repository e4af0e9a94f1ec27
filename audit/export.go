package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/rampart/rampart/store"
)

// Export writes the entries at or after since (all when zero) as JSON
// lines, oldest first, for shipping to a SIEM: every stored column of the
// row, whatever columns it has, plus its chain link (shard, seq, hash), so
// the receiver can re-check the chain.
func (t *Trail) Export(ctx context.Context, w io.Writer, since time.Time) (int, error) {
	if err := t.seal(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := t.db.Read(ctx, func(tx *store.Tx) error {
		n = 0
		rows, err := tx.Query(ctx, `SELECT a.*, c.shard, c.seq, c.hash FROM rampart_audit a
			LEFT JOIN rampart_audit_chain c ON c.audit_id = a.id WHERE a.at >= ? ORDER BY a.id`, timeArg(tx.Dialect(), since))
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, vals, ptrs, err := scanTargets(rows)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		base := len(cols) - 3
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			rec := make(map[string]any, len(cols))
			for i, c := range cols[:base] {
				rec[c] = jsonValue(vals[i])
			}
			rec["chain"] = map[string]any{"shard": vals[base], "seq": vals[base+1], "hash": jsonValue(vals[base+2])}
			if err := enc.Encode(rec); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	})
	return n, err
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return v
}

// ParseTime reads a --since/--until value: RFC 3339 or a date ("" is the
// zero time). The CLI's --since/--until use it.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("audit: bad time %q (want RFC 3339 or YYYY-MM-DD)", s)
}
