package orm

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart/rampart/store"
	"github.com/rampart/rampart/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestSyncGolden pins the DDL a fresh sync of testdata/models.yaml runs on
// each database (testdata/sync.<dialect>.golden; go test ./orm -update).
func TestSyncGolden(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := testRegistry(t)
		rep, err := r.Sync(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(rep.Changes, ";\n") + ";\n"
		path := filepath.Join("testdata", "sync."+db.Dialect.Name()+".golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./orm -update)", err)
		}
		if got != string(want) {
			t.Errorf("sync DDL differs from %s (go test ./orm -update):\n%s", path, got)
		}
	})
}
