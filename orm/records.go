package orm

import (
	"github.com/rampart/rampart/store"
)

// Records is the answer of read or search_read: the records in order, as
// Odoo's read() formats them.
//
// A small answer is held whole. A larger one — past Budget.StreamAbove —
// keeps only its first part: the rest is fetched again, a batch at a
// time, while the answer is written (Each), in the same read
// transaction, which must stay open until then (httpd keeps a read-only
// Env open while it writes such an answer). Either way the whole answer
// was measured against the row and byte budget before the first byte is
// written, so a refusal is a clear error and never a cut answer: the
// measuring pass formats every batch and forgets it, and the read
// transaction is one snapshot, so the second pass gives the same records.
//
// The memory of an answer is then StreamAbove plus one batch, whatever
// its length (bench: BenchmarkLargeAnswer).
type Records struct {
	m    *Model
	tx   *store.Tx
	fl   []*Field
	held []map[string]any
	// rest are the ids after held, fetched again by Each.
	rest []int64
	// maps are the per-record rewrites the caller asked for (Map), applied
	// to held records at once and to the others as they are fetched.
	maps []func(map[string]any)
}

// Len is the number of records.
func (r *Records) Len() int { return len(r.held) + len(r.rest) }

// Streamed reports an answer that is not held whole: Each reads its
// records again and needs the Env's transaction.
func (r *Records) Streamed() bool { return len(r.rest) > 0 }

// Map rewrites every record with fn (Odoo's load argument, for one).
func (r *Records) Map(fn func(map[string]any)) {
	for _, rec := range r.held {
		fn(rec)
	}
	if len(r.rest) > 0 {
		r.maps = append(r.maps, fn)
	}
}

// Answer is what a handler returns: the records themselves when they are
// held whole (the common case, written as before), else r, which the
// encoders write while they read it (jsonx.Seq).
func (r *Records) Answer() any {
	if len(r.rest) == 0 {
		if r.held == nil {
			return []map[string]any{}
		}
		return r.held
	}
	return r
}

// Each calls yield with every record in order, fetching those not held
// a batch at a time.
func (r *Records) Each(yield func(v any) error) error {
	for _, rec := range r.held {
		if err := yield(rec); err != nil {
			return err
		}
	}
	for start := 0; start < len(r.rest); start += fetchBatch {
		recs, err := r.m.fetch(r.tx, r.rest[start:min(start+fetchBatch, len(r.rest))], r.fl)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			for _, fn := range r.maps {
				fn(rec)
			}
			if err := yield(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// All is every record in memory: for callers that need the list itself
// (Go code, an answer that must be committed before it is written).
func (r *Records) All() ([]map[string]any, error) {
	if len(r.rest) == 0 {
		if r.held == nil {
			return []map[string]any{}, nil
		}
		return r.held, nil
	}
	out := make([]map[string]any, 0, r.Len())
	err := r.Each(func(v any) error {
		out = append(out, v.(map[string]any))
		return nil
	})
	return out, err
}

// records measures the answer of ids against the budget and holds its
// first part (Records). The rows loaded and their related names never
// exceed one batch besides what is held.
func (m *Model) records(method string, tx *store.Tx, ids []int64, fl []*Field) (*Records, error) {
	if err := m.overBudget(method, len(ids)); err != nil {
		return nil, err
	}
	mt := m.meter(method)
	hold := m.env.reg.Budget.streamAbove()
	r := &Records{m: m, tx: tx, fl: fl}
	held := 0
	for start := 0; start < len(ids); start += fetchBatch {
		end := min(start+fetchBatch, len(ids))
		recs, err := m.fetch(tx, ids[start:end], fl)
		if err != nil {
			return nil, err
		}
		keep := held == start && mt.used <= hold
		if err := mt.add(recs); err != nil {
			return nil, err
		}
		if keep {
			if r.held == nil {
				r.held = make([]map[string]any, 0, min(len(ids), 2*fetchBatch))
			}
			r.held = append(r.held, recs...)
			held = end
		}
	}
	r.rest = ids[held:]
	return r, nil
}

// HeldRecords wraps records already formatted and held whole (a page read
// in one query; a test double's answer).
func HeldRecords(recs []map[string]any) *Records { return &Records{held: recs} }
