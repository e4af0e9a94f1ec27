package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
)

const columns = `id, at, user_id, login, real_user_id, op, model, record_ids, fields, reason, route, request_id, client_ip, detail, changes, count`

// timeLayout is how SQLite stores the timestamp: fixed width, so text order
// is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func timeArg(d store.Dialect, t time.Time) any {
	if d.Name() == "sqlite" {
		return t.UTC().Format(timeLayout)
	}
	return t.UTC()
}

func (t *Trail) insert(ctx context.Context, tx *store.Tx, e Entry) error {
	ids, err := json.Marshal(nonNil(e.IDs))
	if err != nil {
		return errs.Internalf("audit: %v", err)
	}
	fields, err := json.Marshal(nonNilS(e.Fields))
	if err != nil {
		return errs.Internalf("audit: %v", err)
	}
	// changes and count stay NULL when unused (see 003_changes).
	var changes, count any
	if len(e.Changes) > 0 {
		b, merr := json.Marshal(e.Changes)
		if merr != nil {
			return errs.Internalf("audit: %v", merr)
		}
		changes = string(b)
	}
	if e.Count > 1 {
		count = e.Count
	}
	const query = `INSERT INTO rampart_audit (at, user_id, login, real_user_id, op, model, record_ids, fields, reason, route, request_id, client_ip, detail, changes, count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	args := []any{timeArg(tx.Dialect(), e.Time), e.UserID, e.Login, e.RealUserID, string(e.Op), e.Model,
		string(ids), string(fields), e.Reason, e.Route, e.RequestID, e.ClientIP, e.Detail, changes, count}
	if tx.Dialect().Name() == "postgres" {
		// Linked in this transaction: the stored row comes back with the
		// insert (one round trip instead of three).
		id, canon, err := insertReturning(ctx, tx, query, args...)
		if err != nil {
			return errs.Internalf("audit: insert %s entry: %w", e.Op, err)
		}
		return linkRow(ctx, tx, id, canon)
	}
	res, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return errs.Internalf("audit: insert %s entry: %w", e.Op, err)
	}
	return t.link(res)
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Filter selects entries for Search. Zero fields do not filter.
type Filter struct {
	// UserID matches the acting or the real user.
	UserID int64  `json:"user_id,omitempty"`
	Login  string `json:"login,omitempty"`
	Op     Op     `json:"op,omitempty"`
	Model  string `json:"model,omitempty"`
	// RecordID matches entries whose ids include it.
	RecordID  int64     `json:"record_id,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
	Since     time.Time `json:"since,omitzero"`
	Until     time.Time `json:"until,omitzero"`
	// BeforeID pages backwards: only entries with a smaller id.
	BeforeID int64 `json:"before_id,omitempty"`
	// Limit caps the result (default 100, at most MaxLimit).
	Limit int `json:"limit,omitempty"`
}

// MaxLimit bounds one Search or Tail.
const MaxLimit = 10000

// Validate checks the filter's values.
func (f *Filter) Validate() error {
	if f.Op != "" {
		ok := false
		for _, o := range Ops() {
			ok = ok || o == f.Op
		}
		if !ok {
			return errs.Ef(errs.ValidationError, "unknown audit op %q", f.Op)
		}
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return errs.Ef(errs.ValidationError, "limit must be between 0 and %d", MaxLimit)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Until.Before(f.Since) {
		return errs.E(errs.ValidationError, "until is before since")
	}
	return nil
}

// Tail returns the n most recent entries, newest first.
func (t *Trail) Tail(ctx context.Context, n int) ([]Entry, error) {
	return t.Search(ctx, Filter{Limit: n})
}

// Search returns the entries matching f, newest first. Callers must have
// checked that the requester is an administrator.
func (t *Trail) Search(ctx context.Context, f Filter) ([]Entry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	d := t.db.Dialect
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.UserID != 0 {
		add("(user_id = ? OR real_user_id = ?)", f.UserID, f.UserID)
	}
	if f.Login != "" {
		add("login = ?", f.Login)
	}
	if f.Op != "" {
		add("op = ?", string(f.Op))
	}
	if f.Model != "" {
		add("model = ?", f.Model)
	}
	if f.RequestID != "" {
		add("request_id = ?", f.RequestID)
	}
	if f.RecordID != 0 {
		// record_ids is a JSON array of integers written by insert: exact
		// "[7]", "[7,...", "...,7,...", "...,7]" forms only.
		s := fmt.Sprint(f.RecordID)
		add("(record_ids = ? OR record_ids LIKE ? OR record_ids LIKE ? OR record_ids LIKE ?)",
			"["+s+"]", "["+s+",%", "%,"+s+",%", "%,"+s+"]")
	}
	if !f.Since.IsZero() {
		add("at >= ?", timeArg(d, f.Since))
	}
	if !f.Until.IsZero() {
		add("at < ?", timeArg(d, f.Until))
	}
	if f.BeforeID != 0 {
		add("id < ?", f.BeforeID)
	}
	q := "SELECT " + columns + " FROM rampart_audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, f.Limit)
	var out []Entry
	err := t.db.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, errs.Internalf("audit search: %w", err)
	}
	return out, nil
}

func scan(rows *sql.Rows) (Entry, error) {
	var e Entry
	var at any
	var op, ids, fields string
	var changes sql.NullString
	var count sql.NullInt64
	if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Login, &e.RealUserID, &op, &e.Model, &ids, &fields,
		&e.Reason, &e.Route, &e.RequestID, &e.ClientIP, &e.Detail, &changes, &count); err != nil {
		return e, err
	}
	if changes.Valid && changes.String != "" {
		if err := json.Unmarshal([]byte(changes.String), &e.Changes); err != nil {
			return e, fmt.Errorf("entry %d changes: %w", e.ID, err)
		}
	}
	e.Count = count.Int64
	e.Op = Op(op)
	switch v := at.(type) {
	case time.Time:
		e.Time = v.UTC()
	case string:
		e.Time, _ = time.Parse(timeLayout, v)
	case []byte:
		e.Time, _ = time.Parse(timeLayout, string(v))
	}
	if err := json.Unmarshal([]byte(ids), &e.IDs); err != nil {
		return e, fmt.Errorf("entry %d record_ids: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
		return e, fmt.Errorf("entry %d fields: %w", e.ID, err)
	}
	if len(e.IDs) == 0 {
		e.IDs = nil
	}
	if len(e.Fields) == 0 {
		e.Fields = nil
	}
	return e, nil
}
