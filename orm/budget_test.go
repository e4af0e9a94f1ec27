package orm

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart/rampart/domain"
	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/internal/memtest"
	"github.com/rampart/rampart/principal"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// fillTags inserts n test.tag rows with one statement (the ORM's create
// would be the slow part of these tests).
func fillTags(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
			INSERT INTO test_tag (name, create_date, write_date) SELECT 'tag' || i, '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM s`, n)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A search without a limit returns every match, as Odoo does: 2,500
// records where orm.max_limit used to cut silently at 1,000.
func TestSearchWithoutLimitReturnsAll(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		fillTags(t, db, 2500)
		e := newEnv(t, db, r, admin)
		tags := model(t, e, "test.tag")
		ids, err := tags.Search(nil, SearchOptions{})
		if err != nil || len(ids) != 2500 {
			t.Fatalf("search: %d ids, %v", len(ids), err)
		}
		ids, err = tags.Search(nil, SearchOptions{Limit: 2000})
		if err != nil || len(ids) != 2000 {
			t.Fatalf("search limit 2000: %d ids, %v", len(ids), err)
		}
		recs, err := tags.SearchRead(nil, []string{"name"}, SearchOptions{Order: "id"})
		if err != nil || len(recs) != 2500 || recs[2499]["name"] != "tag2500" {
			t.Fatalf("search_read: %d records, %v", len(recs), err)
		}
		recs, err = tags.Read(ids, []string{"name", "display_name"})
		if err != nil || len(recs) != 2000 {
			t.Fatalf("read: %d records, %v", len(recs), err)
		}
		n, err := tags.SearchCount(nil, 0)
		if err != nil || n != 2500 {
			t.Fatalf("search_count: %d, %v", n, err)
		}
	})
}

// Over the budget, every way of asking for many records fails loudly,
// naming the limit and how to page; within it, pages work.
func TestBudgetFailsLoudly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		r.Budget = Budget{MaxRows: 100, MaxBytes: 1 << 20}
		setup(t, db, r)
		fillTags(t, db, 150)
		e := newEnv(t, db, r, admin)
		tags := model(t, e, "test.tag")
		all, err := tags.Search(nil, SearchOptions{Limit: 100})
		if err != nil || len(all) != 100 {
			t.Fatalf("page of 100: %d, %v", len(all), err)
		}
		page, err := tags.Search(nil, SearchOptions{Limit: 100, Offset: 100})
		if err != nil || len(page) != 50 {
			t.Fatalf("second page: %d, %v", len(page), err)
		}
		wantRows := func(what string, err error) {
			t.Helper()
			wantKind(t, err, errs.UserError)
			msg := errs.As(err).Message()
			if !strings.Contains(msg, "orm.max_rows") || !strings.Contains(msg, "more than 100") || !strings.Contains(msg, "offset") {
				t.Errorf("%s: message %q does not name the limit and paging", what, msg)
			}
		}
		_, err = tags.Search(nil, SearchOptions{})
		wantRows("search", err)
		_, err = tags.Search(nil, SearchOptions{Limit: 5000})
		wantRows("search limit 5000", err)
		_, err = tags.SearchRead(nil, []string{"name"}, SearchOptions{})
		wantRows("search_read", err)
		_, err = tags.SearchRead(domain.Condition{Field: "name", Operator: "like", Value: "tag"}, nil, SearchOptions{Limit: 2000})
		wantRows("search_read limit 2000", err)
		_, err = tags.Read(append(all, page...), []string{"name"})
		wantRows("read", err)
		// A narrower domain within the budget is answered in full.
		got, err := tags.SearchRead(domain.Condition{Field: "name", Operator: "=like", Value: "tag1%"}, []string{"name"}, SearchOptions{})
		if err != nil || len(got) != 62 { // tag1, tag10-19, tag100-150
			t.Fatalf("narrow search_read: %d, %v", len(got), err)
		}
	})
}

func TestByteBudget(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		r.Budget = Budget{MaxRows: 10_000, MaxBytes: 4000}
		setup(t, db, r)
		fillTags(t, db, 1500)
		e := newEnv(t, db, r, admin)
		tags := model(t, e, "test.tag")
		for _, o := range []SearchOptions{{}, {Limit: 500}} { // the batched and the one-query paths
			_, err := tags.SearchRead(nil, nil, o)
			wantKind(t, err, errs.UserError)
			if msg := errs.As(err).Message(); !strings.Contains(msg, "orm.max_response_bytes") || !strings.Contains(msg, "fewer fields") {
				t.Errorf("message %q", msg)
			}
		}
		ids, err := tags.Search(nil, SearchOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if recs, err := tags.Read(ids, []string{"name"}); err != nil || len(recs) != 10 {
			t.Fatalf("small read: %d, %v", len(recs), err)
		}
		_, err = tags.Search(nil, SearchOptions{}) // 1,500 ids are about 7,000 bytes
		wantKind(t, err, errs.UserError)
	})
}

// Rules still filter a search without limit: the budget counts what the
// caller may see, and nothing past it leaks.
func TestNoLimitUnderRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		setup(t, db, r)
		fillTags(t, db, 1200)
		r.policy = &tagRule{max: 1100}
		e := newEnv(t, db, r, &principal.Principal{UserID: 2, Login: "bob", CompanyID: 1, CompanyIDs: []int64{1}})
		recs, err := model(t, e, "test.tag").SearchRead(nil, []string{"name"}, SearchOptions{})
		if err != nil || len(recs) != 1100 {
			t.Fatalf("search_read under rule: %d, %v", len(recs), err)
		}
		for _, rec := range recs {
			if rec["id"].(int64) > 1100 {
				t.Fatalf("record %v outside the rule", rec["id"])
			}
		}
	})
}

type tagRule struct{ max int64 }

func (tagRule) CheckModel(*Env, string, Op) error { return nil }
func (p tagRule) RuleDomain(e *Env, model string, op Op) (domain.Node, error) {
	if model != "test.tag" {
		return nil, nil
	}
	return domain.Condition{Field: "id", Operator: "<=", Value: p.max}, nil
}
func (tagRule) FieldAllowed(*Env, string, *Field) bool { return true }

// BenchmarkSearchReadAll is "return all" on 100,000 rows: search_read
// without a limit, three fields. It reports the peak live heap while the
// answer is built (peak-heap-MB) besides the allocations.
func BenchmarkSearchReadAll(b *testing.B) {
	for _, open := range []func(testing.TB) *store.DB{storetest.SQLite, storetest.Postgres} {
		db := open(b)
		b.Run(db.Dialect.Name(), func(b *testing.B) {
			r := benchSetup(b, db)
			ctx := context.Background()
			peak := memtest.PeakHeap()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				e := NewEnv(ctx, r, db, &principal.Principal{UserID: 1}, EnvOptions{ReadOnly: true})
				m, _ := e.Model("bench.order")
				recs, err := m.SearchRead(nil, []string{"name", "state", "amount_total"}, SearchOptions{Order: "id"})
				e.Finish(err)
				if err != nil || len(recs) != benchRows {
					b.Fatalf("search_read: %d rows, %v", len(recs), err)
				}
			}
			b.StopTimer()
			b.ReportMetric(peak(), "peak-heap-MB")
		})
	}
}
