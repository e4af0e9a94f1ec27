package orm

import (
	"context"
	"strings"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

func TestSyncIdempotentAndKeepsRemovedColumns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := testRegistry(t)
		setup(t, db, r)
		rep, err := r.Sync(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Changes) != 0 || len(rep.Warnings) != 0 {
			t.Fatalf("second sync changed something: %+v", rep)
		}
		e := newEnv(t, db, r, admin)
		mustCreate(t, model(t, e, "test.tag"), map[string]any{"name": "kept"})
		if err := e.Finish(nil); err != nil {
			t.Fatal(err)
		}

		// A new declaration of test.tag without "name" but with a new
		// required field and an index.
		r2 := NewRegistry(AllowAll{})
		err = r2.Define(ModelDef{Name: "test.tag", Source: "v2", Fields: []Field{
			{Name: "label", Type: Char}, {Name: "rank", Type: Integer, Required: true, Index: true},
		}, Indexes: [][]string{{"rank", "id"}}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err = r2.Sync(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(rep.Warnings, "\n")
		if !strings.Contains(joined, "test_tag.name is no longer declared") {
			t.Errorf("removed column not reported: %q", joined)
		}
		if !strings.Contains(joined, "test.tag.rank: required column added") {
			t.Errorf("nullable required column not reported: %q", joined)
		}
		if len(rep.Changes) != 4 { // label, rank, index on rank, index on (rank, id)
			t.Errorf("changes = %q", rep.Changes)
		}
		var name string
		err = db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT name FROM test_tag`).Scan(&name)
		})
		if err != nil || name != "kept" {
			t.Errorf("removed column's data: %q, %v", name, err)
		}
		rep, err = r2.Sync(ctx, db)
		if err != nil || len(rep.Changes) != 0 {
			t.Errorf("third sync: %+v, %v", rep, err)
		}
	})
}

// TestSyncConcurrent: instances starting together all succeed and the
// schema is created once.
func TestSyncConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 4
		errc := make(chan error, n)
		changed := make(chan int, n)
		regs := make([]*Registry, n)
		for i := range regs {
			regs[i] = testRegistry(t)
		}
		for _, r := range regs {
			go func() {
				rep, err := r.Sync(context.Background(), db)
				if err == nil {
					changed <- len(rep.Changes)
				}
				errc <- err
			}()
		}
		total := 0
		for range n {
			if err := <-errc; err != nil {
				t.Error(err)
			}
		}
		close(changed)
		for c := range changed {
			if c > 0 {
				total++
			}
		}
		if total != 1 {
			t.Errorf("%d syncs changed the schema, want 1", total)
		}
	})
}
