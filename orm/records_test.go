package orm

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rampart/rampart/errs"
	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

// streamTags is a read-only admin Env over n tags under budget b.
func streamTags(t *testing.T, db *store.DB, n int, b Budget) *Env {
	t.Helper()
	r := testRegistry(t)
	r.Budget = b
	setup(t, db, r)
	fillTags(t, db, n)
	return NewEnv(context.Background(), r, db, admin, EnvOptions{ReadOnly: true})
}

// A large read holds one batch and reads the rest again while it is
// walked, in the same snapshot: the records Each yields are the records a
// held read gives, in order, with the caller's rewrites applied.
func TestLargeReadHoldsOneBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := streamTags(t, db, 5000, Budget{StreamAbove: 16 << 10})
		defer e.Finish(nil)
		tags := model(t, e, "test.tag")
		for name, read := range map[string]func() (*Records, error){
			"search_read": func() (*Records, error) {
				return tags.SearchReadRecords(nil, []string{"name"}, SearchOptions{Order: "id"})
			},
			"read": func() (*Records, error) {
				ids, err := tags.Search(nil, SearchOptions{Order: "id"})
				if err != nil {
					return nil, err
				}
				return tags.ReadRecords(ids, []string{"name"})
			},
		} {
			recs, err := read()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !recs.Streamed() || len(recs.held) != fetchBatch || len(recs.rest) != 4000 || recs.Len() != 5000 {
				t.Fatalf("%s: held %d, rest %d: not one batch held", name, len(recs.held), len(recs.rest))
			}
			if _, ok := recs.Answer().(*Records); !ok {
				t.Fatalf("%s: a streamed answer was handed out whole", name)
			}
			recs.Map(func(rec map[string]any) { rec["seen"] = true })
			n := int64(0)
			err = recs.Each(func(v any) error {
				n++
				rec := v.(map[string]any)
				if rec["id"] != n || rec["name"] != fmt.Sprintf("tag%d", n) || rec["seen"] != true {
					return fmt.Errorf("record %d is %v", n, rec)
				}
				return nil
			})
			if err != nil || n != 5000 {
				t.Fatalf("%s: walked %d records, %v", name, n, err)
			}
		}
		// A page is held whole and handed out as the list itself.
		page, err := tags.SearchReadRecords(nil, []string{"name"}, SearchOptions{Limit: 10})
		if err != nil || page.Streamed() {
			t.Fatalf("page streamed: %v", err)
		}
		if l, ok := page.Answer().([]map[string]any); !ok || len(l) != 10 {
			t.Fatalf("page answer %T", page.Answer())
		}
	})
}

// The byte budget judges the whole answer before any of it is handed
// out: the held part fitting is not enough.
func TestStreamedAnswerMeasuredWhole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := streamTags(t, db, 5000, Budget{StreamAbove: 16 << 10, MaxBytes: 64 << 10}) // about 160 KB of records
		defer e.Finish(nil)
		tags := model(t, e, "test.tag")
		_, err := tags.SearchReadRecords(nil, []string{"name"}, SearchOptions{})
		wantKind(t, err, errs.UserError)
		if msg := errs.As(err).Message(); !strings.Contains(msg, "orm.max_response_bytes") {
			t.Fatalf("message %q", msg)
		}
		ids, _ := tags.Search(nil, SearchOptions{})
		_, err = tags.ReadRecords(ids, []string{"name"})
		wantKind(t, err, errs.UserError)
	})
}

// Walking a streamed answer after its Env ended is an error, never a
// shorter list.
func TestStreamedAnswerAfterFinish(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := streamTags(t, db, 3000, Budget{StreamAbove: 16 << 10})
		recs, err := model(t, e, "test.tag").SearchReadRecords(nil, []string{"name"}, SearchOptions{})
		if err != nil || !recs.Streamed() {
			t.Fatalf("%v", err)
		}
		e.Finish(nil)
		n := 0
		err = recs.Each(func(any) error { n++; return nil })
		if err == nil {
			t.Fatalf("walked %d records after the Env ended without an error", n)
		}
		if _, err := recs.All(); err == nil {
			t.Fatal("All after the Env ended: no error")
		}
	})
}
